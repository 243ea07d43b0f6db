using System.Globalization;
using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Stockroom.Core.Catalog;
using Stockroom.Core.Supply;
using Stockroom.Features.Availability;
using Stockroom.Features.Catalog;
using Stockroom.Features.Reservations;
using Stockroom.Features.Supply;
using Stockroom.Storage;
using Stockroom.Testing;

namespace Stockroom.Bench;

public static class Databases
{
    public static Task<string> PostgresAsync() => PostgresServer.CreateDatabaseAsync();

    public static string Sqlite() => $"Data Source={Path.Combine(Path.GetTempPath(), $"stockroom-bench-{Guid.NewGuid():N}.db")}";

    public static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Stockroom.slnx")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? Directory.GetCurrentDirectory();
    }
}

/// <summary>What the server's own /metrics said about the measured run: how the writer batched, and what it cost the database.</summary>
public sealed record WriterFigures(double MeanBatch, double MeanBatchMs, double CommandsPerRequest)
{
    public static WriterFigures Between(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after, long requests)
    {
        double Delta(string name) => after.GetValueOrDefault(name) - before.GetValueOrDefault(name);
        var batches = Math.Max(1, Delta("stockroom_writer_batch_size_count"));
        return new(Delta("stockroom_writer_batch_size_sum") / batches, 1000 * Delta("stockroom_writer_batch_duration_seconds_sum") / batches,
            Delta("stockroom_db_commands_total") / Math.Max(1, requests));
    }

    /// <summary>Prometheus text, summed over label sets: name → value.</summary>
    public static async Task<IReadOnlyDictionary<string, double>> ReadAsync(HttpClient http)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in (await http.GetStringAsync("/metrics")).Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith("stockroom_", StringComparison.Ordinal))
            {
                continue;
            }

            var name = line[..line.IndexOfAny(['{', ' '])];
            var value = line[(line.LastIndexOf(' ') + 1)..];
            values[name] = values.GetValueOrDefault(name) + double.Parse(value, CultureInfo.InvariantCulture);
        }

        return values;
    }
}

public sealed record FlashResult(LoadResult Load, long Oversold, WriterFigures? Writer = null)
{
    public double HoldsPerSecond => Load.Successes / Load.Seconds;

    public string Row(string store, string design, int clients) => string.Create(CultureInfo.InvariantCulture,
        $"| {store} | {design} | {clients} | {HoldsPerSecond:F0} | {Load.Refusals / Load.Seconds:F0} | {Load.Latency.P50:F2} | {Load.Latency.P99:F2} | {Load.Latency.P999:F2} | {Oversold} | {WriterColumns()}");

    private string WriterColumns() => Writer is null ? " | | |"
        : string.Create(CultureInfo.InvariantCulture, $"{Writer.MeanBatch:F1} | {Writer.MeanBatchMs:F2} | {Writer.CommandsPerRequest:F2} |");
}

public sealed record ReadResult(double ImportLinesPerSecond, LoadResult Single, LoadResult Bulk, long ModelPositions, double ModelMegabytesPerMillion, double ModelLoadSeconds);

public static class Scenarios
{
    internal const int HotSkus = 10;

    internal static async Task<(WebApplication App, HttpClient Http)> StartAsync(string connection, int clients, params string[] settings)
    {
        var app = StockroomApp.Build(["--urls", "http://127.0.0.1:0", "--ConnectionStrings:Stockroom", connection, "--Logging:LogLevel:Default", "Warning", .. settings]);
        await StockroomApp.PrepareAsync(app, CancellationToken.None);
        await app.StartAsync();
        return (app, Client(app, clients));
    }

    private static HttpClient Client(WebApplication app, int clients)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(address),
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    /// <summary>A DC with ten hot SKUs, each with <paramref name="unitsEach"/> units, sold through one web channel.</summary>
    private static async Task SeedHotAsync(HttpClient http, long unitsEach)
    {
        await Ok(http.PutAsJsonAsync("/v1/locations/dc-1", new { name = "DC", type = "dc", canShip = true, canPickup = false }));
        for (var i = 0; i < HotSkus; i++)
        {
            await Ok(http.PutAsJsonAsync($"/v1/items/HOT-{i}", new { name = $"Hot {i}" }));
        }

        await Ok(http.PutAsJsonAsync("/v1/groups/all", new { name = "All", locations = new[] { "dc-1" } }));
        await Ok(http.PutAsJsonAsync("/v1/channels/web", new { name = "Web", group = "all" }));
        await Ok(http.PostAsJsonAsync("/v1/supply/sync", new
        {
            source = "bench",
            asOf = DateTimeOffset.UtcNow.AddMinutes(-1),
            lines = Enumerable.Range(0, HotSkus).Select(i => new { sku = $"HOT-{i}", location = "dc-1", type = "onHand", quantity = unitsEach }).ToArray(),
        }));
    }

