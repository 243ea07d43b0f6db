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
/// Walmart Marketplace (US), inventory and orders on one server, written from: "Token API" (POST /v3/token,
/// Authorization Basic base64(clientId:clientSecret), WM_SVC.NAME and WM_QOS.CORRELATION_ID, form
/// grant_type=client_credentials; answer { access_token, token_type, expires_in }; unknown credentials a 401
/// UNAUTHORIZED.GMP_GATEWAY_API); "Inventory API: Update inventory for an item" (PUT /v3/inventory, query sku
/// required and shipNode optional, headers WM_SEC.ACCESS_TOKEN, WM_SVC.NAME, WM_QOS.CORRELATION_ID, Accept; body
/// { sku: string, quantity: { unit: "EACH", amount: integer } }); "Update inventory in bulk" (POST
/// /v3/feeds?feedType=inventory, multipart part "file" with the spec 1.4 JSON { InventoryHeader: { version: "1.4" },
/// Inventory: [{ sku, quantity }] }; answer { feedId }); https://developer.walmart.com/us-marketplace/docs/get-all-orders
/// with the getAllOrders reference (GET /v3/orders with WM_SEC.ACCESS_TOKEN; limit up to 200; lastModifiedStartDate
/// ISO 8601; the answer's list.meta.nextCursor is the query string of the next page; no order in the window is a 404
/// CONTENT_NOT_FOUND.GMP_ORDER_API); "Rate limiting" (429 with x-current-token-count and x-next-replenish-time in
/// epoch ms); errors { errors: [{ code, field, description, info, severity, category }] }.
/// </summary>
public sealed class WalmartStandIn : MarketplaceStandIn
{
    public const string ClientId = "walmart-client";
    public const string ClientSecret = "walmart-secret";

    private readonly ConcurrentDictionary<string, byte> _correlationIds = new(StringComparer.Ordinal);
    private readonly List<(string Id, DateTimeOffset Modified, JsonObject Order)> _orders = [];
    private readonly Lock _lock = new();

    public static async Task<WalmartStandIn> StartNewAsync()
    {
        var standIn = new WalmartStandIn();
        await standIn.StartAsync();
        return standIn;
    }

    /// <summary>(sku, amount) of each single update, or of each line of each feed, in arrival order.</summary>
    public List<(string Sku, long Amount)> Amounts() =>
    [
        .. Calls.Where(call => call.Path is "/v3/inventory" or "/v3/feeds").SelectMany(call =>
        {
            using var document = JsonDocument.Parse(call.Path == "/v3/feeds" ? FeedFile(call)! : call.Body);
            var items = call.Path == "/v3/feeds" ? [.. document.RootElement.GetProperty("Inventory").EnumerateArray()] : new[] { document.RootElement };
            return items.Select(item => (item.GetProperty("sku").GetString()!, item.GetProperty("quantity").GetProperty("amount").GetInt64())).ToList();
        }),
    ];

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

    protected override bool IsTokenRequest(StandInRequest request) => request.Path == "/v3/token";

