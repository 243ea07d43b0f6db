using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class AvailabilityApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Location_availability_equals_on_hand_and_explains_itself()
    {
        var network = await Client.SeedAsync(storeOnHand: 10);
        var atp = await Client.AvailabilityAsync(network.Sku, $"location={network.Store}");
        Assert.Equal(network.Store, atp.GetProperty("location").GetString());
        Assert.Equal((10L, 0L, 0L, 0L, 10L), (atp.Long("onHand"), atp.Long("reserved"), atp.Long("allocated"), atp.Long("safetyStock"), atp.Long("available")));
        Assert.Equal(0, atp.GetProperty("future").GetArrayLength());
    }

    [Fact]
    public async Task Group_availability_sums_its_locations()
    {
        var network = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var atp = await Client.AvailabilityAsync(network.Sku, $"group={network.Group}");
        Assert.Equal(35, atp.Long("onHand"));
        Assert.Equal(35, atp.Long("available"));
        var byLocation = atp.GetProperty("byLocation").EnumerateArray().ToDictionary(l => l.GetProperty("location").GetString()!, l => l.Long("available"));
        Assert.Equal(new Dictionary<string, long> { [network.Store] = 10, [network.Warehouse] = 25 }, byLocation);
    }

    [Fact]
    public async Task Channel_availability_follows_its_group_less_its_buffer()
    {
        var network = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var channel = await Client.AvailabilityAsync(network.Sku, $"channel={network.Channel}");
        Assert.Equal(35, channel.Long("available"));
        Assert.Equal(network.Group, channel.GetProperty("group").GetString());

        var amazon = Api.NewId("amazon");
        await Client.Put($"/v1/channels/{amazon}", new { name = "Amazon", group = network.Group, buffer = new { percent = 10, units = 2 } }).Expect(HttpStatusCode.Created);
        var buffered = await Client.AvailabilityAsync(network.Sku, $"channel={amazon}");
        Assert.Equal((6L, 29L), (buffered.Long("buffer"), buffered.Long("available")));
    }

    [Fact]
    public async Task Inactive_location_promises_nothing_to_its_group()
    {
        var network = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        await Client.Put($"/v1/locations/{network.Warehouse}", new { name = "Warehouse", type = "warehouse", canShip = true, canPickup = false, active = false })
            .Expect(HttpStatusCode.OK);
        Assert.Equal(10, (await Client.AvailabilityAsync(network.Sku, $"group={network.Group}")).Long("available"));
        Assert.Equal(0, (await Client.AvailabilityAsync(network.Sku, $"location={network.Warehouse}")).Long("available"));
    }

    [Fact]
    public async Task Draft_item_is_never_available()
    {
        var network = await Client.SeedAsync();
        await Client.Put($"/v1/items/{network.Sku}", new { name = "Desk lamp", status = "draft" }).Expect(HttpStatusCode.OK);
        var atp = await Client.AvailabilityAsync(network.Sku, $"group={network.Group}");
        Assert.Equal(35, atp.Long("onHand"));
        Assert.Equal(0, atp.Long("available"));
    }

    [Fact]
    public async Task Inbound_supply_counts_from_its_eta_and_draws_the_future()
    {
        var network = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        await Client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = "2026-11-22T08:30:00Z",
            lines = new object[]
            {
                new { sku = network.Sku, location = network.Warehouse, type = "purchaseOrder", quantity = 40, eta = "2026-12-01", reference = "PO-1" },
                new { sku = network.Sku, location = network.Warehouse, type = "inTransit", quantity = 5, eta = "2026-11-25" },
            },
        }).Expect(HttpStatusCode.OK);

        var now = await Client.AvailabilityAsync(network.Sku, $"group={network.Group}");
        Assert.Equal(10, now.Long("available"));
        Assert.Equal(
            [("2026-11-25", 15L), ("2026-12-01", 55L)],
            now.GetProperty("future").EnumerateArray().Select(p => (p.GetProperty("date").GetString(), p.Long("available"))));

        var later = await Client.AvailabilityAsync(network.Sku, $"group={network.Group}&date=2026-11-28");
        Assert.Equal((5L, 15L), (later.Long("incoming"), later.Long("available")));

        // The next snapshot no longer lists the purchase order: it was cancelled, and it goes.
        await Client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = "2026-11-22T08:45:00Z",
            lines = new object[] { new { sku = network.Sku, location = network.Warehouse, type = "purchaseOrder", quantity = 0, reference = "PO-1" } },
        }).Expect(HttpStatusCode.OK);
        var after = await Client.AvailabilityAsync(network.Sku, $"location={network.Warehouse}");
        Assert.Equal([("2026-11-25", 5L)], after.GetProperty("future").EnumerateArray().Select(p => (p.GetProperty("date").GetString(), p.Long("available"))));
    }

    [Fact]
    public async Task Availability_refuses_bad_questions()
    {
        var network = await Client.SeedAsync();
        await Client.Send(HttpMethod.Get, $"/v1/availability/NO-SUCH-SKU?location={network.Store}").Problem(HttpStatusCode.NotFound);
        await Client.Send(HttpMethod.Get, $"/v1/availability/{network.Sku}?location=nowhere").Problem(HttpStatusCode.NotFound);
        await Client.Send(HttpMethod.Get, $"/v1/availability/{network.Sku}?group=nogroup").Problem(HttpStatusCode.NotFound);
        await Client.Send(HttpMethod.Get, $"/v1/availability/{network.Sku}?channel=nochannel").Problem(HttpStatusCode.NotFound);
        await Client.Send(HttpMethod.Get, $"/v1/availability/{network.Sku}").Problem(HttpStatusCode.BadRequest);
        await Client.Send(HttpMethod.Get, $"/v1/availability/{network.Sku}?location={network.Store}&group={network.Group}").Problem(HttpStatusCode.BadRequest);
        await Client.Send(HttpMethod.Get, $"/v1/availability/{network.Sku}?location={network.Store}&date=2026-13-01").Problem(HttpStatusCode.BadRequest);
        await Client.Send(HttpMethod.Get, $"/v1/availability/{network.Sku}?location={network.Store}&date=2020-01-01").Problem(HttpStatusCode.BadRequest);
        await Client.Send(HttpMethod.Get, $"/v1/availability/{network.Sku}?location={network.Store}&date=9999-01-01").Problem(HttpStatusCode.BadRequest);
        await Client.Send(HttpMethod.Get, $"/v1/availability/bad%20sku?location={network.Store}").Problem(HttpStatusCode.BadRequest);
    }
}

public sealed class AvailabilityApiTests_Sqlite(SqliteServer server) : AvailabilityApiTests(server), IClassFixture<SqliteServer>;

public sealed class AvailabilityApiTests_Postgres(PostgresServerFixture server) : AvailabilityApiTests(server), IClassFixture<PostgresServerFixture>;
