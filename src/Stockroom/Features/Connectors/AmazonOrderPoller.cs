using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stockroom.Features.Connectors;

/// <summary>
/// Amazon orders by polling, Selling Partner API Orders v0: <c>getOrders</c>
/// (<c>GET /orders/v0/orders?MarketplaceIds=…&amp;LastUpdatedAfter=…</c>, then <c>NextToken</c>), and
/// for each order <c>getOrderItems</c> (<c>GET /orders/v0/orders/{orderId}/orderItems</c>, with its own
/// <c>NextToken</c>), with an access token from Login with Amazon (<c>POST {tokenUrl}</c>, the
/// <c>refresh_token</c> grant, from the same cache and request as the Amazon pusher's, so that pushing to
/// and polling one connector share it) sent as <c>x-amz-access-token</c>. Each order is handed to intake as
/// <c>{"order": …, "orderItems": [pages]}</c>, the combined shape <c>POST /v1/intake/amazon</c> takes.
/// The published rate limits — getOrders 0.0167 requests a second with a burst of 20,
/// getOrderItems 0.5 with a burst of 30 — are kept per seller by token buckets, and a 429 is
/// throttling. https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-reference,
/// https://developer-docs.amazon.com/sp-api/docs/orders-api-rate-limits,
/// https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api
/// </summary>
public sealed class AmazonOrderPoller(TimeProvider time, AccessTokenCache tokens) : IOrderPoller
{
    /// <summary>A poller with a token cache of its own.</summary>
    public AmazonOrderPoller(TimeProvider time)
        : this(time, new AccessTokenCache(time))
    {
    }

    /// <summary>Orders asked per page (Amazon's maximum is 100): a page's items calls fit in getOrderItems' burst.</summary>
    public const int PageSize = 20;

    /// <summary>Item pages read for one order at most; an order has far fewer.</summary>
    public const int ItemPagesMax = 20;

    /// <summary>
    /// The next window starts this long before the last change taken, so that an order changed in
    /// the same second as it is not skipped; the orders of the overlap already taken are named in
    /// the cursor and not read again.
    /// </summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions CursorJson = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);

    public ConnectorKind Kind => ConnectorKind.Amazon;

    public string IntakeFormat => "amazon";

    /// <summary>
    /// Where polling stands: the window's <c>LastUpdatedAfter</c>, Amazon's <c>NextToken</c> while it
    /// pages, the latest <c>LastUpdateDate</c> taken in the window so far, and the orders of the
    /// overlap already taken (<c>id|LastUpdateDate</c>).
    /// </summary>
    private sealed record Cursor(DateTimeOffset After, string? Next = null, DateTimeOffset? High = null, IReadOnlyList<string>? Taken = null);

    public string InitialCursor(DateTimeOffset since) => JsonSerializer.Serialize(new Cursor(since), CursorJson);

