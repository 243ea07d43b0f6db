using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Stockroom.Tests.Fixtures;

/// <summary>
/// A marketplace API simulated on 127.0.0.1: every request is checked against what the
/// documentation requires (a request that is not is answered 400 and counted in <see cref="Refused"/>),
/// and answered in the documented response shapes. <see cref="ThrottleNext"/> answers the next
/// calls of the order list with the marketplace's 429.
/// </summary>
public abstract class MarketplaceOrdersStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _refused = new();
    private int _throttleNext;
    private int _listCalls;

    protected MarketplaceOrdersStandIn()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        Map(_app);
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Why requests were answered 400: empty when every request was as documented.</summary>
    public IReadOnlyCollection<string> Refused => _refused;

    /// <summary>Calls of the order list answered, throttled ones included.</summary>
    public int ListCalls => _listCalls;

    /// <summary>Orders per page at most, whatever the caller asks, so that a few orders span several pages.</summary>
    public int PageMax { get; set; } = 2;

    public int ThrottleNext
    {
        get => Volatile.Read(ref _throttleNext);
        set => Volatile.Write(ref _throttleNext, value);
    }

    protected abstract void Map(WebApplication app);

    protected async Task ListenAsync()
    {
        await _app.StartAsync();
        BaseUrl = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Counts a call of the order list; true when it is to be throttled.</summary>
    protected bool ListCall()
    {
        Interlocked.Increment(ref _listCalls);
        int left;
        do
        {
            left = ThrottleNext;
            if (left <= 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _throttleNext, left - 1, left) != left);
        return true;
    }

    protected IResult Refuse(string why)
    {
        _refused.Enqueue(why);
        return Results.Json(new { error = why }, statusCode: 400);
    }

    protected static bool Iso(string? value, out DateTimeOffset at) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at) && value!.Contains('T', StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Walmart Marketplace, written from https://developer.walmart.com/us-marketplace/docs/get-an-access-token
/// (<c>POST /v3/token</c>: HTTP Basic client id and secret, <c>grant_type=client_credentials</c>,
/// <c>WM_SVC.NAME</c> and <c>WM_QOS.CORRELATION_ID</c>; answers <c>access_token</c>, <c>token_type</c>,
/// <c>expires_in</c>) and https://developer.walmart.com/us-marketplace/docs/get-all-orders with the
/// getAllOrders reference (<c>GET /v3/orders</c> with <c>WM_SEC.ACCESS_TOKEN</c>; <c>limit</c> up to 200;
/// <c>lastModifiedStartDate</c> ISO 8601; the answer's <c>list.meta.nextCursor</c> is the query string of
/// the next page; no order in the window is a 404 <c>CONTENT_NOT_FOUND.GMP_ORDER_API</c>; too many calls a 429).
/// </summary>
public sealed class WalmartOrdersStandIn : MarketplaceOrdersStandIn
{
    public const string ClientId = "walmart-client";
    public const string ClientSecret = "walmart-secret";
    private const string Token = "eyJraWQiOiJ3YWxtYXJ0LXRva2VuIn0";

    private readonly List<(string Id, DateTimeOffset Modified, JsonObject Order)> _orders = [];
    private readonly Lock _lock = new();

    private WalmartOrdersStandIn()
    {
    }

    public static async Task<WalmartOrdersStandIn> StartAsync()
    {
        var standIn = new WalmartOrdersStandIn();
        await standIn.ListenAsync();
        return standIn;
    }

    /// <summary>Adds an order from the documented example (the first order of <c>walmart-list.json</c>), with a fresh purchase order id; returns the id.</summary>
    public string AddOrder(string sku, DateTimeOffset modified)
    {
        var (body, _) = IntakeFixtures.Fixture("walmart-list.json", sku, "1796277083022");
        var order = JsonNode.Parse(body)!["list"]!["elements"]!["order"]![0]!.AsObject();
        var id = order["purchaseOrderId"]!.GetValue<string>();
        lock (_lock)
        {
            _orders.Add((id, modified, (JsonObject)order.DeepClone()));
        }

        return id;
    }

    protected override void Map(WebApplication app)
    {
        app.MapPost("/v3/token", async (HttpRequest request) =>
        {
            if (Common(request) is { } missing)
            {
                return Refuse(missing);
            }

            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
            if (request.Headers.Authorization.ToString() != $"Basic {basic}")
            {
                return Results.Json(new { error = new[] { new { code = "UNAUTHORIZED.GMP_GATEWAY_API", info = "Unauthorized token or invalid client id" } } }, statusCode: 401);
            }

            if (!request.HasFormContentType || (await request.ReadFormAsync())["grant_type"] != "client_credentials")
            {
                return Refuse("the token request is a form with grant_type=client_credentials");
            }

            return Results.Json(new { access_token = Token, token_type = "Bearer", expires_in = 900 });
        });
        app.MapGet("/v3/orders", (HttpRequest request) =>
        {
            if (Common(request) is { } missing)
            {
                return Refuse(missing);
            }

            if (request.Headers["WM_SEC.ACCESS_TOKEN"] != Token)
            {
                return Results.Json(new { error = new[] { new { code = "UNAUTHORIZED.GMP_GATEWAY_API", info = "Unauthorized token" } } }, statusCode: 401);
            }

            var query = request.Query;
            if (!int.TryParse(query["limit"], CultureInfo.InvariantCulture, out var limit) || limit is < 1 or > 200)
            {
                return Refuse("limit is 1 to 200");
            }

            if (!Iso(query["lastModifiedStartDate"], out var since))
            {
                return Refuse("lastModifiedStartDate is an ISO 8601 time");
            }

            var from = 0;
            if (query.ContainsKey("hasMoreElements") && (!int.TryParse(query["soIndex"], CultureInfo.InvariantCulture, out from) || from < 0))
            {
                return Refuse("a next page is asked with the nextCursor Walmart gave");
            }

            if (ListCall())
            {
                return Results.Json(new { errors = new { error = new[] { new { code = "REQUEST_THRESHOLD_VIOLATED.GMP_ORDER_API", description = "Request threshold violated", severity = "ERROR", category = "REQUEST" } } } },
                    statusCode: 429);
            }

            List<JsonObject> matching;
            lock (_lock)
            {
                matching = [.. _orders.Where(o => o.Modified >= since).OrderBy(o => o.Modified).ThenBy(o => o.Id, StringComparer.Ordinal).Select(o => o.Order)];
            }

            if (matching.Count == 0)
            {
                return Results.Json(new { errors = new { error = new[] { new { code = "CONTENT_NOT_FOUND.GMP_ORDER_API", field = "data", description = "No Orders found", info = "Requested content could not be found.", severity = "INFO", category = "REQUEST" } } } },
                    statusCode: 404);
            }

            var size = Math.Min(limit, PageMax);
            var page = matching.Skip(from).Take(size).Select(o => o.DeepClone()).ToArray();
            var more = from + size < matching.Count;
            var next = more
                ? $"?limit={limit}&hasMoreElements=true&soIndex={from + size}&poIndex={from + size}&sellerId=101&lastModifiedStartDate={Uri.EscapeDataString(query["lastModifiedStartDate"]!)}"
                : null;
            var answer = new JsonObject
            {
                ["list"] = new JsonObject
                {
                    ["meta"] = new JsonObject { ["totalCount"] = matching.Count, ["limit"] = limit, ["nextCursor"] = next },
                    ["elements"] = new JsonObject { ["order"] = new JsonArray(page) },
                },
            };
            return Results.Text(answer.ToJsonString(), "application/json");
        });
    }

    /// <summary>The headers every Walmart Marketplace call must carry.</summary>
    private static string? Common(HttpRequest request) =>
        request.Headers["WM_SVC.NAME"].ToString().Length == 0 ? "WM_SVC.NAME is required"
        : request.Headers["WM_QOS.CORRELATION_ID"].ToString().Length == 0 ? "WM_QOS.CORRELATION_ID is required"
        : !request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal) ? "Accept: application/json is required"
        : null;
}

