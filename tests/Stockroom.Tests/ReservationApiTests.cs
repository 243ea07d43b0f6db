using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class ReservationApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private Task<System.Text.Json.JsonElement> Hold(Network n, long quantity, string? location = null, string? group = null,
        bool allowPartial = false, string? id = null, int? expiresInSeconds = null, HttpStatusCode status = HttpStatusCode.Created) =>
        Client.Post("/v1/reservations", new
        {
            id = id ?? Api.NewId("r"),
            channel = n.Channel,
            customerId = "cust-1",
            allowPartial,
            expiresInSeconds,
            lines = new[] { new { sku = n.Sku, quantity, location, group } },
        }).Expect(status);

    private async Task<long> Available(Network n, string query) => (await Client.AvailabilityAsync(n.Sku, query)).Long("available");

    [Fact]
    public async Task Hold_at_a_location_takes_units_from_it()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var reservation = await Hold(n, 3, location: n.Store);
        Assert.Equal("active", reservation.GetProperty("status").GetString());
        var line = reservation.GetProperty("lines")[0];
        Assert.Equal((3L, 3L), (line.Long("requested"), line.Long("reserved")));
        Assert.Equal(n.Store, line.GetProperty("allocations")[0].GetProperty("location").GetString());

        var atp = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal((10L, 3L, 7L), (atp.Long("onHand"), atp.Long("reserved"), atp.Long("available")));
        Assert.Equal(32, await Available(n, $"channel={n.Channel}"));
    }

    [Fact]
    public async Task Group_hold_comes_from_the_highest_priority_location_that_has_enough()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var small = await Hold(n, 5);
        Assert.Equal(n.Store, small.GetProperty("lines")[0].GetProperty("allocations")[0].GetProperty("location").GetString());

        // The store (priority 10) has 5 left, so a line of 8 goes whole to the warehouse rather than split.
        var whole = await Hold(n, 8);
        var allocations = whole.GetProperty("lines")[0].GetProperty("allocations");
        Assert.Equal(1, allocations.GetArrayLength());
        Assert.Equal(n.Warehouse, allocations[0].GetProperty("location").GetString());
    }

    [Fact]
    public async Task Group_hold_splits_when_no_location_has_enough()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var split = await Hold(n, 30);
        var allocations = split.GetProperty("lines")[0].GetProperty("allocations").EnumerateArray()
            .ToDictionary(a => a.GetProperty("location").GetString()!, a => a.Long("quantity"));
        Assert.Equal(new Dictionary<string, long> { [n.Store] = 10, [n.Warehouse] = 20 }, allocations);
        Assert.Equal(5, await Available(n, $"group={n.Group}"));
    }

    [Fact]
    public async Task Not_enough_stock_is_a_409_with_the_shortage_and_nothing_held()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var head = await Client.LedgerHeadAsync();
        var problem = await Client.Post("/v1/reservations", new
        {
            id = Api.NewId("r"),
            channel = n.Channel,
            lines = new object[] { new { sku = n.Sku, quantity = 2, location = n.Store }, new { sku = n.Sku, quantity = 40 } },
        }).Problem(HttpStatusCode.Conflict);
        Assert.EndsWith("insufficient-stock", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        var shortage = Assert.Single(problem.GetProperty("shortages").EnumerateArray());
        Assert.Equal((1L, 40L, 33L), (shortage.Long("line"), shortage.Long("requested"), shortage.Long("available")));
        Assert.Equal(35, await Available(n, $"group={n.Group}"));
        Assert.Equal(head, await Client.LedgerHeadAsync());
    }

    [Fact]
    public async Task Partial_hold_takes_what_there_is()
    {
        var n = await Client.SeedAsync(storeOnHand: 4, warehouseOnHand: 0);
        var partial = await Hold(n, 6, location: n.Store, allowPartial: true);
        Assert.Equal("partial", partial.GetProperty("status").GetString());
        Assert.Equal(4, partial.GetProperty("lines")[0].Long("reserved"));
        Assert.Equal(0, await Available(n, $"location={n.Store}"));
        await Hold(n, 1, location: n.Store, allowPartial: true, status: HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Same_id_returns_the_first_result_and_a_different_body_is_a_conflict()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var id = Api.NewId("r");
        var first = await Hold(n, 2, location: n.Store, id: id);
        var again = await Hold(n, 2, location: n.Store, id: id);
        Assert.Equal(first.GetProperty("expiresAt").GetString(), again.GetProperty("expiresAt").GetString());
        Assert.Equal(8, await Available(n, $"location={n.Store}"));
        await Client.Post("/v1/reservations", new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 3, location = n.Store } } })
            .Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Holds_refer_to_sellable_items_and_known_places()
    {
        var n = await Client.SeedAsync();
        var hold = (object line) => Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { line } });
        await hold(new { sku = "NO-SUCH", quantity = 1 }).Problem(HttpStatusCode.UnprocessableEntity);
        await hold(new { sku = n.Sku, quantity = 1, location = "nowhere" }).Problem(HttpStatusCode.UnprocessableEntity);
        await hold(new { sku = n.Sku, quantity = 1, group = "nogroup" }).Problem(HttpStatusCode.UnprocessableEntity);
        await hold(new { sku = n.Sku, quantity = 0 }).Problem(HttpStatusCode.BadRequest);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = "nochannel", lines = new[] { new { sku = n.Sku, quantity = 1 } } })
            .Problem(HttpStatusCode.UnprocessableEntity);
        await Client.Put($"/v1/items/{n.Sku}", new { name = "Desk lamp", status = "draft" }).Expect(HttpStatusCode.OK);
        await hold(new { sku = n.Sku, quantity = 1 }).Problem(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Release_gives_the_units_back_once()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var id = (await Hold(n, 4, location: n.Store)).GetProperty("id").GetString();
        Assert.Equal(6, await Available(n, $"location={n.Store}"));
        var released = await Client.Send(HttpMethod.Delete, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("released", released.GetProperty("status").GetString());
        await Client.Send(HttpMethod.Delete, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal(10, await Available(n, $"location={n.Store}"));
        await Client.Send(HttpMethod.Delete, "/v1/reservations/no-such").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Hold_expires_by_itself_and_its_units_come_back()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var id = (await Hold(n, 4, location: n.Store, expiresInSeconds: 60)).GetProperty("id").GetString();
        server.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(6, await Available(n, $"location={n.Store}"));

        server.Time.Advance(TimeSpan.FromSeconds(2));
        await Eventually(async () => (await Client.Send(HttpMethod.Get, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK)).GetProperty("status").GetString() == "expired");
        Assert.Equal(10, await Available(n, $"location={n.Store}"));
    }

    [Fact]
    public async Task Hold_that_expired_during_downtime_is_released_at_start_up()
    {
        var n = await Client.SeedAsync(storeOnHand: 10);
        var id = (await Hold(n, 4, location: n.Store, expiresInSeconds: 120)).GetProperty("id").GetString();
        await server.RestartAsync(downtime: TimeSpan.FromMinutes(10));
        // Straight after start-up, before any timer tick: the start-up sweep already ran.
        Assert.Equal("expired", (await Client.Send(HttpMethod.Get, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal(10, await Available(n, $"location={n.Store}"));
    }

    [Fact]
    public async Task Channel_default_expiry_applies_when_the_request_gives_none()
    {
        var n = await Client.SeedAsync();
        var channel = Api.NewId("pos");
        await Client.Put($"/v1/channels/{channel}", new { name = "POS", group = n.Group, reservationTtlSeconds = 300 }).Expect(HttpStatusCode.Created);
        var reservation = await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } })
            .Expect(HttpStatusCode.Created);
        var created = reservation.GetProperty("createdAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromSeconds(300), reservation.GetProperty("expiresAt").GetDateTimeOffset() - created);
    }

    [Fact]
    public async Task Reservations_list_by_status_and_sku()
    {
        var n = await Client.SeedAsync();
        var kept = (await Hold(n, 1)).GetProperty("id").GetString();
        var released = (await Hold(n, 1)).GetProperty("id").GetString();
        await Client.Send(HttpMethod.Delete, $"/v1/reservations/{released}").Expect(HttpStatusCode.OK);
        var active = await Client.Send(HttpMethod.Get, $"/v1/reservations?status=active&sku={n.Sku}").Expect(HttpStatusCode.OK);
        Assert.Equal([kept], active.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        await Client.Send(HttpMethod.Get, "/v1/reservations?status=bogus").Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Three_hundred_concurrent_holds_for_ten_units_have_exactly_ten_winners()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var attempts = Enumerable.Range(0, 300).Select(async _ =>
        {
            using var response = await Client.Post("/v1/reservations", new
            {
                id = Api.NewId("flash"),
                channel = n.Channel,
                lines = new[] { new { sku = n.Sku, quantity = 1 } },
            });
            return response.StatusCode;
        });
        var outcomes = await Task.WhenAll(attempts);
        Assert.Equal(10, outcomes.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(290, outcomes.Count(s => s == HttpStatusCode.Conflict));
        var atp = await Client.AvailabilityAsync(n.Sku, $"group={n.Group}");
        Assert.Equal((0L, 10L), (atp.Long("available"), atp.Long("reserved")));
    }

    [Fact]
    public async Task Sold_out_is_refused_until_stock_arrives_then_holds_again()
    {
        var n = await Client.SeedAsync(storeOnHand: 1, warehouseOnHand: 0);
        await Hold(n, 1);
        await Hold(n, 1, status: HttpStatusCode.Conflict);
        await Hold(n, 1, status: HttpStatusCode.Conflict);
        await Client.Post("/v1/supply/adjust", new
        {
            id = Api.NewId("adj"),
            lines = new[] { new { sku = n.Sku, location = n.Warehouse, type = "onHand", delta = 1, reason = "receipt" } },
        }).Expect(HttpStatusCode.OK);
        await Hold(n, 1);
    }

    [Fact]
    public async Task Sold_out_refusals_skip_the_writer_but_a_retried_winner_still_gets_its_hold()
    {
        var n = await Client.SeedAsync(storeOnHand: 1, warehouseOnHand: 0);
        var winner = Api.NewId("r");
        await Hold(n, 1, id: winner);
        var statistics = server.Service<Stockroom.Features.Reservations.HoldWriter>().Statistics;
        var (batches, fast) = (statistics.Batches, statistics.SoldOutFastRefusals);
        await Hold(n, 1, status: HttpStatusCode.Conflict);
        await Hold(n, 1, status: HttpStatusCode.Conflict);
        Assert.Equal((batches, fast + 2), (statistics.Batches, statistics.SoldOutFastRefusals));
        var replay = await Hold(n, 1, id: winner);
        Assert.Equal("active", replay.GetProperty("status").GetString());
    }

    internal static async Task Eventually(Func<Task<bool>> condition)
    {
        // Waits for background work (the expiry sweep) that fake time set off; bounded, never a fixed sleep.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            await Task.Delay(20);
        }
    }
}

public sealed class ReservationApiTests_Sqlite(SqliteServer server) : ReservationApiTests(server), IClassFixture<SqliteServer>;

public sealed class ReservationApiTests_Postgres(PostgresServerFixture server) : ReservationApiTests(server), IClassFixture<PostgresServerFixture>;
