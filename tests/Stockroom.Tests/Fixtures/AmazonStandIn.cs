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
/// Amazon Selling Partner API, written from: "Listings Items API v2021-08-01 reference" (patchListingsItem:
/// PATCH /listings/2021-08-01/items/{sellerId}/{sku}, query marketplaceIds required and issueLocale optional,
/// header x-amz-access-token, body ListingsPatchRequest { productType: string, patches: [PatchOperation
/// { op: add|replace|merge|delete, path: string, value: array }] }, answer ListingsItemSubmissionResponse
/// { sku, status: ACCEPTED|INVALID|VALID, submissionId, issues[] }, errors ErrorList { errors: [{ code,
/// message, details }] }); "Merge a listing" (fulfillment_availability values need fulfillment_channel_code);
/// "Connecting to the Selling Partner API" (Login with Amazon token request, form-encoded grant_type=refresh_token,
/// refresh_token, client_id, client_secret; answer { access_token, token_type, expires_in, refresh_token });
/// "Usage Plans and Rate Limits" (429 QuotaExceeded with x-amzn-RateLimit-Limit); "Feeds API v2021-06-30 reference"
/// (createFeedDocument POST /feeds/2021-06-30/documents { contentType } answering 201 { feedDocumentId, url }, the
/// document PUT to the pre-signed url with that Content-Type, createFeed POST /feeds/2021-06-30/feeds { feedType,
/// marketplaceIds, inputFeedDocumentId } answering 202 { feedId }); "JSON_LISTINGS_FEED" (header { sellerId, version
/// "2.0", issueLocale }, messages [{ messageId, sku, operationType UPDATE|PARTIAL_UPDATE|PATCH|DELETE, productType, patches }]);
/// https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-reference (getOrders: GET /orders/v0/orders, MarketplaceIds
/// required, LastUpdatedAfter ISO 8601 or NextToken, MaxResultsPerPage 1 to 100; getOrderItems: GET
/// /orders/v0/orders/{orderId}/orderItems with its own NextToken; answers in { payload: … }; a 429 QuotaExceeded when
/// throttled). Login with Amazon refuses unknown client credentials with 401 invalid_client; the Selling Partner API
/// refuses a token it did not issue with 403 Unauthorized. Each polled order is the documented getOrder and getOrderItems
/// examples of <c>amazon-getorder-getorderitems.json</c> (two item pages).
/// </summary>
public sealed class AmazonStandIn : MarketplaceStandIn
{
    public const string SellerId = "A2SELLER";
    public const string MarketplaceId = "ATVPDKIKX0DER";
    public const string ClientId = "amzn1.application-oa2-client.test";
    public const string ClientSecret = "client-secret";
    public const string RefreshToken = "Atzr|refresh";

    private readonly ConcurrentDictionary<string, string> _uploaded = new(StringComparer.Ordinal);
    private readonly List<(string Id, DateTimeOffset Updated, JsonObject Order, JsonArray Items)> _orders = [];
    private readonly ConcurrentDictionary<string, int> _nextTokens = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _feeds;
    private int _itemCalls;

    /// <summary>Calls of getOrderItems answered.</summary>
    public int ItemCalls => Volatile.Read(ref _itemCalls);

    /// <summary>Login with Amazon's token endpoint, here on the same server.</summary>
    public Uri TokenUrl => new(BaseUrl, "/auth/o2/token");

    /// <summary>The feed documents uploaded, by feed document id.</summary>
    public IReadOnlyDictionary<string, string> Uploaded => _uploaded;

    public static async Task<AmazonStandIn> StartNewAsync()
    {
        var standIn = new AmazonStandIn();
        await standIn.StartAsync();
        return standIn;
    }

    /// <summary>(sku, fulfillment channel, quantity) of every patch taken, in arrival order.</summary>
    public List<(string Sku, string Channel, long Quantity)> Quantities() =>
    [
        .. Calls.Where(call => call.Method == "PATCH").Select(call =>
        {
            using var document = JsonDocument.Parse(call.Body);
            var value = document.RootElement.GetProperty("patches")[0].GetProperty("value")[0];
            return (call.Segments[^1], value.GetProperty("fulfillment_channel_code").GetString()!, value.GetProperty("quantity").GetInt64());
        }),
    ];

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

    protected override bool IsTokenRequest(StandInRequest request) => request.Path == "/auth/o2/token";

