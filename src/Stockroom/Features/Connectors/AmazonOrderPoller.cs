using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stockroom.Features.Connectors;

/// <summary>
/// Amazon orders by polling, Selling Partner API Orders v0: <c>getOrders</c>
/// (<c>GET /orders/v0/orders?MarketplaceIds=…&amp;LastUpdatedAfter=…</c>, then <c>NextToken</c>), and
/// for each order <c>getOrderItems</c> (<c>GET /orders/v0/orders/{orderId}/orderItems</c>, with its own
/// <c>NextToken</c>), with an access token from Login with Amazon (<c>POST {tokenUrl}</c>, the
/// <c>refresh_token</c> grant) sent as <c>x-amz-access-token</c>. Each order is handed to intake as
/// <c>{"order": …, "orderItems": [pages]}</c>, the combined shape <c>POST /v1/intake/amazon</c> takes.
/// The published rate limits — getOrders 0.0167 requests a second with a burst of 20,
/// getOrderItems 0.5 with a burst of 30 — are kept per seller by token buckets, and a 429 is
/// throttling. https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-reference,
/// https://developer-docs.amazon.com/sp-api/docs/orders-api-rate-limits,
/// https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api
/// </summary>
public sealed class AmazonOrderPoller(TimeProvider time) : IOrderPoller
{
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

    public const string DefaultTokenUrl = "https://api.amazon.com/auth/o2/token";

    private static readonly JsonSerializerOptions CursorJson = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> _tokens = new(StringComparer.Ordinal);

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

        var (token, tokenProblem) = await TokenAsync(http, connector, cancellationToken);
        if (token is null)
        {
            return (null, tokenProblem);
        }

        var query = $"?MarketplaceIds={Uri.EscapeDataString(marketplace)}" + (at.Next is { } next
            ? $"&NextToken={Uri.EscapeDataString(next)}"
            : $"&LastUpdatedAfter={Uri.EscapeDataString(MarketplaceCalls.Time(at.After))}&MaxResultsPerPage={PageSize}");
        var (page, problem) = await GetAsync(http, connector, token, $"/orders/v0/orders{query}", TimeSpan.FromSeconds(60), cancellationToken);
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
            if (taken.Contains($"{id}|{MarketplaceCalls.Time(updated.Value)}"))
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
                var (items, itemsProblem) = await GetAsync(http, connector, token, $"/orders/v0/orders/{Uri.EscapeDataString(id)}/orderItems{itemsQuery}",
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
            taken.Add($"{id}|{MarketplaceCalls.Time(updated.Value)}");
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

    /// <summary>An SP-API GET; its <c>payload</c>, or why not.</summary>
    private async Task<(JsonElement? Payload, PushOutcome? Problem)> GetAsync(HttpClient http, ConnectorSettings connector, string token, string pathAndQuery,
        TimeSpan defaultWait, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, MarketplaceCalls.Url(connector.BaseUrl, pathAndQuery));
        request.Headers.Add("x-amz-access-token", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var (response, problem) = await MarketplaceCalls.SendAsync(http, request, cancellationToken);
        if (response is null)
        {
            return (null, problem);
        }

        using (response)
        {
            var body = await MarketplaceCalls.BodyAsync(response, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, MarketplaceCalls.Refusal(response, body, defaultWait, time.GetUtcNow()));
            }

            return MarketplaceCalls.Json(body) is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("payload", out var payload)
                && payload.ValueKind == JsonValueKind.Object
                ? (payload, null)
                : (null, new PushOutcome.Failed(true, (int)response.StatusCode, $"no payload in the answer: {(body.Length <= 500 ? body : body[..500])}"));
        }
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

    /// <summary>An LWA access token, from the cache while it has a minute left; they last an hour.</summary>
    private async Task<(string? Token, PushOutcome? Problem)> TokenAsync(HttpClient http, ConnectorSettings connector, CancellationToken cancellationToken)
    {
        var key = $"{connector.Setting("tokenUrl") ?? DefaultTokenUrl}|{connector.Setting("clientId")}|{connector.Secret("refreshToken")?.GetHashCode(StringComparison.Ordinal)}";
        var now = time.GetUtcNow();
        if (_tokens.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return (cached.Token, null);
        }

        if (connector.Setting("clientId") is not { } clientId || connector.Secret("clientSecret") is not { } clientSecret
            || connector.Secret("refreshToken") is not { } refreshToken)
        {
            return (null, new PushOutcome.Failed(false, null, "the connector has no clientId, clientSecret and refreshToken"));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(connector.Setting("tokenUrl") ?? DefaultTokenUrl))
        {
            Content = new FormUrlEncodedContent([
                new("grant_type", "refresh_token"), new("refresh_token", refreshToken), new("client_id", clientId), new("client_secret", clientSecret)]),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var (response, problem) = await MarketplaceCalls.SendAsync(http, request, cancellationToken);
        if (response is null)
        {
            return (null, problem);
        }

        using (response)
        {
            var body = await MarketplaceCalls.BodyAsync(response, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, MarketplaceCalls.Refusal(response, body, TimeSpan.FromSeconds(60), time.GetUtcNow()));
            }

            if (MarketplaceCalls.Json(body) is not { ValueKind: JsonValueKind.Object } root
                || !root.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String)
            {
                return (null, new PushOutcome.Failed(true, (int)response.StatusCode, "no access_token in the token answer"));
            }

            var seconds = root.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var s) ? s : 3600;
            _tokens[key] = (token.GetString()!, now.AddSeconds(Math.Max(0, seconds - 60)));
            return (token.GetString(), null);
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
