using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Stockroom;
using Stockroom.Tests.Fixtures;

// Benchmarks of the HTTP API on one machine, in one run:
//   holds [sqlite|postgres] [clients] [holds]        batching writer against one transaction per hold
//   bulk  [sqlite|postgres] [skus] [locations] [n]   bulk availability of 1000 SKUs per request
var mode = args.ElementAtOrDefault(0) ?? "holds";
var store = args.ElementAtOrDefault(1) ?? "sqlite";
int Arg(int index, int fallback) => int.Parse(args.ElementAtOrDefault(index) ?? fallback.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
PostgresServer.Durable = true;
async Task<string> NewDatabaseAsync() => store == "postgres"
    ? await PostgresServer.CreateDatabaseAsync()
    : $"Data Source={Path.Combine(Path.GetTempPath(), $"stockroom-bench-{Guid.NewGuid():N}.db")}";

if (mode == "bulk")
{
    var (skuCount, locationCount, queries) = (Arg(2, 10_000), Arg(3, 20), Arg(4, 200));
    Console.WriteLine($"bulk store={store} skus={skuCount} locations={locationCount} queries={queries} cores={Environment.ProcessorCount}");
    var result = await BulkAsync(await NewDatabaseAsync(), skuCount, locationCount, queries);
    Console.WriteLine("| query | p50 ms | p99 ms | max ms |");
    Console.WriteLine("|---|---:|---:|---:|");
    Console.WriteLine($"| 1000 SKUs over a {locationCount}-location channel | {result.P50:F1} | {result.P99:F1} | {result.Max:F1} |");
    return;
}

var (clients, holds) = (Arg(2, 64), Arg(3, 20_000));
Console.WriteLine($"holds store={store} clients={clients} holds={holds} cores={Environment.ProcessorCount}");
Console.WriteLine("| writer | holds/s | p50 ms | p99 ms | batches | holds per batch |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var batchSizeMax in new[] { 512, 1 })
{
    var result = await RunAsync(await NewDatabaseAsync(), batchSizeMax, clients, holds);
    var label = batchSizeMax == 1 ? "one transaction per hold" : $"batching (≤{batchSizeMax})";
    Console.WriteLine($"| {label} | {result.PerSecond:F0} | {result.P50:F2} | {result.P99:F2} | {result.Batches} | {(double)holds / Math.Max(1, result.Batches):F1} |");
}

static async Task<(WebApplication App, HttpClient Http)> StartAsync(string connection, int clients, params string[] settings)
{
    var app = StockroomApp.Build(["--urls", "http://127.0.0.1:0", "--ConnectionStrings:Stockroom", connection, "--Logging:LogLevel:Default", "Warning", .. settings]);
    await StockroomApp.PrepareAsync(app, CancellationToken.None);
    await app.StartAsync();
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    return (app, new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) });
}

static async Task<(double P50, double P99, double Max)> BulkAsync(string connection, int skuCount, int locationCount, int queries)
{
    var (app, http) = await StartAsync(connection, 4);
    await using var _ = app;
    using var __ = http;
    var locations = Enumerable.Range(0, locationCount).Select(i => $"loc-{i:D2}").ToArray();
    foreach (var location in locations)
    {
        await Ok(http.PutAsJsonAsync($"/v1/locations/{location}", new { name = location, type = "store", canShip = true, canPickup = true }));
    }

    await Ok(http.PutAsJsonAsync("/v1/groups/all", new { name = "All", locations }));
    await Ok(http.PutAsJsonAsync("/v1/channels/web", new { name = "Web", group = "all", buffer = new { percent = 10 } }));
    var skus = Enumerable.Range(0, skuCount).Select(i => $"SKU-{i:D6}").ToArray();
    foreach (var sku in skus)
    {
        await Ok(http.PutAsJsonAsync($"/v1/items/{sku}", new { name = sku }));
    }

    var lines = skus.SelectMany((sku, i) => locations.Select((location, j) => new { sku, location, type = "onHand", quantity = (i * 7 + j) % 50 })).ToArray();
    foreach (var chunk in lines.Chunk(5_000))
    {
        await Ok(http.PostAsJsonAsync("/v1/supply/sync", new { source = "bench", asOf = DateTimeOffset.UtcNow.AddMinutes(-1), lines = chunk }));
    }

    var random = new Random(7);
    var latencies = new double[queries];
    for (var q = 0; q < queries; q++)
    {
        var page = Enumerable.Range(0, 1000).Select(_ => skus[random.Next(skus.Length)]).ToArray();
        var started = Stopwatch.GetTimestamp();
        await Ok(http.PostAsJsonAsync("/v1/availability/query", new { skus = page, channel = "web" }));
        latencies[q] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    Array.Sort(latencies);
    await app.StopAsync();
    return (latencies[queries / 2], latencies[(int)(queries * 0.99)], latencies[^1]);
}

static async Task<(double PerSecond, double P50, double P99, long Batches)> RunAsync(string connection, int batchSizeMax, int clients, int holds)
{
    var (app, http) = await StartAsync(connection, clients, "--Stockroom:Writer:BatchSizeMax", batchSizeMax.ToString(System.Globalization.CultureInfo.InvariantCulture));
    await using var _ = app;
    using var __ = http;

    // Ten hot SKUs with stock enough that every hold succeeds: this measures the write path.
    await Ok(http.PutAsJsonAsync("/v1/locations/dc-1", new { name = "DC", type = "dc", canShip = true, canPickup = false }));
    var skus = Enumerable.Range(0, 10).Select(i => $"HOT-{i}").ToArray();
    foreach (var sku in skus)
    {
        await Ok(http.PutAsJsonAsync($"/v1/items/{sku}", new { name = sku }));
    }

    await Ok(http.PutAsJsonAsync("/v1/groups/all", new { name = "All", locations = new[] { "dc-1" } }));
    await Ok(http.PutAsJsonAsync("/v1/channels/web", new { name = "Web", group = "all" }));
    await Ok(http.PostAsJsonAsync("/v1/supply/sync", new
    {
        source = "bench",
        asOf = DateTimeOffset.UtcNow.AddMinutes(-1),
        lines = skus.Select(sku => new { sku, location = "dc-1", type = "onHand", quantity = 1_000_000_000 }).ToArray(),
    }));

    var latencies = new double[holds];
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < holds)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsJsonAsync("/v1/reservations", new
            {
                id = $"h-{i}",
                channel = "web",
                lines = new[] { new { sku = skus[i % skus.Length], quantity = 1 } },
            });
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"hold {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    }));
    var elapsed = clock.Elapsed.TotalSeconds;
    Array.Sort(latencies);
    var batches = app.Services.GetRequiredService<Stockroom.Storage.Demand.HoldWriter>().Statistics.Batches;
    await app.StopAsync();
    return (holds / elapsed, latencies[holds / 2], latencies[(int)(holds * 0.99)], batches);
}

static async Task Ok(Task<HttpResponseMessage> call)
{
    using var response = await call;
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