    protected override StandInAnswer? Unauthorized(StandInRequest request)
    {
        if (IsTokenRequest(request))
        {
            return Form(request.Body, "refresh_token") == RefreshToken && Form(request.Body, "client_id") == ClientId && Form(request.Body, "client_secret") == ClientSecret
                ? null
                : new(401, Json(new { error = "invalid_client", error_description = "Client authentication failed" }));
        }

        // The pre-signed upload URL carries its own authorisation.
        return request.Path.StartsWith("/upload/", StringComparison.Ordinal) || IssuedTokens.Contains(request.Headers["x-amz-access-token"])
            ? null
            : new(403, Json(new { errors = new[] { new { code = "Unauthorized", message = "Access to requested resource is denied.", details = "The access token you provided is revoked, malformed or invalid." } } }));
    }

    private static bool IsOrderItems(StandInRequest request) =>
        request.Path.StartsWith("/orders/v0/orders/", StringComparison.Ordinal) && request.Segments is [_, _, _, _, { Length: > 0 }, "orderItems"];

    protected override void Check(StandInRequest request, List<string> problems)
    {
        if (IsTokenRequest(request))
        {
            Require(request.Method == "POST", "the token request is a POST", problems);
            Require(request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true, "the token request is form-encoded", problems);
            Require(Form(request.Body, "grant_type") == "refresh_token", "grant_type is refresh_token", problems);
            Require(Form(request.Body, "refresh_token").Length > 0, "refresh_token is given", problems);
            Require(Form(request.Body, "client_id").Length > 0, "client_id is given", problems);
            Require(Form(request.Body, "client_secret").Length > 0, "client_secret is given", problems);
            return;
        }

        if (request.Path.StartsWith("/upload/", StringComparison.Ordinal))
        {
            CheckUpload(request, problems);
            return;
        }

        Require(request.Headers.TryGetValue("x-amz-access-token", out var token) && token.Length > 0, "x-amz-access-token is given", problems);
        if (request.Path == "/orders/v0/orders" || IsOrderItems(request))
        {
            CheckOrders(request, problems);
            return;
        }

        Require(request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true, "the body is application/json", problems);
        if (request.Path == "/feeds/2021-06-30/documents")
        {
            Require(request.Method == "POST", "createFeedDocument is a POST", problems);
            Require(ParseObject(request.Body, problems) is { } document && Text(document, "contentType") is { Length: > 0 }, "contentType is given", problems);
            return;
        }

        if (request.Path == "/feeds/2021-06-30/feeds")
        {
            Require(request.Method == "POST", "createFeed is a POST", problems);
            if (ParseObject(request.Body, problems) is { } feed)
            {
                Require(Text(feed, "feedType") == "JSON_LISTINGS_FEED", "feedType is JSON_LISTINGS_FEED", problems);
                Require(feed.TryGetProperty("marketplaceIds", out var ids) && ids.ValueKind == JsonValueKind.Array && ids.EnumerateArray().Any(id => id.GetString() == MarketplaceId),
                    "marketplaceIds names the marketplace", problems);
                Require(Text(feed, "inputFeedDocumentId") is { } id && _uploaded.ContainsKey(id), "inputFeedDocumentId is a document whose content was uploaded", problems);
            }

            return;
        }

        var segments = request.Segments;
        Require(request.Method == "PATCH", "patchListingsItem is a PATCH", problems);
        Require(segments.Count == 6 && request.Path.StartsWith("/listings/2021-08-01/items/", StringComparison.Ordinal) && segments[4] == SellerId && segments[5].Length > 0,
            "the path is /listings/2021-08-01/items/{sellerId}/{sku}", problems);
        Require(request.Query.TryGetValue("marketplaceIds", out var marketplaces) && marketplaces.Split(',').Contains(MarketplaceId), "marketplaceIds names the marketplace", problems);
        Require(!request.Query.TryGetValue("issueLocale", out var locale) || locale.Length > 0, "issueLocale, when given, is a locale", problems);
        if (ParseObject(request.Body, problems) is { } body)
        {
            CheckPatchRequest(body, problems);
        }
    }

