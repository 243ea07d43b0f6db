using System.Net;
using Stockroom.Cli;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// Commands draw live progress on the one process-wide console, which allows one live display at a
/// time (as a real command line has): tests that run commands take turns.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CommandLineCollection
{
    public const string Name = "Command line";
}

public abstract class ImportCliTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private static string Csv(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stockroom-import-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Supply_csv_is_applied_directly_to_the_store()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        var file = Csv($"sku,location,type,quantity,eta,reference\n{n.Sku},{n.Store},onHand,7,,\n{n.Sku},{n.Warehouse},purchaseOrder,20,2026-12-01,PO-1\n");
        var exit = await StockroomCli.RunAsync(["import", "supply", file, "--source", "erp-csv", "--as-of", "2026-11-22T08:50:00Z", "--connection", server.ConnectionString]);
        Assert.Equal(0, exit);
        var atp = await Client.AvailabilityAsync(n.Sku, $"group={n.Group}");
        Assert.Equal(7, atp.Long("available"));
        Assert.Equal([("2026-12-01", 27L)], atp.GetProperty("future").EnumerateArray().Select(p => (p.GetProperty("date").GetString(), p.Long("available"))));
    }

    [Fact]
    public async Task A_wrong_row_anywhere_applies_nothing()
    {
        var n = await Client.SeedAsync(storeOnHand: 5, warehouseOnHand: 0);
        var head = await Client.LedgerHeadAsync();
        var file = Csv($"sku,location,type,quantity\n{n.Sku},{n.Store},onHand,9\n{n.Sku},{n.Store},onHand,1.5\nNO-SUCH-SKU,{n.Store},onHand,1\n");
        var exit = await StockroomCli.RunAsync(["import", "supply", file, "--source", "erp-csv", "--as-of", "2026-11-22T08:50:00Z", "--connection", server.ConnectionString]);
        Assert.Equal(2, exit);
        var unknownOnly = Csv($"sku,location,type,quantity\n{n.Sku},{n.Store},onHand,9\nNO-SUCH-SKU,{n.Store},onHand,1\n");
        exit = await StockroomCli.RunAsync(["import", "supply", unknownOnly, "--source", "erp-csv", "--as-of", "2026-11-22T08:50:00Z", "--connection", server.ConnectionString]);
        Assert.Equal(2, exit);
        Assert.Equal(5, (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("onHand"));
        Assert.Equal(head, await Client.LedgerHeadAsync());
    }

    [Fact]
    public async Task Supply_csv_goes_through_a_running_server()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        var file = Csv($"sku,location,type,quantity\n{n.Sku},{n.Store},onHand,3\n{n.Sku},{n.Warehouse},onHand,4\n");
        var exit = await StockroomCli.RunAsync(["import", "supply", file, "--source", "erp-csv", "--as-of", "2026-11-22T08:50:00Z", "--server", Client.BaseAddress!.ToString()]);
        Assert.Equal(0, exit);
        Assert.Equal(7, (await Client.AvailabilityAsync(n.Sku, $"group={n.Group}")).Long("available"));
    }

    [Fact]
    public async Task Items_and_locations_import_with_variants_after_their_parents()
    {
        var prefix = Api.NewId("T");
        var items = Csv($"sku,name,status,policy,parentSku,price\n{prefix}-M,\"Tee, M\",active,reserve,{prefix},19.90\n{prefix},Tee,active,auto,,19.90\n");
        Assert.Equal(0, await StockroomCli.RunAsync(["import", "items", items, "--connection", server.ConnectionString]));
        var variant = await Client.Send(HttpMethod.Get, $"/v1/items/{prefix}-M").Expect(HttpStatusCode.OK);
        Assert.Equal((prefix, "Tee, M"), (variant.GetProperty("parentSku").GetString(), variant.GetProperty("name").GetString()));

        var location = Api.NewId("loc");
        var locations = Csv($"id,name,type,canShip,canPickup,priority,leadTimeDays\n{location},Harbour,warehouse,true,false,5,2\n");
        Assert.Equal(0, await StockroomCli.RunAsync(["import", "locations", locations, "--server", Client.BaseAddress!.ToString()]));
        var read = await Client.Send(HttpMethod.Get, $"/v1/locations/{location}").Expect(HttpStatusCode.OK);
        Assert.Equal(2, read.GetProperty("leadTimeDays").GetInt32());
    }
}

[Collection(CommandLineCollection.Name)]
public sealed class ImportCliTests_Sqlite(SqliteServer server) : ImportCliTests(server), IClassFixture<SqliteServer>;

[Collection(CommandLineCollection.Name)]
public sealed class ImportCliTests_Postgres(PostgresServerFixture server) : ImportCliTests(server), IClassFixture<PostgresServerFixture>;
