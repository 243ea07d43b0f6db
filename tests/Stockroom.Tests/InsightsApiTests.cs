using System.Globalization;
using System.Net;
using System.Text.Json;
using CsvHelper;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>Valuation, demand history and replenishment through the API, with figures worked by hand.</summary>
public abstract class InsightsApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private Task Receive(Network n, long units, decimal unitCost) =>
        Client.Post("/v1/supply/adjust", new
        {
            id = Api.NewId("rcv"),
            lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = units, reason = "receipt", unitCost } },
        }).Expect(HttpStatusCode.OK);

    private async Task<string> Ship(Network n, long units)
    {
        var order = Api.NewId("o");
        await Client.Post("/v1/orders", new { id = order, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = units, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        await Client.Post($"/v1/orders/{order}/events", new { id = "ship", type = "shipped" }).Expect(HttpStatusCode.OK);
        return order;
    }

    private async Task<JsonElement> ValuationOf(string sku)
    {
        var valuation = await Client.Send(HttpMethod.Get, "/v1/valuation").Expect(HttpStatusCode.OK);
        // Totals cover every SKU of the store, which other tests share: only bounds are asserted.
        Assert.True(valuation.GetProperty("totalValue").GetDecimal() >= 0 && valuation.GetProperty("cogs").GetDecimal() >= 0);
        return valuation.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("sku").GetString() == sku);
    }

    [Fact]
    public async Task Ten_at_two_and_ten_at_four_value_at_sixty_and_shipping_ten_leaves_thirty_and_cogs_thirty()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        await Receive(n, 10, 2.00m);
        await Receive(n, 10, 4.00m);
        var before = await ValuationOf(n.Sku);
        Assert.Equal((20L, 3.00m, 60.00m, 0m),
            (before.Long("onHand"), before.GetProperty("unitCost").GetDecimal(), before.GetProperty("value").GetDecimal(), before.GetProperty("cogs").GetDecimal()));

        await Ship(n, 10);
        var after = await ValuationOf(n.Sku);
        Assert.Equal((10L, 10L, 30.00m, 30.00m),
            (after.Long("onHand"), after.Long("valuedUnits"), after.GetProperty("value").GetDecimal(), after.GetProperty("cogs").GetDecimal()));
    }

    [Fact]
    public async Task A_return_moves_value_back_from_cogs()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        await Receive(n, 10, 2.00m);
        await Receive(n, 10, 4.00m);
        var order = await Ship(n, 10);
        await Client.Post($"/v1/orders/{order}/events", new { id = "back", type = "returned", lines = new[] { new { sku = n.Sku, quantity = 4 } } })
            .Expect(HttpStatusCode.OK);

        // 4 × 3.00 back: value 30 + 12 = 42, COGS 30 − 12 = 18, and the units are on the shelf again.
        var item = await ValuationOf(n.Sku);
        Assert.Equal((14L, 42.00m, 18.00m), (item.Long("onHand"), item.GetProperty("value").GetDecimal(), item.GetProperty("cogs").GetDecimal()));
    }

    [Fact]
    public async Task Valuation_exports_as_csv_that_parses()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        await Receive(n, 3, 1.25m);
        foreach (var (path, accept) in new[] { ("/v1/valuation?format=csv", (string?)null), ("/v1/valuation", "text/csv") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (accept is not null)
            {
                request.Headers.Add("Accept", accept);
            }

            using var response = await Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StringReader(await response.Content.ReadAsStringAsync());
            using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
            var rows = csv.GetRecords<CsvRow>().ToList();
            var row = Assert.Single(rows, r => r.Sku == n.Sku);
            Assert.Equal((3L, 1.25m, 3.75m, 0m), (row.OnHand, row.UnitCost, row.Value, row.Cogs));
        }
    }

    private sealed record CsvRow(string Sku, long OnHand, long ValuedUnits, decimal UnitCost, decimal Value, decimal Cogs);

    /// <summary>
    /// Ships 4, 2 and 6 units from the store on three days, then lets a fourth day pass without a
    /// sale: demand 4, 2, 6, 0 over a four-day window. The store is stocked with 20 and has a lead time of 4 days.
    /// </summary>
    private async Task<Network> SmallHistory()
    {
        var n = await Client.SeedAsync(storeOnHand: 20, warehouseOnHand: 5);
        await Client.Put($"/v1/locations/{n.Store}", new { name = "Main Street", type = "store", canShip = true, canPickup = true, priority = 10, leadTimeDays = 4 })
            .Expect(HttpStatusCode.OK);
        foreach (var units in new long[] { 4, 2, 6 })
        {
            await Ship(n, units);
            server.Time.Advance(TimeSpan.FromDays(1));
        }

        return n;
    }

    [Fact]
    public async Task Replenishment_rows_match_the_hand_computed_figures()
    {
        var n = await SmallHistory();
        var plan = await Client.Send(HttpMethod.Get, $"/v1/insights/replenishment?location={n.Store}&days=4&targetDaysOfCover=10").Expect(HttpStatusCode.OK);
        Assert.Equal(1.644854, plan.GetProperty("z").GetDouble(), 6);
        var row = Assert.Single(plan.GetProperty("data").EnumerateArray(), r => r.GetProperty("sku").GetString() == n.Sku);

        // d̄ = 3; σ = √(20 / 3) = 2.582 (sample); L = 4; safety stock ⌈1.6449 · 2.582 · 2⌉ = 9;
        // reorder point 12 + 9 = 21; 8 left on hand, so below it; order up to ⌈3 · 14⌉ + 9 = 51: 43 units.
        Assert.Equal(3.0, row.GetProperty("averageDailyDemand").GetDouble());
        Assert.Equal(2.582, row.GetProperty("demandStandardDeviation").GetDouble(), 3);
        Assert.Equal((4L, 9L, 21L, 8L, 51L, 43L),
            (row.Long("leadTimeDays"), row.Long("safetyStock"), row.Long("reorderPoint"), row.Long("inventoryPosition"), row.Long("orderUpTo"),
                row.Long("suggestedOrderQuantity")));
        Assert.True(row.GetProperty("belowReorderPoint").GetBoolean());

        // The lead time may be overridden: L = 9 gives ⌈1.6449 · 2.582 · 3⌉ = 13 and a reorder point of 27 + 13 = 40.
        var longer = await Client.Send(HttpMethod.Get, $"/v1/insights/replenishment?location={n.Store}&days=4&leadTimeDays=9").Expect(HttpStatusCode.OK);
        var slow = Assert.Single(longer.GetProperty("data").EnumerateArray(), r => r.GetProperty("sku").GetString() == n.Sku);
        Assert.Equal((13L, 40L), (slow.Long("safetyStock"), slow.Long("reorderPoint")));

        // A group answers per location; the warehouse sold nothing and needs nothing.
        var group = await Client.Send(HttpMethod.Get, $"/v1/insights/replenishment?group={n.Group}&days=4").Expect(HttpStatusCode.OK);
        var warehouse = Assert.Single(group.GetProperty("data").EnumerateArray(), r => r.GetProperty("location").GetString() == n.Warehouse);
        Assert.Equal((0L, 0L, false), (warehouse.Long("safetyStock"), warehouse.Long("reorderPoint"), warehouse.GetProperty("belowReorderPoint").GetBoolean()));

        var history = await Client.Send(HttpMethod.Get, $"/v1/insights/demand/{n.Sku}?location={n.Store}&days=4").Expect(HttpStatusCode.OK);
        Assert.Equal([4L, 2, 6], history.GetProperty("days").EnumerateArray().Select(d => d.Long("shipped")));
    }

    [Fact]
    public async Task Applying_replenishment_makes_the_safety_stock_the_skus_rule()
    {
        var n = await SmallHistory();
        var applied = await Client.Post($"/v1/insights/replenishment/apply?location={n.Store}&days=4", new { }).Expect(HttpStatusCode.OK);
        Assert.True(applied.Long("rulesApplied") >= 1);

        var rules = await Client.Send(HttpMethod.Get, $"/v1/rules/safety-stock?sku={n.Sku}").Expect(HttpStatusCode.OK);
        var rule = Assert.Single(rules.GetProperty("data").EnumerateArray());
        Assert.Equal((n.Store, 9L), (rule.GetProperty("location").GetString(), rule.Long("units")));
        // 8 on hand, 9 kept back: nothing left to promise at the store.
        Assert.Equal(0, (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("available"));
    }

    [Fact]
    public async Task Holds_refused_for_want_of_stock_are_kept_as_lost_demand()
    {
        var n = await Client.SeedAsync(storeOnHand: 3, warehouseOnHand: 0);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 5, location = n.Store } } })
            .Problem(HttpStatusCode.Conflict);
        var history = await Client.Send(HttpMethod.Get, $"/v1/insights/demand/{n.Sku}?location={n.Store}").Expect(HttpStatusCode.OK);
        var day = Assert.Single(history.GetProperty("days").EnumerateArray());
        Assert.Equal((0L, 2L), (day.Long("shipped"), day.Long("lost")));
    }

    [Fact]
    public async Task Bad_parameters_are_refused()
    {
        await Client.Send(HttpMethod.Get, "/v1/insights/replenishment?serviceLevel=1.5").Problem(HttpStatusCode.BadRequest);
        await Client.Send(HttpMethod.Get, "/v1/insights/replenishment?location=a&group=b").Problem(HttpStatusCode.BadRequest);
        await Client.Send(HttpMethod.Get, "/v1/insights/replenishment?location=nowhere").Problem(HttpStatusCode.NotFound);
        await Client.Send(HttpMethod.Get, "/v1/valuation?format=xml").Problem(HttpStatusCode.BadRequest);
    }
}

// Demand history needs days to pass: on servers without the workers that tick every second.
public sealed class InsightsApiTests_Sqlite(DaysPassSqliteServer server) : InsightsApiTests(server), IClassFixture<DaysPassSqliteServer>;

public sealed class InsightsApiTests_Postgres(DaysPassPostgresServer server) : InsightsApiTests(server), IClassFixture<DaysPassPostgresServer>;
