using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class IntakeApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private static string Payload(string format, string sku) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Intake", $"{format}.json")).Replace("{{SKU}}", sku, StringComparison.Ordinal);

    [Theory]
    [InlineData("shopify", "shopify:820982911946154508", 2)]
    [InlineData("amazon", "amazon:902-1845936-5435065", 3)]
    [InlineData("walmart", "walmart:1796277083022", 2)]
    public async Task Each_marketplace_order_becomes_one_canonical_order_once(string format, string orderId, long units)
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        // Each test class has its own database, so the marketplace's fixed order ids are new here.
        await Client.Put($"/v1/channels/{format}", new { name = format, group = n.Group }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        var payload = Payload(format, n.Sku);
        var result = await Client.Post($"/v1/intake/{format}", payload).Expect(HttpStatusCode.Created);
        Assert.Equal((orderId, "allocated"), (result.GetProperty("orderId").GetString(), result.GetProperty("outcome").GetString()));
        var order = result.GetProperty("order");
        Assert.Equal((orderId, format), (order.GetProperty("id").GetString(), order.GetProperty("channel").GetString()));
        Assert.Equal(units, order.GetProperty("lines").EnumerateArray().Sum(l => l.Long("quantity")));

        // The webhook delivered again allocates nothing more.
        await Client.Post($"/v1/intake/{format}", payload).Expect(HttpStatusCode.Created);
        var atp = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal((units, 10 - units), (atp.Long("allocated"), atp.Long("available")));
    }

    [Theory]
    // A line without a SKU is skipped, not refused (IntakeShapesTests); one whose SKU is not text at all is refused.
    [InlineData("shopify", "\"sku\": \"{{SKU}}\"", "\"sku\": 42", "line_items[0].sku")]
    [InlineData("shopify", "\"quantity\": 1,", "\"quantity\": 0,", "line_items[0].quantity")]
    [InlineData("amazon", "\"AmazonOrderId\"", "\"OrderId\"", "payload.AmazonOrderId")]
    [InlineData("amazon", "\"QuantityOrdered\": 3", "\"QuantityOrdered\": \"three\"", "payload.OrderItems[0].QuantityOrdered")]
    [InlineData("walmart", "\"amount\": \"2\" },\n          \"statusDate\"", "\"amount\": \"-2\" },\n          \"statusDate\"", "order.orderLines.orderLine[0].orderLineQuantity.amount")]
    public async Task A_malformed_payload_names_the_wrong_field_and_allocates_nothing(string format, string from, string to, string field)
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var payload = Payload(format, n.Sku).Replace(from.Replace("{{SKU}}", n.Sku, StringComparison.Ordinal), to, StringComparison.Ordinal);
        Assert.Contains(to, payload, StringComparison.Ordinal);
        var problem = await Client.Post($"/v1/intake/{format}", payload).Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(0, (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("allocated"));
    }

    [Fact]
    public async Task Unknown_formats_and_channels_are_refused()
    {
        await Client.Post("/v1/intake/ebay", "{}").Problem(HttpStatusCode.NotFound);
        await Client.Post("/v1/intake/shopify", "[1, 2]").Problem(HttpStatusCode.BadRequest);
    }
}

public sealed class IntakeApiTests_Sqlite(SqliteServer server) : IntakeApiTests(server), IClassFixture<SqliteServer>;

public sealed class IntakeApiTests_Postgres(PostgresServerFixture server) : IntakeApiTests(server), IClassFixture<PostgresServerFixture>;
