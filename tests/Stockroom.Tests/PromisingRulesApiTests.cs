using System.Net;
using System.Text.Json;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class PromisingRulesApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private Task<JsonElement> Hold(Network n, long quantity, string? location = null, int? priority = null, bool allowBackorder = false,
        string? channel = null, HttpStatusCode status = HttpStatusCode.Created, string? sku = null) =>
        Client.Post("/v1/reservations", new
        {
            id = Api.NewId("r"),
            channel = channel ?? n.Channel,
            priority,
            allowBackorder,
            lines = new[] { new { sku = sku ?? n.Sku, quantity, location } },
        }).Expect(status);

    private async Task<long> Available(Network n, string query) => (await Client.AvailabilityAsync(n.Sku, query)).Long("available");

    private Task Item(Network n, object body) => Client.Put($"/v1/items/{n.Sku}", body).Expect(HttpStatusCode.OK);

    private Task Receive(Network n, long delta, string location) => Client.Post("/v1/supply/adjust", new
    {
        id = Api.NewId("adj"),
        lines = new[] { new { sku = n.Sku, location, type = "onHand", delta, reason = "receipt" } },
    }).Expect(HttpStatusCode.OK);

    [Fact]
    public async Task Safety_stock_is_shown_and_never_held_but_vip_holds_may_use_it()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        await Client.Put("/v1/rules/safety-stock", new { sku = n.Sku, location = n.Store, units = 3, vipPriority = 100 }).Expect(HttpStatusCode.Created);
        var atp = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal((3L, 7L), (atp.Long("safetyStock"), atp.Long("available")));

        await Hold(n, 8, location: n.Store, status: HttpStatusCode.Conflict);
        await Hold(n, 7, location: n.Store);
        await Hold(n, 1, location: n.Store, priority: 99, status: HttpStatusCode.Conflict);
        await Hold(n, 3, location: n.Store, priority: 100);
        Assert.Equal(0, await Available(n, $"location={n.Store}"));
    }

    [Fact]
    public async Task The_most_specific_rule_applies_and_deleting_it_restores_the_next()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 20);
        await Client.Put("/v1/rules/safety-stock", new { group = n.Group, units = 4 }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/safety-stock", new { sku = n.Sku, location = n.Warehouse, percent = 25 }).Expect(HttpStatusCode.Created);
        var atp = await Client.AvailabilityAsync(n.Sku, $"group={n.Group}");
        var safety = atp.GetProperty("byLocation").EnumerateArray().ToDictionary(l => l.GetProperty("location").GetString()!, l => l.Long("safetyStock"));
        Assert.Equal(new Dictionary<string, long> { [n.Store] = 4, [n.Warehouse] = 5 }, safety);
        Assert.Equal(21, atp.Long("available"));

        var rules = await Client.Send(HttpMethod.Get, $"/v1/rules/safety-stock?sku={n.Sku}").Expect(HttpStatusCode.OK);
        Assert.Single(rules.GetProperty("data").EnumerateArray());
        await Client.Send(HttpMethod.Delete, $"/v1/rules/safety-stock?sku={n.Sku}&location={n.Warehouse}").Expect(HttpStatusCode.OK);
        Assert.Equal(22, await Available(n, $"group={n.Group}"));
        await Client.Send(HttpMethod.Delete, $"/v1/rules/safety-stock?sku={n.Sku}&location={n.Warehouse}").Problem(HttpStatusCode.NotFound);
        await Client.Send(HttpMethod.Delete, $"/v1/rules/safety-stock?group={n.Group}").Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Safety_stock_rules_are_checked()
    {
        await Client.Put("/v1/rules/safety-stock", new { sku = "X", units = 1, percent = 5 }).Problem(HttpStatusCode.BadRequest);
        await Client.Put("/v1/rules/safety-stock", new { sku = "X" }).Problem(HttpStatusCode.BadRequest);
        await Client.Put("/v1/rules/safety-stock", new { sku = "X", percent = 101 }).Problem(HttpStatusCode.BadRequest);
        await Client.Put("/v1/rules/safety-stock", new { sku = "NO-SUCH-SKU", units = 1 }).Problem(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_channel_holds_no_more_than_its_buffered_view()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var amazon = Api.NewId("amazon");
        await Client.Put($"/v1/channels/{amazon}", new { name = "Amazon", group = n.Group, buffer = new { units = 5 } }).Expect(HttpStatusCode.Created);
        Assert.Equal(30, await Available(n, $"channel={amazon}"));
        Assert.Equal(35, await Available(n, $"channel={n.Channel}"));
        await Hold(n, 31, channel: amazon, status: HttpStatusCode.Conflict);
        await Hold(n, 30, channel: amazon);
        Assert.Equal(0, await Available(n, $"channel={amazon}"));
        Assert.Equal(5, await Available(n, $"channel={n.Channel}"));
    }

    [Fact]
    public async Task Lead_time_gives_the_promise_date()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 5);
        await Client.Put($"/v1/locations/{n.Warehouse}", new { name = "Warehouse", type = "warehouse", canShip = true, canPickup = false, leadTimeDays = 3 })
            .Expect(HttpStatusCode.OK);
        var held = await Hold(n, 2);
        Assert.Equal("2026-11-25", held.GetProperty("lines")[0].GetProperty("allocations")[0].GetProperty("promiseDate").GetString());
    }

    [Fact]
    public async Task Backorder_waits_for_inbound_supply_and_is_filled_when_it_arrives()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 2);
        await Item(n, new { name = "Desk lamp", backorderable = true });
        await Client.Put($"/v1/locations/{n.Warehouse}", new { name = "Warehouse", type = "warehouse", canShip = true, canPickup = false, leadTimeDays = 2, priority = 20 })
            .Expect(HttpStatusCode.OK);
        await Client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = "2026-11-22T08:30:00Z",
            lines = new[] { new { sku = n.Sku, location = n.Warehouse, type = "purchaseOrder", quantity = 10, eta = "2026-12-01", reference = "PO-9" } },
        }).Expect(HttpStatusCode.OK);

        var reservation = await Hold(n, 5, allowBackorder: true);
        Assert.Equal("backordered", reservation.GetProperty("status").GetString());
        var line = reservation.GetProperty("lines")[0];
        Assert.Equal((2L, 3L, "2026-12-03"), (line.Long("reserved"), line.Long("backordered"), line.GetProperty("promiseDate").GetString()));
        var atp = await Client.AvailabilityAsync(n.Sku, $"group={n.Group}");
        Assert.Equal((3L, 0L), (atp.Long("backordered"), atp.Long("available")));
        Assert.Equal([("2026-12-01", 7L)], atp.GetProperty("future").EnumerateArray().Select(p => (p.GetProperty("date").GetString(), p.Long("available"))));

        // Without allowBackorder, the same hold is refused.
        await Hold(n, 1, status: HttpStatusCode.Conflict);

        using var receipt = await Client.Post("/v1/supply/adjust", new
        {
            id = Api.NewId("adj"),
            lines = new[] { new { sku = n.Sku, location = n.Warehouse, type = "onHand", delta = 10, reason = "receipt" } },
        });
        var filled = await receipt.Json();
        var id = reservation.GetProperty("id").GetString();
        Assert.Equal([id], filled.GetProperty("backordersFilled").EnumerateArray().Select(e => e.GetString()));
        var after = await Client.Send(HttpMethod.Get, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("active", after.GetProperty("status").GetString());
        Assert.Equal((5L, 0L), (after.GetProperty("lines")[0].Long("reserved"), after.GetProperty("lines")[0].Long("backordered")));
        atp = await Client.AvailabilityAsync(n.Sku, $"group={n.Group}");
        Assert.Equal((0L, 5L, 7L), (atp.Long("backordered"), atp.Long("reserved"), atp.Long("available")));
    }

    [Fact]
    public async Task Arriving_supply_fills_backorders_by_priority_then_age()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        await Item(n, new { name = "Desk lamp", backorderable = true });
        var first = (await Hold(n, 2, allowBackorder: true, priority: 1)).GetProperty("id").GetString();
        var vip = (await Hold(n, 2, allowBackorder: true, priority: 5)).GetProperty("id").GetString();
        var last = (await Hold(n, 2, allowBackorder: true, priority: 1)).GetProperty("id").GetString();
        await Receive(n, 3, n.Store);

        async Task<(string?, long)> State(string? id)
        {
            var r = await Client.Send(HttpMethod.Get, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);
            return (r.GetProperty("status").GetString(), r.GetProperty("lines")[0].Long("reserved"));
        }

        Assert.Equal(("active", 2L), await State(vip));
        Assert.Equal(("backordered", 1L), await State(first));
        Assert.Equal(("backordered", 0L), await State(last));
        Assert.Equal(0, await Available(n, $"group={n.Group}"));

        // Releasing a backorder withdraws its claim.
        await Client.Send(HttpMethod.Delete, $"/v1/reservations/{last}").Expect(HttpStatusCode.OK);
        Assert.Equal(1, (await Client.AvailabilityAsync(n.Sku, $"group={n.Group}")).Long("backordered"));
    }

    [Fact]
    public async Task On_request_items_wait_for_the_seller_who_accepts()
    {
        var n = await Client.SeedAsync(storeOnHand: 4, warehouseOnHand: 0);
        await Item(n, new { name = "Desk lamp", policy = "onRequest", acceptWithinSeconds = 3600 });
        var pending = await Hold(n, 3);
        Assert.Equal("pending", pending.GetProperty("status").GetString());
        // Other tests in this class move the shared fake clock, so the deadline is checked relative to creation.
        Assert.Equal(TimeSpan.FromHours(1), pending.GetProperty("acceptBy").GetDateTimeOffset() - pending.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(4, await Available(n, $"group={n.Group}"));

        var id = pending.GetProperty("id").GetString();
        var accepted = await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Expect(HttpStatusCode.OK);
        Assert.Equal("active", accepted.GetProperty("status").GetString());
        Assert.Equal(1, await Available(n, $"group={n.Group}"));
        await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Expect(HttpStatusCode.OK);
        await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/decline").Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task On_request_holds_can_be_declined_or_lapse()
    {
        var n = await Client.SeedAsync(storeOnHand: 4, warehouseOnHand: 0);
        await Item(n, new { name = "Desk lamp", policy = "onRequest", acceptWithinSeconds = 600 });
        var declined = (await Hold(n, 1)).GetProperty("id").GetString();
        await Client.Send(HttpMethod.Post, $"/v1/reservations/{declined}/decline").Expect(HttpStatusCode.OK);
        await Client.Send(HttpMethod.Post, $"/v1/reservations/{declined}/accept").Problem(HttpStatusCode.Conflict);

        var lapsing = (await Hold(n, 1)).GetProperty("id").GetString();
        server.Time.Advance(TimeSpan.FromSeconds(601));
        await ReservationApiTests.Eventually(async () =>
            (await Client.Send(HttpMethod.Get, $"/v1/reservations/{lapsing}").Expect(HttpStatusCode.OK)).GetProperty("status").GetString() == "expired");
        await Client.Send(HttpMethod.Post, $"/v1/reservations/{lapsing}/accept").Problem(HttpStatusCode.Conflict);
        Assert.Equal(4, await Available(n, $"group={n.Group}"));
    }

    [Fact]
    public async Task Accepting_without_the_stock_holds_what_there_is_and_confirms_the_rest_on_the_sellers_word()
    {
        var n = await Client.SeedAsync(storeOnHand: 1, warehouseOnHand: 0);
        await Item(n, new { name = "Desk lamp", policy = "onRequest" });
        var id = (await Hold(n, 3)).GetProperty("id").GetString();
        var accepted = await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Expect(HttpStatusCode.OK);
        Assert.Equal("active", accepted.GetProperty("status").GetString());
        Assert.Equal((1L, 2L), (accepted.GetProperty("lines")[0].Long("reserved"), accepted.GetProperty("lines")[0].Long("sellerConfirmed")));
        Assert.Equal(0, await Available(n, $"group={n.Group}"));
    }

    [Fact]
    public async Task Auto_holds_while_stock_suffices_and_otherwise_asks_the_seller()
    {
        var n = await Client.SeedAsync(storeOnHand: 2, warehouseOnHand: 0);
        await Item(n, new { name = "Desk lamp", policy = "auto" });
        Assert.Equal("active", (await Hold(n, 2)).GetProperty("status").GetString());
        Assert.Equal("pending", (await Hold(n, 1)).GetProperty("status").GetString());
        Assert.Equal(0, await Available(n, $"group={n.Group}"));
    }

    [Fact]
    public async Task Bulk_query_answers_in_the_order_asked_and_marks_unknown_skus()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var other = Api.NewId("SKU");
        await Client.Put($"/v1/items/{other}", new { name = "Shade" }).Expect(HttpStatusCode.Created);
        var answer = await Client.Post("/v1/availability/query", new { skus = new[] { other, "NO-SUCH", n.Sku }, channel = n.Channel }).Expect(HttpStatusCode.OK);
        var results = answer.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([other, "NO-SUCH", n.Sku], results.Select(r => r.GetProperty("sku").GetString()));
        Assert.Equal([0L, 0L, 35L], results.Select(r => r.Long("available")));
        Assert.Equal([true, false, true], results.Select(r => r.GetProperty("known").GetBoolean()));

        var byLocations = await Client.Post("/v1/availability/query", new { skus = new[] { n.Sku }, locations = new[] { n.Store } }).Expect(HttpStatusCode.OK);
        Assert.Equal(10, byLocations.GetProperty("results")[0].Long("available"));
        await Client.Post("/v1/availability/query", new { skus = Enumerable.Range(0, 1001).Select(i => $"S{i}").ToArray(), group = n.Group })
            .Problem(HttpStatusCode.BadRequest);
        await Client.Post("/v1/availability/query", new { skus = new[] { n.Sku } }).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Bulk_query_of_a_thousand_skus_is_one_request()
    {
        var n = await Client.SeedAsync();
        var skus = Enumerable.Range(0, 999).Select(i => $"{n.Sku}-{i}").Append(n.Sku).ToArray();
        var answer = await Client.Post("/v1/availability/query", new { skus, group = n.Group }).Expect(HttpStatusCode.OK);
        var results = answer.GetProperty("results");
        Assert.Equal(1000, results.GetArrayLength());
        Assert.Equal(35, results[999].Long("available"));
    }
}

public sealed class PromisingRulesApiTests_Sqlite(SqliteServer server) : PromisingRulesApiTests(server), IClassFixture<SqliteServer>;

public sealed class PromisingRulesApiTests_Postgres(PostgresServerFixture server) : PromisingRulesApiTests(server), IClassFixture<PostgresServerFixture>;
