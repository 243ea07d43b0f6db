using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stockroom.Features.Channels;
using Stockroom.Features.Connectors;
using Stockroom.Features.Reservations;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;

namespace Stockroom.Tests.Fixtures;

/// <summary>
/// Shopify's Admin GraphQL API as far as the connector uses it, on 127.0.0.1. Its checks are written
/// from Shopify's documentation: "GraphQL Admin API reference" (endpoint
/// <c>/admin/api/{version}/graphql.json</c>, the <c>X-Shopify-Access-Token</c> header, a JSON body of
/// <c>query</c> and <c>variables</c>); the <c>inventorySetQuantities</c> mutation,
/// <c>InventorySetQuantitiesInput</c> (<c>name</c> <c>available</c> or <c>on_hand</c>, <c>reason</c>,
/// <c>referenceDocumentUri</c>, <c>quantities</c>, <c>ignoreCompareQuantity</c>),
/// <c>InventoryQuantityInput</c> (<c>inventoryItemId</c>, <c>locationId</c>, <c>quantity</c>,
/// <c>compareQuantity</c>) and <c>InventorySetQuantitiesUserError</c> (codes
/// <c>COMPARE_QUANTITY_REQUIRED</c>, <c>COMPARE_QUANTITY_STALE</c>); "Shopify API rate limits"
/// (HTTP 429 with <c>Retry-After</c>; a <c>THROTTLED</c> error with <c>extensions.cost</c> and its
/// <c>throttleStatus</c> in a 200 answer). A mutation with a user error changes nothing.
/// </summary>
public sealed partial class ShopifyStandIn : IAsyncDisposable
{
    public const string Token = "shpat_0123456789abcdef";
    public const string Location = "gid://shopify/Location/7001";

    /// <summary>The reasons InventorySetQuantitiesInput documents.</summary>
    private static readonly HashSet<string> Reasons =
    [
        "correction", "cycle_count_available", "damaged", "movement_created", "movement_updated", "movement_received", "movement_canceled",
        "other", "promotion", "quality_control", "received", "reservation_created", "reservation_deleted", "reservation_updated", "restock",
        "safety_stock", "shrinkage",
    ];

    private readonly WebApplication _app;

    private ShopifyStandIn(WebApplication app) => _app = app;

    /// <summary>Available quantity per inventory item gid at <see cref="Location"/>.</summary>
    public ConcurrentDictionary<string, long> Available { get; } = new(StringComparer.Ordinal);

    /// <summary>Every mutation taken (applied), in order: its reference document and the quantities set.</summary>
    public ConcurrentQueue<(string Reference, IReadOnlyDictionary<string, long> Set)> Applied { get; } = new();

    /// <summary>Requests refused as malformed: any entry fails the test that reads it.</summary>
    public ConcurrentQueue<string> Malformed { get; } = new();

    private int _staleRefusals;
    private int _reads;
    private int _throttleNext;
    private int _tooManyNext;
    private int _failNext;

    /// <summary>Queries of the available quantities answered (<c>nodes</c> with each item's inventory level).</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Mutations refused because a compare value was stale.</summary>
    public int StaleRefusals => Volatile.Read(ref _staleRefusals);

    /// <summary>Answer the next N requests with a THROTTLED error (HTTP 200).</summary>
    public int ThrottleNext { get => Volatile.Read(ref _throttleNext); set => Volatile.Write(ref _throttleNext, value); }

    /// <summary>Answer the next N requests with HTTP 429 and Retry-After: 2.</summary>
    public int TooManyNext { get => Volatile.Read(ref _tooManyNext); set => Volatile.Write(ref _tooManyNext, value); }

    /// <summary>Answer the next N requests with HTTP 500.</summary>
    public int FailNext { get => Volatile.Read(ref _failNext); set => Volatile.Write(ref _failNext, value); }

