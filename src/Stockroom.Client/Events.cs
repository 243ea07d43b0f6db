using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Stockroom.Client;

/// <summary>
/// One entry of the append-only ledger. <see cref="Data"/> is the recorded JSON byte for byte as the
/// <see cref="Hash"/> covers it, together with <see cref="PreviousHash"/>, so that the chain can be re-checked.
/// </summary>
public sealed record LedgerEvent
{
    public long Sequence { get; init; }

    /// <summary>What happened, e.g. <c>reservation.created</c> or <c>supply.synced</c>.</summary>
    public string Type { get; init; } = "";

    public DateTimeOffset At { get; init; }

    public JsonElement Data { get; init; }

    public string PreviousHash { get; init; } = "";

    public string Hash { get; init; } = "";
}

/// <summary>The body of <c>POST /v1/webhooks</c>: deliveries of these event types go to <see cref="Url"/>, signed with <see cref="Secret"/>.</summary>
public sealed record WebhookRequest
{
    public required string Id { get; init; }

    public required Uri Url { get; init; }

    /// <summary>E.g. <c>availability.changed</c>, <c>stock.low</c>, <c>stock.soldOut</c>, <c>reservation.expired</c>.</summary>
    public required IReadOnlyList<string> Events { get; init; }

    /// <summary>16 to 256 characters; deliveries carry <c>Stockroom-Signature: t=…,v1=hex(HMAC-SHA256(secret, t + "." + body))</c>.</summary>
    public required string Secret { get; init; }
}

/// <summary>A subscription, never with its secret; when disabled for failing, since when and why.</summary>
public sealed record Webhook
{
    public string Id { get; init; } = "";

    public Uri? Url { get; init; }

    public IReadOnlyList<string> Events { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? DisabledAt { get; init; }

    public string? DisabledReason { get; init; }
}

/// <summary><c>/v1/events</c>: the ledger of every change.</summary>
public sealed class EventsClient
{
    private readonly StockroomTransport _transport;

    internal EventsClient(StockroomTransport transport) => _transport = transport;

    /// <summary>
    /// One page of events after the cursor <paramref name="after"/> (from the start when null), oldest
    /// first. <c>next</c> is null once the page reaches the ledger's end at the time of the read.
    /// </summary>
    public Task<Page<LedgerEvent>> GetPageAsync(string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        // The contract's own field is "events", kept beside "data".
        _transport.GetPageAsync<LedgerEvent>(Paths.Query("v1/events", ("after", after), ("limit", Paths.Text(limit))), "events", cancellationToken);

    /// <summary>Every event after <paramref name="after"/> up to the ledger's end as it is reached, a page at a time.</summary>
    public IAsyncEnumerable<LedgerEvent> ListAsync(string? after = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((cursor, token) => GetPageAsync(cursor, pageSize, token), after, cancellationToken);

    /// <summary>
    /// The ledger live, as server-sent events: every event after the sequence <paramref name="after"/>,
    /// or from now when null, as it is recorded, until cancelled. After a broken connection, start
    /// again after the last <see cref="LedgerEvent.Sequence"/> seen to miss nothing.
    /// </summary>
    public IAsyncEnumerable<LedgerEvent> StreamAsync(long? after = null, CancellationToken cancellationToken = default) =>
        _transport.StreamAsync<LedgerEvent>(Paths.Query("v1/events/stream", ("after", after?.ToString(CultureInfo.InvariantCulture))), cancellationToken);
}

/// <summary><c>/v1/webhooks</c>: signed deliveries of events to subscribers.</summary>
public sealed class WebhooksClient
{
    private readonly StockroomTransport _transport;

    internal WebhooksClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Subscribes, idempotently by id: the same request again answers the same subscription.</summary>
    public async Task<Webhook> CreateAsync(WebhookRequest webhook, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return (await _transport.SendAsync<Webhook>(HttpMethod.Post, "v1/webhooks", webhook, null, webhook.Id, cancellationToken).ConfigureAwait(false)).Value;
    }

    public Task<Webhook> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync<Webhook>(Paths.Of("v1/webhooks", id), cancellationToken);

    public Task<Page<Webhook>> GetPageAsync(string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<Webhook>(Paths.Query("v1/webhooks", ("after", after), ("limit", Paths.Text(limit))), null, cancellationToken);

    public IAsyncEnumerable<Webhook> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetPageAsync(after, pageSize, token), null, cancellationToken);

    /// <summary>Enables a subscription disabled for failing: deliveries resume.</summary>
    public async Task<Webhook> EnableAsync(string id, CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync<Webhook>(HttpMethod.Post, Paths.Of("v1/webhooks", id, "enable"), null, null, null, cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>Removes a subscription and its pending deliveries.</summary>
    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Delete, Paths.Of("v1/webhooks", id), null, cancellationToken);
}

/// <summary>
/// Checks the <c>Stockroom-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, t + "." + body)&gt;</c>
/// header of a webhook delivery, so that a subscriber acts only on deliveries from its Stockroom.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Stockroom-Signature";

    /// <summary>How far a delivery's time may be from the subscriber's clock, unless the caller says otherwise.</summary>
    public static readonly TimeSpan ToleranceDefault = TimeSpan.FromMinutes(5);

    /// <summary>
    /// True when <paramref name="signature"/> signs <paramref name="body"/> (the request body exactly as
    /// received) with <paramref name="secret"/>, at a time within <paramref name="tolerance"/> of
    /// <paramref name="now"/>: an old delivery replayed later is refused. Any <c>v1</c> that matches will do,
    /// so that a header carrying signatures with an old and a new secret passes during a rotation.
    /// </summary>
    public static bool IsValid(string? signature, string body, string secret, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }

        long? unixSeconds = null;
        var candidates = new List<byte[]>();
        foreach (var part in signature.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal) && long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                unixSeconds = t;
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal) && part.Length == 3 + (2 * HMACSHA256.HashSizeInBytes))
            {
                try
                {
                    candidates.Add(Convert.FromHexString(part.AsSpan(3)));
                }
                catch (FormatException)
                {
                    // Not hex: it matches nothing, and the other candidates are still checked.
                }
            }
        }

        if (unixSeconds is not { } seconds || candidates.Count == 0
            || (now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253_402_300_799))).Duration() > (tolerance ?? ToleranceDefault))
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{seconds}.{body}")));
        // Compared in constant time, so that the time taken says nothing about how much of a guess was right.
        return candidates.Exists(candidate => CryptographicOperations.FixedTimeEquals(candidate, expected));
    }
}
