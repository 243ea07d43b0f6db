using System.Globalization;
using System.Net;
using System.Text.Json;
using Stockroom.Features.Intake;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Amazon orders as the Orders API 2026-01-01 <c>getOrder</c> answers them (fixture
/// amazon-2026-getorder.json, its source in Fixtures/Intake/README.md): only the units ordered
/// and not shipped are held, an item without a seller SKU is skipped, a cancelled order owes
/// nothing, and a malformed field is a 400 naming its path.
/// </summary>
public abstract class AmazonOrders2026Tests(StockroomServer server)
{
    private const string FixtureId = "113-4419602-7781035";

    private HttpClient Client => server.Client;

    private static (string Body, string Id) Fixture(Network n) => IntakeFixtures.Fixture("amazon-2026-getorder.json", n.Sku, FixtureId);

    [Fact]
    public async Task A_2026_getorder_answer_holds_what_is_ordered_and_not_shipped_and_skips_the_item_without_a_seller_sku()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "amazon");
        var (body, id) = Fixture(n);
        var result = await Client.Post("/v1/intake/amazon", body).Expect(HttpStatusCode.Created);
        // 3 ordered less 1 fulfilled, and 1 ordered; the assembly service has no sellerSku.
        Assert.Equal(($"amazon:{id}", "allocated", 3L), (result.GetProperty("orderId").GetString(), result.GetProperty("outcome").GetString(), IntakeFixtures.Units(result)));
        Assert.Equal(["order.orderItems[1]: the line has no sellerSku"], IntakeFixtures.Skipped(result));
        Assert.Equal("2026-11-24T09:12:40Z", result.GetProperty("version").GetString());
        Assert.Equal(3, await IntakeFixtures.AllocatedAsync(Client, n));

        // The order alone, as searchOrders lists it, is read the same way.
        var (other, otherId) = Fixture(n);
        using var document = JsonDocument.Parse(other);
        var bare = await Client.Post("/v1/intake/amazon", document.RootElement.GetProperty("order").GetRawText()).Expect(HttpStatusCode.Created);
        Assert.Equal(($"amazon:{otherId}", 3L), (bare.GetProperty("orderId").GetString(), IntakeFixtures.Units(bare)));
        Assert.Equal(["orderItems[1]: the line has no sellerSku"], IntakeFixtures.Skipped(bare));
        Assert.Equal(6, await IntakeFixtures.AllocatedAsync(Client, n));
    }

    [Fact]
    public async Task A_cancelled_2026_order_cancels_the_held_order_and_owes_nothing_when_not_held()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "amazon");
        var (body, id) = Fixture(n);
        await Client.Post("/v1/intake/amazon", body).Expect(HttpStatusCode.Created);
        Assert.Equal(3, await IntakeFixtures.AllocatedAsync(Client, n));

        var cancelled = body.Replace("\"fulfillmentStatus\": \"PARTIALLY_SHIPPED\"", "\"fulfillmentStatus\": \"CANCELLED\"", StringComparison.Ordinal);
        var result = await Client.Post("/v1/intake/amazon", cancelled).Expect(HttpStatusCode.OK);
        Assert.Equal(("cancelled", "cancelled"), (result.GetProperty("outcome").GetString(), result.GetProperty("order").GetProperty("status").GetString()));
        Assert.Equal(0, await IntakeFixtures.AllocatedAsync(Client, n));
        var order = await Client.Send(HttpMethod.Get, $"/v1/orders/amazon:{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("cancelled", order.GetProperty("status").GetString());

        // Cancelled before Stockroom held it: nothing is taken or written.
        var (fresh, freshId) = Fixture(n);
        var head = await Client.LedgerHeadAsync();
        fresh = fresh.Replace("\"fulfillmentStatus\": \"PARTIALLY_SHIPPED\"", "\"fulfillmentStatus\": \"CANCELLED\"", StringComparison.Ordinal);
        Assert.Equal("nothingOwed", (await Client.Post("/v1/intake/amazon", fresh).Expect(HttpStatusCode.OK)).GetProperty("outcome").GetString());
        Assert.Equal(head, await Client.LedgerHeadAsync());
        await Client.Send(HttpMethod.Get, $"/v1/orders/amazon:{freshId}").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_item_the_buyer_asked_to_cancel_is_not_held()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "amazon");
        var (body, id) = Fixture(n);
        var request = body.Replace("\"orderItemId\": \"11344196027701\",",
            "\"orderItemId\": \"11344196027701\", \"cancellation\": { \"cancellationRequest\": { \"requester\": \"BUYER\", \"cancelReason\": \"Ordered by mistake\" } },",
            StringComparison.Ordinal);
        var result = await Client.Post("/v1/intake/amazon", request).Expect(HttpStatusCode.Created);
        Assert.Equal(($"amazon:{id}", 1L), (result.GetProperty("orderId").GetString(), IntakeFixtures.Units(result)));
        Assert.Equal(["order.orderItems[0]: the buyer asked to cancel it", "order.orderItems[1]: the line has no sellerSku"], IntakeFixtures.Skipped(result));
        Assert.Equal(1, await IntakeFixtures.AllocatedAsync(Client, n));
    }

    [Fact]
    public async Task A_malformed_2026_field_is_a_400_naming_its_path_and_changes_nothing()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "amazon");
        var (body, id) = Fixture(n);
        var head = await Client.LedgerHeadAsync();

        var problem = await Client.Post("/v1/intake/amazon", body.Replace("\"quantityOrdered\": 3", "\"quantityOrdered\": \"three\"", StringComparison.Ordinal))
            .Problem(HttpStatusCode.BadRequest);
        Assert.Equal(["order.orderItems[0].quantityOrdered"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));

        problem = await Client.Post("/v1/intake/amazon", body.Replace("\"quantityFulfilled\": 1", "\"quantityFulfilled\": 4", StringComparison.Ordinal))
            .Problem(HttpStatusCode.BadRequest);
        Assert.Equal("cannot be more than quantityOrdered",
            problem.GetProperty("errors").GetProperty("order.orderItems[0].fulfillment.quantityFulfilled")[0].GetString());

        // Asked for without includedData=FULFILLMENT, the answer cannot say what is still owed.
        var start = body.IndexOf("\"fulfillment\": {\n      \"fulfillmentStatus\"", StringComparison.Ordinal);
        var end = body.IndexOf("\"orderItems\"", start, StringComparison.Ordinal);
        problem = await Client.Post("/v1/intake/amazon", body[..start] + body[end..]).Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("order.fulfillment.fulfillmentStatus", out _), problem.ToString());

        Assert.Equal((head, 0L), (await Client.LedgerHeadAsync(), await IntakeFixtures.AllocatedAsync(Client, n)));
        await Client.Send(HttpMethod.Get, $"/v1/orders/amazon:{id}").Problem(HttpStatusCode.NotFound);
    }
}