    public async Task<(PolledOrders? Page, PushOutcome? Problem)> PollAsync(HttpClient http, ConnectorSettings connector, string cursor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(connector);
        if (Read(cursor) is not { } at)
        {
            return (null, new PushOutcome.Failed(false, null, $"the stored cursor is not one this server wrote: {cursor}"));
        }

        if (connector.Setting("marketplaceId") is not { } marketplace)
        {
            return (null, new PushOutcome.Failed(false, null, "the connector has no marketplaceId"));
        }

        var seller = $"{connector.BaseUrl.AbsoluteUri}|{connector.Setting("clientId")}|{marketplace}";
        var orderCalls = _buckets.GetOrAdd($"{seller}|getOrders", _ => new TokenBucket(20, 0.0167, time));
        var itemCalls = _buckets.GetOrAdd($"{seller}|getOrderItems", _ => new TokenBucket(30, 0.5, time));
        // A page is only worth reading when its items can be read too; otherwise it would be read twice.
        if (itemCalls.WaitFor(PageSize) is { } itemsWait)
        {
            return (null, new PushOutcome.Throttled(itemsWait));
        }

        if (orderCalls.Take() is { } ordersWait)
        {
            return (null, new PushOutcome.Throttled(ordersWait));
        }

        var (token, tokenKey, tokenProblem) = await AmazonPusher.AccessTokenAsync(http, connector, tokens, time, cancellationToken);
        if (tokenProblem is not null)
        {
            return (null, tokenProblem);
        }

        var query = $"?MarketplaceIds={Uri.EscapeDataString(marketplace)}" + (at.Next is { } next
            ? $"&NextToken={Uri.EscapeDataString(next)}"
            : $"&LastUpdatedAfter={Uri.EscapeDataString(MarketplaceCall.Time(at.After))}&MaxResultsPerPage={PageSize}");
        var (page, problem) = await GetAsync(http, connector, token, tokenKey, $"/orders/v0/orders{query}", TimeSpan.FromSeconds(60), cancellationToken);
        if (page is not { } payload)
        {
            return (null, problem);
        }

        var orders = payload.TryGetProperty("Orders", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
        var nextToken = payload.TryGetProperty("NextToken", out var nt) && nt.ValueKind == JsonValueKind.String && nt.GetString() is { Length: > 0 } t ? t : null;
        var taken = new HashSet<string>(at.Taken ?? [], StringComparer.Ordinal);
        var high = at.High;
        var combined = new List<JsonElement>(orders.Count);
        foreach (var order in orders)
        {
            var id = order.TryGetProperty("AmazonOrderId", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : null;
            var updated = order.TryGetProperty("LastUpdateDate", out var u) && u.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(u.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : (DateTimeOffset?)null;
            if (id is null || updated is null)
            {
                // Not an order intake can take; handing it on lets intake's audit trail name what is wrong.
                combined.Add(Combine(order, []));
                continue;
            }

            high = high is null || updated > high ? updated : high;
            if (taken.Contains($"{id}|{MarketplaceCall.Time(updated.Value)}"))
            {
                continue;
            }

            var pages = new List<JsonElement>();
            string? itemsToken = null;
            for (var itemPage = 0; itemPage < ItemPagesMax; itemPage++)
            {
                if (itemCalls.Take() is { } wait)
                {
                    return (null, new PushOutcome.Throttled(wait));
                }

                var itemsQuery = itemsToken is null ? "" : $"?NextToken={Uri.EscapeDataString(itemsToken)}";
                var (items, itemsProblem) = await GetAsync(http, connector, token, tokenKey, $"/orders/v0/orders/{Uri.EscapeDataString(id)}/orderItems{itemsQuery}",
                    TimeSpan.FromSeconds(2), cancellationToken);
                if (items is not { } itemsPayload)
                {
                    return (null, itemsProblem);
                }

                pages.Add(itemsPayload);
                itemsToken = itemsPayload.TryGetProperty("NextToken", out var it) && it.ValueKind == JsonValueKind.String && it.GetString() is { Length: > 0 } v ? v : null;
                if (itemsToken is null)
                {
                    break;
                }
            }

            combined.Add(Combine(order, pages));
            taken.Add($"{id}|{MarketplaceCall.Time(updated.Value)}");
        }

        Cursor following;
        if (nextToken is not null)
        {
            following = new Cursor(at.After, nextToken, high, [.. taken.Where(k => Changed(k) >= high - Overlap)]);
        }
        else
        {
            // The window is read to its end: the next one starts just before the latest change taken,
            // and remembers which orders of that overlap it already has.
            var after = high is { } h && h - Overlap > at.After ? h - Overlap : at.After;
            following = new Cursor(after, null, null, [.. taken.Where(k => Changed(k) >= after)]);
        }

        return (new PolledOrders(combined, JsonSerializer.Serialize(following, CursorJson), nextToken is not null), null);
    }

    private static DateTimeOffset Changed(string taken) =>
        DateTimeOffset.Parse(taken[(taken.LastIndexOf('|') + 1)..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static JsonElement Combine(JsonElement order, IReadOnlyList<JsonElement> pages)
    {
        var combined = new JsonObject
        {
            ["order"] = JsonNode.Parse(order.GetRawText()),
            ["orderItems"] = new JsonArray([.. pages.Select(p => JsonNode.Parse(p.GetRawText()))]),
        };
        return JsonSerializer.SerializeToElement(combined);
    }

    /// <summary>An SP-API GET; its <c>payload</c>, or why not. A token Amazon no longer takes (403) is forgotten, and the next poll asks for a new one.</summary>
    private async Task<(JsonElement? Payload, PushOutcome? Problem)> GetAsync(HttpClient http, ConnectorSettings connector, string token, string tokenKey,
        string pathAndQuery, TimeSpan defaultWait, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, MarketplaceCall.Endpoint(connector.BaseUrl, pathAndQuery));
        request.Headers.Add("x-amz-access-token", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken, MarketplaceCall.OrderPageBytesMax);
        if (answer is null)
        {
            return (null, failure);
        }

        if (answer.Status is 401 or 403)
        {
            tokens.Forget(tokenKey);
        }

        if (!answer.Succeeded)
        {
            return (null, MarketplaceCall.Refusal(answer, defaultWait, time.GetUtcNow()));
        }

        return MarketplaceCall.Json(answer.Body) is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("payload", out var payload)
            && payload.ValueKind == JsonValueKind.Object
            ? (payload, null)
            : (null, new PushOutcome.Failed(true, answer.Status, $"no payload in the answer: {MarketplaceCall.Quote(answer.Body)}"));
    }

    private static Cursor? Read(string cursor)
    {
        try
        {
            return JsonSerializer.Deserialize<Cursor>(cursor, CursorJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A token bucket of a published rate limit: <c>burst</c> calls at once, refilled at <c>rate</c> a second.</summary>
internal sealed class TokenBucket(int burst, double rate, TimeProvider time)
{
    private readonly Lock _lock = new();
    private double _tokens = burst;
    private DateTimeOffset _at = time.GetUtcNow();

    /// <summary>Takes one call; null when taken, otherwise how long until one is there.</summary>
    public TimeSpan? Take()
    {
        lock (_lock)
        {
            Refill();
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return null;
            }

            return TimeSpan.FromSeconds((1 - _tokens) / rate);
        }
    }

    /// <summary>Null when <paramref name="calls"/> (at most the burst) are there now, otherwise how long until they are; takes nothing.</summary>
    public TimeSpan? WaitFor(int calls)
    {
        lock (_lock)
        {
            Refill();
            var needed = Math.Min(calls, burst);
            return _tokens >= needed ? null : TimeSpan.FromSeconds((needed - _tokens) / rate);
        }
    }

    private void Refill()
    {
        var now = time.GetUtcNow();
        _tokens = Math.Min(burst, _tokens + Math.Max(0, (now - _at).TotalSeconds) * rate);
        _at = now;
    }
}
