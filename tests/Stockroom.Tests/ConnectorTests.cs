using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Stockroom.Features.Channels;
using Stockroom.Features.Connectors;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// A channel's Shopify connector against a stand-in of Shopify's Admin GraphQL API: configuration,
/// what a hold makes Shopify receive, throttling and failures ridden out, compare-and-set, resync and
/// the connector's status. Each publication and connector pass is the test's own.
/// </summary>
public abstract class ConnectorTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private sealed record Setup(Network Network, ShopifyStandIn Shopify, string Item);

    private async Task PassAsync(IServiceProvider? services = null)
    {
        await server.Service<ChannelPublisher>().PublishDueAsync(CancellationToken.None);
        await (services?.GetRequiredService<ConnectorPushes>() ?? server.Service<ConnectorPushes>()).RunDueAsync(CancellationToken.None);
    }

    private static object Connector(ShopifyStandIn shopify, string? token = ShopifyStandIn.Token) => token is null
        ? new { kind = "shopify", baseUrl = shopify.BaseUrl, locationId = ShopifyStandIn.Location }
        : new { kind = "shopify", baseUrl = shopify.BaseUrl, accessToken = token, locationId = ShopifyStandIn.Location };

    private async Task<Setup> ConnectAsync(ShopifyStandIn shopify)
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var item = $"{Random.Shared.NextInt64(1_000_000, 9_999_999_999)}";
        await Client.Put($"/v1/channels/{n.Channel}/listings/{item}", new { sku = n.Sku }).Expect(HttpStatusCode.Created);
        await Client.Put($"/v1/channels/{n.Channel}", new { name = "Shopify", group = n.Group, connector = Connector(shopify) }).Expect(HttpStatusCode.OK);
        await PassAsync();
        return new Setup(n, shopify, $"gid://shopify/InventoryItem/{item}");
    }

    private async Task<long> AvailableAsync(Network n) => (await Client.AvailabilityAsync(n.Sku, $"channel={n.Channel}")).Long("available");

    private Task<JsonElement> Hold(Network n, long quantity) =>
        Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity } } }).Expect(HttpStatusCode.Created);

    private Task<JsonElement> Status(string channel) => Client.Send(HttpMethod.Get, $"/v1/channels/{channel}/connector").Expect(HttpStatusCode.OK);

    [Fact]
    public async Task A_connector_is_validated_against_its_kind_and_its_secret_is_never_shown()
    {
        await using var shopify = await ShopifyStandIn.StartAsync();
        var n = await Client.SeedAsync();
        await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector").Problem(HttpStatusCode.NotFound);

        var refused = await Client.Put($"/v1/channels/{n.Channel}", new
        {
            name = "Shopify",
            group = n.Group,
            connector = new { kind = "shopify", baseUrl = shopify.BaseUrl, locationId = "7001", colour = "red" },
        }).Problem(HttpStatusCode.BadRequest);
        var errors = refused.GetProperty("errors");
        Assert.StartsWith("must match", errors.GetProperty("connector.locationId")[0].GetString(), StringComparison.Ordinal);
        Assert.True(errors.TryGetProperty("connector.colour", out _));
        await Client.Put($"/v1/channels/{n.Channel}", new { name = "Shopify", group = n.Group, connector = Connector(shopify, token: null) })
            .Problem(HttpStatusCode.BadRequest);
        await Client.Put($"/v1/channels/{n.Channel}", new { name = "Shopify", group = n.Group, connector = new { kind = "ebay", baseUrl = shopify.BaseUrl } })
            .Problem(HttpStatusCode.BadRequest);
        await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector").Problem(HttpStatusCode.NotFound);

        using (var response = await Client.Put($"/v1/channels/{n.Channel}", new { name = "Shopify", group = n.Group, connector = Connector(shopify) }))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain(ShopifyStandIn.Token, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var response = await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector"))
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(ShopifyStandIn.Token, text, StringComparison.Ordinal);
            var status = JsonDocument.Parse(text).RootElement;
            Assert.Equal("shopify", status.GetProperty("kind").GetString());
            Assert.Equal(ShopifyStandIn.Location, status.GetProperty("settings").GetProperty("locationId").GetString());
            Assert.Equal(["accessToken"], status.GetProperty("secretsSet").EnumerateArray().Select(s => s.GetString()));
        }

        var events = await Client.Send(HttpMethod.Get, "/v1/events?after=0&limit=1000").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(ShopifyStandIn.Token, events.GetRawText(), StringComparison.Ordinal);
        await Client.Put($"/v1/channels/{n.Channel}/listings/4242", new { sku = n.Sku }).Expect(HttpStatusCode.Created);

        // Left out of a later PUT, the token is kept: the push still authenticates.
        await Client.Put($"/v1/channels/{n.Channel}", new { name = "Shopify", group = n.Group, connector = Connector(shopify, token: null) }).Expect(HttpStatusCode.OK);
        await PassAsync();
        Assert.Equal("gid://shopify/InventoryItem/4242", Assert.Single(shopify.Available).Key);
        Assert.Equal(await AvailableAsync(n), shopify.Available["gid://shopify/InventoryItem/4242"]);
        Assert.Empty(shopify.Malformed);

        // A PUT without connector keeps it; null removes it.
        await Client.Put($"/v1/channels/{n.Channel}", new { name = "Shopify", group = n.Group }).Expect(HttpStatusCode.OK);
        await Status(n.Channel);
        await Client.Put($"/v1/channels/{n.Channel}", new { name = "Shopify", group = n.Group, connector = (object?)null }).Expect(HttpStatusCode.OK);
        await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_hold_changes_what_shopify_holds_with_the_ledger_sequence_as_reference()
    {
        await using var shopify = await ShopifyStandIn.StartAsync();
        var (n, _, item) = await ConnectAsync(shopify);
        Assert.Equal(35, shopify.Available[item]);

        await Hold(n, 3);
        var sequence = (await server.Store.ReadLedgerHeadAsync(CancellationToken.None)).Sequence;
        await PassAsync();
        Assert.Equal(32, shopify.Available[item]);
        Assert.Equal($"gid://stockroom/LedgerSequence/{sequence}", shopify.Applied.Last().Reference);
        Assert.Empty(shopify.Malformed);
        var status = await Status(n.Channel);
        Assert.Equal(0, status.Long("lagSequences"));
        Assert.Equal(0, status.GetProperty("failuresInARow").GetInt32());
    }

    [Fact]
    public async Task A_storm_of_429s_and_throttled_answers_is_ridden_out_without_loss()
    {
        await using var shopify = await ShopifyStandIn.StartAsync();
        var (n, _, item) = await ConnectAsync(shopify);
        for (var round = 0; round < 4; round++)
        {
            shopify.TooManyNext = 2;
            shopify.ThrottleNext = 2;
            await Hold(n, 1);
            for (var pass = 0; pass < 10 && shopify.Available[item] != await AvailableAsync(n); pass++)
            {
                await PassAsync();
                server.Time.Advance(TimeSpan.FromSeconds(3));
            }
        }

        Assert.Equal(await AvailableAsync(n), shopify.Available[item]);
        Assert.Equal(31, shopify.Available[item]);
        Assert.Empty(shopify.Malformed);
    }

    [Fact]
    public async Task A_change_made_in_shopify_is_seen_by_compare_and_set_not_overwritten_blindly()
    {
        await using var shopify = await ShopifyStandIn.StartAsync();
        var (n, _, item) = await ConnectAsync(shopify);
        shopify.Available[item] = 99;

        await Hold(n, 1);
        await PassAsync();
        Assert.Equal(1, shopify.StaleRefusals);
        Assert.Equal(34, shopify.Available[item]);
        Assert.Empty(shopify.Malformed);
    }

    [Fact]
    public async Task A_restarted_process_compares_against_what_it_last_set_in_shopify()
    {
        await using var shopify = await ShopifyStandIn.StartAsync();
        var (n, _, item) = await ConnectAsync(shopify);
        var reads = shopify.Reads;

        // A new process over the same store knows what was last set: it sets against it without asking Shopify first.
        await server.RestartAsync(TimeSpan.FromSeconds(5));
        await Hold(n, 1);
        await PassAsync();
        Assert.Equal(34, shopify.Available[item]);
        Assert.Equal(reads, shopify.Reads);
        Assert.Equal(0, shopify.StaleRefusals);

        // A change made in Shopify while the process was down is seen by compare-and-set, not overwritten blindly.
        await server.RestartAsync(TimeSpan.FromSeconds(5));
        shopify.Available[item] = 99;
        await Hold(n, 1);
        await PassAsync();
        Assert.Equal(1, shopify.StaleRefusals);
        Assert.Equal(33, shopify.Available[item]);
        Assert.Empty(shopify.Malformed);
    }

    [Fact]
    public async Task A_failed_push_keeps_the_cursor_and_another_process_resumes_from_the_right_sequence()
    {
        await using var shopify = await ShopifyStandIn.StartAsync();
        var (n, _, item) = await ConnectAsync(shopify);
        shopify.FailNext = 1;
        await Hold(n, 5);
        var sequence = (await server.Store.ReadLedgerHeadAsync(CancellationToken.None)).Sequence;
        var applied = shopify.Applied.Count;
        await PassAsync();
        Assert.Equal(35, shopify.Available[item]);

        var status = await Status(n.Channel);
        Assert.Equal(1, status.GetProperty("failuresInARow").GetInt32());
        Assert.Equal(500, status.GetProperty("lastError").GetProperty("status").GetInt32());
        Assert.Contains("Internal Server Error", status.GetProperty("lastError").GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.True(status.Long("lagSequences") >= 1);

        // Another process over the same store, after the back-off, sends what the first did not deliver.
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

        Assert.Equal(30, shopify.Available[item]);
        var sent = Assert.Single(shopify.Applied.Skip(applied));
        Assert.Equal($"gid://stockroom/LedgerSequence/{sequence}", sent.Reference);
        status = await Status(n.Channel);
        Assert.Equal(0, status.GetProperty("failuresInARow").GetInt32());
        Assert.Equal(0, status.Long("lagSequences"));
        Assert.Equal(500, status.GetProperty("lastError").GetProperty("status").GetInt32());

        // Nothing new in the feed: a further pass sends nothing.
        await PassAsync();
        Assert.Equal(applied + 1, shopify.Applied.Count);
    }

    [Fact]
    public async Task A_resync_sends_every_mapped_sku()
    {
        await using var shopify = await ShopifyStandIn.StartAsync();
        var (n, _, item) = await ConnectAsync(shopify);
        var more = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var sku = Api.NewId("SKU");
            var id = $"{Random.Shared.NextInt64(1_000_000, 9_999_999_999)}";
            await Client.Put($"/v1/items/{sku}", new { name = "Shade" }).Expect(HttpStatusCode.Created);
            await Client.Put($"/v1/channels/{n.Channel}/listings/{id}", new { sku }).Expect(HttpStatusCode.Created);
            more.Add($"gid://shopify/InventoryItem/{id}");
        }

        var applied = shopify.Applied.Count;
        await Client.Post($"/v1/channels/{n.Channel}/resync", new { }).Expect(HttpStatusCode.Accepted);
        Assert.True((await Status(n.Channel)).GetProperty("resyncPending").GetBoolean());
        await PassAsync();
        var sent = shopify.Applied.Skip(applied).SelectMany(a => a.Set.Keys).ToHashSet();
        Assert.Equal(new[] { item }.Concat(more).Order(StringComparer.Ordinal), sent.Order(StringComparer.Ordinal), StringComparer.Ordinal);
        Assert.Equal(35, shopify.Available[item]);
        Assert.All(more, m => Assert.Equal(0, shopify.Available[m]));
        Assert.False((await Status(n.Channel)).GetProperty("resyncPending").GetBoolean());
        await Client.Post($"/v1/channels/{Api.NewId("none")}/resync", new { }).Problem(HttpStatusCode.NotFound);
    }
}