/// <summary>
/// Amazon Selling Partner API, written from https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-reference
/// (getOrders: <c>GET /orders/v0/orders</c>, <c>MarketplaceIds</c> required, <c>LastUpdatedAfter</c> ISO 8601 or
/// <c>NextToken</c>, <c>MaxResultsPerPage</c> 1 to 100; getOrderItems: <c>GET /orders/v0/orders/{orderId}/orderItems</c>
/// with its own <c>NextToken</c>; answers in <c>{"payload": …}</c>; a 429 <c>QuotaExceeded</c> when throttled),
/// https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api (the LWA
/// <c>refresh_token</c> grant, and <c>x-amz-access-token</c> on every call). Each order is the documented
/// getOrder and getOrderItems examples of <c>amazon-getorder-getorderitems.json</c> (two item pages).
/// </summary>
public sealed class AmazonOrdersStandIn : MarketplaceOrdersStandIn
{
    public const string ClientId = "amzn1.application-oa2-client.standin";
    public const string ClientSecret = "amazon-secret";
    public const string RefreshToken = "Atzr|standin-refresh";
    public const string Marketplace = "ATVPDKIKX0DER";
    private const string Token = "Atza|standin-access";

    private readonly List<(string Id, DateTimeOffset Updated, JsonObject Order, JsonArray Items)> _orders = [];
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, int> _tokens = new(StringComparer.Ordinal);
    private int _itemCalls;

    private AmazonOrdersStandIn()
    {
    }

    public static async Task<AmazonOrdersStandIn> StartAsync()
    {
        var standIn = new AmazonOrdersStandIn();
        await standIn.ListenAsync();
        return standIn;
    }

    public int ItemCalls => _itemCalls;

    public Uri TokenUrl => new(BaseUrl, "/auth/o2/token");