    /// <summary>getOrders and getOrderItems: GETs asking for JSON, with the query each documents.</summary>
    private void CheckOrders(StandInRequest request, List<string> problems)
    {
        Require(request.Method == "GET", "the Orders API is read with GET", problems);
        Require(request.Headers.TryGetValue("accept", out var accept) && accept.Contains("application/json", StringComparison.Ordinal), "Accept is application/json", problems);
        if (IsOrderItems(request))
        {
            if (request.Query.TryGetValue("NextToken", out var itemsToken))
            {
                JsonArray? items;
                lock (_lock)
                {
                    items = _orders.FirstOrDefault(o => o.Id == request.Segments[4]).Items;
                }

                Require(items is null || itemsToken == items[0]!["payload"]!["NextToken"]!.GetValue<string>(), "the item page's NextToken is the one the first page gave", problems);
            }

            return;
        }

        Require(request.Query.GetValueOrDefault("MarketplaceIds")?.Split(',').Contains(MarketplaceId) == true, "MarketplaceIds names the marketplace", problems);
        if (!request.Query.ContainsKey("NextToken"))
        {
            Require(Iso(request.Query.GetValueOrDefault("LastUpdatedAfter"), out _), "LastUpdatedAfter (or CreatedAfter) is required, in ISO 8601", problems);
            Require(!request.Query.TryGetValue("MaxResultsPerPage", out var max) || (int.TryParse(max, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100),
                "MaxResultsPerPage is 1 to 100", problems);
        }
    }

    /// <summary>The feed document uploaded to the URL createFeedDocument gave: JSON_LISTINGS_FEED, header and PATCH messages.</summary>
    private void CheckUpload(StandInRequest request, List<string> problems)
    {
        Require(request.Method == "PUT", "the upload is a PUT", problems);
        Require(!request.Headers.ContainsKey("x-amz-access-token"), "the pre-signed upload carries no access token", problems);
        Require(request.ContentType == "application/json; charset=UTF-8", "the upload's Content-Type is the one declared to createFeedDocument", problems);
        if (ParseObject(request.Body, problems) is not { } feed)
        {
            return;
        }

        Require(feed.TryGetProperty("header", out var header) && Text(header, "sellerId") == SellerId && Text(header, "version") == "2.0",
            "header has sellerId and version 2.0", problems);
        if (!feed.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            problems.Add("messages is a non-empty array");
            return;
        }

        foreach (var message in messages.EnumerateArray())
        {
            Require(message.TryGetProperty("messageId", out var id) && id.ValueKind == JsonValueKind.Number, "messageId is a number", problems);
            Require(Text(message, "sku") is { Length: > 0 }, "sku is given", problems);
            Require(Text(message, "operationType") is "UPDATE" or "PARTIAL_UPDATE" or "PATCH" or "DELETE", "operationType is UPDATE, PARTIAL_UPDATE, PATCH or DELETE", problems);
            CheckPatchRequest(message, problems);
        }

        if (problems.Count == 0)
        {
            _uploaded[request.Segments[^1]] = request.Body;
        }
    }

    private static void CheckPatchRequest(JsonElement body, List<string> problems)
    {
        Require(Text(body, "productType") is { Length: > 0 }, "productType is a string", problems);
        if (!body.TryGetProperty("patches", out var patches) || patches.ValueKind != JsonValueKind.Array || patches.GetArrayLength() == 0)
        {
            problems.Add("patches is a non-empty array");
            return;
        }

        foreach (var patch in patches.EnumerateArray())
        {
            Require(Text(patch, "op") is "add" or "replace" or "merge" or "delete", "op is add, replace, merge or delete", problems);
            var path = Text(patch, "path");
            Require(path?.StartsWith("/attributes/", StringComparison.Ordinal) == true, "path names an attribute", problems);
            if (!patch.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
            {
                problems.Add("value is an array");
                continue;
            }

            if (path == "/attributes/fulfillment_availability")
            {
                foreach (var entry in value.EnumerateArray())
                {
                    Require(Text(entry, "fulfillment_channel_code") is { Length: > 0 }, "fulfillment_channel_code is given", problems);
                    Require(entry.TryGetProperty("quantity", out var quantity) && quantity.ValueKind == JsonValueKind.Number && quantity.TryGetInt64(out var n) && n >= 0,
                        "quantity is an integer of zero or more", problems);
                }
            }
        }
    }

    protected override StandInAnswer TokenAnswer(string token) =>
        new(200, Json(new { access_token = token, refresh_token = RefreshToken, token_type = "bearer", expires_in = 3600 }));

    /// <summary>
    /// A patch sets the DEFAULT fulfillment channel's quantity of its seller SKU; createFeed applies every
    /// message of the uploaded document in order (Amazon processes a feed later; here it is at once).
    /// </summary>
    protected override void Apply(StandInRequest request)
    {
        if (request.Method == "PATCH")
        {
            using var document = JsonDocument.Parse(request.Body);
            ApplyPatches(request.Segments[^1], document.RootElement);
        }
        else if (request.Path == "/feeds/2021-06-30/feeds")
        {
            using var feed = JsonDocument.Parse(request.Body);
            using var uploaded = JsonDocument.Parse(_uploaded[Text(feed.RootElement, "inputFeedDocumentId")!]);
            foreach (var message in uploaded.RootElement.GetProperty("messages").EnumerateArray())
            {
                ApplyPatches(Text(message, "sku")!, message);
            }
        }
    }

    private void ApplyPatches(string sku, JsonElement body)
    {
        foreach (var patch in body.GetProperty("patches").EnumerateArray().Where(p => Text(p, "path") == "/attributes/fulfillment_availability" && Text(p, "op") != "delete"))
        {
            foreach (var entry in patch.GetProperty("value").EnumerateArray().Where(e => Text(e, "fulfillment_channel_code") == "DEFAULT"))
            {
                Set(sku, entry.GetProperty("quantity").GetInt64());
            }
        }
    }

    /// <summary>A refusal of the request itself, as the ErrorList of a 400.</summary>
    public static StandInAnswer Refusal(string message) =>
        new(400, Json(new { errors = new[] { new { code = "InvalidInput", message, details = "" } } }));

    /// <summary>A 429 with the rate Amazon states and a Retry-After in seconds.</summary>
    public static StandInAnswer Throttle(string rateLimit, int retryAfterSeconds) =>
        new(429, Json(new { errors = new[] { new { code = "QuotaExceeded", message = "You exceeded your quota for the requested resource.", details = "" } } }),
            ("x-amzn-RateLimit-Limit", rateLimit), ("Retry-After", retryAfterSeconds.ToString(CultureInfo.InvariantCulture)));

    protected override StandInAnswer Success(StandInRequest request) => request.Path switch
    {
        "/orders/v0/orders" => Orders(request),
        _ when IsOrderItems(request) => OrderItems(request),
        "/feeds/2021-06-30/documents" => DocumentCreated(),
        "/feeds/2021-06-30/feeds" => new(202, Json(new { feedId = "50014" + Interlocked.Increment(ref _feeds) })),
        _ when request.Path.StartsWith("/upload/", StringComparison.Ordinal) => new(200, ""),
        _ => Submitted(request),
    };

    /// <summary>A getOrders page: the orders changed since LastUpdatedAfter, oldest first, with a NextToken while more wait.</summary>
    private StandInAnswer Orders(StandInRequest request)
    {
        DateTimeOffset after;
        var from = 0;
        if (request.Query.TryGetValue("NextToken", out var next))
        {
            if (!_nextTokens.TryGetValue(next, out from))
            {
                return new(400, Json(new { errors = new[] { new { code = "InvalidInput", message = "Invalid NextToken", details = "" } } }));
            }

            after = DateTimeOffset.Parse(next.Split('|')[1], CultureInfo.InvariantCulture);
        }
        else
        {
            Iso(request.Query["LastUpdatedAfter"], out after);
        }

        if (ListCall())
        {
            return new(429, Json(new { errors = new[] { new { code = "QuotaExceeded", message = "You exceeded your quota for the requested resource.", details = "" } } }));
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
            _nextTokens[token] = from + PageMax;
            payload["NextToken"] = token;
        }

        return new(200, new JsonObject { ["payload"] = payload }.ToJsonString());
    }

    /// <summary>A getOrderItems page: the documented first page names a NextToken for the second.</summary>
    private StandInAnswer OrderItems(StandInRequest request)
    {
        Interlocked.Increment(ref _itemCalls);
        JsonArray? items;
        lock (_lock)
        {
            items = _orders.FirstOrDefault(o => o.Id == request.Segments[4]).Items;
        }

        return items is null
            ? new(400, Json(new { errors = new[] { new { code = "InvalidInput", message = "Invalid AmazonOrderId", details = "" } } }))
            : new(200, items[request.Query.ContainsKey("NextToken") ? 1 : 0]!.ToJsonString());
    }

    private StandInAnswer DocumentCreated()
    {
        var id = "amzn1.tortuga.4.na." + Guid.NewGuid().ToString("N");
        return new(201, Json(new { feedDocumentId = id, url = new Uri(BaseUrl, "/upload/" + id).ToString() }));
    }

    private static StandInAnswer Submitted(StandInRequest request) =>
        new(200, Json(new { sku = request.Segments[^1], status = "ACCEPTED", submissionId = Guid.NewGuid().ToString("N"), issues = Array.Empty<object>() }));

    protected override StandInAnswer Invalid(IReadOnlyList<string> problems) =>
        new(400, Json(new { errors = problems.Select(p => new { code = "InvalidInput", message = p, details = "" }) }));

    public static StandInAnswer Throttle(string rateLimit) =>
        new(429, Json(new { errors = new[] { new { code = "QuotaExceeded", message = "You exceeded your quota for the requested resource.", details = "" } } }),
            ("x-amzn-RateLimit-Limit", rateLimit));

    public static StandInAnswer InvalidSubmission(string sku) =>
        new(200, Json(new
        {
            sku,
            status = "INVALID",
            submissionId = "f1dc2914-75dd-11ea-bc55-0242ac130003",
            issues = new[] { new { code = "90220", message = "'fulfillment_availability' is not valid for this product type.", severity = "ERROR", attributeNames = new[] { "fulfillment_availability" } } },
        }));

    public static StandInAnswer InternalFailure() =>
        new(500, Json(new { errors = new[] { new { code = "InternalFailure", message = "We encountered an internal error. Please try again.", details = "" } } }));
}