public sealed class ConnectorTests_Sqlite(ConnectorSqliteServer server) : ConnectorTests(server), IClassFixture<ConnectorSqliteServer>;

public sealed class ConnectorTests_Postgres(ConnectorPostgresServer server) : ConnectorTests(server), IClassFixture<ConnectorPostgresServer>;

/// <summary>Without the setting, a connector on a private network is refused when it is set, before anything connects.</summary>
public abstract class ConnectorGuardTests(StockroomServer server)
{
    [Theory]
    [InlineData("http://127.0.0.1:9/", "loopback address 127.0.0.1")]
    [InlineData("http://10.1.2.3/", "private address 10.1.2.3")]
    [InlineData("http://localhost:9/", "names this machine ('localhost')")]
    public async Task A_private_base_url_is_refused_unless_allowed(string url, string reason)
    {
        var n = await server.Client.SeedAsync();
        var problem = await server.Client.Put($"/v1/channels/{n.Channel}", new
        {
            name = "Shopify",
            group = n.Group,
            connector = new { kind = "shopify", baseUrl = url, accessToken = "shpat_x", locationId = "gid://shopify/Location/1" },
        }).Problem(HttpStatusCode.BadRequest);
        var message = problem.GetProperty("errors").GetProperty("connector.baseUrl")[0].GetString();
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.EndsWith("set Stockroom:Connectors:AllowPrivateNetworks=true to allow it", message, StringComparison.Ordinal);
        await server.Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector").Problem(HttpStatusCode.NotFound);
    }
}

public sealed class ConnectorGuardTests_Sqlite(SqliteServer server) : ConnectorGuardTests(server), IClassFixture<SqliteServer>;

public sealed class ConnectorGuardTests_Postgres(PostgresServerFixture server) : ConnectorGuardTests(server), IClassFixture<PostgresServerFixture>;