    /// <summary>Adds an order from the documented examples with a fresh id, changed last at <paramref name="updated"/>; returns the id.</summary>
    public string AddOrder(string sku, DateTimeOffset updated)
    {
        var (body, _) = IntakeFixtures.Fixture("amazon-getorder-getorderitems.json", sku, "902-3159896-1390916");
        var root = JsonNode.Parse(body)!.AsObject();
        var order = root["order"]!["payload"]!.AsObject();
        order["LastUpdateDate"] = updated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var id = order["AmazonOrderId"]!.GetValue<string>();
        lock (_lock)
        {
            _orders.Add((id, updated, (JsonObject)order.DeepClone(), (JsonArray)root["orderItems"]!.DeepClone()));
        }

        return id;
    }

    protected override void Map(WebApplication app)
    {
        app.MapPost("/auth/o2/token", async (HttpRequest request) =>
        {
            if (!request.HasFormContentType)
            {
                return Refuse("the LWA token request is application/x-www-form-urlencoded");
            }

            var form = await request.ReadFormAsync();
            if (form["grant_type"] != "refresh_token")
            {
                return Refuse("grant_type is refresh_token");
            }

            if (form["refresh_token"] != RefreshToken || form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
            {
                return Results.Json(new { error = "invalid_client", error_description = "Client authentication failed" }, statusCode: 401);
            }

            return Results.Json(new { access_token = Token, token_type = "bearer", expires_in = 3600, refresh_token = RefreshToken });
        });
        app.MapGet("/orders/v0/orders", (HttpRequest request) =>
        {
            if (Authorized(request) is { } refused)
            {
                return refused;
            }

            var query = request.Query;
            if (query["MarketplaceIds"] != Marketplace)
            {
                return Refuse("MarketplaceIds is required");
            }

            DateTimeOffset after = default;
            var from = 0;
            if (query["NextToken"] is { Count: 1 } next)
            {
                if (!_tokens.TryGetValue(next.ToString(), out from))
                {
                    return Results.Json(new { errors = new[] { new { code = "InvalidInput", message = "Invalid NextToken" } } }, statusCode: 400);
                }

                after = DateTimeOffset.Parse(next.ToString().Split('|')[1], CultureInfo.InvariantCulture);
            }
            else if (!Iso(query["LastUpdatedAfter"], out after))
            {
                return Refuse("LastUpdatedAfter (or CreatedAfter) is required, in ISO 8601");
            }
            else if (query.ContainsKey("MaxResultsPerPage")
                && (!int.TryParse(query["MaxResultsPerPage"], CultureInfo.InvariantCulture, out var max) || max is < 1 or > 100))
            {
                return Refuse("MaxResultsPerPage is 1 to 100");
            }

            if (ListCall())
            {
                return Results.Json(new { errors = new[] { new { code = "QuotaExceeded", message = "You exceeded your quota for the requested resource." } } }, statusCode: 429);
            }

            List<JsonObject> matching;
            lock (_lock)
            {
                matching = [.. _orders.Where(o => o.Updated >= after).OrderBy(o => o.Updated).ThenBy(o => o.Id, StringComparer.Ordinal).Select(o => o.Order)];
            }

            var page = matching.Skip(from).Take(PageMax).Select(o => o.DeepClone()).ToArray();
            var payload = new JsonObject { ["Orders"] = new JsonArray(page), ["LastUpdatedBefore"] = "2026-12-31T00:00:00Z" };
            if (from + PageMax < matching.Count)
            {
                var token = $"{Guid.NewGuid():N}|{after.UtcDateTime:O}";
                _tokens[token] = from + PageMax;
                payload["NextToken"] = token;
            }

            return Results.Text(new JsonObject { ["payload"] = payload }.ToJsonString(), "application/json");
        });
        app.MapGet("/orders/v0/orders/{orderId}/orderItems", (string orderId, HttpRequest request) =>
        {
            if (Authorized(request) is { } refused)
            {
                return refused;
            }

            Interlocked.Increment(ref _itemCalls);
            JsonArray? items;
            lock (_lock)
            {
                items = _orders.FirstOrDefault(o => o.Id == orderId).Items;
            }

            if (items is null)
            {
                return Results.Json(new { errors = new[] { new { code = "InvalidInput", message = "Invalid AmazonOrderId" } } }, statusCode: 400);
            }

            // The documented first page names a NextToken for the second; the second page is asked with it.
            var second = request.Query["NextToken"] is { Count: 1 } token;
            if (second && request.Query["NextToken"] != items[0]!["payload"]!["NextToken"]!.GetValue<string>())
            {
                return Refuse("the item page's NextToken is the one the first page gave");
            }

            return Results.Text(items[second ? 1 : 0]!.ToJsonString(), "application/json");
        });
    }

    private IResult? Authorized(HttpRequest request)
    {
        if (request.Headers["x-amz-access-token"] != Token)
        {
            return Results.Json(new { errors = new[] { new { code = "Unauthorized", message = "Access to requested resource is denied." } } }, statusCode: 403);
        }

        return !request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal) ? Refuse("Accept: application/json") : null;
    }
}
