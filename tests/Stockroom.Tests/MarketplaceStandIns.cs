using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Stockroom.Tests;

/// <summary>One request a stand-in received: method, decoded path, query, headers (lower-case names) and body.</summary>
public sealed record StandInRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, string Body, string? ContentType)
{
    /// <summary>The path's segments, each decoded: Kestrel leaves %2F encoded in <see cref="Path"/>, and a seller SKU may hold a slash.</summary>
    public IReadOnlyList<string> Segments => [.. Path.Split('/').Select(Uri.UnescapeDataString)];
}

/// <summary>An answer a test scripts for the next marketplace call (token requests are not scripted).</summary>
public sealed record StandInAnswer(int Status, string Body, params (string Name, string Value)[] Headers);

/// <summary>
/// A marketplace API on 127.0.0.1: each request is checked against the published request schema (the
/// subclass's <see cref="Check"/>, written from the named documents); one that does not conform is
/// recorded in <see cref="Violations"/> and refused as the marketplace would. Conforming calls are
/// recorded and answered with the next scripted answer (which changes nothing), or taken: the
/// subclass's <see cref="Apply"/> changes the quantities the marketplace holds, as the marketplace
/// would, and the documented success is answered.
/// </summary>
public abstract class MarketplaceStandIn : IAsyncDisposable
{
    private WebApplication? _app;
    private int _tokensIssued;
    private int _abortNext;

    public ConcurrentQueue<StandInRequest> Calls { get; } = new();

    /// <summary>The quantity the marketplace holds now, per item (the subclass names its items: a seller SKU, a product at a store).</summary>
    public ConcurrentDictionary<string, long> Stock { get; } = new(StringComparer.Ordinal);

    /// <summary>Every quantity taken, in the order the marketplace took them.</summary>
    public ConcurrentQueue<(string Item, long Quantity)> History { get; } = new();

    /// <summary>
    /// Take the next N conforming calls, then cut the connection before answering: the marketplace
    /// changed, and the caller never learns it, as when a push is interrupted mid-request.
    /// </summary>
    public int AbortNext { get => Volatile.Read(ref _abortNext); set => Volatile.Write(ref _abortNext, value); }

    public ConcurrentQueue<string> Violations { get; } = new();

    public ConcurrentQueue<StandInAnswer> Scripted { get; } = new();

    public ConcurrentBag<string> IssuedTokens { get; } = [];

    public int TokenRequests => Volatile.Read(ref _tokensIssued);

    public Uri BaseUrl => new(_app!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    protected async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var request = new StandInRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
                body,
                context.Request.ContentType);
            var (answer, abort) = Answer(request);
            if (abort)
            {
                // Headers and half the body, then the connection drops: a dropped connection before any answer
                // would be retried by HttpClient on its own, while one cut mid-answer reaches the caller as a failure.
                context.Response.StatusCode = answer.Status;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = answer.Body.Length + 64;
                await context.Response.StartAsync();
                await context.Response.WriteAsync(answer.Body[..(answer.Body.Length / 2)]);
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }

