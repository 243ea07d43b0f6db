using System.Net;
using System.Text.Json;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// Selling without counted stock (seed 003): an on-request item, or an auto item that ran out, waits
/// for the seller; their accept holds what stock there is and confirms the rest on their word, and
/// those units ship without driving any position below zero.
/// </summary>
public abstract class OnRequestSellingTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private async Task<Network> Seed(long storeOnHand, string policy = "onRequest")
    {
        var n = await Client.SeedAsync(storeOnHand: storeOnHand, warehouseOnHand: 0);
        await Client.Put($"/v1/items/{n.Sku}", new { name = "Made to order", policy, acceptWithinSeconds = 3600 }).Expect(HttpStatusCode.OK);
        return n;
    }

    private async Task<string> Hold(Network n, long quantity, string expectedStatus, string? location = null)
    {
        var hold = await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity, location } } })
            .Expect(HttpStatusCode.Created);
        Assert.Equal(expectedStatus, hold.GetProperty("status").GetString());
        return hold.GetProperty("id").GetString()!;
    }

    private async Task<(long OnHand, long Reserved, long Allocated, long Available)> Store(Network n)
    {
        var atp = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        return (atp.Long("onHand"), atp.Long("reserved"), atp.Long("allocated"), atp.Long("available"));
    }

    private async Task<JsonElement> Order(Network n, string reservationId)
    {
        var id = Api.NewId("o");
        return await Client.Post("/v1/orders", new { id, channel = n.Channel, reservationId }).Expect(HttpStatusCode.Created);
    }

    private Task<JsonElement> Event(JsonElement order, string type, object? lines = null) =>
        Client.Post($"/v1/orders/{order.GetProperty("id").GetString()}/events", new { id = Api.NewId("e"), type, lines }).Expect(HttpStatusCode.OK);

    /// <summary>The data of the first ledger event of <paramref name="type"/> after <paramref name="after"/>.</summary>
    private async Task<JsonElement> LedgerEvent(long after, string type)
    {
        var page = await Client.Send(HttpMethod.Get, $"/v1/events?after={after}&limit=1000").Expect(HttpStatusCode.OK);
        return page.GetProperty("data").EnumerateArray().First(e => e.GetProperty("type").GetString() == type).GetProperty("data");
    }

    [Fact]
    public async Task Bug_15_7_On_request_item_at_zero_stock_can_be_accepted_and_shipped()
    {
        var n = await Seed(storeOnHand: 0);
        var id = await Hold(n, 2, "pending", location: n.Store);

        var head = await Client.LedgerHeadAsync();
        var accepted = await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Expect(HttpStatusCode.OK);
        Assert.Equal("active", accepted.GetProperty("status").GetString());
        var line = accepted.GetProperty("lines")[0];
        Assert.Equal((0L, 2L, n.Store), (line.Long("reserved"), line.Long("sellerConfirmed"), line.GetProperty("sellerConfirmedLocation").GetString()));
        Assert.Equal(2, (await LedgerEvent(head, "reservation.accepted")).GetProperty("lines")[0].Long("sellerConfirmed"));
        Assert.Equal((0L, 0L, 0L, 0L), await Store(n));

        var order = await Order(n, id);
        var orderLine = Assert.Single(order.GetProperty("lines").EnumerateArray());
        Assert.Equal((2L, 2L, n.Store), (orderLine.Long("quantity"), orderLine.Long("sellerConfirmed"), orderLine.GetProperty("location").GetString()));
        Assert.Equal((0L, 0L, 0L, 0L), await Store(n));

        head = await Client.LedgerHeadAsync();
        await Event(order, "shipped");
        Assert.Equal((0L, 0L, 0L, 0L), await Store(n));
        var shipped = await LedgerEvent(head, "order.shipped");
        Assert.Equal((2L, 0L), (shipped.Long("sellerConfirmed"), shipped.Long("alreadyCounted")));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Accepting_with_some_stock_holds_it_and_confirms_the_rest_and_shipping_empties_the_shelf_without_going_below_zero()
    {
        var n = await Seed(storeOnHand: 1);
        var id = await Hold(n, 3, "pending", location: n.Store);
        var line = (await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Expect(HttpStatusCode.OK)).GetProperty("lines")[0];
        Assert.Equal((3L, 1L, 2L), (line.Long("requested"), line.Long("reserved"), line.Long("sellerConfirmed")));
        Assert.Equal((1L, 1L, 0L, 0L), await Store(n));

        var order = await Order(n, id);
        var lines = order.GetProperty("lines").EnumerateArray().Select(l => (l.Long("quantity"), l.Long("sellerConfirmed"))).ToList();
        Assert.Equal([(1L, 0L), (2L, 2L)], lines);
        Assert.Equal((1L, 0L, 1L, 0L), await Store(n));

        await Event(order, "shipped");
        Assert.Equal((0L, 0L, 0L, 0L), await Store(n));
        var history = await Client.Send(HttpMethod.Get, $"/v1/insights/demand/{n.Sku}?location={n.Store}&days=1").Expect(HttpStatusCode.OK);
        Assert.Equal(3, history.GetProperty("days")[0].Long("shipped"));

        // Back from the customer, every unit is on the shelf, including those the seller found elsewhere.
        await Event(order, "returned");
        Assert.Equal((3L, 0L, 0L, 3L), await Store(n));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Cancelling_an_order_with_seller_confirmed_units_frees_only_what_was_allocated()
    {
        var n = await Seed(storeOnHand: 1);
        var id = await Hold(n, 3, "pending", location: n.Store);
        await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Expect(HttpStatusCode.OK);
        var order = await Order(n, id);
        await Event(order, "cancelled");
        Assert.Equal((1L, 0L, 0L, 1L), await Store(n));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task An_auto_item_that_ran_out_is_sold_on_the_sellers_word()
    {
        var n = await Seed(storeOnHand: 2, policy: "auto");
        await Hold(n, 2, "active", location: n.Store);
        var id = await Hold(n, 1, "pending", location: n.Store);
        var accepted = await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Expect(HttpStatusCode.OK);
        Assert.Equal("active", accepted.GetProperty("status").GetString());
        Assert.Equal(1, accepted.GetProperty("lines")[0].Long("sellerConfirmed"));
        Assert.Equal((2L, 2L, 0L, 0L), await Store(n));

        await Event(await Order(n, id), "shipped");
        Assert.Equal((2L, 2L, 0L, 0L), await Store(n));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task A_line_over_a_group_is_confirmed_at_its_best_ranked_location()
    {
        var n = await Seed(storeOnHand: 0);
        var id = await Hold(n, 2, "pending");
        var line = (await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Expect(HttpStatusCode.OK)).GetProperty("lines")[0];
        Assert.Equal((2L, n.Store), (line.Long("sellerConfirmed"), line.GetProperty("sellerConfirmedLocation").GetString()));
    }

    [Fact]
    public async Task The_admin_reservations_page_shows_units_on_the_sellers_word_beside_held_ones()
    {
        var n = await Seed(storeOnHand: 1);
        var id = await Hold(n, 3, "pending", location: n.Store);
        await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Expect(HttpStatusCode.OK);
        using var page = await Client.GetAsync("/admin/reservations?status=active");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Contains($"3 × <a href=\"/admin/items/{n.Sku}\">{n.Sku}</a> (1 at {n.Store}, 2 on the seller's word at {n.Store})", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Declining_still_ends_the_hold_and_changes_no_stock()
    {
        var n = await Seed(storeOnHand: 1);
        var id = await Hold(n, 3, "pending", location: n.Store);
        var declined = await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/decline").Expect(HttpStatusCode.OK);
        Assert.Equal("declined", declined.GetProperty("status").GetString());
        await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Problem(HttpStatusCode.Conflict);
        Assert.Equal((1L, 0L, 0L, 1L), await Store(n));
    }

    [Fact]
    public async Task A_reserve_item_beside_an_on_request_one_is_still_only_sold_from_counted_stock()
    {
        var n = await Seed(storeOnHand: 0);
        var counted = Api.NewId("SKU");
        await Client.Put($"/v1/items/{counted}", new { name = "Shade" }).Expect(HttpStatusCode.Created);
        var id = Api.NewId("r");
        await Client.Post("/v1/reservations", new
        {
            id,
            channel = n.Channel,
            lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store }, new { sku = counted, quantity = 1, location = n.Store } },
        }).Expect(HttpStatusCode.Created);
        await Client.Send(HttpMethod.Post, $"/v1/reservations/{id}/accept").Problem(HttpStatusCode.Conflict);
        Assert.Equal("pending", (await Client.Send(HttpMethod.Get, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK)).GetProperty("status").GetString());
    }
}

public sealed class OnRequestSellingTests_Sqlite(SqliteServer server) : OnRequestSellingTests(server), IClassFixture<SqliteServer>;

public sealed class OnRequestSellingTests_Postgres(PostgresServerFixture server) : OnRequestSellingTests(server), IClassFixture<PostgresServerFixture>;