    protected override StandInAnswer? Unauthorized(StandInRequest request)
    {
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(ClientId + ":" + ClientSecret));
        var known = IsTokenRequest(request) ? request.Headers["authorization"] == basic : IssuedTokens.Contains(request.Headers["wm_sec.access_token"]);
        return known
            ? null
            : new(401, Json(new { error = new[] { new { code = "UNAUTHORIZED.GMP_GATEWAY_API", field = "", description = "Unauthorized token or invalid client id", info = "Unauthorized token or invalid client id", severity = "ERROR", category = "DATA" } } }));
    }

    protected override void Check(StandInRequest request, List<string> problems)
    {
        Require(request.Headers.TryGetValue("wm_svc.name", out var service) && service.Length > 0, "WM_SVC.NAME is given", problems);
        Require(request.Headers.TryGetValue("wm_qos.correlation_id", out var correlation) && correlation.Length > 0, "WM_QOS.CORRELATION_ID is given", problems);
        Require(correlation is null || _correlationIds.TryAdd(correlation, 0), "WM_QOS.CORRELATION_ID is unique per request", problems);
        Require(request.Headers.TryGetValue("accept", out var accept) && accept.Contains("application/json", StringComparison.Ordinal), "Accept is application/json", problems);
        if (IsTokenRequest(request))
        {
            Require(request.Method == "POST", "the token request is a POST", problems);
            Require(request.Headers.TryGetValue("authorization", out var authorization) && authorization.StartsWith("Basic ", StringComparison.Ordinal),
                "Authorization is Basic client id and secret", problems);
            Require(request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true, "the token request is form-encoded", problems);
            Require(Form(request.Body, "grant_type") == "client_credentials", "grant_type is client_credentials", problems);
            return;
        }

        Require(request.Headers.TryGetValue("wm_sec.access_token", out var token) && token.Length > 0, "WM_SEC.ACCESS_TOKEN is given", problems);
        if (request.Path == "/v3/orders")
        {
            Require(request.Method == "GET", "getAllOrders is a GET", problems);
            Require(request.Query.TryGetValue("limit", out var limit) && int.TryParse(limit, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 200,
                "limit is 1 to 200", problems);
            Require(Iso(request.Query.GetValueOrDefault("lastModifiedStartDate"), out _), "lastModifiedStartDate is an ISO 8601 time", problems);
            Require(!request.Query.ContainsKey("hasMoreElements") ||
                (int.TryParse(request.Query.GetValueOrDefault("soIndex"), CultureInfo.InvariantCulture, out var from) && from >= 0),
                "a next page is asked with the nextCursor Walmart gave", problems);
        }
        else if (request.Path == "/v3/inventory")
        {
            Require(request.Method == "PUT", "the inventory update is a PUT", problems);
            Require(request.Query.TryGetValue("sku", out var sku) && sku.Length > 0, "sku is in the query", problems);
            if (ParseObject(request.Body, problems) is { } body)
            {
                Require(Text(body, "sku") == sku, "the body's sku is the query's", problems);
                CheckQuantity(body, problems);
            }
        }
        else if (request.Path == "/v3/feeds")
        {
            Require(request.Method == "POST", "a feed is a POST", problems);
            Require(request.Query.TryGetValue("feedType", out var type) && type == "inventory", "feedType is inventory", problems);
            Require(request.ContentType?.StartsWith("multipart/form-data", StringComparison.Ordinal) == true, "a feed is multipart/form-data", problems);
            if (FeedFile(request) is not { } file)
            {
                problems.Add("the feed has a part named file");
                return;
            }

            if (ParseObject(file, problems) is { } feed)
            {
                Require(feed.TryGetProperty("InventoryHeader", out var header) && Text(header, "version") == "1.4", "InventoryHeader.version is 1.4", problems);
                if (!feed.TryGetProperty("Inventory", out var inventory) || inventory.ValueKind != JsonValueKind.Array || inventory.GetArrayLength() == 0)
                {
                    problems.Add("Inventory is a non-empty array");
                    return;
                }

                foreach (var item in inventory.EnumerateArray())
                {
                    Require(Text(item, "sku") is { Length: > 0 }, "each item has a sku", problems);
                    CheckQuantity(item, problems);
                }
            }
        }
        else
        {
            problems.Add("no such resource");
        }
    }

    private static void CheckQuantity(JsonElement item, List<string> problems) =>
        Require(item.TryGetProperty("quantity", out var quantity) && Text(quantity, "unit") == "EACH" &&
            quantity.TryGetProperty("amount", out var amount) && amount.ValueKind == JsonValueKind.Number && amount.TryGetInt64(out var n) && n >= 0,
            "quantity is { unit: EACH, amount: integer of zero or more }", problems);

    /// <summary>The content of the multipart part named <c>file</c>, read plainly: the feeds are small.</summary>
    private static string? FeedFile(StandInRequest request)
    {
        var boundary = request.ContentType?.Split("boundary=").ElementAtOrDefault(1)?.Trim('"');
        if (boundary is null)
        {
            return null;
        }

        foreach (var part in request.Body.Split("--" + boundary))
        {
            var split = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (split > 0 && part[..split].Contains("name=file", StringComparison.Ordinal))
            {
                return part[(split + 4)..].TrimEnd('\r', '\n');
            }
        }

        return null;
    }

    protected override StandInAnswer TokenAnswer(string token) =>
        new(200, Json(new { access_token = token, token_type = "Bearer", expires_in = 900 }));

    /// <summary>A single update sets its SKU's amount; a feed sets each of its lines in order (Walmart processes it later; here it is at once).</summary>
    protected override void Apply(StandInRequest request)
    {
        if (request.Path == "/v3/inventory")
        {
            using var document = JsonDocument.Parse(request.Body);
            Set(Text(document.RootElement, "sku")!, document.RootElement.GetProperty("quantity").GetProperty("amount").GetInt64());
        }
        else if (request.Path == "/v3/feeds")
        {
            using var feed = JsonDocument.Parse(FeedFile(request)!);
            foreach (var item in feed.RootElement.GetProperty("Inventory").EnumerateArray())
            {
                Set(Text(item, "sku")!, item.GetProperty("quantity").GetProperty("amount").GetInt64());
            }
        }
    }

    protected override StandInAnswer Success(StandInRequest request) => request.Path switch
    {
        "/v3/feeds" => new(200, Json(new { feedId = Guid.NewGuid().ToString("N").ToUpperInvariant() })),
        "/v3/orders" => Orders(request),
        _ => new(200, request.Body),
    };

    /// <summary>A page of the orders changed since lastModifiedStartDate, oldest first, at most <see cref="MarketplaceStandIn.PageMax"/>.</summary>
    private StandInAnswer Orders(StandInRequest request)
    {
        if (ListCall())
        {
            return new(429, Json(new { errors = new { error = new[] { new { code = "REQUEST_THRESHOLD_VIOLATED.GMP_ORDER_API", description = "Request threshold violated", severity = "ERROR", category = "REQUEST" } } } }));
        }

        var limit = int.Parse(request.Query["limit"], CultureInfo.InvariantCulture);
        Iso(request.Query["lastModifiedStartDate"], out var since);
        var from = request.Query.ContainsKey("hasMoreElements") ? int.Parse(request.Query["soIndex"], CultureInfo.InvariantCulture) : 0;
        List<JsonObject> matching;
        lock (_lock)
        {
            matching = [.. _orders.Where(o => o.Modified >= since).OrderBy(o => o.Modified).ThenBy(o => o.Id, StringComparer.Ordinal).Select(o => o.Order)];
        }

        if (matching.Count == 0)
        {
            return new(404, Json(new { errors = new { error = new[] { new { code = "CONTENT_NOT_FOUND.GMP_ORDER_API", field = "data", description = "No Orders found", info = "Requested content could not be found.", severity = "INFO", category = "REQUEST" } } } }));
        }

        var size = Math.Min(limit, PageMax);
        var page = matching.Skip(from).Take(size).Select(o => o.DeepClone()).ToArray();
        var more = from + size < matching.Count;
        var next = more
            ? $"?limit={limit}&hasMoreElements=true&soIndex={from + size}&poIndex={from + size}&sellerId=101&lastModifiedStartDate={Uri.EscapeDataString(request.Query["lastModifiedStartDate"])}"
            : null;
        var answer = new JsonObject
        {
            ["list"] = new JsonObject
            {
                ["meta"] = new JsonObject { ["totalCount"] = matching.Count, ["limit"] = limit, ["nextCursor"] = next },
                ["elements"] = new JsonObject { ["order"] = new JsonArray(page) },
            },
        };
        return new(200, answer.ToJsonString());
    }

    protected override StandInAnswer Invalid(IReadOnlyList<string> problems) => Error(400, problems[0]);

    public static StandInAnswer Error(int status, string description) =>
        new(status, Json(new { errors = new[] { new { code = "INVALID_REQUEST_CONTENT.GMP_INVENTORY_API", field = "sku", description, info = "Request content is invalid.", severity = "ERROR", category = "DATA" } } }));

    public static StandInAnswer Throttle(DateTimeOffset replenish) =>
        new(429, Json(new { errors = new[] { new { code = "REQUEST_THRESHOLD_VIOLATED.GMP_INVENTORY_API", description = "Request threshold violated", severity = "ERROR", category = "REQUEST" } } }),
            ("x-current-token-count", "0"), ("x-next-replenish-time", replenish.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));

    /// <summary>A 429 that states when tokens come back both ways: Walmart's replenish time and a Retry-After in seconds.</summary>
    public static StandInAnswer Throttle(DateTimeOffset replenish, int retryAfterSeconds) =>
        Throttle(replenish) with
        {
            Headers = [.. Throttle(replenish).Headers, ("Retry-After", retryAfterSeconds.ToString(CultureInfo.InvariantCulture))],
        };
}