            context.Response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Body);
        });
        await _app.StartAsync();
    }

    private (StandInAnswer Answer, bool Abort) Answer(StandInRequest request)
    {
        var problems = new List<string>();
        var token = IsTokenRequest(request);
        Check(request, problems);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                Violations.Enqueue($"{request.Method} {request.Path}: {problem}");
            }

            return (Invalid(problems), false);
        }

        if (token)
        {
            var issued = $"token-{Interlocked.Increment(ref _tokensIssued)}";
            IssuedTokens.Add(issued);
            return (TokenAnswer(issued), false);
        }

        Calls.Enqueue(request);
        if (Scripted.TryDequeue(out var scripted))
        {
            return (scripted, false);
        }

        Apply(request);
        return (Success(request), Interlocked.Decrement(ref _abortNext) >= 0);
    }

    /// <summary>Changes what the marketplace holds as a conforming call of this kind does (an upload only stores the document; a feed applies it).</summary>
    protected abstract void Apply(StandInRequest request);

    /// <summary>Records that the marketplace now holds <paramref name="quantity"/> of <paramref name="item"/>.</summary>
    protected void Set(string item, long quantity)
    {
        Stock[item] = quantity;
        History.Enqueue((item, quantity));
    }

    protected abstract bool IsTokenRequest(StandInRequest request);

    /// <summary>Adds a sentence to <paramref name="problems"/> for each way the request departs from the documented schema.</summary>
    protected abstract void Check(StandInRequest request, List<string> problems);

    protected abstract StandInAnswer TokenAnswer(string token);

    protected abstract StandInAnswer Success(StandInRequest request);

    protected abstract StandInAnswer Invalid(IReadOnlyList<string> problems);

    protected static string Json(object value) => JsonSerializer.Serialize(value);

    protected static void Require(bool condition, string problem, List<string> problems)
    {
        if (!condition)
        {
            problems.Add(problem);
        }
    }

    protected static JsonElement? ParseObject(string body, List<string> problems)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add("the body is not a JSON object");
                return null;
            }

            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            problems.Add("the body is not JSON");
            return null;
        }
    }

    protected static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    protected static string Form(string body, string name) =>
        body.Split('&').Select(pair => pair.Split('=', 2)).Where(p => p.Length == 2 && Uri.UnescapeDataString(p[0]) == name)
            .Select(p => Uri.UnescapeDataString(p[1].Replace('+', ' '))).FirstOrDefault() ?? "";

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

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
/// "2.0", issueLocale }, messages [{ messageId, sku, operationType UPDATE|PARTIAL_UPDATE|PATCH|DELETE, productType, patches }]).
/// </summary>
public sealed class AmazonStandIn : MarketplaceStandIn
{
    public const string SellerId = "A2SELLER";
    public const string MarketplaceId = "ATVPDKIKX0DER";
    public const string ClientId = "amzn1.application-oa2-client.test";
    public const string ClientSecret = "client-secret";
    public const string RefreshToken = "Atzr|refresh";

    private readonly ConcurrentDictionary<string, string> _uploaded = new(StringComparer.Ordinal);
    private int _feeds;

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

    protected override bool IsTokenRequest(StandInRequest request) => request.Path == "/auth/o2/token";

    protected override void Check(StandInRequest request, List<string> problems)
    {
        if (IsTokenRequest(request))
        {
            Require(request.Method == "POST", "the token request is a POST", problems);
            Require(request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true, "the token request is form-encoded", problems);
            Require(Form(request.Body, "grant_type") == "refresh_token", "grant_type is refresh_token", problems);
            Require(Form(request.Body, "refresh_token") == RefreshToken, "refresh_token is the one granted", problems);
            Require(Form(request.Body, "client_id") == ClientId, "client_id is the application's", problems);
            Require(Form(request.Body, "client_secret") == ClientSecret, "client_secret is the application's", problems);
            return;
        }

        if (request.Path.StartsWith("/upload/", StringComparison.Ordinal))
        {
            CheckUpload(request, problems);
            return;
        }

        Require(request.Headers.TryGetValue("x-amz-access-token", out var token) && IssuedTokens.Contains(token), "x-amz-access-token is a token Login with Amazon issued", problems);
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
        "/feeds/2021-06-30/documents" => DocumentCreated(),
        "/feeds/2021-06-30/feeds" => new(202, Json(new { feedId = "50014" + Interlocked.Increment(ref _feeds) })),
        _ when request.Path.StartsWith("/upload/", StringComparison.Ordinal) => new(200, ""),
        _ => Submitted(request),
    };

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

/// <summary>
/// Walmart Marketplace (US), written from: "Token API" (POST /v3/token, Authorization Basic base64(clientId:clientSecret),
/// WM_SVC.NAME and WM_QOS.CORRELATION_ID, form grant_type=client_credentials; answer { access_token, token_type,
/// expires_in }); "Inventory API: Update inventory for an item" (PUT /v3/inventory, query sku required and shipNode
/// optional, headers WM_SEC.ACCESS_TOKEN, WM_SVC.NAME, WM_QOS.CORRELATION_ID, Accept; body { sku: string, quantity:
/// { unit: "EACH", amount: integer } }); "Update inventory in bulk" (POST /v3/feeds?feedType=inventory, multipart
/// part "file" with the spec 1.4 JSON { InventoryHeader: { version: "1.4" }, Inventory: [{ sku, quantity }] };
/// answer { feedId }); "Rate limiting" (429 with x-current-token-count and x-next-replenish-time in epoch ms);
/// errors { errors: [{ code, field, description, info, severity, category }] }.
/// </summary>
public sealed class WalmartStandIn : MarketplaceStandIn
{
    public const string ClientId = "walmart-client";
    public const string ClientSecret = "walmart-secret";

