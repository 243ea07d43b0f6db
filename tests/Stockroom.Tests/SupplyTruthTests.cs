using System.Net;
using System.Text;
using System.Text.Json;
using Stockroom.Cli;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// Reproductions of ways stock was lost or invented: late counts, inbound lots erased by another
/// source's snapshot, a snapshot split over requests, and orders that ship or cancel in parts.
/// Each scenario ends with <c>stockroom verify</c> rebuilding every position from the ledger.
/// </summary>
public abstract class SupplyTruthTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private static string At(DateTimeOffset moment) => moment.ToString("O");

    private Task<JsonElement> Count(Network n, long quantity, DateTimeOffset asOf, string source = "pos") =>
        Client.Post("/v1/supply/sync", new { source, asOf = At(asOf), lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", quantity } } })
            .Expect(HttpStatusCode.OK);

    private async Task<(long OnHand, long Allocated, long Available)> Store(Network n)
    {
        var atp = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        return (atp.Long("onHand"), atp.Long("allocated"), atp.Long("available"));
    }

    private async Task<string> Order(Network n, long quantity, string? location = null)
    {
        var id = Api.NewId("o");
        await Client.Post("/v1/orders", new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity, location = location ?? n.Store } } })
            .Expect(HttpStatusCode.Created);
        return id;
    }

    private Task<JsonElement> Event(string order, string type, object? lines = null, HttpStatusCode status = HttpStatusCode.OK) =>
        Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type, lines }).Expect(status);

    private Task<JsonElement> WriteOff(Network n, long units) =>
        Client.Post("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = -units, reason = "damaged" } } })
            .Expect(HttpStatusCode.OK);

    private static string Csv(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stockroom-import-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>On-hand 10; two ship and one is written off; then a count of 10 taken before the shipment arrives.</summary>
    private async Task<(Network Network, DateTimeOffset CountedAt)> ShippedAndWrittenOffBeforeALateCount()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var countedAt = server.Time.GetUtcNow();
        server.Time.Advance(TimeSpan.FromSeconds(30));
        await Event(await Order(n, 2), "shipped");
        await WriteOff(n, 1);
        Assert.Equal((7L, 0L, 7L), await Store(n));
        return (n, countedAt);
    }

    [Fact]
    public async Task Bug_15_1_A_late_count_keeps_the_movements_recorded_after_its_time()
    {
        var (n, countedAt) = await ShippedAndWrittenOffBeforeALateCount();
        var synced = await Count(n, 10, countedAt);
        Assert.Equal((7L, 0L, 7L), await Store(n));
        var moved = Assert.Single(synced.GetProperty("movedSinceAsOf").EnumerateArray());
        Assert.Equal(-3, moved.Long("units"));

        // A count after the movements is the truth as it stands.
        await Count(n, 6, server.Time.GetUtcNow());
        Assert.Equal((6L, 0L, 6L), await Store(n));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Bug_15_1_A_late_count_that_had_deducted_an_acknowledged_order_counts_its_units_once()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var order = await Order(n, 2);
        await Event(order, "posAcknowledged");
        server.Time.Advance(TimeSpan.FromSeconds(30));
        var countedAt = server.Time.GetUtcNow();
        server.Time.Advance(TimeSpan.FromSeconds(30));
        await Event(order, "shipped");
        await WriteOff(n, 1);

        // The POS had deducted the acknowledged order: its count says 8 for the 10 on the shelf.
        var synced = await Count(n, 8, countedAt);
        Assert.Equal((7L, 0L, 7L), await Store(n));
        Assert.Equal(2, Assert.Single(synced.GetProperty("seenBySource").EnumerateArray()).Long("units"));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Bug_15_1_A_late_count_brings_receipts_returns_and_transfers_forward_too()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 20);
        var countedAt = server.Time.GetUtcNow();
        server.Time.Advance(TimeSpan.FromSeconds(30));
        var order = await Order(n, 3);
        await Event(order, "shipped");
        await Event(order, "returned", new[] { new { sku = n.Sku, quantity = 1 } });
        await Client.Post("/v1/supply/adjust", new { id = Api.NewId("rcv"), lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = 4, reason = "received" } } })
            .Expect(HttpStatusCode.OK);
        var inbound = Api.NewId("t");
        await Client.Post("/v1/transfers", new { id = inbound, from = n.Warehouse, to = n.Store, eta = "2026-11-25", lines = new[] { new { sku = n.Sku, quantity = 5 } } })
            .Expect(HttpStatusCode.Created);
        await Client.Post($"/v1/transfers/{inbound}/receive", new { }).Expect(HttpStatusCode.OK);
        await Client.Post("/v1/transfers", new { id = Api.NewId("t"), from = n.Store, to = n.Warehouse, eta = "2026-11-25", lines = new[] { new { sku = n.Sku, quantity = 2 } } })
            .Expect(HttpStatusCode.Created);
        Assert.Equal((15L, 0L, 15L), await Store(n));

        // 10 − 3 shipped + 1 returned + 4 received + 5 transferred in − 2 transferred out.
        await Count(n, 10, countedAt);
        Assert.Equal((15L, 0L, 15L), await Store(n));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Bug_15_1_A_late_count_by_import_keeps_later_movements_directly_and_through_a_server()
    {
        var (n, countedAt) = await ShippedAndWrittenOffBeforeALateCount();
        var file = Csv($"sku,location,type,quantity\n{n.Sku},{n.Store},onHand,10\n");
        Assert.Equal(0, await StockroomCli.RunAsync(["import", "supply", file, "--source", "pos-csv", "--as-of", At(countedAt), "--connection", server.ConnectionString]));
        Assert.Equal((7L, 0L, 7L), await Store(n));
        Assert.Equal(0, await StockroomCli.RunAsync(["import", "supply", file, "--source", "pos-file", "--as-of", At(countedAt), "--server", Client.BaseAddress!.ToString()]));
        Assert.Equal((7L, 0L, 7L), await Store(n));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Bug_15_2_A_snapshot_never_ends_a_transfer_in_transit_or_another_sources_lots()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 20);
        var transfer = Api.NewId("t");
        await Client.Post("/v1/transfers", new { id = transfer, from = n.Warehouse, to = n.Store, eta = "2026-11-25", lines = new[] { new { sku = n.Sku, quantity = 5 } } })
            .Expect(HttpStatusCode.Created);
        await Client.Post("/v1/supply/sync", new
        {
            source = "wms",
            asOf = At(server.Time.GetUtcNow()),
            lines = new[] { new { sku = n.Sku, location = n.Store, type = "inTransit", quantity = 4, reference = "WMS-ASN-1", eta = "2026-11-26" } },
        }).Expect(HttpStatusCode.OK);

        // The destination's ERP lists its own in-transit shipment, and the transfer under its id.
        var synced = await Client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = At(server.Time.GetUtcNow()),
            lines = new[]
            {
                new { sku = n.Sku, location = n.Store, type = "inTransit", quantity = 3, reference = "ASN-9", eta = "2026-11-27" },
                new { sku = n.Sku, location = n.Store, type = "inTransit", quantity = 50, reference = transfer, eta = "2026-11-27" },
            },
        }).Expect(HttpStatusCode.OK);
        var held = Assert.Single(synced.GetProperty("lotsHeldElsewhere").EnumerateArray());
        Assert.Equal((transfer, 5L), (held.GetProperty("reference").GetString(), held.Long("quantity")));

        var lots = (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).GetProperty("inbound").EnumerateArray()
            .ToDictionary(l => l.GetProperty("reference").GetString()!, l => l.Long("quantity"));
        Assert.Equal(new Dictionary<string, long> { [transfer] = 5, ["WMS-ASN-1"] = 4, ["ASN-9"] = 3 }, lots);

        // The ERP's next snapshot replaces its own lot and nothing else.
        await Client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = At(server.Time.GetUtcNow()),
            lines = new[] { new { sku = n.Sku, location = n.Store, type = "inTransit", quantity = 2, reference = "ASN-10", eta = "2026-11-28" } },
        }).Expect(HttpStatusCode.OK);
        await Client.Post($"/v1/transfers/{transfer}/receive", new { }).Expect(HttpStatusCode.OK);
        var store = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal(15, store.Long("onHand"));
        Assert.Equal(new Dictionary<string, long> { ["WMS-ASN-1"] = 4, ["ASN-10"] = 2 },
            store.GetProperty("inbound").EnumerateArray().ToDictionary(l => l.GetProperty("reference").GetString()!, l => l.Long("quantity")));
        Assert.Equal(30, (await Client.AvailabilityAsync(n.Sku, $"group={n.Group}")).Long("onHand"));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Bug_15_3_A_file_sent_in_chunks_is_one_snapshot()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        await Client.Post("/v1/supply/sync", new
        {
            source = "erp-csv",
            asOf = At(server.Time.GetUtcNow().AddMinutes(-30)),
            lines = new[] { new { sku = n.Sku, location = n.Warehouse, type = "purchaseOrder", quantity = 9, reference = "PO-STALE", eta = "2026-12-01" } },
        }).Expect(HttpStatusCode.OK);

        // PO-A on the first line, PO-B on the last of 6,000: two requests through the server.
        var csv = new StringBuilder("sku,location,type,quantity,eta,reference\n");
        csv.Append($"{n.Sku},{n.Warehouse},purchaseOrder,11,2026-12-01,PO-A\n");
        for (var i = 0; i < 5_998; i++)
        {
            csv.Append($"{n.Sku},{n.Warehouse},purchaseOrder,1,2026-12-02,PO-{i:D4}\n");
        }

        csv.Append($"{n.Sku},{n.Warehouse},purchaseOrder,13,2026-12-03,PO-B\n");
        var file = Csv(csv.ToString());
        Assert.Equal(0, await StockroomCli.RunAsync(["import", "supply", file, "--source", "erp-csv", "--as-of", At(server.Time.GetUtcNow()), "--server", Client.BaseAddress!.ToString()]));

        var lots = (await Client.AvailabilityAsync(n.Sku, $"location={n.Warehouse}")).GetProperty("inbound").EnumerateArray()
            .ToDictionary(l => l.GetProperty("reference").GetString()!, l => l.Long("quantity"));
        Assert.Equal(6_000, lots.Count);
        Assert.Equal((11L, 13L, 5_998L + 24), (lots["PO-A"], lots["PO-B"], lots.Values.Sum()));
        Assert.False(lots.ContainsKey("PO-STALE"));

        // The next file is a new snapshot: what it no longer lists is gone.
        var next = Csv($"sku,location,type,quantity,eta,reference\n{n.Sku},{n.Warehouse},purchaseOrder,11,2026-12-01,PO-A\n");
        Assert.Equal(0, await StockroomCli.RunAsync(["import", "supply", next, "--source", "erp-csv", "--as-of", At(server.Time.GetUtcNow()), "--server", Client.BaseAddress!.ToString()]));
        var left = Assert.Single((await Client.AvailabilityAsync(n.Sku, $"location={n.Warehouse}")).GetProperty("inbound").EnumerateArray());
        Assert.Equal("PO-A", left.GetProperty("reference").GetString());
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Bug_15_3_Requests_naming_one_snapshot_replace_each_lot_set_once()
    {
        var n = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 0);
        var asOf = At(server.Time.GetUtcNow());
        object Part(string reference, long quantity) => new
        {
            source = "erp",
            asOf,
            snapshotId = "nightly-2026-11-22",
            lines = new[] { new { sku = n.Sku, location = n.Store, type = "purchaseOrder", quantity, reference, eta = "2026-12-01" } },
        };

        await Client.Post("/v1/supply/sync", Part("PO-A", 3)).Expect(HttpStatusCode.OK);
        await Client.Post("/v1/supply/sync", Part("PO-B", 4)).Expect(HttpStatusCode.OK);
        await Client.Post("/v1/supply/sync", Part("PO-B", 4)).Expect(HttpStatusCode.OK);
        Assert.Equal(7, (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}&date=2026-12-01")).Long("available"));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Bug_15_9_An_order_ships_in_parts_and_cancels_a_line()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 10);
        var id = Api.NewId("o");
        await Client.Post("/v1/orders", new
        {
            id,
            channel = n.Channel,
            lines = new[] { new { sku = n.Sku, quantity = 5, location = n.Store }, new { sku = n.Sku, quantity = 3, location = n.Warehouse } },
        }).Expect(HttpStatusCode.Created);

        var first = await Event(id, "shipped", new[] { new { sku = n.Sku, quantity = 2, location = n.Store } });
        Assert.Equal("partiallyShipped", first.GetProperty("status").GetString());
        Assert.Equal((8L, 3L, 5L), await Store(n));
        Assert.Equal((2L, 0L), (first.GetProperty("lines")[0].Long("shipped"), first.GetProperty("lines")[0].Long("cancelled")));

        // More than is open, or a location the order has no line at, changes nothing.
        var head = await Client.LedgerHeadAsync();
        await Event(id, "shipped", new[] { new { sku = n.Sku, quantity = 4, location = n.Store } }, HttpStatusCode.Conflict);
        await Event(id, "cancelled", new[] { new { sku = n.Sku, quantity = 1, location = "nowhere" } }, HttpStatusCode.Conflict);
        await Event(id, "picked", new[] { new { sku = n.Sku, quantity = 1 } }, HttpStatusCode.Conflict);
        Assert.Equal(head, await Client.LedgerHeadAsync());

        var cancelled = await Event(id, "cancelled", new[] { new { sku = n.Sku, quantity = 1, location = n.Warehouse } });
        Assert.Equal("partiallyShipped", cancelled.GetProperty("status").GetString());
        Assert.Equal(8, (await Client.AvailabilityAsync(n.Sku, $"location={n.Warehouse}")).Long("available"));

        // Without lines, the event applies to every unit still open.
        var rest = await Event(id, "shipped");
        Assert.Equal("shipped", rest.GetProperty("status").GetString());
        Assert.Equal((5L, 0L, 5L), await Store(n));
        var warehouse = await Client.AvailabilityAsync(n.Sku, $"location={n.Warehouse}");
        Assert.Equal((8L, 0L), (warehouse.Long("onHand"), warehouse.Long("allocated")));
        var lines = rest.GetProperty("lines").EnumerateArray().Select(l => (l.Long("quantity"), l.Long("shipped"), l.Long("cancelled"))).ToList();
        Assert.Equal([(5L, 5L, 0L), (3L, 2L, 1L)], lines);

        var returned = await Event(id, "returned", new[] { new { sku = n.Sku, quantity = 7 } });
        Assert.Equal("returned", returned.GetProperty("status").GetString());
        Assert.Equal((10L, 0L, 10L), await Store(n));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Bug_15_9_Cancelling_what_is_left_of_a_partly_shipped_order_ships_it()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var id = await Order(n, 4);
        await Event(id, "shipped", new[] { new { sku = n.Sku, quantity = 1 } });
        var done = await Event(id, "cancelled");
        Assert.Equal("shipped", done.GetProperty("status").GetString());
        Assert.Equal((9L, 0L, 9L), await Store(n));

        var whole = await Order(n, 2);
        Assert.Equal("cancelled", (await Event(whole, "cancelled", new[] { new { sku = n.Sku, quantity = 2 } })).GetProperty("status").GetString());
        Assert.Equal((9L, 0L, 9L), await Store(n));
        await server.AssertLedgerVerifiesAsync();
    }
}

// The import and verify commands draw Spectre's one live display, so these take turns with the other command-line tests.
[Collection(CommandLineCollection.Name)]
public sealed class SupplyTruthTests_Sqlite(SqliteServer server) : SupplyTruthTests(server), IClassFixture<SqliteServer>;

[Collection(CommandLineCollection.Name)]
public sealed class SupplyTruthTests_Postgres(PostgresServerFixture server) : SupplyTruthTests(server), IClassFixture<PostgresServerFixture>;
