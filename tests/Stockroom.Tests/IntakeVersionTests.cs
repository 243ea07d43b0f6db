using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Later versions of a marketplace order (issue 17, item 2), on the published fixtures of
/// Fixtures/Intake: each is applied as the difference against what Stockroom holds for the order —
/// refunds free units, shipments ship them, edits add them — once, in version order; an older
/// version arriving late changes nothing.
/// </summary>
public abstract class IntakeVersionTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private async Task<(long OnHand, long Allocated)> StockAsync(Network n)
    {
        var position = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        return (position.Long("onHand"), position.Long("allocated"));
    }

    /// <summary>The fixture with <paramref name="edit"/> applied to its JSON.</summary>
    private static string Edit(string body, Action<JsonNode> edit)
    {
        var node = JsonNode.Parse(body)!;
        edit(node);
        return node.ToJsonString();
    }

    private async Task<JsonElement> DeliverAsync(string format, string body, HttpStatusCode status, string outcome)
    {
        var result = await Client.Post($"/v1/intake/{format}", body).Expect(status);
        Assert.Equal(outcome, result.GetProperty("outcome").GetString());
        return result;
    }

    private async Task<List<string?>> OutcomesAsync(string marketplaceId) =>
        [.. (await IntakeAuditTests.DeliveriesAsync(Client)).Where(d => d.GetProperty("marketplaceOrderId").GetString() == marketplaceId)
            .Select(d => d.GetProperty("outcome").GetString())];

    /// <summary>Another item, stocked at the network's store.</summary>
    private async Task<string> SecondItemAsync(Network n, long onHand)
    {
        var sku = n.Sku + "-2";
        await Client.Put($"/v1/items/{sku}", new { name = "Desk lamp shade", price = 9.90m }).Expect(HttpStatusCode.Created);
        await Client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = "2026-11-22T08:00:00Z",
            lines = new object[] { new { sku, location = n.Store, type = "onHand", quantity = onHand } },
        }).Expect(HttpStatusCode.OK);
        return sku;
    }

    [Fact]
    public async Task Later_shopify_versions_update_the_held_order_in_version_order_and_an_older_one_changes_nothing()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        // Owes 2 on its first line and 1 on its second, whose other unit was fulfilled before Stockroom saw the order.
        var (v1, id) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        await DeliverAsync("shopify", v1, HttpStatusCode.Created, "allocated");
        Assert.Equal((10L, 3L), await StockAsync(n));

        // A partial refund of one unfulfilled unit on the first line.
        var v2 = Edit(v1, o =>
        {
            o["updated_at"] = "2026-11-23T10:00:00-05:00";
            o["line_items"]![0]!["current_quantity"] = 1;
            o["line_items"]![0]!["fulfillable_quantity"] = 1;
        });
        var updated = await DeliverAsync("shopify", v2, HttpStatusCode.OK, "updated");
        Assert.Equal((10L, 2L), await StockAsync(n));
        Assert.Equal(1, updated.GetProperty("order").GetProperty("lines")[0].Long("cancelled"));

        // The second line's last unit is fulfilled: it ships, and on-hand goes down.
        var v3 = Edit(v2, o =>
        {
            o["updated_at"] = "2026-11-23T11:00:00-05:00";
            o["line_items"]![1]!["fulfillable_quantity"] = 0;
        });
        var shipped = await DeliverAsync("shopify", v3, HttpStatusCode.OK, "updated");
        Assert.Equal((9L, 1L), await StockAsync(n));
        Assert.Equal("partiallyShipped", shipped.GetProperty("order").GetProperty("status").GetString());

        // The refund's version arriving again, late, changes nothing; the last one again neither.
        var head = await Client.LedgerHeadAsync();
        await DeliverAsync("shopify", v2, HttpStatusCode.OK, "stale");
        await DeliverAsync("shopify", v1, HttpStatusCode.OK, "stale");
        await DeliverAsync("shopify", v3, HttpStatusCode.Created, "allocated");
        Assert.Equal((head, (9L, 1L)), (await Client.LedgerHeadAsync(), await StockAsync(n)));
        Assert.Equal(["partlyMapped", "updated", "updated", "stale", "stale", "replayed"], await OutcomesAsync(id));
    }

    [Fact]
    public async Task A_shopify_refund_frees_the_unfulfilled_units_it_cancels_once_and_a_returned_unit_changes_no_hold()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        var (order, id) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        await DeliverAsync("shopify", order, HttpStatusCode.Created, "allocated");
        var (refund, _) = IntakeFixtures.Fixture("shopify-refund.json", n.Sku, "820982911946154508", id);

        var result = await DeliverAsync("shopify", refund, HttpStatusCode.OK, "updated");
        Assert.Equal($"shopify:{id}", result.GetProperty("orderId").GetString());
        Assert.Equal((10L, 2L), await StockAsync(n));
        var head = await Client.LedgerHeadAsync();
        await DeliverAsync("shopify", refund, HttpStatusCode.OK, "updated");
        Assert.Equal((head, (10L, 2L)), (await Client.LedgerHeadAsync(), await StockAsync(n)));
        Assert.Equal(["partlyMapped", "updated", "replayed"], await OutcomesAsync(id));

        // A refund of an order Stockroom does not hold takes nothing.
        var (other, _) = IntakeFixtures.Fixture("shopify-refund.json", n.Sku, "820982911946154508");
        await DeliverAsync("shopify", other, HttpStatusCode.OK, "nothingOwed");
        Assert.Equal((10L, 2L), await StockAsync(n));
    }

    [Fact]
    public async Task An_amazon_shipment_ships_units_and_one_the_sellers_system_shipped_first_is_not_held_again()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "amazon");
        var (v1, id) = IntakeFixtures.Fixture("amazon.json", n.Sku, "902-1845936-5435065");
        await DeliverAsync("amazon", v1, HttpStatusCode.Created, "allocated");
        Assert.Equal((10L, 3L), await StockAsync(n));

        // The warehouse ships 1 and says so before Amazon knows.
        await Client.Post($"/v1/orders/amazon:{id}/events", new { id = "wms-1", type = "shipped", lines = new[] { new { sku = n.Sku, quantity = 1 } } })
            .Expect(HttpStatusCode.OK);
        Assert.Equal((9L, 2L), await StockAsync(n));
        var unaware = Edit(v1, o => o["payload"]!["LastUpdateDate"] = "2026-11-22T09:00:00Z");
        await DeliverAsync("amazon", unaware, HttpStatusCode.Created, "allocated");
        Assert.Equal((9L, 2L), await StockAsync(n));

        // Amazon then reports 2 shipped: the one Stockroom knew, and one more.
        var v3 = Edit(v1, o =>
        {
            o["payload"]!["LastUpdateDate"] = "2026-11-22T10:00:00Z";
            o["payload"]!["OrderItems"]![0]!["QuantityShipped"] = 2;
        });
        var result = await DeliverAsync("amazon", v3, HttpStatusCode.OK, "updated");
        Assert.Equal((8L, 1L), await StockAsync(n));
        Assert.Equal(2, result.GetProperty("order").GetProperty("lines")[0].Long("shipped"));
    }

    [Fact]
    public async Task A_walmart_line_cancelled_frees_its_units_and_an_edit_beyond_the_stock_changes_nothing()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "walmart");
        var (v1, id) = IntakeFixtures.Fixture("walmart.json", n.Sku, "1796277083022");
        await DeliverAsync("walmart", v1, HttpStatusCode.Created, "allocated");
        Assert.Equal((10L, 2L), await StockAsync(n));

        // One of the line's two units cancelled: the line's statuses split, with a later status date.
        var v2 = Edit(v1, o =>
        {
            var line = o["order"]!["orderLines"]!["orderLine"]![0]!;
            line["statusDate"] = 1568470000000;
            line["orderLineStatuses"] = JsonNode.Parse("""
                {"orderLineStatus": [{"status": "Acknowledged", "statusQuantity": {"unitOfMeasurement": "EACH", "amount": "1"}},
                                     {"status": "Cancelled", "statusQuantity": {"unitOfMeasurement": "EACH", "amount": "1"}}]}
                """);
        });
        await DeliverAsync("walmart", v2, HttpStatusCode.OK, "updated");
        Assert.Equal((10L, 1L), await StockAsync(n));

        // A version owing more than can be allocated is refused whole, and is not taken as seen.
        var tooMany = Edit(v2, o =>
        {
            var line = o["order"]!["orderLines"]!["orderLine"]![0]!;
            line["statusDate"] = 1568480000000;
            line["orderLineQuantity"]!["amount"] = "40";
            line["orderLineStatuses"]!["orderLineStatus"]![0]!["statusQuantity"]!["amount"] = "39";
        });
        var problem = await Client.Post("/v1/intake/walmart", tooMany).Problem(HttpStatusCode.Conflict);
        Assert.Equal("urn:stockroom:problem:insufficient-stock", problem.GetProperty("type").GetString());
        Assert.Equal((10L, 1L), await StockAsync(n));
        await DeliverAsync("walmart", v2, HttpStatusCode.Created, "allocated");
        Assert.Equal((10L, 1L), await StockAsync(n));

        // Cancelled whole: what is still held is freed.
        var cancelled = Edit(v2, o =>
        {
            var line = o["order"]!["orderLines"]!["orderLine"]![0]!;
            line["statusDate"] = 1568490000000;
            line["orderLineStatuses"]!["orderLineStatus"]![0]!["status"] = "Cancelled";
        });
        var result = await DeliverAsync("walmart", cancelled, HttpStatusCode.OK, "cancelled");
        Assert.Equal(("cancelled", (10L, 0L)), (result.GetProperty("order").GetProperty("status").GetString(), await StockAsync(n)));
        await DeliverAsync("walmart", v1, HttpStatusCode.OK, "stale");
        Assert.Equal((10L, 0L), await StockAsync(n));
        Assert.Equal(["allocated", "updated", "refused", "replayed", "cancelled", "stale"], await OutcomesAsync(id));
    }

    [Fact]
    public async Task Versions_delivered_at_once_in_any_order_leave_the_holds_of_the_latest()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "amazon");
        var (v0, _) = IntakeFixtures.Fixture("amazon.json", n.Sku, "902-1845936-5435065");
        // Ordered 6; each later version ships one more unit, until 4 have shipped and 2 are owed.
        var versions = Enumerable.Range(0, 5).Select(i => Edit(v0, o =>
        {
            o["payload"]!["LastUpdateDate"] = $"2026-11-22T{8 + i:00}:00:00Z";
            o["payload"]!["OrderItems"]![0]!["QuantityOrdered"] = 6;
            o["payload"]!["OrderItems"]![0]!["QuantityShipped"] = i;
        })).ToList();
        // Every version three times, shuffled, eight at a time: the order's lock puts them one after the other.
        var deliveries = versions.Concat(versions).Concat(versions).OrderBy(_ => Random.Shared.Next()).ToList();
        await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (body, cancel) =>
        {
            using var response = await Client.PostAsync(new Uri("/v1/intake/amazon", UriKind.Relative),
                new StringContent(body, System.Text.Encoding.UTF8, "application/json"), cancel);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, await response.Content.ReadAsStringAsync(cancel));
        });

        // The first version taken may have been any of them: units it found shipped were never held,
        // and every later shipment took one unit off the shelf. Either way 2 are held, and on-hand
        // went down by what Stockroom saw ship.
        var (onHand, allocated) = await StockAsync(n);
        var order = await Client.Send(HttpMethod.Get, $"/v1/orders/amazon:{JsonNode.Parse(v0)!["payload"]!["AmazonOrderId"]}").Expect(HttpStatusCode.OK);
        var shipped = order.GetProperty("lines").EnumerateArray().Sum(l => l.Long("shipped"));
        Assert.Equal((2L, 10L - shipped), (allocated, onHand));
        Assert.Equal(2, order.GetProperty("lines").EnumerateArray().Sum(l => l.Long("quantity") - l.Long("shipped") - l.Long("cancelled")));
    }

    [Fact]
    public async Task An_edit_that_adds_a_sku_allocates_it_beside_the_held_lines()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        var second = await SecondItemAsync(n, onHand: 4);
        var (v1, _) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        await DeliverAsync("shopify", v1, HttpStatusCode.Created, "allocated");
        var v2 = Edit(v1, o =>
        {
            o["updated_at"] = "2026-11-23T12:00:00-05:00";
            var added = o["line_items"]![0]!.DeepClone();
            added["id"] = 5551212;
            added["sku"] = second;
            added["variant_id"] = 5551213;
            added["quantity"] = 2;
            added["current_quantity"] = 2;
            added["fulfillable_quantity"] = 2;
            o["line_items"]!.AsArray().Add(added);
        });
        var result = await DeliverAsync("shopify", v2, HttpStatusCode.OK, "updated");
        var lines = result.GetProperty("order").GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal((second, 2L), (lines[^1].GetProperty("sku").GetString(), lines[^1].Long("quantity")));
        Assert.Equal(2, (await Client.AvailabilityAsync(second, $"location={n.Store}")).Long("allocated"));
        Assert.Equal((10L, 3L), await StockAsync(n));
    }
}

public sealed class IntakeVersionTests_Sqlite(SqliteServer server) : IntakeVersionTests(server), IClassFixture<SqliteServer>;

public sealed class IntakeVersionTests_Postgres(PostgresServerFixture server) : IntakeVersionTests(server), IClassFixture<PostgresServerFixture>;