    private static Func<int, Task<bool>> Hold(HttpClient http, string prefix) => async i =>
    {
        using var response = await http.PostAsJsonAsync("/v1/reservations", new { id = $"{prefix}-{i}", channel = "web", lines = new[] { new { sku = $"HOT-{i % HotSkus}", quantity = 1 } } });
        return response.StatusCode switch
        {
            HttpStatusCode.Created => true,
            HttpStatusCode.Conflict => false,
            _ => throw new InvalidOperationException($"hold {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}"),
        };
    };

    /// <summary>Units held beyond what there is, and holds answered 201 that the store does not show: both must be zero.</summary>
    private static async Task<long> OversoldAsync(HttpClient http, long successes)
    {
        long reserved = 0, over = 0;
        for (var i = 0; i < HotSkus; i++)
        {
            var atp = await http.GetFromJsonAsync<JsonElement>($"/v1/availability/HOT-{i}?location=dc-1");
            var r = atp.GetProperty("reserved").GetInt64();
            reserved += r;
            over += Math.Max(0, r - atp.GetProperty("onHand").GetInt64());
        }

        return over + Math.Abs(reserved - successes);
    }

    public static async Task<FlashResult> FlashSaleAsync(string connection, int clients, int requests)
    {
        var (app, http) = await StartAsync(connection, clients);
        await using var _ = app;
        using var __ = http;
        // A warm-up first (a tenth of the run, all of it held) so that what is measured is the
        // server running, not the JIT compiling it.
        var warmUp = requests / 10;
        await SeedHotAsync(http, (warmUp + requests / 2) / HotSkus);
        var warm = await Load.ClosedAsync(clients, warmUp, Hold(http, "warm"));
        var before = await WriterFigures.ReadAsync(http);
        var load = await Load.ClosedAsync(clients, requests, Hold(http, "flash"));
        var writer = WriterFigures.Between(before, await WriterFigures.ReadAsync(http), requests);
        var oversold = await OversoldAsync(http, warm.Successes + load.Successes);
        await app.StopAsync();
        return new FlashResult(load, oversold, writer);
    }

    public static async Task<(double Offered, double Achieved, Percentiles Latency, long Oversold)> OpenLoopAsync(string connection, double perSecond, TimeSpan duration)
    {
        var (app, http) = await StartAsync(connection, 1024);
        await using var _ = app;
        using var __ = http;
        await SeedHotAsync(http, 1_000_000);
        var (achieved, latency) = await Load.OpenAsync(perSecond, duration, Hold(http, "open"));
        var oversold = await OversoldAsync(http, (long)(perSecond * duration.TotalSeconds));
        await app.StopAsync();
        return (perSecond, achieved, latency, oversold);
    }

    public static async Task<LoadResult> SoldOutAsync(string connection, int clients, int requests)
    {
        var (app, http) = await StartAsync(connection, clients);
        await using var _ = app;
        using var __ = http;
        await SeedHotAsync(http, 0);
        // The first refusals teach the writer that the SKUs are sold out; the rest are measured.
        await Load.ClosedAsync(clients, HotSkus * 4, Hold(http, "warm"));
        var load = await Load.ClosedAsync(clients, requests, Hold(http, "soldout"));
        await app.StopAsync();
        return load;
    }

