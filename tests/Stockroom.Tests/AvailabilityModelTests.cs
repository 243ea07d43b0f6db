using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Stockroom.Features.Availability;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// Availability read from memory (<see cref="StockModel"/>) answers what the database answers:
/// this process's writes at once, another process's within the follower's poll, and
/// <c>consistency=strong</c> the database itself.
/// </summary>
public abstract class AvailabilityModelTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    /// <summary>How long another process's commit may take to be read here: the poll, a query and a slow machine's slack.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private static string[] Terms { get; } = ["onHand", "incoming", "reserved", "allocated", "backordered", "safetyStock", "available"];

    private static Task<JsonElement> ReadAsync(HttpClient client, string sku, string query) => client.AvailabilityAsync(sku, query);

    private static void SameTerms(JsonElement expected, JsonElement actual, string what)
    {
        foreach (var term in Terms)
        {
            Assert.True(expected.Long(term) == actual.Long(term), $"{what}: {term} is {actual.Long(term)} from memory, {expected.Long(term)} in the database");
        }
    }

    /// <summary>Reads until the answer shows what <paramref name="shows"/> asks, or the bound passes.</summary>
    private static async Task<JsonElement> EventuallyAsync(HttpClient client, string sku, string query, Func<JsonElement, bool> shows)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await ReadAsync(client, sku, query);
            if (shows(answer) || clock.Elapsed > Bound)
            {
                return answer;
            }

            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Reads_from_memory_equal_the_database_after_holds_releases_and_supply_raced_with_first_reads()
    {
        var network = await Client.SeedAsync(storeOnHand: 500, warehouseOnHand: 500);
        var skus = new List<string> { network.Sku };
        for (var i = 0; i < 7; i++)
        {
            var sku = Api.NewId("race");
            await Client.Put($"/v1/items/{sku}", new { name = sku }).Expect(HttpStatusCode.Created);
            await Client.Post("/v1/supply/adjust", new
            {
                id = Api.NewId("stock"),
                lines = new[] { new { sku, location = network.Store, type = "onHand", delta = 300, reason = "received" }, new { sku, location = network.Warehouse, type = "onHand", delta = 300, reason = "received" } },
            }).Expect(HttpStatusCode.OK);
            skus.Add(sku);
        }

        // Holds, releases and supply changes run while the SKUs are first read: a SKU read from
        // the database while changes are applied must come out neither missing nor doubling one.
        var writes = Enumerable.Range(0, 120).Select(async i =>
        {
            var sku = skus[i % skus.Count];
            var id = Api.NewId("hold");
            using var hold = await Client.Post("/v1/reservations", new { id, channel = network.Channel, lines = new[] { new { sku, quantity = 1 + (i % 3) } } });
            Assert.Equal(HttpStatusCode.Created, hold.StatusCode);
            if (i % 4 == 0)
            {
                await Client.Send(HttpMethod.Delete, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);
            }

            if (i % 10 == 0)
            {
                await Client.Post("/v1/supply/adjust", new
                {
                    id = Api.NewId("adjust"),
                    lines = new[] { new { sku, location = network.Warehouse, type = "onHand", delta = 5, reason = "found" } },
                }).Expect(HttpStatusCode.OK);
            }
        });
        var reads = Enumerable.Range(0, 60).Select(i => ReadAsync(Client, skus[i % skus.Count], $"channel={network.Channel}"));
        await Task.WhenAll([.. writes, .. reads]);

        foreach (var sku in skus)
        {
            foreach (var query in new[] { $"channel={network.Channel}", $"location={network.Store}", $"location={network.Warehouse}" })
            {
                SameTerms(await ReadAsync(Client, sku, query + "&consistency=strong"), await ReadAsync(Client, sku, query), $"{sku} {query}");
            }
        }
    }

    [Fact]
    public async Task A_write_is_read_at_once_here_and_within_the_bound_from_another_process()
    {
        var network = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            var channel = $"channel={network.Channel}";
            Assert.Equal(10, (await ReadAsync(otherClient, network.Sku, channel)).Long("available"));

            // A hold made here is read here at once, and there once the follower has read the ledger.
            await Client.Post("/v1/reservations", new { id = Api.NewId("hold"), channel = network.Channel, lines = new[] { new { sku = network.Sku, quantity = 3 } } })
                .Expect(HttpStatusCode.Created);
            Assert.Equal(7, (await ReadAsync(Client, network.Sku, channel)).Long("available"));
            Assert.Equal(7, (await ReadAsync(otherClient, network.Sku, channel + "&consistency=strong")).Long("available"));
            Assert.Equal(7, (await EventuallyAsync(otherClient, network.Sku, channel, a => a.Long("available") == 7)).Long("available"));

            // A purchase order changes the SKU's lots, which memory reads again: the future shows it there too.
            var eta = StockroomServer.Start.AddDays(10).ToString("yyyy-MM-dd");
            await Client.Post("/v1/supply/adjust", new
            {
                id = Api.NewId("po"),
                lines = new[] { new { sku = network.Sku, location = network.Store, type = "purchaseOrder", delta = 40, eta, reference = "PO-1", reason = "ordered" } },
            }).Expect(HttpStatusCode.OK);
            var dated = $"{channel}&date={eta}";
            Assert.Equal(40, (await ReadAsync(Client, network.Sku, dated)).Long("incoming"));
            Assert.Equal(40, (await EventuallyAsync(otherClient, network.Sku, dated, a => a.Long("incoming") == 40)).Long("incoming"));

            // An item turned draft promises nothing: read again from its event, here and there.
            await Client.Put($"/v1/items/{network.Sku}", new { name = "Desk lamp", status = "draft" }).Expect(HttpStatusCode.OK);
            Assert.Equal(0, (await ReadAsync(Client, network.Sku, channel)).Long("available"));
            Assert.Equal(0, (await EventuallyAsync(otherClient, network.Sku, channel, a => a.Long("available") == 0)).Long("available"));

            // And a write there is read here.
            await otherClient.Put($"/v1/items/{network.Sku}", new { name = "Desk lamp", status = "active" }).Expect(HttpStatusCode.OK);
            await otherClient.Post("/v1/reservations", new { id = Api.NewId("hold"), channel = network.Channel, lines = new[] { new { sku = network.Sku, quantity = 2 } } })
                .Expect(HttpStatusCode.Created);
            Assert.Equal(5, (await EventuallyAsync(Client, network.Sku, channel, a => a.Long("available") == 5)).Long("available"));
            SameTerms(await ReadAsync(Client, network.Sku, channel + "&consistency=strong"), await ReadAsync(otherClient, network.Sku, channel), "the other process");
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_bulk_query_reads_memory_and_the_database_alike_and_an_unknown_consistency_is_refused()
    {
        var network = await Client.SeedAsync();
        await Client.Post("/v1/reservations", new { id = Api.NewId("hold"), channel = network.Channel, lines = new[] { new { sku = network.Sku, quantity = 4 } } })
            .Expect(HttpStatusCode.Created);
        var body = new { skus = new[] { network.Sku, "NO-SUCH-SKU" }, channel = network.Channel };
        var fromMemory = await Client.Post("/v1/availability/query", body).Expect(HttpStatusCode.OK);
        var fromDatabase = await Client.Post("/v1/availability/query?consistency=strong", body).Expect(HttpStatusCode.OK);
        SameTerms(fromDatabase.GetProperty("results")[0], fromMemory.GetProperty("results")[0], "bulk");
        Assert.False(fromMemory.GetProperty("results")[1].GetProperty("known").GetBoolean());

        var problem = await Client.Send(HttpMethod.Get, $"/v1/availability/{network.Sku}?channel={network.Channel}&consistency=eventual")
            .Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("consistency", out _));
    }

    [Fact]
    public async Task Memory_agrees_with_the_database_after_every_write_while_readers_keep_loading_the_sku()
    {
        var n = await Client.SeedAsync(storeOnHand: 50, warehouseOnHand: 50);
        using var stop = new CancellationTokenSource();
        // Counts and adjustments drop the SKU from memory; these readers load it again and again,
        // racing every write's application with a load that may read before or after it.
        var readers = Enumerable.Range(0, 3).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await Client.GetAsync($"/v1/availability/{n.Sku}?channel={n.Channel}");
            }
        }).ToList();
        var random = new Random(5);
        for (var i = 0; i < 150; i++)
        {
            switch (random.Next(3))
            {
                case 0:
                    await Client.Post("/v1/supply/sync", new
                    {
                        source = "erp",
                        asOf = StockroomServer.Start.AddSeconds(i),
                        lines = new[] { new { sku = n.Sku, location = n.Warehouse, type = "onHand", quantity = 40 + random.Next(20) } },
                    }).Expect(HttpStatusCode.OK);
                    break;
                case 1:
                    await Client.Post("/v1/supply/adjust", new
                    {
                        id = Api.NewId("adjust"),
                        lines = new[] { new { sku = n.Sku, location = n.Warehouse, type = "onHand", delta = 1 + random.Next(7), reason = "found" } },
                    }).Expect(HttpStatusCode.OK);
                    break;
                default:
                    using (await Client.Post("/v1/reservations", new { id = Api.NewId("hold"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } }))
                    {
                    }

                    break;
            }

            SameTerms(await ReadAsync(Client, n.Sku, $"location={n.Warehouse}&consistency=strong"), await ReadAsync(Client, n.Sku, $"location={n.Warehouse}"), $"after write {i}");
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
    }

    [Fact]
    public void The_SKUs_an_event_names_are_found_at_any_depth()
    {
        var named = StockModel.SkusNamed("""{"id":"a","lines":[{"sku":"A-1","quantity":2},{"sku":"B-2"}],"positions":[{"sku":"A-1","location":"x"}],"note":{"sku":"C-3"},"skuish":"no"}""");
        Assert.Equal(["A-1", "B-2", "C-3"], named.Order(StringComparer.Ordinal));
    }
}

public sealed class AvailabilityModelTests_Sqlite(SqliteServer server) : AvailabilityModelTests(server), IClassFixture<SqliteServer>;

public sealed class AvailabilityModelTests_Postgres(PostgresServerFixture server) : AvailabilityModelTests(server), IClassFixture<PostgresServerFixture>;

