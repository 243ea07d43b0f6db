using System.Net;
using System.Text.Json;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class OrderApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private async Task<JsonElement> Terms(Network n) => await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");

    private async Task<(long OnHand, long Reserved, long Allocated, long Available)> At(Network n)
    {
        var t = await Terms(n);
        return (t.Long("onHand"), t.Long("reserved"), t.Long("allocated"), t.Long("available"));
    }

    private async Task<string> Reserve(Network n, long quantity)
    {
        var r = await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        return r.GetProperty("id").GetString()!;
    }

    private Task<JsonElement> Event(string order, string type, HttpStatusCode status = HttpStatusCode.OK, object? lines = null, string? id = null) =>
        Client.Post($"/v1/orders/{order}/events", new { id = id ?? Api.NewId("e"), type, lines }).Expect(status);

    private async Task<string> OrderFromReservation(Network n, long quantity)
    {
        var reservation = await Reserve(n, quantity);
        var order = Api.NewId("o");
        await Client.Post("/v1/orders", new { id = order, channel = n.Channel, reservationId = reservation }).Expect(HttpStatusCode.Created);
        return order;
    }

    [Fact]
    public async Task Order_consumes_its_reservation_into_allocated_demand()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var reservation = await Reserve(n, 3);
        Assert.Equal((10L, 3L, 0L, 7L), await At(n));
        var order = await Client.Post("/v1/orders", new { id = Api.NewId("o"), channel = n.Channel, reservationId = reservation }).Expect(HttpStatusCode.Created);
        Assert.Equal("allocated", order.GetProperty("status").GetString());
        Assert.Equal((10L, 0L, 3L, 7L), await At(n));
        var consumed = await Client.Send(HttpMethod.Get, $"/v1/reservations/{reservation}").Expect(HttpStatusCode.OK);
        Assert.Equal("confirmed", consumed.GetProperty("status").GetString());
        await Client.Send(HttpMethod.Delete, $"/v1/reservations/{reservation}").Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Ordering_less_than_was_held_releases_the_rest()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var reservation = await Reserve(n, 5);
        await Client.Post("/v1/orders", new { id = Api.NewId("o"), channel = n.Channel, reservationId = reservation, lines = new[] { new { sku = n.Sku, quantity = 2 } } })
            .Expect(HttpStatusCode.Created);
        Assert.Equal((10L, 0L, 2L, 8L), await At(n));
    }

    [Fact]
    public async Task Ordering_more_than_was_held_is_refused()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var reservation = await Reserve(n, 2);
        await Client.Post("/v1/orders", new { id = Api.NewId("o"), channel = n.Channel, reservationId = reservation, lines = new[] { new { sku = n.Sku, quantity = 3 } } })
            .Problem(HttpStatusCode.Conflict);
        Assert.Equal((10L, 2L, 0L, 8L), await At(n));
    }

    [Fact]
    public async Task Order_without_a_reservation_holds_now()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var order = await Client.Post("/v1/orders", new { id = Api.NewId("o"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 4, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        Assert.Equal(n.Store, order.GetProperty("lines")[0].GetProperty("location").GetString());
        Assert.Equal((10L, 0L, 4L, 6L), await At(n));
        await Client.Post("/v1/orders", new { id = Api.NewId("o"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 7 } } })
            .Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Order_is_idempotent_by_id()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var id = Api.NewId("o");
        var body = new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } };
        await Client.Post("/v1/orders", body).Expect(HttpStatusCode.Created);
        await Client.Post("/v1/orders", body).Expect(HttpStatusCode.Created);
        Assert.Equal((10L, 0L, 1L, 9L), await At(n));
        await Client.Post("/v1/orders", new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 2, location = n.Store } } })
            .Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Picked_packed_shipped_takes_the_units_off_the_shelf()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var order = await OrderFromReservation(n, 3);
        await Event(order, "picked");
        Assert.Equal((10L, 0L, 3L, 7L), await At(n));
        await Event(order, "packed");
        var shipped = await Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = "shipped", trackingNumber = "1Z999" }).Expect(HttpStatusCode.OK);
        Assert.Equal(("shipped", "1Z999"), (shipped.GetProperty("status").GetString(), shipped.GetProperty("trackingNumber").GetString()));
        Assert.Equal((7L, 0L, 0L, 7L), await At(n));
    }

    [Fact]
    public async Task Cancelled_order_frees_its_units()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var order = await OrderFromReservation(n, 3);
        await Event(order, "picked");
        await Event(order, "cancelled");
        Assert.Equal((10L, 0L, 0L, 10L), await At(n));
    }

    [Fact]
    public async Task Returned_units_are_restocked_in_part_or_whole()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var order = await OrderFromReservation(n, 3);
        await Event(order, "shipped");
        var partly = await Event(order, "returned", lines: new[] { new { sku = n.Sku, quantity = 1 } });
        Assert.Equal("shipped", partly.GetProperty("status").GetString());
        Assert.Equal((8L, 0L, 0L, 8L), await At(n));
        var all = await Event(order, "returned");
        Assert.Equal("returned", all.GetProperty("status").GetString());
        Assert.Equal((10L, 0L, 0L, 10L), await At(n));
        await Event(order, "returned", HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("shipped", "picked")]
    [InlineData("shipped", "cancelled")]
    [InlineData("cancelled", "shipped")]
    [InlineData("packed", "picked")]
    [InlineData("picked", "picked")]
    public async Task Illegal_transitions_are_409_and_change_nothing(string first, string illegal)
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var order = await OrderFromReservation(n, 3);
        await Event(order, first);
        var before = await At(n);
        await Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = illegal }).Problem(HttpStatusCode.Conflict);
        Assert.Equal(before, await At(n));
    }

    [Fact]
    public async Task Returned_before_shipping_is_409()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var order = await OrderFromReservation(n, 1);
        await Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = "returned" }).Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Each_event_applies_once_by_its_id()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var order = await OrderFromReservation(n, 3);
        var id = Api.NewId("e");
        await Event(order, "shipped", id: id);
        await Event(order, "shipped", id: id);
        Assert.Equal((7L, 0L, 0L, 7L), await At(n));
    }

    [Fact]
    public async Task Pos_hand_over_times_are_recorded_once()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var order = await OrderFromReservation(n, 1);
        var sent = await Event(order, "sentToPos");
        server.Time.Advance(TimeSpan.FromMinutes(7));
        var acknowledged = await Event(order, "posAcknowledged");
        Assert.Equal(sent.GetProperty("sentToPosAt").GetString(), acknowledged.GetProperty("sentToPosAt").GetString());
        Assert.Equal(TimeSpan.FromMinutes(7),
            acknowledged.GetProperty("posAcknowledgedAt").GetDateTimeOffset() - acknowledged.GetProperty("sentToPosAt").GetDateTimeOffset());
        var read = await Client.Send(HttpMethod.Get, $"/v1/orders/{order}").Expect(HttpStatusCode.OK);
        Assert.Equal("allocated", read.GetProperty("status").GetString());
        await Client.Send(HttpMethod.Get, "/v1/orders/no-such").Problem(HttpStatusCode.NotFound);
    }
}

public sealed class OrderApiTests_Sqlite(SqliteServer server) : OrderApiTests(server), IClassFixture<SqliteServer>;

public sealed class OrderApiTests_Postgres(PostgresServerFixture server) : OrderApiTests(server), IClassFixture<PostgresServerFixture>;
