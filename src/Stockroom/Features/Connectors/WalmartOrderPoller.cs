using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Stockroom.Features.Connectors;

/// <summary>
/// Walmart Marketplace orders by polling, Orders API v3 <c>getAllOrders</c>
/// (<c>GET /v3/orders?lastModifiedStartDate=…&amp;limit=…</c>, then the <c>list.meta.nextCursor</c> query
/// string for the following pages), authenticated with a token from <c>POST /v3/token</c> (client
/// credentials, HTTP Basic) sent as <c>WM_SEC.ACCESS_TOKEN</c> beside <c>WM_SVC.NAME</c> and a fresh
/// <c>WM_QOS.CORRELATION_ID</c>. https://developer.walmart.com/us-marketplace/docs/get-all-orders,
/// https://developer.walmart.com/us-marketplace/reference/getallorders,
/// https://developer.walmart.com/us-marketplace/docs/get-an-access-token
/// <para>
/// All orders by last change, not the released ones (<c>GET /v3/orders/released</c>): released
/// orders are only those whose lines are still <c>Created</c>, the seller's to-do list. Stock is
/// owed from the order's creation, and an order's later changes — a cancellation, a shipment —
/// must reach Stockroom too, to free or ship what it holds; only the last-modified window sees them.
/// </para>
/// Each order is handed to intake on its own, bare, as <c>POST /v1/intake/walmart</c> takes it.
/// </summary>
public sealed class WalmartOrderPoller(TimeProvider time) : IOrderPoller
{
    /// <summary>Orders asked per page (Walmart's limit is 200).</summary>
    public const int PageSize = 100;

    /// <summary>
    /// A sweep starts this long before the moment it was begun: an order changed while the previous
    /// sweep was paging, or indexed late by Walmart, is read again rather than missed; intake keeps
    /// it once.
    /// </summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(5);

    /// <summary>Walmart gives no <c>Retry-After</c>; its order calls refill within a minute.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);

    private static readonly JsonSerializerOptions CursorJson = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> _tokens = new(StringComparer.Ordinal);

    public ConnectorKind Kind => ConnectorKind.Walmart;

    public string IntakeFormat => "walmart";

    /// <summary>
    /// Where polling stands: the sweep's <c>lastModifiedStartDate</c>; while a sweep pages, the moment
    /// the next sweep starts from and Walmart's <c>nextCursor</c>.
    /// </summary>
    private sealed record Cursor(DateTimeOffset Since, DateTimeOffset? NextSince = null, string? Next = null);

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

        var (token, tokenProblem) = await TokenAsync(http, connector, cancellationToken);
        if (token is null)
        {
            return (null, tokenProblem);
        }

        // A sweep begun now reads on to the moment it began, less the overlap; one under way keeps its start.
        var nextSince = at.NextSince ?? time.GetUtcNow() - Overlap;
        var query = at.Next is { Length: > 0 } next
            ? (next.StartsWith('?') ? next : $"?{next}")
            : $"?lastModifiedStartDate={Uri.EscapeDataString(MarketplaceCalls.Time(at.Since))}&limit={PageSize}";
        using var request = Request(HttpMethod.Get, MarketplaceCalls.Url(connector.BaseUrl, $"/v3/orders{query}"));
        request.Headers.Add("WM_SEC.ACCESS_TOKEN", token);
        var (response, problem) = await MarketplaceCalls.SendAsync(http, request, cancellationToken);
        if (response is null)
        {
            return (null, problem);
        }

        using (response)
        {
            var body = await MarketplaceCalls.BodyAsync(response, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                // The token may have been revoked early: the next poll asks for a new one.
                _tokens.TryRemove(TokenKey(connector), out _);
            }

            // Walmart answers 404 when no order matches the window: an empty page, not a failure.
            if (response.StatusCode == HttpStatusCode.NotFound && body.Contains("CONTENT_NOT_FOUND", StringComparison.Ordinal))
            {
                return (new PolledOrders([], JsonSerializer.Serialize(new Cursor(nextSince), CursorJson), false), null);
            }

            if (!response.IsSuccessStatusCode)
            {
                return (null, MarketplaceCalls.Refusal(response, body, DefaultWait, time.GetUtcNow()));
            }

            if (MarketplaceCalls.Json(body) is not { ValueKind: JsonValueKind.Object } root
                || !root.TryGetProperty("list", out var list) || list.ValueKind != JsonValueKind.Object)
            {
                return (null, new PushOutcome.Failed(true, (int)response.StatusCode, $"not an order list: {Bound(body)}"));
            }

            var orders = list.TryGetProperty("elements", out var elements) && elements.ValueKind == JsonValueKind.Object
                && elements.TryGetProperty("order", out var array) && array.ValueKind == JsonValueKind.Array
                    ? array.EnumerateArray().ToList()
                    : [];
            var nextCursor = list.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object
                && meta.TryGetProperty("nextCursor", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } value
                    ? value
                    : null;
            var following = nextCursor is null ? new Cursor(nextSince) : new Cursor(at.Since, nextSince, nextCursor);
            return (new PolledOrders(orders, JsonSerializer.Serialize(following, CursorJson), nextCursor is not null), null);
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

    private static string TokenKey(ConnectorSettings connector) => $"{connector.BaseUrl.AbsoluteUri}|{connector.Setting("clientId")}";

    /// <summary>An access token, from the cache while it has a minute left; Walmart's last 15 minutes.</summary>
    private async Task<(string? Token, PushOutcome? Problem)> TokenAsync(HttpClient http, ConnectorSettings connector, CancellationToken cancellationToken)
    {
        var key = TokenKey(connector);
        var now = time.GetUtcNow();
        if (_tokens.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return (cached.Token, null);
        }

        if (connector.Setting("clientId") is not { } clientId || connector.Secret("clientSecret") is not { } clientSecret)
        {
            return (null, new PushOutcome.Failed(false, null, "the connector has no clientId and clientSecret"));
        }

        using var request = Request(HttpMethod.Post, MarketplaceCalls.Url(connector.BaseUrl, "/v3/token"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{clientSecret}")));
        request.Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]);
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
                return (null, MarketplaceCalls.Refusal(response, body, DefaultWait, time.GetUtcNow()));
            }

            if (MarketplaceCalls.Json(body) is not { ValueKind: JsonValueKind.Object } root
                || !root.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String)
            {
                return (null, new PushOutcome.Failed(true, (int)response.StatusCode, $"no access_token in the token answer: {Bound(body)}"));
            }

            var seconds = root.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var s) ? s : 900;
            _tokens[key] = (token.GetString()!, now.AddSeconds(Math.Max(0, seconds - 60)));
            return (token.GetString(), null);
        }
    }

    /// <summary>A request with the headers every Walmart Marketplace call carries.</summary>
    private static HttpRequestMessage Request(HttpMethod method, Uri url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("WM_SVC.NAME", "Walmart Marketplace");
        request.Headers.Add("WM_QOS.CORRELATION_ID", Guid.NewGuid().ToString());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static string Bound(string body) => body.Length <= 500 ? body : body[..500];
}