    private readonly ConcurrentDictionary<string, byte> _correlationIds = new(StringComparer.Ordinal);

    public static async Task<WalmartStandIn> StartNewAsync()
    {
        var standIn = new WalmartStandIn();
        await standIn.StartAsync();
        return standIn;
    }

    /// <summary>(sku, amount) of each single update, or of each line of each feed, in arrival order.</summary>
    public List<(string Sku, long Amount)> Amounts() =>
    [
        .. Calls.SelectMany(call =>
        {
            using var document = JsonDocument.Parse(call.Path == "/v3/feeds" ? FeedFile(call)! : call.Body);
            var items = call.Path == "/v3/feeds" ? [.. document.RootElement.GetProperty("Inventory").EnumerateArray()] : new[] { document.RootElement };
            return items.Select(item => (item.GetProperty("sku").GetString()!, item.GetProperty("quantity").GetProperty("amount").GetInt64())).ToList();
        }),
    ];

    protected override bool IsTokenRequest(StandInRequest request) => request.Path == "/v3/token";

    protected override void Check(StandInRequest request, List<string> problems)
    {
        Require(request.Headers.TryGetValue("wm_svc.name", out var service) && service.Length > 0, "WM_SVC.NAME is given", problems);
        Require(request.Headers.TryGetValue("wm_qos.correlation_id", out var correlation) && correlation.Length > 0, "WM_QOS.CORRELATION_ID is given", problems);
        Require(correlation is null || _correlationIds.TryAdd(correlation, 0), "WM_QOS.CORRELATION_ID is unique per request", problems);
        Require(request.Headers.TryGetValue("accept", out var accept) && accept.Contains("application/json", StringComparison.Ordinal), "Accept is application/json", problems);
        if (IsTokenRequest(request))
        {
            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(ClientId + ":" + ClientSecret));
            Require(request.Method == "POST", "the token request is a POST", problems);
            Require(request.Headers.TryGetValue("authorization", out var authorization) && authorization == basic, "Authorization is Basic client id and secret", problems);
            Require(Form(request.Body, "grant_type") == "client_credentials", "grant_type is client_credentials", problems);
            return;
        }

        Require(request.Headers.TryGetValue("wm_sec.access_token", out var token) && IssuedTokens.Contains(token), "WM_SEC.ACCESS_TOKEN is a token the Token API issued", problems);
        if (request.Path == "/v3/inventory")
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

    protected override StandInAnswer Success(StandInRequest request) =>
        request.Path == "/v3/feeds" ? new(200, Json(new { feedId = Guid.NewGuid().ToString("N").ToUpperInvariant() })) : new(200, request.Body);

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

/// <summary>
/// Google Merchant API, written from: "inventories_v1 accounts.products.localInventories.insert" (POST
/// /inventories/v1/accounts/{account}/products/{product}/localInventories:insert, body LocalInventory { storeCode:
/// string required, localInventoryAttributes: { availability: LIMITED_AVAILABILITY|IN_STOCK|OUT_OF_STOCK|ON_DISPLAY_TO_ORDER,
/// quantity: int64 as a string } }); "accounts.products.regionalInventories.insert" (body RegionalInventory { region:
/// string required, regionalInventoryAttributes: { availability: IN_STOCK|OUT_OF_STOCK } }); the LocalInventory name
/// field (product is contentLanguage~feedLabel~offerId, or its unpadded base64url form); OAuth 2.0 bearer tokens;
/// the API error model { error: { code, message, status } } with RESOURCE_EXHAUSTED for quota.
/// </summary>
public sealed class GoogleMerchantStandIn : MarketplaceStandIn
{
    public const string AccountId = "123456789";
    public const string AccessToken = "ya29.test-token";
    public const string ServiceAccountEmail = "stockroom@merchant-project.iam.gserviceaccount.com";

