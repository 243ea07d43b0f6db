using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class SupplyApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private static object Adjustment(string id, Network network, long delta, string? location = null) => new
    {
        id,
        lines = new[] { new { sku = network.Sku, location = location ?? network.Store, type = "onHand", delta, reason = "receipt" } },
    };

    [Fact]
    public async Task Adjustment_sent_twice_with_the_same_id_applies_once()
    {
        var network = await Client.SeedAsync(storeOnHand: 10);
        var id = Api.NewId("adj");
        using (var first = await Client.Post("/v1/supply/adjust", Adjustment(id, network, 5)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("false", first.Headers.GetValues("Idempotent-Replayed").Single());
        }

        using (var second = await Client.Post("/v1/supply/adjust", Adjustment(id, network, 5)))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(15, (await second.Json()).GetProperty("positions")[0].Long("onHand"));
        }

        Assert.Equal(15, (await Client.AvailabilityAsync(network.Sku, $"location={network.Store}")).Long("available"));
    }

    [Fact]
    public async Task Same_id_with_a_different_body_is_a_conflict_and_changes_nothing()
    {
        var network = await Client.SeedAsync(storeOnHand: 10);
        var id = Api.NewId("adj");
        await Client.Post("/v1/supply/adjust", Adjustment(id, network, 5)).Expect(HttpStatusCode.OK);
        var problem = await Client.Post("/v1/supply/adjust", Adjustment(id, network, 6)).Problem(HttpStatusCode.Conflict);
        Assert.EndsWith("idempotency-clash", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(15, (await Client.AvailabilityAsync(network.Sku, $"location={network.Store}")).Long("onHand"));
    }

    [Fact]
    public async Task Idempotency_key_header_stands_in_for_the_id()
    {
        var network = await Client.SeedAsync(storeOnHand: 10);
        var key = Api.NewId("key");
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/supply/adjust")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new
                {
                    lines = new[] { new { sku = network.Sku, location = network.Store, type = "onHand", delta = 1, reason = "count" } },
                }),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(11, (await Client.AvailabilityAsync(network.Sku, $"location={network.Store}")).Long("onHand"));
    }

    [Fact]
    public async Task Removing_more_than_on_hand_refuses_every_line()
    {
        var network = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 3);
        var head = await Client.LedgerHeadAsync();
        var problem = await Client.Post("/v1/supply/adjust", new
        {
            id = Api.NewId("adj"),
            lines = new[]
            {
                new { sku = network.Sku, location = network.Store, type = "onHand", delta = -2L, reason = "damaged" },
                new { sku = network.Sku, location = network.Warehouse, type = "onHand", delta = -4L, reason = "damaged" },
            },
        }).Problem(HttpStatusCode.Conflict);
        Assert.True(problem.GetProperty("errors").TryGetProperty("lines[1].delta", out _));
        Assert.Equal(10, (await Client.AvailabilityAsync(network.Sku, $"location={network.Store}")).Long("onHand"));
        Assert.Equal(head, await Client.LedgerHeadAsync());
    }

    [Fact]
    public async Task A_refused_id_stays_free_for_a_corrected_retry()
    {
        var network = await Client.SeedAsync(storeOnHand: 1);
        var id = Api.NewId("adj");
        await Client.Post("/v1/supply/adjust", Adjustment(id, network, -2)).Problem(HttpStatusCode.Conflict);
        await Client.Post("/v1/supply/adjust", Adjustment(id, network, -1)).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (await Client.AvailabilityAsync(network.Sku, $"location={network.Store}")).Long("onHand"));
    }

    [Fact]
    public async Task Inbound_adjustments_change_their_lot()
    {
        var network = await Client.SeedAsync(storeOnHand: 0);
        await Client.Post("/v1/supply/adjust", new
        {
            id = Api.NewId("adj"),
            lines = new object[] { new { sku = network.Sku, location = network.Store, type = "inTransit", delta = 8, reason = "transfer", eta = "2026-11-24", reference = "T-1" } },
        }).Expect(HttpStatusCode.OK);
        await Client.Post("/v1/supply/adjust", new
        {
            id = Api.NewId("adj"),
            lines = new object[] { new { sku = network.Sku, location = network.Store, type = "inTransit", delta = -3, reason = "short-shipped", reference = "T-1" } },
        }).Expect(HttpStatusCode.OK);
        var atp = await Client.AvailabilityAsync(network.Sku, $"location={network.Store}");
        var lot = Assert.Single(atp.GetProperty("inbound").EnumerateArray());
        Assert.Equal((5L, "2026-11-24"), (lot.Long("quantity"), lot.GetProperty("eta").GetString()));
    }

    [Fact]
    public async Task Concurrent_adjustments_all_count()
    {
        var network = await Client.SeedAsync(storeOnHand: 0);
        var tasks = Enumerable.Range(0, 40).Select(i => Client.Post("/v1/supply/adjust", Adjustment(Api.NewId($"c{i}"), network, 1)).Expect(HttpStatusCode.OK));
        await Task.WhenAll(tasks);
        Assert.Equal(40, (await Client.AvailabilityAsync(network.Sku, $"location={network.Store}")).Long("onHand"));
    }

    [Fact]
    public async Task Concurrent_repeats_of_one_id_apply_once()
    {
        var network = await Client.SeedAsync(storeOnHand: 0);
        var id = Api.NewId("adj");
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Client.Post("/v1/supply/adjust", Adjustment(id, network, 3)).Expect(HttpStatusCode.OK)));
        Assert.Equal(3, (await Client.AvailabilityAsync(network.Sku, $"location={network.Store}")).Long("onHand"));
    }

    [Fact]
    public async Task Snapshot_from_the_future_is_refused()
    {
        var network = await Client.SeedAsync();
        var problem = await Client.Post("/v1/supply/sync", new
        {
            source = "pos",
            asOf = StockroomServer.Start.AddHours(1).ToString("O"),
            lines = new[] { new { sku = network.Sku, location = network.Store, type = "onHand", quantity = 1 } },
        }).Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("asOf", out _));
    }

    [Fact]
    public async Task Count_below_committed_is_accepted_and_availability_stays_at_zero()
    {
        var network = await Client.SeedAsync(storeOnHand: 10);
        await Client.Post("/v1/supply/sync", new
        {
            source = "pos",
            asOf = "2026-11-22T08:55:00Z",
            lines = new[] { new { sku = network.Sku, location = network.Store, type = "onHand", quantity = 0 } },
        }).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (await Client.AvailabilityAsync(network.Sku, $"location={network.Store}")).Long("available"));
    }
}

public sealed class SupplyApiTests_Sqlite(SqliteServer server) : SupplyApiTests(server), IClassFixture<SqliteServer>;

public sealed class SupplyApiTests_Postgres(PostgresServerFixture server) : SupplyApiTests(server), IClassFixture<PostgresServerFixture>;
