using System.Data.Common;
using System.Net;
using Microsoft.Data.Sqlite;
using Npgsql;
using Stockroom.Cli;
using Stockroom.Features.Reservations;
using Stockroom.Storage;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>The ledger rebuilds every position after real traffic, and any tampering is found and named.</summary>
public abstract class LedgerVerifyTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private Task<int> Verify() => StockroomCli.RunAsync(["verify", "--connection", server.ConnectionString]);

    private async Task<int> Sql(string sql)
    {
        await using DbConnection connection = server.Kind == StoreKind.Postgres ? new NpgsqlConnection(server.ConnectionString) : new SqliteConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    private async Task Traffic()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 5);
        await Client.Put($"/v1/items/{n.Sku}", new { name = "Desk lamp", backorderable = true }).Expect(HttpStatusCode.OK);
        var hold = await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 3 } } })
            .Expect(HttpStatusCode.Created);
        await Client.Post("/v1/orders", new { id = "o-verify", channel = n.Channel, reservationId = hold.GetProperty("id").GetString() }).Expect(HttpStatusCode.Created);
        await Client.Post("/v1/orders/o-verify/events", new { id = "e1", type = "shipped" }).Expect(HttpStatusCode.OK);
        await Client.Post("/v1/orders/o-verify/events", new { id = "e2", type = "returned", lines = new[] { new { sku = n.Sku, quantity = 1 } } }).Expect(HttpStatusCode.OK);
        var expiring = Api.NewId("r");
        await Client.Post("/v1/reservations", new { id = expiring, channel = n.Channel, expiresInSeconds = 10, lines = new[] { new { sku = n.Sku, quantity = 2 } } })
            .Expect(HttpStatusCode.Created);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, allowBackorder = true, lines = new[] { new { sku = n.Sku, quantity = 20 } } })
            .Expect(HttpStatusCode.Created);
        await Client.Post("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = 4, reason = "receipt" } } })
            .Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromSeconds(11));
        // The sweep runs here and in the background worker fake time woke; wait for whichever does it.
        await ReservationApiTests.Eventually(async () =>
        {
            await server.Service<ReservationExpiry>().SweepAsync(CancellationToken.None);
            return (await Client.Send(HttpMethod.Get, $"/v1/reservations/{expiring}").Expect(HttpStatusCode.OK)).GetProperty("status").GetString() == "expired";
        });
    }

    [Fact]
    public async Task Verify_passes_on_an_intact_ledger_and_names_a_tampered_event_or_position()
    {
        await Traffic();
        Assert.Equal(0, await Verify());

        var (sequence, _) = await server.Store.ReadLedgerHeadAsync(CancellationToken.None);
        var target = sequence - 2;
        var original = (await server.Store.ReadEventsAsync(target - 1, 1, CancellationToken.None))[0].Data;
        var allow = server.Kind == StoreKind.Postgres
            ? "ALTER TABLE events DISABLE TRIGGER events_append_only;"
            : "DROP TRIGGER events_no_update;";
        Assert.Equal(1, await Sql($"{allow} UPDATE events SET data = '{original.Replace("'", "''", StringComparison.Ordinal)} ' WHERE sequence = {target};"));
        var (exit, output) = await server.VerifyLedgerAsync();
        Assert.Equal(1, exit);
        Assert.Contains($"Broken at event {target}:", output, StringComparison.Ordinal);

        await Sql($"UPDATE events SET data = '{original.Replace("'", "''", StringComparison.Ordinal)}' WHERE sequence = {target};");
        Assert.Equal(0, await Verify());

        var tampered = (await server.Store.ReadPositionsAsync(null, 1000, CancellationToken.None)).First(p => p.OnHand > 0);
        await Sql($"UPDATE positions SET on_hand = on_hand + 1 WHERE sku = '{tampered.Key.Sku}' AND location_id = '{tampered.Key.Location}'");
        (exit, output) = await server.VerifyLedgerAsync();
        Assert.Equal(1, exit);
        Assert.Contains($"Broken at position {tampered.Key}:", output, StringComparison.Ordinal);
    }
}

[Collection(CommandLineCollection.Name)]
public sealed class LedgerVerifyTests_Sqlite(SqliteServer server) : LedgerVerifyTests(server), IClassFixture<SqliteServer>;

[Collection(CommandLineCollection.Name)]
public sealed class LedgerVerifyTests_Postgres(PostgresServerFixture server) : LedgerVerifyTests(server), IClassFixture<PostgresServerFixture>;
