using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class PosSyncApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private Task<System.Text.Json.JsonElement> Count(Network n, long quantity, string asOf, string source = "pos", HttpStatusCode status = HttpStatusCode.OK) =>
        Client.Post("/v1/supply/sync", new { source, asOf, lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", quantity } } }).Expect(status);

    private async Task<long> StoreAvailable(Network n) => (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("available");

    private async Task<string> SellOnline(Network n, long quantity)
    {
        var id = Api.NewId("o");
        await Client.Post("/v1/orders", new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity, location = n.Store } } }).Expect(HttpStatusCode.Created);
        return id;
    }

    [Fact]
    public async Task Ten_lamps_one_sold_online_stays_nine_through_the_pos_snapshots()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        await Count(n, 10, "2026-11-22T08:10:00Z");
        Assert.Equal(10, await StoreAvailable(n));

        var order = await SellOnline(n, 1);
        Assert.Equal(9, await StoreAvailable(n));

        // The POS's hourly count predates its knowing the order: still 9.
        await Count(n, 10, "2026-11-22T08:55:00Z");
        Assert.Equal(9, await StoreAvailable(n));

        // The order reaches the POS, which acknowledges it and deducts it from its own count.
        await Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = "sentToPos" }).Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromMinutes(2));
        await Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = "posAcknowledged" }).Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromMinutes(15));
        var synced = await Count(n, 9, server.Time.GetUtcNow().AddMinutes(-1).ToString("O"));
        Assert.Equal(1, synced.GetProperty("seenBySource")[0].Long("units"));
        Assert.Equal(9, await StoreAvailable(n));

        // Shipping takes the lamp off the shelf; the next count agrees.
        await Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = "shipped" }).Expect(HttpStatusCode.OK);
        Assert.Equal(9, await StoreAvailable(n));
        await Count(n, 9, server.Time.GetUtcNow().ToString("O"));
        var atp = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal((9L, 0L, 9L), (atp.Long("onHand"), atp.Long("allocated"), atp.Long("available")));
    }

    [Fact]
    public async Task An_older_snapshot_from_the_same_source_is_refused()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        await Count(n, 10, "2026-11-22T08:30:00Z");
        var head = await Client.LedgerHeadAsync();
        var problem = await Client.Post("/v1/supply/sync", new
        {
            source = "pos",
            asOf = "2026-11-22T08:15:00Z",
            lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", quantity = 50 } },
        }).Problem(HttpStatusCode.Conflict);
        Assert.EndsWith("stale-snapshot", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(head, await Client.LedgerHeadAsync());
        Assert.Equal(10, await StoreAvailable(n));

        // The same snapshot again is harmless; another source keeps its own order.
        await Count(n, 10, "2026-11-22T08:30:00Z");
        await Count(n, 12, "2026-11-22T08:15:00Z", source: "erp-nightly");
        Assert.Equal(12, await StoreAvailable(n));
    }

    [Fact]
    public async Task A_snapshot_sent_again_after_a_newer_one_of_its_location_gets_its_first_answer()
    {
        // The POS counts the lamp, loses the answer, counts a chair at the same store, then sends
        // the lamp's count again. Refused as stale, it would read as never applied.
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        var chair = Api.NewId("SKU");
        await Client.Put($"/v1/items/{chair}", new { name = "Chair", price = 89m }).Expect(HttpStatusCode.Created);
        var lamp = new { source = "pos", asOf = "2026-11-22T08:30:00Z", lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", quantity = 7L } } };
        using var first = await Client.Post("/v1/supply/sync", lamp);
        Assert.Equal((HttpStatusCode.OK, "false"), (first.StatusCode, first.Headers.GetValues("Idempotent-Replayed").Single()));
        await Client.Post("/v1/supply/sync", new { source = "pos", asOf = "2026-11-22T08:40:00Z", lines = new[] { new { sku = chair, location = n.Store, type = "onHand", quantity = 3L } } })
            .Expect(HttpStatusCode.OK);
        await SellOnline(n, 2);
        var head = await Client.LedgerHeadAsync();

        using var again = await Client.Post("/v1/supply/sync", lamp);
        Assert.Equal((HttpStatusCode.OK, "true"), (again.StatusCode, again.Headers.GetValues("Idempotent-Replayed").Single()));
        Assert.Equal((await first.Json()).GetRawText(), (await again.Json()).GetRawText());
        Assert.Equal(head, await Client.LedgerHeadAsync());
        Assert.Equal(5, await StoreAvailable(n));

        // A different count as of that older time is still refused.
        var problem = await Client.Post("/v1/supply/sync", lamp with { lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", quantity = 8L } } })
            .Problem(HttpStatusCode.Conflict);
        Assert.EndsWith("stale-snapshot", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(head, await Client.LedgerHeadAsync());
    }

    [Fact]
    public async Task Holds_stranded_by_a_falling_count_move_to_another_location()
    {
        var n = await Client.SeedAsync(storeOnHand: 4, warehouseOnHand: 10);
        var hold = await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 3 } } })
            .Expect(HttpStatusCode.Created);
        var id = hold.GetProperty("id").GetString();
        Assert.Equal(n.Store, hold.GetProperty("lines")[0].GetProperty("allocations")[0].GetProperty("location").GetString());

        // The store sold three lamps over the counter: only one is left for the three held online.
        var synced = await Count(n, 1, "2026-11-22T08:58:00Z");
        Assert.Equal([id], synced.GetProperty("reservationsResourced").EnumerateArray().Select(r => r.GetString()));
        var moved = await Client.Send(HttpMethod.Get, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);
        var allocations = moved.GetProperty("lines")[0].GetProperty("allocations").EnumerateArray()
            .ToDictionary(a => a.GetProperty("location").GetString()!, a => a.Long("quantity"));
        Assert.Equal(new Dictionary<string, long> { [n.Store] = 1, [n.Warehouse] = 2 }, allocations);
        var store = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal((1L, 1L, 0L), (store.Long("onHand"), store.Long("reserved"), store.Long("available")));
        Assert.Equal(8, (await Client.AvailabilityAsync(n.Sku, $"location={n.Warehouse}")).Long("available"));
    }

    [Fact]
    public async Task The_allocation_monitor_shows_what_waits_for_the_pos()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 10);
        var first = await SellOnline(n, 2);
        server.Time.Advance(TimeSpan.FromMinutes(3));
        var second = await SellOnline(n, 1);
        await Client.Post("/v1/orders", new { id = Api.NewId("o"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 4, location = n.Warehouse } } })
            .Expect(HttpStatusCode.Created);
        await Client.Post($"/v1/orders/{first}/events", new { id = Api.NewId("e"), type = "sentToPos" }).Expect(HttpStatusCode.OK);

        var store = await Client.Send(HttpMethod.Get, $"/v1/allocations?location={n.Store}").Expect(HttpStatusCode.OK);
        Assert.Equal(3, store.Long("totalUnits"));
        var orders = store.GetProperty("locations")[0].GetProperty("orders").EnumerateArray().ToList();
        Assert.Equal([first, second], orders.Select(o => o.GetProperty("orderId").GetString()));
        Assert.True(orders[0].TryGetProperty("sentToPosAt", out _));
        Assert.False(orders[1].TryGetProperty("sentToPosAt", out _));
        Assert.Equal(180, orders[0].Long("waitingSeconds"));

        await Client.Post($"/v1/orders/{first}/events", new { id = Api.NewId("e"), type = "posAcknowledged" }).Expect(HttpStatusCode.OK);
        var after = await Client.Send(HttpMethod.Get, $"/v1/allocations?location={n.Store}").Expect(HttpStatusCode.OK);
        Assert.Equal(1, after.Long("totalUnits"));

        var everywhere = await Client.Send(HttpMethod.Get, "/v1/allocations").Expect(HttpStatusCode.OK);
        var mine = everywhere.GetProperty("locations").EnumerateArray()
            .Where(l => l.GetProperty("location").GetString() is { } id && (id == n.Store || id == n.Warehouse))
            .Sum(l => l.Long("units"));
        Assert.Equal(5, mine);
    }
}

public sealed class PosSyncApiTests_Sqlite(SqliteServer server) : PosSyncApiTests(server), IClassFixture<SqliteServer>;

public sealed class PosSyncApiTests_Postgres(PostgresServerFixture server) : PosSyncApiTests(server), IClassFixture<PostgresServerFixture>;
