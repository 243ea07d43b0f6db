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
/// Each order is handed to intake on its own, bare, as <c>POST /v1/intake/walmart</c> takes it. The
/// token comes from the same cache and request as the Walmart pusher's, so that pushing to and polling
/// one connector share it.
/// </summary>
public sealed class WalmartOrderPoller(TimeProvider time, AccessTokenCache tokens) : IOrderPoller
{
    /// <summary>A poller with a token cache of its own.</summary>
    public WalmartOrderPoller(TimeProvider time)
        : this(time, new AccessTokenCache(time))
    {
    }

    /// <summary>Orders asked per page (Walmart's limit is 200).</summary>
    public const int PageSize = 100;

    /// <summary>
    /// A sweep starts this long before the moment it was begun: an order changed while the previous
    /// sweep was paging, or indexed late by Walmart, is read again rather than missed; intake keeps
    /// it once.
    /// </summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(5);

    /// <summary>Walmart gives no <c>Retry-After</c> on its order calls; they refill within a minute.</summary>
    public static readonly TimeSpan DefaultWait = WalmartPusher.DefaultThrottleWait;

    private static readonly JsonSerializerOptions CursorJson = new(JsonSerializerDefaults.Web);

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

        var (token, key, tokenProblem) = await WalmartPusher.AccessTokenAsync(http, connector, tokens, time, cancellationToken);
        if (tokenProblem is not null)
        {
            return (null, tokenProblem);
        }

        // A sweep begun now reads on to the moment it began, less the overlap; one under way keeps its start.
        var nextSince = at.NextSince ?? time.GetUtcNow() - Overlap;
        var query = at.Next is { Length: > 0 } next
            ? (next.StartsWith('?') ? next : $"?{next}")
            : $"?lastModifiedStartDate={Uri.EscapeDataString(MarketplaceCall.Time(at.Since))}&limit={PageSize}";
        using var request = new HttpRequestMessage(HttpMethod.Get, MarketplaceCall.Endpoint(connector.BaseUrl, $"/v3/orders{query}"));
        WalmartPusher.AddServiceHeaders(request);
        request.Headers.Add("WM_SEC.ACCESS_TOKEN", token);
        var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken, MarketplaceCall.OrderPageBytesMax);
        if (answer is null)
        {
            return (null, failure);
        }

        if (answer.Status == 401)
        {
            // The token may have been revoked early: the next poll (or push) asks for a new one.
            tokens.Forget(key);
        }

        // Walmart answers 404 when no order matches the window: an empty page, not a failure.
        if (answer.Status == 404 && answer.Body.Contains("CONTENT_NOT_FOUND", StringComparison.Ordinal))
        {
            return (new PolledOrders([], JsonSerializer.Serialize(new Cursor(nextSince), CursorJson), false), null);
        }

        if (!answer.Succeeded)
        {
            return (null, WalmartPusher.Refusal(answer, time.GetUtcNow()));
        }

        if (MarketplaceCall.Json(answer.Body) is not { ValueKind: JsonValueKind.Object } root
            || !root.TryGetProperty("list", out var list) || list.ValueKind != JsonValueKind.Object)
        {
            return (null, new PushOutcome.Failed(true, answer.Status, $"not an order list: {MarketplaceCall.Quote(answer.Body)}"));
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