    private readonly System.Security.Cryptography.RSA _serviceAccount = System.Security.Cryptography.RSA.Create(2048);

    /// <summary>A service account's JSON key whose token_uri is this stand-in, as Google Cloud hands one out.</summary>
    public string ServiceAccountKey => Json(new
    {
        type = "service_account",
        client_email = ServiceAccountEmail,
        private_key = _serviceAccount.ExportPkcs8PrivateKeyPem(),
        token_uri = new Uri(BaseUrl, "/token").ToString(),
    });

    public static async Task<GoogleMerchantStandIn> StartNewAsync()
    {
        var standIn = new GoogleMerchantStandIn();
        await standIn.StartAsync();
        return standIn;
    }

    /// <summary>Each insert taken: (product id decoded, kind, store code or region, availability, quantity or null).</summary>
    public List<(string Product, string Kind, string Where, string Availability, string? Quantity)> Inserts() =>
    [
        .. Calls.Select(call =>
        {
            var (product, kind) = Target(call.Path);
            using var document = JsonDocument.Parse(call.Body);
            var root = document.RootElement;
            return kind == "local"
                ? (product!, kind!, Text(root, "storeCode")!, Text(root.GetProperty("localInventoryAttributes"), "availability")!, Text(root.GetProperty("localInventoryAttributes"), "quantity"))
                : (product!, kind!, Text(root, "region")!, Text(root.GetProperty("regionalInventoryAttributes"), "availability")!, (string?)null);
        }),
    ];

    /// <summary>The product id (decoded from base64url when encoded) and which insert a path is.</summary>
    private static (string? Product, string? Kind) Target(string path)
    {
        var prefix = $"/inventories/v1/accounts/{AccountId}/products/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return (null, null);
        }

        var rest = path[prefix.Length..].Split('/');
        if (rest.Length != 2)
        {
            return (null, null);
        }

        var kind = rest[1] switch { "localInventories:insert" => "local", "regionalInventories:insert" => "regional", _ => null };
        var product = rest[0];
        if (product.Split('~').Length != 3)
        {
            try
            {
                var base64 = product.Replace('-', '+').Replace('_', '/');
                product = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
            }
            catch (FormatException)
            {
                return (null, kind);
            }
        }

        return (product.Split('~').Length >= 3 ? product : null, kind);
    }

    protected override bool IsTokenRequest(StandInRequest request) => request.Path == "/token";

    /// <summary>
    /// The JWT bearer grant, from "Using OAuth 2.0 for Server to Server Applications": form-encoded grant_type
    /// urn:ietf:params:oauth:grant-type:jwt-bearer and assertion, an RS256 JWT signed by the service account's key
    /// with iss, scope, aud (the token URI), iat and exp at most an hour later.
    /// </summary>
    private void CheckTokenRequest(StandInRequest request, List<string> problems)
    {
        Require(request.Method == "POST", "the token request is a POST", problems);
        Require(Form(request.Body, "grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer", "grant_type is the JWT bearer grant", problems);
        var parts = Form(request.Body, "assertion").Split('.');
        if (parts.Length != 3)
        {
            problems.Add("assertion is a signed JWT");
            return;
        }

        static byte[] Decode(string part)
        {
            var base64 = part.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
        }

        Require(_serviceAccount.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Decode(parts[2]),
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1), "the JWT is signed with the service account's key (RS256)", problems);
        using var header = JsonDocument.Parse(Decode(parts[0]));
        using var claims = JsonDocument.Parse(Decode(parts[1]));
        Require(Text(header.RootElement, "alg") == "RS256", "alg is RS256", problems);
        Require(Text(claims.RootElement, "iss") == ServiceAccountEmail, "iss is the service account", problems);
        Require(Text(claims.RootElement, "scope")?.Split(' ').Contains("https://www.googleapis.com/auth/content") == true, "scope has the content scope", problems);
        Require(Text(claims.RootElement, "aud") == new Uri(BaseUrl, "/token").ToString(), "aud is the token URI", problems);
        var lifetime = claims.RootElement.GetProperty("exp").GetInt64() - claims.RootElement.GetProperty("iat").GetInt64();
        Require(lifetime is > 0 and <= 3600, "exp is at most an hour after iat", problems);
    }