    public static async Task<ReadResult> ReadsAsync(string connection, int skus, int locations, int singleReads, int bulkReads)
    {
        var (app, http) = await StartAsync(connection, 64);
        await using var _ = app;
        using var __ = http;
        var store = app.Services.GetRequiredService<IStockStore>();
        var ids = Enumerable.Range(0, locations).Select(i => $"loc-{i:D2}").ToArray();
        foreach (var id in ids)
        {
            await Ok(http.PutAsJsonAsync($"/v1/locations/{id}", new { name = id, type = "store", canShip = true, canPickup = true }));
        }

        await Ok(http.PutAsJsonAsync("/v1/groups/all", new { name = "All", locations = ids }));
        await Ok(http.PutAsJsonAsync("/v1/channels/web", new { name = "Web", group = "all", buffer = new { percent = 10 } }));

        // Items straight into the store in one transaction: the catalogue is scaffolding here, not what is measured.
        var names = Enumerable.Range(0, skus).Select(i => $"SKU-{i:D6}").ToArray();
        await using (var write = await store.BeginWriteAsync(CancellationToken.None))
        {
            foreach (var sku in names)
            {
                await write.UpsertItemAsync(new Item(sku, sku, null, ItemStatus.Active, StockPolicy.Reserve, null, false, null, null, 10m, 4m, write.Now, write.Now), CancellationToken.None);
            }

            await write.CommitAsync(CancellationToken.None);
        }

        // Supply through the snapshot path itself, 100,000 lines per transaction: this is the import measured.
        var lines = names.SelectMany((sku, i) => ids.Select((location, j) => new SyncLine(sku, location, SupplyType.OnHand, (i * 7 + j) % 50, null, null))).ToList();
        var imported = System.Diagnostics.Stopwatch.StartNew();
        foreach (var chunk in lines.Chunk(100_000))
        {
            var (_, problem) = await SyncSupply.ApplyAsync(new SyncRequest("bench", DateTimeOffset.UtcNow.AddMinutes(-1), [.. chunk]), store, new HoldWriterOptions(), CancellationToken.None);
            if (problem is not null)
            {
                throw new InvalidOperationException(problem.ProblemDetails.Detail);
            }
        }

        var importRate = lines.Count / imported.Elapsed.TotalSeconds;

        // Every SKU read once, so that the availability model holds all of them: what that costs in
        // time and in memory (the managed heap after a full collection, before and after).
        var model = app.Services.GetRequiredService<StockModel>();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var loading = System.Diagnostics.Stopwatch.StartNew();
        foreach (var page in names.Chunk(Stockroom.Core.Limits.BulkSkusMax))
        {
            await Ok(http.PostAsJsonAsync("/v1/availability/query", new { skus = page, channel = "web" }));
        }

        var loadSeconds = loading.Elapsed.TotalSeconds;
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var held = model.Size.Positions;
        var random = new Random(7);
        var single = await Load.ClosedAsync(64, singleReads, async _ =>
        {
            using var response = await http.GetAsync($"/v1/availability/{names[Random.Shared.Next(names.Length)]}?channel=web");
            return response.IsSuccessStatusCode ? true : throw new InvalidOperationException($"{(int)response.StatusCode}");
        });
        var pages = Enumerable.Range(0, bulkReads).Select(_ => Enumerable.Range(0, 1000).Select(_ => names[random.Next(names.Length)]).ToArray()).ToArray();
        var bulk = await Load.ClosedAsync(8, bulkReads, async i =>
        {
            using var response = await http.PostAsJsonAsync("/v1/availability/query", new { skus = pages[i], channel = "web" });
            return response.IsSuccessStatusCode ? true : throw new InvalidOperationException($"{(int)response.StatusCode}");
        });
        await app.StopAsync();
        return new ReadResult(importRate, single, bulk, held, (heapAfter - heapBefore) / (double)(1 << 20) / Math.Max(1, held) * 1_000_000, loadSeconds);
    }

    /// <summary>The naive baseline (see <see cref="Naive"/>) inside this process, under the same closed-loop clients as ours.</summary>
    public static async Task<FlashResult> NaiveFlashSaleAsync(string connection, int clients, int requests)
    {
        await using var data = NpgsqlDataSource.Create(connection);
        await Naive.CreateAsync(data, HotSkus, (requests / 10 + requests / 2) / HotSkus);
        await using var app = Naive.Build(["--urls", "http://127.0.0.1:0"], data);
        await app.StartAsync();
        using var http = Client(app, clients);
        var warm = await Load.ClosedAsync(clients, requests / 10, Hold(http, "naive-warm"));
        var load = await Load.ClosedAsync(clients, requests, Hold(http, "naive"));
        var oversold = await Naive.OversoldAsync(data, warm.Successes + load.Successes);
        await app.StopAsync();
        return new FlashResult(load, oversold);
    }

    /// <summary>Awaits a call and throws with its body unless it succeeded: set-up must not fail silently.</summary>
    internal static async Task Ok(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
