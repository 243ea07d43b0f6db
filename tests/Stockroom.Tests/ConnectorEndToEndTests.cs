using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Stockroom.Features.Channels;
using Stockroom.Features.Connectors;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// The Amazon, Walmart and Google Merchant connectors end to end, as <see cref="ConnectorTests"/> does
/// Shopify's: each is set with <c>PUT /v1/channels/{id}</c> and its listing mapped, and every change
/// reaches the marketplace's stand-in through the channel's publication and the connector worker's pass,
/// never by calling a pusher directly. The stand-ins hold what the marketplace would (a quantity per
/// seller SKU; for Google, per product and store, and an availability per region) and refuse any
/// request outside the published schema.
/// </summary>
public abstract class ConnectorEndToEndTests(StockroomServer server)
{
    private const string Amazon = "amazon";
    private const string Walmart = "walmart";
    private const string GoogleMerchant = "googleMerchant";
    private const string Region = "west";

    private HttpClient Client => server.Client;

    private sealed record Connected(string Kind, Network Network, MarketplaceStandIn Market, string Listing, object Connector);

    private async Task PassAsync(IServiceProvider? services = null)
    {
        await server.Service<ChannelPublisher>().PublishDueAsync(CancellationToken.None);
        await (services?.GetRequiredService<ConnectorPushes>() ?? server.Service<ConnectorPushes>()).RunDueAsync(CancellationToken.None);
    }

    private static async Task<MarketplaceStandIn> StartAsync(string kind) => kind switch
    {
        Amazon => await AmazonStandIn.StartNewAsync(),
        Walmart => await WalmartStandIn.StartNewAsync(),
        _ => (MarketplaceStandIn)await GoogleMerchantStandIn.StartNewAsync(),
    };

    private static object ConnectorOf(string kind, MarketplaceStandIn market) => kind switch
    {
        Amazon => new
        {
            kind,
            baseUrl = market.BaseUrl,
            sellerId = AmazonStandIn.SellerId,
            marketplaceId = AmazonStandIn.MarketplaceId,
            clientId = AmazonStandIn.ClientId,
            clientSecret = AmazonStandIn.ClientSecret,
            refreshToken = AmazonStandIn.RefreshToken,
            tokenUrl = new Uri(market.BaseUrl, "/auth/o2/token").ToString(),
        },
        Walmart => new { kind, baseUrl = market.BaseUrl, clientId = WalmartStandIn.ClientId, clientSecret = WalmartStandIn.ClientSecret },
        _ => (object)new
        {
            kind,
            baseUrl = market.BaseUrl,
            accountId = GoogleMerchantStandIn.AccountId,
            feedLabel = "US",
            accessToken = GoogleMerchantStandIn.AccessToken,
            region = Region,
        },
    };

    /// <summary>
    /// Starts the kind's stand-in, connects a freshly seeded channel to it (35 available: 10 in store, 25 in
    /// the warehouse) and runs the test; the connector is removed afterwards, so that later tests' passes do
    /// not try a stand-in that is gone.
    /// </summary>
    private async Task WithConnectorAsync(string kind, Func<Connected, Task> test)
    {
        await using var market = await StartAsync(kind);
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var listing = Api.NewId("LAMP");
        await Client.Put($"/v1/channels/{n.Channel}/listings/{listing}", new { sku = n.Sku }).Expect(HttpStatusCode.Created);
        var connector = ConnectorOf(kind, market);
        await Client.Put($"/v1/channels/{n.Channel}", new { name = kind, group = n.Group, connector }).Expect(HttpStatusCode.OK);
        try
        {
            await PassAsync();
            var connected = new Connected(kind, n, market, listing, connector);
            await AssertInStepAsync(connected);
            Assert.Equal(35, Total(connected));
            await test(connected);
        }
        finally
        {
            await Client.Put($"/v1/channels/{n.Channel}", new { name = kind, group = n.Group, connector = (object?)null }).Expect(HttpStatusCode.OK);
        }
    }

    /// <summary>
    /// What the marketplace should hold for a listing of the channel, from Stockroom's availability: the
    /// channel's figure under the seller SKU, or for Google each store's figure under the product at that store.
    /// </summary>
    private async Task<Dictionary<string, long>> ExpectedAsync(Connected c, string listing, string sku)
    {
        var availability = await Client.AvailabilityAsync(sku, $"channel={c.Network.Channel}");
        return c.Kind == GoogleMerchant
            ? availability.GetProperty("byLocation").EnumerateArray().ToDictionary(
                l => GoogleMerchantStandIn.Local($"en~US~{listing}", l.GetProperty("location").GetString()!), l => Math.Max(0, l.Long("available")), StringComparer.Ordinal)
            : new Dictionary<string, long>(StringComparer.Ordinal) { [listing] = Math.Max(0, availability.Long("available")) };
    }