public sealed class AmazonOrders2026Tests_Sqlite(SqliteServer server) : AmazonOrders2026Tests(server), IClassFixture<SqliteServer>;

public sealed class AmazonOrders2026Tests_Postgres(PostgresServerFixture server) : AmazonOrders2026Tests(server), IClassFixture<PostgresServerFixture>;

/// <summary>The 2026-01-01 reader alone: pure, no server.</summary>
public sealed class AmazonOrders2026ReaderTests
{
    private static ParsedOrder Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return MarketplaceOrders.ParseOne("amazon", document.RootElement);
    }

    [Fact]
    public void The_2026_shape_is_told_from_v0_by_its_camel_case_order_id()
    {
        // v0's getOrder payload under "order" is still the combined shape: its items are required at the root.
        var v0 = Parse("""{"order":{"AmazonOrderId":"1-2","OrderStatus":"Unshipped"}}""");
        Assert.True(v0.Errors!.ContainsKey("orderItems"), string.Join(", ", v0.Errors.Keys));

        var order = Parse("""
            {"order":{"orderId":"1-2","lastUpdatedTime":"2026-11-24T09:12:40+01:00","fulfillment":{"fulfillmentStatus":"UNSHIPPED"},
             "orderItems":[{"orderItemId":"1","quantityOrdered":2,"product":{"sellerSku":"S-1"},"fulfillment":{"quantityFulfilled":0}},
                           {"orderItemId":"2","quantityOrdered":1,"product":{"sellerSku":"S-2"}}]}}
            """).Order!;
        Assert.Equal([("S-1", 2L, 0L), ("S-2", 1L, 0L)], order.Lines.Select(l => (l.Sku, l.Owed, l.Shipped)));
        Assert.Equal((false, DateTimeOffset.Parse("2026-11-24T08:12:40Z", CultureInfo.InvariantCulture)), (order.Cancelled, order.Version));
    }

    [Fact]
    public void Cancelled_items_and_orders_owe_nothing()
    {
        var executed = Parse("""
            {"orderId":"1-2","fulfillment":{"fulfillmentStatus":"UNSHIPPED"},
             "orderItems":[{"orderItemId":"1","quantityOrdered":2,"product":{"sellerSku":"S-1"},"cancellation":{"cancellationExecution":{"cancelledBy":"MERCHANT"}}}]}
            """).Order!;
        Assert.Equal((true, "orderItems[0]"), (executed.Cancelled, Assert.Single(executed.Skipped).Line));

        var cancelled = Parse("""{"orderId":"1-2","fulfillment":{"fulfillmentStatus":"CANCELLED"},"orderItems":[]}""").Order!;
        Assert.True(cancelled.Cancelled && cancelled.Lines.Count == 0);
        Assert.True(Parse("""{"orderId":"1-2","fulfillment":{"fulfillmentStatus":"UNSHIPPED"},"orderItems":[]}""").Errors!.ContainsKey("orderItems"));
    }
}
