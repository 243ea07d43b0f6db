using System.Net;
using Stockroom.Storage;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class TransfersApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private static object Transfer(string id, Network n, string from, string to, long quantity, string eta = "2026-11-25") =>
        new { id, from, to, eta, lines = new[] { new { sku = n.Sku, quantity } } };

    [Fact]
    public async Task A_transfer_leaves_at_once_travels_in_transit_and_is_on_hand_once_received()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var id = Api.NewId("t");
        var sent = await Client.Post("/v1/transfers", Transfer(id, n, n.Warehouse, n.Store, 5)).Expect(HttpStatusCode.Created);
        Assert.Equal("inTransit", sent.GetProperty("status").GetString());

        Assert.Equal(20, (await Client.AvailabilityAsync(n.Sku, $"location={n.Warehouse}")).Long("available"));
        var store = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal(10, store.Long("available"));
        var lot = Assert.Single(store.GetProperty("inbound").EnumerateArray());
        Assert.Equal(("inTransit", id, 5L), (lot.GetProperty("type").GetString(), lot.GetProperty("reference").GetString(), lot.Long("quantity")));
        Assert.Equal(15, (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}&date=2026-11-25")).Long("available"));

        // The same request again is the same transfer, not a second one.
        await Client.Post("/v1/transfers", Transfer(id, n, n.Warehouse, n.Store, 5)).Expect(HttpStatusCode.OK);
        await Client.Post("/v1/transfers", Transfer(id, n, n.Warehouse, n.Store, 6)).Problem(HttpStatusCode.Conflict);
        Assert.Equal(20, (await Client.AvailabilityAsync(n.Sku, $"location={n.Warehouse}")).Long("onHand"));

        var received = await Client.Post($"/v1/transfers/{id}/receive", new { }).Expect(HttpStatusCode.OK);
        Assert.Equal(("received", 5L), (received.GetProperty("status").GetString(), received.GetProperty("lines")[0].Long("received")));
        store = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal((15L, 15L, 0), (store.Long("onHand"), store.Long("available"), store.GetProperty("inbound").GetArrayLength()));
        Assert.Equal(20, (await Client.AvailabilityAsync(n.Sku, $"group={n.Group}")).Long("onHand") - 15);

        // Receiving again changes nothing.
        await Client.Post($"/v1/transfers/{id}/receive", new { }).Expect(HttpStatusCode.OK);
        Assert.Equal(15, (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("onHand"));
        Assert.Equal("received", (await Client.Send(HttpMethod.Get, $"/v1/transfers/{id}").Expect(HttpStatusCode.OK)).GetProperty("status").GetString());

        // Every move went through the ledger: it still rebuilds every position.
        var verification = await LedgerVerification.RunAsync(server.Store, null, CancellationToken.None);
        Assert.True(verification.Intact, verification.Break is { } broken ? LedgerVerification.Describe(broken) : "");
    }

    [Fact]
    public async Task Transferring_units_promised_at_the_source_is_refused_and_changes_nothing()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 8, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        var head = await Client.LedgerHeadAsync();

        var problem = await Client.Post("/v1/transfers", Transfer(Api.NewId("t"), n, n.Store, n.Warehouse, 3)).Problem(HttpStatusCode.Conflict);
        Assert.True(problem.GetProperty("errors").TryGetProperty("lines[0].quantity", out _));
        Assert.Equal(head, await Client.LedgerHeadAsync());
        var store = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal((10L, 2L), (store.Long("onHand"), store.Long("available")));
        Assert.Equal(0, (await Client.AvailabilityAsync(n.Sku, $"location={n.Warehouse}")).GetProperty("inbound").GetArrayLength());

        // The two units nobody holds may go.
        await Client.Post("/v1/transfers", Transfer(Api.NewId("t"), n, n.Store, n.Warehouse, 2)).Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Malformed_or_unknown_transfers_are_refused()
    {
        var n = await Client.SeedAsync();
        await Client.Post("/v1/transfers", Transfer(Api.NewId("t"), n, n.Store, n.Store, 1)).Problem(HttpStatusCode.BadRequest);
        await Client.Post("/v1/transfers", Transfer(Api.NewId("t"), n, n.Store, n.Warehouse, 0)).Problem(HttpStatusCode.BadRequest);
        await Client.Post("/v1/transfers", Transfer(Api.NewId("t"), n, n.Store, "nowhere", 1)).Problem(HttpStatusCode.UnprocessableEntity);
        await Client.Post("/v1/transfers/none/receive", new { }).Problem(HttpStatusCode.NotFound);
    }
}

public sealed class TransfersApiTests_Sqlite(SqliteServer server) : TransfersApiTests(server), IClassFixture<SqliteServer>;

public sealed class TransfersApiTests_Postgres(PostgresServerFixture server) : TransfersApiTests(server), IClassFixture<PostgresServerFixture>;