    public string BaseUrl => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<ShopifyStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new ShopifyStandIn(app);
        app.MapPost("/admin/api/{version}/graphql.json", standIn.HandleAsync);
        await app.StartAsync();
        return standIn;
    }

    private async Task<IResult> HandleAsync(string version, HttpRequest request)
    {
        if (version != ShopifyPusher.ApiVersion)
        {
            return Bad($"unexpected API version {version}");
        }

        if (request.Headers["X-Shopify-Access-Token"] != Token)
        {
            return Results.Json(new { errors = "[API] Invalid API key or access token (unrecognized login or wrong password)" }, statusCode: 401);
        }

        if (request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
        {
            return Bad($"content type {request.ContentType}");
        }

        if (Interlocked.Decrement(ref _tooManyNext) >= 0)
        {
            request.HttpContext.Response.Headers.RetryAfter = "2";
            return Results.Json(new { errors = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." }, statusCode: 429);
        }

        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            return Results.Json(new { errors = "Internal Server Error" }, statusCode: 500);
        }

        if (Interlocked.Decrement(ref _throttleNext) >= 0)
        {
            return Results.Json(new
            {
                errors = new[] { new { message = "Throttled", extensions = new { code = "THROTTLED", documentation = "https://shopify.dev/api/usage/rate-limits" } } },
                extensions = new { cost = new { requestedQueryCost = 10, actualQueryCost = (int?)null, throttleStatus = new { maximumAvailable = 2000.0, currentlyAvailable = 0, restoreRate = 100.0 } } },
            });
        }

        var body = await JsonNode.ParseAsync(request.Body);
        if (body?["query"]?.GetValueKind() != JsonValueKind.String || body["variables"] is not JsonObject variables)
        {
            return Bad("the body must be { query, variables }");
        }

        var query = body["query"]!.GetValue<string>();
        return query.Contains("inventorySetQuantities(input: $input)", StringComparison.Ordinal) ? Set(variables)
            : query.Contains("nodes(ids: $ids)", StringComparison.Ordinal) ? Read(variables)
            : Bad("an operation this stand-in does not know");
    }

    private IResult Set(JsonObject variables)
    {
        if (variables["input"] is not JsonObject input)
        {
            return Bad("variables.input is required (InventorySetQuantitiesInput!)");
        }

        if (input["name"]?.GetValue<string>() is not ("available" or "on_hand"))
        {
            return Bad("input.name must be available or on_hand");
        }

        if (input["reason"]?.GetValue<string>() is not { } reason || !Reasons.Contains(reason))
        {
            return Bad("input.reason must be one of the documented reasons");
        }

        if (input["referenceDocumentUri"] is { } reference && (reference.GetValueKind() != JsonValueKind.String || !Uri.TryCreate(reference.GetValue<string>(), UriKind.Absolute, out _)))
        {
            return Bad("input.referenceDocumentUri must be a URI");
        }

        if (input["quantities"] is not JsonArray quantities || quantities.Count is 0 or > ShopifyPusher.QuantitiesMax)
        {
            return Bad("input.quantities must list 1 to 250 InventoryQuantityInput");
        }

        var ignoreCompare = input["ignoreCompareQuantity"]?.GetValue<bool>() ?? false;
        var errors = new List<object>();
        var set = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < quantities.Count; i++)
        {
            if (quantities[i] is not JsonObject q || q["inventoryItemId"]?.GetValue<string>() is not { } item || !ItemGid().IsMatch(item)
                || q["locationId"]?.GetValue<string>() is not { } location || !LocationGid().IsMatch(location)
                || q["quantity"]?.GetValueKind() != JsonValueKind.Number)
            {
                return Bad($"input.quantities[{i}] must have inventoryItemId, locationId (gids) and quantity (Int!)");
            }

            if (location != Location)
            {
                errors.Add(new { code = "ITEM_NOT_STOCKED_AT_LOCATION", field = new[] { "input", "quantities", $"{i}", "locationId" }, message = "The specified inventory item is not stocked at the location." });
                continue;
            }

            if (!ignoreCompare && q["compareQuantity"]?.GetValueKind() != JsonValueKind.Number)
            {
                errors.Add(new { code = "COMPARE_QUANTITY_REQUIRED", field = new[] { "input", "quantities", $"{i}", "compareQuantity" }, message = "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity." });
                continue;
            }

            if (!ignoreCompare && q["compareQuantity"]!.GetValue<long>() != Available.GetValueOrDefault(item))
            {
                Interlocked.Increment(ref _staleRefusals);
                errors.Add(new { code = "COMPARE_QUANTITY_STALE", field = new[] { "input", "quantities", $"{i}", "compareQuantity" }, message = "The compareQuantity value does not match persisted value." });
                continue;
            }

            set[item] = q["quantity"]!.GetValue<long>();
        }

        if (errors.Count > 0)
        {
            return Results.Json(new { data = new { inventorySetQuantities = new { inventoryAdjustmentGroup = (object?)null, userErrors = errors } } });
        }

        foreach (var (item, quantity) in set)
        {
            Available[item] = quantity;
        }

        Applied.Enqueue((input["referenceDocumentUri"]?.GetValue<string>() ?? "", set));
        return Results.Json(new { data = new { inventorySetQuantities = new { inventoryAdjustmentGroup = new { id = $"gid://shopify/InventoryAdjustmentGroup/{Applied.Count}" }, userErrors = Array.Empty<object>() } } });
    }

    private IResult Read(JsonObject variables)
    {
        if (variables["ids"] is not JsonArray ids || variables["locationId"]?.GetValue<string>() is not { } location || !LocationGid().IsMatch(location))
        {
            return Bad("nodes takes ids: [ID!]! and the inventory level a locationId: ID!");
        }

        Interlocked.Increment(ref _reads);
        var nodes = ids.Select(id => id!.GetValue<string>()).Select(id => ItemGid().IsMatch(id)
            ? (object?)new { id, inventoryLevel = location == Location ? new { quantities = new[] { new { name = "available", quantity = Available.GetValueOrDefault(id) } } } : null }
            : null);
        return Results.Json(new { data = new { nodes } });
    }

    private IResult Bad(string why)
    {
        Malformed.Enqueue(why);
        return Results.Json(new { errors = new[] { new { message = why } } }, statusCode: 400);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex(@"^gid://shopify/InventoryItem/\d+$")]
    private static partial Regex ItemGid();

    [GeneratedRegex(@"^gid://shopify/Location/\d+$")]
    private static partial Regex LocationGid();
}

/// <summary>
/// Servers that let connectors reach 127.0.0.1, without the workers that tick, so that each
/// publication, each connector pass and each poll of a marketplace's orders is the test's own.
/// </summary>
internal static class ConnectorServer
{
    private static readonly Type[] Workers =
        [typeof(ExpiryWorker), typeof(ChannelPublishingWorker), typeof(WebhookWorker), typeof(ConnectorWorker), typeof(OrderPollingWorker)];

    public static IReadOnlyList<string> Settings => ["--Stockroom:Connectors:AllowPrivateNetworks", "true"];

    public static void Configure(IServiceCollection services)
    {
        foreach (var type in Workers)
        {
            services.Remove(services.Single(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType == type));
        }
    }
}

public sealed class ConnectorSqliteServer : SqliteServer
{
    protected override IReadOnlyList<string> Settings => ConnectorServer.Settings;

    protected override void ConfigureServices(IServiceCollection services) => ConnectorServer.Configure(services);
}

public sealed class ConnectorPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();

    protected override IReadOnlyList<string> Settings => ConnectorServer.Settings;

    protected override void ConfigureServices(IServiceCollection services) => ConnectorServer.Configure(services);
}