    protected override void Check(StandInRequest request, List<string> problems)
    {
        if (IsTokenRequest(request))
        {
            CheckTokenRequest(request, problems);
            return;
        }

        Require(request.Method == "POST", "insert is a POST", problems);
        var (product, kind) = Target(request.Path);
        Require(product is not null, "the parent is accounts/{account}/products/{contentLanguage~feedLabel~offerId}", problems);
        Require(kind is not null, "the method is localInventories:insert or regionalInventories:insert", problems);
        Require(request.Headers.TryGetValue("authorization", out var authorization) &&
            (authorization == "Bearer " + AccessToken || IssuedTokens.Any(issued => authorization == "Bearer " + issued)), "Authorization is a Bearer access token", problems);
        if (ParseObject(request.Body, problems) is not { } body)
        {
            return;
        }

        foreach (var property in body.EnumerateObject())
        {
            Require(property.Name is "name" or "account" or "storeCode" or "localInventoryAttributes" or "region" or "regionalInventoryAttributes",
                $"{property.Name} is a field of the resource", problems);
        }

        if (kind == "local")
        {
            Require(Text(body, "storeCode") is { Length: > 0 }, "storeCode is required", problems);
            if (!body.TryGetProperty("localInventoryAttributes", out var attributes) || attributes.ValueKind != JsonValueKind.Object)
            {
                problems.Add("localInventoryAttributes is an object");
                return;
            }

            Require(Text(attributes, "availability") is null or "IN_STOCK" or "LIMITED_AVAILABILITY" or "ON_DISPLAY_TO_ORDER" or "OUT_OF_STOCK", "availability is a LocalInventoryAttributes.Availability", problems);
            Require(!attributes.TryGetProperty("quantity", out _) || long.TryParse(Text(attributes, "quantity"), NumberStyles.None, CultureInfo.InvariantCulture, out _),
                "quantity is an int64 written as a string", problems);
        }
        else if (kind == "regional")
        {
            Require(Text(body, "region") is { Length: > 0 }, "region is required", problems);
            Require(body.TryGetProperty("regionalInventoryAttributes", out var attributes) && Text(attributes, "availability") is "IN_STOCK" or "OUT_OF_STOCK",
                "regionalInventoryAttributes.availability is IN_STOCK or OUT_OF_STOCK", problems);
        }
    }

    protected override StandInAnswer TokenAnswer(string token) => new(200, Json(new { access_token = token, expires_in = 3599, token_type = "Bearer" }));

    /// <summary>The regional availability held, per <c>product@region</c>.</summary>
    public ConcurrentDictionary<string, string> Regional { get; } = new(StringComparer.Ordinal);

    /// <summary>The name <see cref="MarketplaceStandIn.Stock"/> holds a product's local inventory at a store under.</summary>
    public static string Local(string product, string storeCode) => $"{product}@{storeCode}";

    /// <summary>A local inventory insert replaces the product's inventory at its store; a regional one its availability in the region.</summary>
    protected override void Apply(StandInRequest request)
    {
        var (product, kind) = Target(request.Path);
        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        if (kind == "local")
        {
            var quantity = Text(root.GetProperty("localInventoryAttributes"), "quantity");
            Set(Local(product!, Text(root, "storeCode")!), quantity is null ? 0 : long.Parse(quantity, CultureInfo.InvariantCulture));
        }
        else
        {
            Regional[$"{product}@{Text(root, "region")}"] = Text(root.GetProperty("regionalInventoryAttributes"), "availability")!;
        }
    }

    protected override StandInAnswer Success(StandInRequest request) => new(200, request.Body);

    protected override StandInAnswer Invalid(IReadOnlyList<string> problems) => Error(400, "INVALID_ARGUMENT", problems[0]);

    public static StandInAnswer Error(int code, string status, string message, params (string Name, string Value)[] headers) =>
        new(code, Json(new { error = new { code, message, status } }), headers);
}
