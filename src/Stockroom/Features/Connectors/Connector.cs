using System.Text.Json;

namespace Stockroom.Features.Connectors;

/// <summary>The marketplaces Stockroom keeps in step by itself, each in its own API.</summary>
public enum ConnectorKind
{
    Shopify,
    Amazon,
    Walmart,
    GoogleMerchant,
}

/// <summary>
/// One field a connector kind takes in <c>PUT /v1/channels/{id}</c>'s <c>connector</c> object, beside
/// <c>kind</c> and <c>baseUrl</c>. Secret fields are write-only: no answer shows them, and leaving one out
/// of a later PUT keeps the value stored.
/// </summary>
/// <param name="Name">The JSON name, camelCase (<c>accessToken</c>, <c>locationId</c>).</param>
/// <param name="Required">Whether a connector of this kind is refused without it.</param>
/// <param name="Secret">Whether it is write-only and kept apart from the settings any reader sees.</param>
/// <param name="Pattern">A regular expression the value must match, or null for any text of 1 to <see cref="ConnectorField.LengthMax"/> characters.</param>
/// <param name="Description">What it is, in the marketplace's words, for the OpenAPI document and problem messages.</param>
public sealed record ConnectorField(string Name, bool Required, bool Secret, string? Pattern, string Description)
{
    public const int LengthMax = 4_096;
}

/// <summary>
/// A channel's connector as stored: its kind, the marketplace API's base URL (checked like a webhook
/// target), the kind's plain settings and its secrets.
/// </summary>
public sealed record ConnectorSettings(
    string Channel,
    ConnectorKind Kind,
    Uri BaseUrl,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyDictionary<string, string> Secrets)
{
    public string? Setting(string name) => Settings.TryGetValue(name, out var value) ? value : null;

    public string? Secret(string name) => Secrets.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// One SKU's availability to send: the channel's figure after buffers (<see cref="Available"/>) and,
/// for kinds that publish per store (Google local inventory), each location's. <see cref="Sequence"/>
/// is the ledger sequence the figure stands at: the version a marketplace that takes one is sent, and
/// what makes a re-send of an older figure recognisable. <c>ExternalId</c> is the marketplace's id of the
/// item: the channel's listing for the SKU (a Shopify inventory item id, an Amazon or Walmart seller SKU,
/// a Google offer id), or the SKU itself when none is mapped.
/// </summary>
public sealed record AvailabilityPush(
    string Sku,
    string ExternalId,
    long Available,
    long Sequence,
    IReadOnlyDictionary<string, long>? ByLocation = null);

/// <summary>What became of one push of a batch.</summary>
public abstract record PushOutcome
{
    private PushOutcome()
    {
    }

    /// <summary>The marketplace took every update of the batch.</summary>
    public sealed record Delivered : PushOutcome;

    /// <summary>Rate limited (429, or the API's own throttling answer): send the same batch again after <paramref name="RetryAfter"/>.</summary>
    public sealed record Throttled(TimeSpan RetryAfter) : PushOutcome;

    /// <summary>
    /// Refused or failed. <paramref name="Retryable"/>: a 5xx, a timeout or a connection failure, sent
    /// again with back-off; otherwise the marketplace refused the request itself (400, 401, 403, 404),
    /// and it waits for an operator. <paramref name="Body"/> is the marketplace's own error body, kept
    /// for the connector's status (truncated to <see cref="BodyLengthMax"/> characters).
    /// </summary>
    public sealed record Failed(bool Retryable, int? Status, string Body) : PushOutcome
    {
        public const int BodyLengthMax = 4_096;
    }
}

/// <summary>
/// Sends availability to one kind of marketplace in its documented request format. Implementations
/// are stateless apart from caches of access tokens, and never decide what to send: the connector
/// worker coalesces per SKU, orders by ledger sequence, retries and records progress.
/// </summary>
public interface IAvailabilityPusher
{
    ConnectorKind Kind { get; }

    /// <summary>The fields this kind takes in the channel's <c>connector</c> object, beside <c>kind</c> and <c>baseUrl</c>.</summary>
    IReadOnlyList<ConnectorField> Fields { get; }

    /// <summary>Updates sent in one request at most (each API's own limit, e.g. Shopify's 250 quantities per mutation).</summary>
    int BatchSizeMax { get; }

    /// <summary>Whether <see cref="AvailabilityPush.ByLocation"/> must be filled (per-store inventories).</summary>
    bool NeedsLocations { get; }

    /// <summary>Sends one batch. Never throws for an HTTP answer; a cancelled token throws as usual.</summary>
    Task<PushOutcome> PushAsync(HttpClient http, ConnectorSettings connector, IReadOnlyList<AvailabilityPush> batch, CancellationToken cancellationToken);
}

/// <summary>
/// One page of a marketplace's orders read by polling, each as the raw JSON payload
/// <c>POST /v1/intake/{format}</c> takes for that marketplace, and the cursor to read on from.
/// </summary>
/// <param name="Orders">Raw order payloads, oldest change first, in the shape intake reads for the kind's format.</param>
/// <param name="Cursor">Where the next poll starts: stored only after every order of this page has been taken by intake.</param>
/// <param name="More">Whether another page is waiting now (read at once rather than at the next interval).</param>
public sealed record PolledOrders(IReadOnlyList<JsonElement> Orders, string Cursor, bool More);

/// <summary>
/// Reads the orders of a marketplace that does not push them (Walmart <c>GET /v3/orders</c>, Amazon
/// <c>getOrders</c> then <c>getOrderItems</c>), from a stored cursor. A crash between a page's intake
/// and the cursor's write reads the page again; intake's idempotency keeps each order once.
/// </summary>
public interface IOrderPoller
{
    ConnectorKind Kind { get; }

    /// <summary>The intake format the polled payloads are in (<c>walmart</c>, <c>amazon</c>).</summary>
    string IntakeFormat { get; }

    /// <summary>The first cursor for a connector that has never polled: orders changed from <paramref name="since"/> on.</summary>
    string InitialCursor(DateTimeOffset since);

    /// <summary>
    /// Reads one page from <paramref name="cursor"/>: the page, or why not (<see cref="PushOutcome.Throttled"/>,
    /// <see cref="PushOutcome.Failed"/>; never <see cref="PushOutcome.Delivered"/>). Never throws for an HTTP answer.
    /// </summary>
    Task<(PolledOrders? Page, PushOutcome? Problem)> PollAsync(HttpClient http, ConnectorSettings connector, string cursor, CancellationToken cancellationToken);
}
