using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Stockroom;
using Stockroom.Tests.Fixtures;

// Holds per second through the HTTP API: the batching writer against one transaction per hold
// (the same code path with batches of one), on the same machine, in the same run.
//   dotnet run -c Release --project bench/Stockroom.Bench -- [sqlite|postgres] [clients] [holds]
var store = args.ElementAtOrDefault(0) ?? "sqlite";
var clients = int.Parse(args.ElementAtOrDefault(1) ?? "64", System.Globalization.CultureInfo.InvariantCulture);
var holds = int.Parse(args.ElementAtOrDefault(2) ?? "20000", System.Globalization.CultureInfo.InvariantCulture);

PostgresServer.Durable = true;
Console.WriteLine($"store={store} clients={clients} holds={holds} cores={Environment.ProcessorCount}");
Console.WriteLine("| writer | holds/s | p50 ms | p99 ms | batches | holds per batch |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var batchSizeMax in new[] { 512, 1 })
{
    var connection = store == "postgres"
        ? await PostgresServer.CreateDatabaseAsync()
        : $"Data Source={Path.Combine(Path.GetTempPath(), $"stockroom-bench-{Guid.NewGuid():N}.db")}";
    var result = await RunAsync(connection, batchSizeMax, clients, holds);
    var label = batchSizeMax == 1 ? "one transaction per hold" : $"batching (≤{batchSizeMax})";
    Console.WriteLine($"| {label} | {result.PerSecond:F0} | {result.P50:F2} | {result.P99:F2} | {result.Batches} | {(double)holds / Math.Max(1, result.Batches):F1} |");
}

static async Task<(double PerSecond, double P50, double P99, long Batches)> RunAsync(string connection, int batchSizeMax, int clients, int holds)
{
    await using var app = StockroomApp.Build(["--urls", "http://127.0.0.1:0", "--ConnectionStrings:Stockroom", connection,
        "--Logging:LogLevel:Default", "Warning", "--Stockroom:Writer:BatchSizeMax", batchSizeMax.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
    await StockroomApp.PrepareAsync(app, CancellationToken.None);
    await app.StartAsync();
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(address) };

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
    var batches = app.Services.GetRequiredService<Stockroom.Storage.Holds.HoldWriter>().Statistics.Batches;
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
