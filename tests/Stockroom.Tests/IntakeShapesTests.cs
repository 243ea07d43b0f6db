using System.Globalization;
using System.Net;
using System.Text.Json;
using Stockroom.Core.Demand;
using Stockroom.Features.Intake;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Marketplace payloads in the shapes the marketplaces publish (fixtures in Fixtures/Intake, with
/// their sources in its README): only the units still owed are held, cancelled orders owe nothing,
/// and lines without a SKU are skipped and reported.
/// </summary>
public abstract class IntakeShapesTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private Task<Network> SeedAsync(string format) => IntakeFixtures.SeedAsync(Client, format);

    [Fact]
    public async Task A_shopify_webhook_holds_only_what_is_still_owed_and_reports_the_lines_without_stock()
    {
        var n = await SeedAsync("shopify");
        var (body, id) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        var head = await Client.LedgerHeadAsync();
        var result = await Client.Post("/v1/intake/shopify", body).Expect(HttpStatusCode.Created);
        // 3 ordered less 1 refunded, and 2 ordered less 1 fulfilled.
        Assert.Equal(($"shopify:{id}", 3L), (result.GetProperty("orderId").GetString(), IntakeFixtures.Units(result)));
        Assert.Equal(["line_items[2]: a gift card is not stock", "line_items[3]: the line has no sku"], IntakeFixtures.Skipped(result));
        Assert.Equal("2026-11-23T14:15:30Z", result.GetProperty("version").GetString());
        Assert.Equal(3, await IntakeFixtures.AllocatedAsync(Client, n));

        // The order row keeps only what is held; the ledger keeps the skipped lines beside it.
        var events = (await Client.Send(HttpMethod.Get, $"/v1/events?after={head}&limit=100").Expect(HttpStatusCode.OK)).GetProperty("data").EnumerateArray().ToList();
        var skipped = Assert.Single(events, e => e.GetProperty("type").GetString() == "intake.linesSkipped").GetProperty("data");
        Assert.Equal(($"shopify:{id}", 2), (skipped.GetProperty("orderId").GetString(), skipped.GetProperty("skipped").GetArrayLength()));
    }

    [Fact]
    public async Task A_shopify_order_in_the_admin_api_wrapper_is_read_like_the_webhook()
    {
        var n = await SeedAsync("shopify");
        var (body, id) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        var result = await Client.Post("/v1/intake/shopify", $$"""{"order": {{body}}}""").Expect(HttpStatusCode.Created);
        Assert.Equal(($"shopify:{id}", 3L), (result.GetProperty("orderId").GetString(), IntakeFixtures.Units(result)));
        var problem = await Client.Post("/v1/intake/shopify", """{"order": {"id": 1}}""").Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("order.line_items", out _), problem.ToString());
    }

    [Fact]
    public async Task A_cancelled_shopify_order_cancels_the_held_order_once()
    {
        var n = await SeedAsync("shopify");
        var (body, id) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", body).Expect(HttpStatusCode.Created);
        var cancelledBody = body.Replace("\"cancelled_at\": null", "\"cancelled_at\": \"2026-11-23T10:00:00-05:00\"", StringComparison.Ordinal);
        for (var delivery = 0; delivery < 2; delivery++)
        {
            var result = await Client.Post("/v1/intake/shopify", cancelledBody).Expect(HttpStatusCode.OK);
            Assert.Equal("cancelled", result.GetProperty("outcome").GetString());
            Assert.Equal("cancelled", result.GetProperty("order").GetProperty("status").GetString());
            Assert.Equal(0, await IntakeFixtures.AllocatedAsync(Client, n));
        }

        var order = await Client.Send(HttpMethod.Get, $"/v1/orders/shopify:{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("cancelled", order.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_cancelled_order_stockroom_does_not_hold_takes_nothing_and_is_not_an_error()
    {
        var n = await SeedAsync("shopify");
        var (body, id) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        var head = await Client.LedgerHeadAsync();
        var cancelled = body.Replace("\"cancelled_at\": null", "\"cancelled_at\": \"2026-11-23T10:00:00-05:00\"", StringComparison.Ordinal);
        var result = await Client.Post("/v1/intake/shopify", cancelled).Expect(HttpStatusCode.OK);
        Assert.Equal(("nothingOwed", JsonValueKind.Undefined), (result.GetProperty("outcome").GetString(), result.TryGetProperty("order", out var o) ? o.ValueKind : JsonValueKind.Undefined));
        Assert.Equal(head, await Client.LedgerHeadAsync());
        await Client.Send(HttpMethod.Get, $"/v1/orders/shopify:{id}").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_amazon_order_with_its_item_pages_holds_what_is_ordered_and_not_shipped()
    {
        var n = await SeedAsync("amazon");
        var (body, id) = IntakeFixtures.Fixture("amazon-getorder-getorderitems.json", n.Sku, "902-3159896-1390916");
        var result = await Client.Post("/v1/intake/amazon", body).Expect(HttpStatusCode.Created);
        // Page one: 3 ordered, 1 shipped; page two: 2 ordered.
        Assert.Equal(($"amazon:{id}", 4L), (result.GetProperty("orderId").GetString(), IntakeFixtures.Units(result)));
        Assert.Equal("2026-11-23T10:20:00Z", result.GetProperty("version").GetString());

        var (other, _) = IntakeFixtures.Fixture("amazon-getorder-getorderitems.json", n.Sku, "902-3159896-1390916");
        var mixed = other.Replace("\"AmazonOrderId\": \"902-", "\"AmazonOrderId\": \"903-", StringComparison.Ordinal);
        var problem = await Client.Post("/v1/intake/amazon", mixed[..mixed.IndexOf("\"orderItems\"", StringComparison.Ordinal)]
            + other[other.IndexOf("\"orderItems\"", StringComparison.Ordinal)..]).Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("orderItems[0].payload.AmazonOrderId", out _), problem.ToString());
        Assert.Equal(4, await IntakeFixtures.AllocatedAsync(Client, n));
    }

    [Fact]
    public async Task An_amazon_order_change_allocates_and_a_buyer_cancel_then_cancels_it()
    {
        var n = await SeedAsync("amazon");
        var (body, id) = IntakeFixtures.Fixture("amazon-order-change.json", n.Sku, "903-8868176-2219830");
        var result = await Client.Post("/v1/intake/amazon", body).Expect(HttpStatusCode.Created);
        Assert.Equal(($"amazon:{id}", 2L, "2026-11-23T11:05:53.109Z"), (result.GetProperty("orderId").GetString(), IntakeFixtures.Units(result), result.GetProperty("version").GetString()));
        Assert.Equal(2, await IntakeFixtures.AllocatedAsync(Client, n));

        // The buyer asks to cancel the one item: the change reason need not say so for the order to be cancelled.
        var cancel = body.Replace("\"OrderChangeType\": \"OrderStatusChange\"", "\"OrderChangeType\": \"BuyerRequestedChange\"", StringComparison.Ordinal)
            .Replace("\"IsBuyerRequestedCancel\": \"false\"", "\"IsBuyerRequestedCancel\": \"true\"", StringComparison.Ordinal);
        result = await Client.Post("/v1/intake/amazon", cancel).Expect(HttpStatusCode.OK);
        Assert.Equal("cancelled", result.GetProperty("outcome").GetString());
        Assert.Equal(0, await IntakeFixtures.AllocatedAsync(Client, n));

        var (canceled, _) = IntakeFixtures.Fixture("amazon-order-change.json", n.Sku, "903-8868176-2219830");
        canceled = canceled.Replace("\"OrderStatus\": \"Unshipped\"", "\"OrderStatus\": \"Canceled\"", StringComparison.Ordinal);
        Assert.Equal("nothingOwed", (await Client.Post("/v1/intake/amazon", canceled).Expect(HttpStatusCode.OK)).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_walmart_order_list_answers_for_each_order_on_its_own()
    {
        var n = await SeedAsync("walmart");
        var (body, first) = IntakeFixtures.Fixture("walmart-list.json", n.Sku, "1796277083022");
        var second = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture);
        body = body.Replace("1796277083023", second, StringComparison.Ordinal);
        // A third order, malformed, is refused on its own.
        body = body.Replace("\n      ]\n    }\n  }\n}", ",\n        { \"purchaseOrderId\": \"W-bad\", \"orderLines\": [] }\n      ]\n    }\n  }\n}", StringComparison.Ordinal);
        var results = (await Client.Post("/v1/intake/walmart", body).Expect(HttpStatusCode.OK)).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);

        // Acknowledged 2 are held; the shipped one is not; the protection plan has no SKU.
        Assert.Equal(($"walmart:{first}", "allocated", 201, 2L), (results[0].GetProperty("orderId").GetString(), results[0].GetProperty("outcome").GetString(),
            results[0].GetProperty("status").GetInt32(), IntakeFixtures.Units(results[0])));
        Assert.Equal(["list.elements.order[0].orderLines.orderLine[1]: the line has no sku"], IntakeFixtures.Skipped(results[0]));
        Assert.Equal("2019-09-14T13:10:50Z", results[0].GetProperty("version").GetString());
        Assert.Equal(($"walmart:{second}", "nothingOwed", 200), (results[1].GetProperty("orderId").GetString(), results[1].GetProperty("outcome").GetString(),
            results[1].GetProperty("status").GetInt32()));
        Assert.Equal(("refused", 400), (results[2].GetProperty("outcome").GetString(), results[2].GetProperty("status").GetInt32()));
        Assert.True(results[2].GetProperty("problem").GetProperty("errors").TryGetProperty("list.elements.order[2].orderLines", out _), results[2].ToString());
        Assert.Equal(2, await IntakeFixtures.AllocatedAsync(Client, n));
    }

    [Fact]
    public async Task Google_orders_are_gone_and_change_nothing()
    {
        var n = await SeedAsync("google");
        var head = await Client.LedgerHeadAsync();
        var body = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Intake", "google.json")).Replace("{{SKU}}", n.Sku, StringComparison.Ordinal);
        var problem = await Client.Post("/v1/intake/google", body).Problem(HttpStatusCode.Gone);
        Assert.Contains("availability destination only", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((head, 0L), (await Client.LedgerHeadAsync(), await IntakeFixtures.AllocatedAsync(Client, n)));
    }
}

public sealed class IntakeShapesTests_Sqlite(SqliteServer server) : IntakeShapesTests(server), IClassFixture<SqliteServer>;

public sealed class IntakeShapesTests_Postgres(PostgresServerFixture server) : IntakeShapesTests(server), IClassFixture<PostgresServerFixture>;

/// <summary>The marketplace readers alone: pure, no server.</summary>
public sealed class MarketplaceOrdersTests
{
    private static MarketplaceOrder Read(string format, string json)
    {
        using var document = JsonDocument.Parse(json);
        var parsed = MarketplaceOrders.ParseOne(format, document.RootElement);
        Assert.True(parsed.Errors is null, string.Join("; ", parsed.Errors?.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}") ?? []));
        return parsed.Order!;
    }

    [Theory]
    [InlineData("""{"quantity":5}""", 5)]
    [InlineData("""{"quantity":5,"fulfillable_quantity":3}""", 3)]
    [InlineData("""{"quantity":5,"current_quantity":4}""", 4)]
    [InlineData("""{"quantity":5,"current_quantity":4,"fulfillable_quantity":2}""", 2)]
    [InlineData("""{"quantity":5,"current_quantity":0,"fulfillable_quantity":0}""", 0)]
    public void A_shopify_line_owes_what_is_neither_refunded_nor_fulfilled(string quantities, long owed)
    {
        var order = Read("shopify", $$"""{"id":1,"line_items":[{"sku":"S-1",{{quantities[1..^1]}}}]}""");
        Assert.Equal(owed, order.Lines.Sum(l => l.Owed));
    }

    [Fact]
    public void Lines_without_a_sku_are_kept_for_their_listings_and_skipped_when_none_maps()
    {
        var order = Read("shopify", """
            {"id":1,"line_items":[{"sku":"","quantity":1},{"quantity":1,"variant_id":808950810},{"sku":"  ","quantity":1},{"sku":"S-1","quantity":1},
              {"sku":"a b","quantity":1}]}
            """);
        Assert.Equal([null, null, null, "S-1", "a b"], order.Lines.Select(l => l.Sku));
        Assert.Equal(["808950810"], order.Lines[1].Listings);

        var mapped = IntakeMapping.Map(order, new Dictionary<string, string> { ["808950810"] = "S-2" }, new HashSet<string> { "S-1", "S-2" });
        Assert.Equal([new OwedUnits("S-2", 1, 0), new OwedUnits("S-1", 1, 0)], mapped.Lines);
        Assert.Equal(["line_items[0]: the line has no sku", "line_items[2]: the line has no sku",
            "line_items[4]: 'a b' is not an item in Stockroom and no listing of the channel maps it"], mapped.Skipped.Select(l => $"{l.Line}: {l.Reason}"));
        Assert.Equal(["line_items[4]"], mapped.Unknown.Select(l => l.Line));

        using var bad = JsonDocument.Parse("""{"id":1,"line_items":[{"sku":42,"quantity":1}]}""");
        Assert.True(MarketplaceOrders.ParseOne("shopify", bad.RootElement).Errors!.ContainsKey("line_items[0].sku"));
    }

    [Fact]
    public void Each_format_gives_its_version_and_cancellation()
    {
        var shopify = Read("shopify", """{"id":1,"cancelled_at":"2026-11-23T10:00:00Z","updated_at":"2026-11-23T10:00:01+01:00"}""");
        Assert.Equal((true, DateTimeOffset.Parse("2026-11-23T09:00:01Z", CultureInfo.InvariantCulture)), (shopify.Cancelled, shopify.Version));
        var amazon = Read("amazon", """{"payload":{"AmazonOrderId":"1-2","OrderStatus":"Canceled","LastUpdateDate":"2026-11-23T10:00:00Z"}}""");
        Assert.Equal((true, DateTimeOffset.Parse("2026-11-23T10:00:00Z", CultureInfo.InvariantCulture)), (amazon.Cancelled, amazon.Version));
        var walmart = Read("walmart", """
            {"purchaseOrderId":"7","orderLines":{"orderLine":[
              {"item":{"sku":"S-1"},"orderLineQuantity":{"amount":"2"},"statusDate":1568466647000,
               "orderLineStatuses":{"orderLineStatus":[{"status":"Cancelled","statusQuantity":{"amount":"2"}}]}},
              {"item":{"sku":"S-2"},"orderLineQuantity":{"amount":"1"},"statusDate":1568466650000,
               "orderLineStatuses":{"orderLineStatus":[{"status":"Cancelled","statusQuantity":{"amount":"1"}}]}}]}}
            """);
        Assert.Equal((true, DateTimeOffset.FromUnixTimeMilliseconds(1568466650000)), (walmart.Cancelled, walmart.Version));
    }

    [Theory]
    [InlineData("shopify", """{"id":1,"updated_at":"yesterday","line_items":[{"sku":"S-1","quantity":1}]}""", "updated_at")]
    [InlineData("amazon", """{"payload":{"AmazonOrderId":"1-2","LastUpdateDate":"2026-13-01T00:00:00Z","OrderItems":[{"SellerSKU":"S-1","QuantityOrdered":1}]}}""",
        "payload.LastUpdateDate")]
    [InlineData("walmart", """{"purchaseOrderId":"7","orderLines":{"orderLine":[{"item":{"sku":"S-1"},"orderLineQuantity":{"amount":"1"},"statusDate":-5}]}}""",
        "orderLines.orderLine[0].statusDate")]
    public void A_version_time_that_is_there_but_not_a_time_is_an_error_not_no_version(string format, string json, string field)
    {
        // Read as "no version", such a delivery would be applied whatever its age.
        using var document = JsonDocument.Parse(json);
        Assert.True(MarketplaceOrders.ParseOne(format, document.RootElement).Errors!.ContainsKey(field));
    }

    [Fact]
    public void An_amazon_item_owes_what_is_ordered_less_shipped_and_cannot_ship_more()
    {
        var order = Read("amazon", """{"AmazonOrderId":"1-2","OrderItems":[{"SellerSKU":"S-1","QuantityOrdered":4,"QuantityShipped":1},{"SellerSKU":"S-2","QuantityOrdered":0}]}""");
        Assert.Equal([("S-1", 3L, 1L)], order.Lines.Select(l => (l.Sku, l.Owed, l.Shipped)));
        using var bad = JsonDocument.Parse("""{"AmazonOrderId":"1-2","OrderItems":[{"SellerSKU":"S-1","QuantityOrdered":1,"QuantityShipped":2}]}""");
        Assert.True(MarketplaceOrders.ParseOne("amazon", bad.RootElement).Errors!.ContainsKey("OrderItems[0].QuantityShipped"));
    }
}