    /// <summary>The stand-in holds exactly Stockroom's figures for the listing, and every request it had was as documented.</summary>
    private async Task AssertInStepAsync(Connected c, string? listing = null, string? sku = null)
    {
        listing ??= c.Listing;
        var expected = await ExpectedAsync(c, listing, sku ?? c.Network.Sku);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value)),
            expected.Keys.Order(StringComparer.Ordinal).Select(key => (key, c.Market.Stock.GetValueOrDefault(key, -1))));
        if (c.Market is GoogleMerchantStandIn google)
        {
            Assert.Equal(expected.Values.Sum() > 0 ? "IN_STOCK" : "OUT_OF_STOCK", google.Regional.GetValueOrDefault($"en~US~{listing}@{Region}"));
        }

        Assert.Empty(c.Market.Violations);
    }

    /// <summary>All the marketplace holds of the connected listing: the seller SKU's quantity, or the product's over every store.</summary>
    private static long Total(Connected c) =>
        c.Market.Stock.Where(s => s.Key == c.Listing || s.Key.StartsWith($"en~US~{c.Listing}@", StringComparison.Ordinal)).Sum(s => s.Value);

    /// <summary>The calls that named the connected listing (the channel's feed may carry the store's other SKUs too).</summary>
    private static int CallsFor(Connected c) =>
        c.Market.Calls.Count(call => call.Segments.Any(s => s == c.Listing || s.StartsWith($"en~US~{c.Listing}", StringComparison.Ordinal))
            || call.Query.GetValueOrDefault("sku") == c.Listing);

    private Task<JsonElement> Hold(Network n, long quantity) =>
        Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity } } }).Expect(HttpStatusCode.Created);

    /// <summary>A property that answers leave out when it is null.</summary>
    private static JsonElement? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private Task<JsonElement> Status(Connected c) => Client.Send(HttpMethod.Get, $"/v1/channels/{c.Network.Channel}/connector").Expect(HttpStatusCode.OK);

    /// <summary>The marketplace's own 429, each saying when to come back: two seconds.</summary>
    private static StandInAnswer Throttle(string kind, DateTimeOffset now) => kind switch
    {
        Amazon => AmazonStandIn.Throttle("5.0", retryAfterSeconds: 2),
        Walmart => WalmartStandIn.Throttle(now + TimeSpan.FromSeconds(2), retryAfterSeconds: 2),
        _ => GoogleMerchantStandIn.Error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests'.", ("Retry-After", "2")),
    };

    /// <summary>The marketplace refusing the request itself (HTTP 400), in its own error body.</summary>
    private static StandInAnswer Refusal(string kind, string message) => kind switch
    {
        Amazon => AmazonStandIn.Refusal(message),
        Walmart => WalmartStandIn.Error(400, message),
        _ => GoogleMerchantStandIn.Error(400, "INVALID_ARGUMENT", message),
    };

    [Theory]
    [InlineData(Amazon)]
    [InlineData(Walmart)]
    [InlineData(GoogleMerchant)]
    public Task A_sku_the_channel_neither_lists_nor_stocks_is_not_sent(string kind) => WithConnectorAsync(kind, async c =>
    {
        // Another network's SKU changes: the channel's feed carries it (at 0), but the marketplace has never
        // heard of it, and would refuse it under its own name, holding up the batch with the listed SKU in it.
        var other = await Client.SeedAsync(storeOnHand: 4, warehouseOnHand: 4);
        await Hold(c.Network, 1);
        await PassAsync();

        Assert.Equal(34, Total(c));
        await AssertInStepAsync(c);
        Assert.DoesNotContain(c.Market.Stock.Keys, key => key.Contains(other.Sku, StringComparison.Ordinal));
        Assert.DoesNotContain(c.Market.Calls, call => call.Segments.Any(segment => segment.Contains(other.Sku, StringComparison.Ordinal))
            || call.Query.Values.Any(value => value.Contains(other.Sku, StringComparison.Ordinal)) || call.Body.Contains(other.Sku, StringComparison.Ordinal));
    });

    [Theory]
    [InlineData(Amazon)]
    [InlineData(Walmart)]
    [InlineData(GoogleMerchant)]
    public Task A_hold_changes_what_the_marketplace_holds(string kind) => WithConnectorAsync(kind, async c =>
    {
        await Hold(c.Network, 3);
        await PassAsync();

        Assert.Equal(32, Total(c));
        await AssertInStepAsync(c);
        var status = await Status(c);
        Assert.Equal(0, status.Long("lagSequences"));
        Assert.Equal(0, status.GetProperty("failuresInARow").GetInt32());

        // Nothing new in the feed: a further pass sends nothing.
        var calls = CallsFor(c);
        await PassAsync();
        Assert.Equal(calls, CallsFor(c));
    });

    [Theory]
    [InlineData(Amazon)]
    [InlineData(Walmart)]
    [InlineData(GoogleMerchant)]
    public Task A_storm_of_429s_is_ridden_out_without_loss(string kind) => WithConnectorAsync(kind, async c =>
    {
        var throttled = 0;
        for (var round = 1; round <= 4; round++)
        {
            for (var i = 0; i < 3; i++)
            {
                c.Market.Scripted.Enqueue(Throttle(kind, server.Time.GetUtcNow()));
            }

            await Hold(c.Network, 1);
            for (var pass = 0; pass < 10 && (!c.Market.Scripted.IsEmpty || Total(c) != 35 - round); pass++)
            {
                await PassAsync();
                server.Time.Advance(TimeSpan.FromSeconds(3));
            }

            Assert.Empty(c.Market.Scripted);
            throttled += 3;
        }

        // Each throttled request was sent again after the wait the marketplace asked for, and the last figure is Stockroom's.
        Assert.Equal(12, throttled);
        Assert.Equal(31, Total(c));
        await AssertInStepAsync(c);
        var status = await Status(c);
        Assert.Equal(0, status.Long("lagSequences"));
        Assert.Equal(0, status.GetProperty("failuresInARow").GetInt32());
    });

    [Theory]
    [InlineData(Amazon)]
    [InlineData(Walmart)]
    [InlineData(GoogleMerchant)]
    public Task A_push_cut_off_mid_request_is_resumed_by_another_process_from_the_right_sequence(string kind) => WithConnectorAsync(kind, async c =>
    {
        // The marketplace takes the first request and the connection drops before its answer: Stockroom cannot know it was taken.
        c.Market.AbortNext = 1;
        await Hold(c.Network, 5);
        await PassAsync();
        var status = await Status(c);
        Assert.Equal(1, status.GetProperty("failuresInARow").GetInt32());
        Assert.Null(Optional(status.GetProperty("lastError"), "status"));
        Assert.True(status.Long("lagSequences") >= 1);

        // A newer figure arrives before the retry; another process over the same store resumes after the back-off.
        await Hold(c.Network, 2);
        var taken = c.Market.History.Count;
        server.Time.Advance(ConnectorPushes.BackoffMin * 2);
        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            await PassAsync(other.Services);
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }

        Assert.Equal(28, Total(c));
        await AssertInStepAsync(c);
        // After the cut only the latest figures of the listing were sent, never the older one the cut request carried.
        // (The channel's feed may carry other SKUs of the store too, published to the new channel in later passes.)
        var expected = await ExpectedAsync(c, c.Listing, c.Network.Sku);
        var history = c.Market.History.Where(h => expected.ContainsKey(h.Item)).ToList();
        Assert.All(c.Market.History.Skip(taken).Where(h => expected.ContainsKey(h.Item)), h => Assert.Equal(expected[h.Item], h.Quantity));
        // Holds only lower the figures: a quantity that rose again would be an older figure taken after a newer one.
        foreach (var item in history.GroupBy(h => h.Item))
        {
            var quantities = item.Select(h => h.Quantity).ToList();
            Assert.Equal(quantities.OrderDescending(), quantities);
        }

        status = await Status(c);
        Assert.Equal(0, status.GetProperty("failuresInARow").GetInt32());
        Assert.Equal(0, status.Long("lagSequences"));
    });

    [Theory]
    [InlineData(Amazon)]
    [InlineData(Walmart)]
    [InlineData(GoogleMerchant)]
    public Task A_resync_sends_every_mapped_sku_in_bulk_where_the_marketplace_has_a_bulk_format(string kind) => WithConnectorAsync(kind, async c =>
    {
        // Past both bulk thresholds: Amazon's JSON listings feed and Walmart's bulk inventory feed carry the re-sync.
        var more = new List<(string Sku, string Listing)>();
        for (var i = 0; i < Math.Max(AmazonPusher.FeedThreshold, WalmartPusher.FeedThreshold) + 4; i++)
        {
            var sku = Api.NewId("SKU");
            var listing = Api.NewId("SHADE");
            await Client.Put($"/v1/items/{sku}", new { name = "Shade" }).Expect(HttpStatusCode.Created);
            await Client.Put($"/v1/channels/{c.Network.Channel}/listings/{listing}", new { sku }).Expect(HttpStatusCode.Created);
            more.Add((sku, listing));
        }

        c.Market.Stock.Clear();
        var calls = c.Market.Calls.Count;
        await Client.Post($"/v1/channels/{c.Network.Channel}/resync", new { }).Expect(HttpStatusCode.Accepted);
        Assert.True((await Status(c)).GetProperty("resyncPending").GetBoolean());
        await PassAsync();

        Assert.False((await Status(c)).GetProperty("resyncPending").GetBoolean());
        await AssertInStepAsync(c);
        foreach (var (sku, listing) in more)
        {
            await AssertInStepAsync(c, listing, sku);
        }

        var sent = c.Market.Calls.Skip(calls).Select(call => call.Path).ToList();
        switch (kind)
        {
            case Amazon:
                Assert.Equal(["/feeds/2021-06-30/documents", "/upload/", "/feeds/2021-06-30/feeds"],
                    sent.Select(path => path.StartsWith("/upload/", StringComparison.Ordinal) ? "/upload/" : path));
                break;
            case Walmart:
                Assert.Equal(["/v3/feeds"], sent);
                break;
            default:
                // One local inventory per store and one regional inventory, for each SKU.
                Assert.Equal((more.Count + 1) * 3, sent.Count);
                break;
        }
    });

    [Theory]
    [InlineData(Amazon)]
    [InlineData(Walmart)]
    [InlineData(GoogleMerchant)]
    public Task The_connector_status_shows_last_success_lag_and_the_marketplaces_error_body(string kind) => WithConnectorAsync(kind, async c =>
    {
        var status = await Status(c);
        var lastSuccess = status.GetProperty("lastSuccessAt").GetDateTimeOffset();
        Assert.Equal(0, status.Long("lagSequences"));
        Assert.Null(Optional(status, "lastError"));

        c.Market.Scripted.Enqueue(Refusal(kind, $"The item {c.Listing} is not in your catalog."));
        await Hold(c.Network, 1);
        await PassAsync();
        // The lag in seconds counts from the publication of the oldest figure not yet delivered.
        server.Time.Advance(TimeSpan.FromSeconds(5));

        status = await Status(c);
        Assert.Equal(1, status.GetProperty("failuresInARow").GetInt32());
        Assert.Equal(400, status.GetProperty("lastError").GetProperty("status").GetInt32());
        Assert.Contains($"The item {c.Listing} is not in your catalog.", status.GetProperty("lastError").GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.True(status.Long("lagSequences") >= 1);
        Assert.True(status.GetProperty("lagSeconds").GetDouble() >= 5);
        Assert.Equal(lastSuccess, status.GetProperty("lastSuccessAt").GetDateTimeOffset());
        Assert.Equal(35, Total(c));

        // A refusal waits for an operator: a further pass sends nothing, and it is tried again only after the long back-off.
        var calls = CallsFor(c);
        server.Time.Advance(ConnectorPushes.BackoffMax);
        await PassAsync();
        Assert.Equal(calls, CallsFor(c));
        server.Time.Advance(ConnectorPushes.RefusedBackoff);
        await PassAsync();

        Assert.Equal(34, Total(c));
        await AssertInStepAsync(c);
        status = await Status(c);
        Assert.Equal(0, status.GetProperty("failuresInARow").GetInt32());
        Assert.Equal(0, status.Long("lagSequences"));
        Assert.True(status.GetProperty("lastSuccessAt").GetDateTimeOffset() > lastSuccess);
        // The last failure stays on show after the recovery, for the operator to read.
        Assert.Equal(400, status.GetProperty("lastError").GetProperty("status").GetInt32());
    });

    [Theory]
    [InlineData(Amazon)]
    [InlineData(Walmart)]
    public Task Pushing_to_and_polling_one_connector_fetch_its_access_token_once(string kind) => WithConnectorAsync(kind, async c =>
    {
        // The connecting pass fetched a token for its resync; the push and the poll that follow use it.
        Assert.Equal(1, c.Market.TokenRequests);
        await Hold(c.Network, 1);
        await PassAsync();
        await server.Service<OrderPolling>().PollDueAsync(CancellationToken.None);

        Assert.Equal(34, Total(c));
        Assert.Equal(1, c.Market.ListCalls);
        Assert.Equal(1, c.Market.TokenRequests);
        Assert.Empty(c.Market.Violations);
    });
}

public sealed class ConnectorEndToEndTests_Sqlite(ConnectorSqliteServer server) : ConnectorEndToEndTests(server), IClassFixture<ConnectorSqliteServer>;

public sealed class ConnectorEndToEndTests_Postgres(ConnectorPostgresServer server) : ConnectorEndToEndTests(server), IClassFixture<ConnectorPostgresServer>;
