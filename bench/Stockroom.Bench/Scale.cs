using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Stockroom.Testing;

namespace Stockroom.Bench;

/// <summary>CPU used by a set of processes over a run, in cores: 1.0 is one core busy the whole time.</summary>
public sealed record CpuShare(double Servers, double Database, double LoadGenerator);

public sealed record ScaleResult(int Processes, LoadResult Holds, long Oversold, LoadResult Reads, CpuShare HoldsCpu, CpuShare ReadsCpu);

/// <summary>
/// One to three <c>stockroom</c> processes, each its own operating-system process, on one
/// PostgreSQL database, with the load spread round-robin over them as a load balancer would.
/// </summary>
public static class Scale
{
    private const int HotSkus = 10;

    public static async Task<ScaleResult> RunAsync(int processes, int clients, int holds, int skus, int locations, int reads)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var servers = new List<StockroomProcess>();
        try
        {
            for (var i = 0; i < processes; i++)
            {
                servers.Add(await StockroomProcess.StartAsync(database, null, "--Logging:LogLevel:Default", "Error"));
            }

            var http = servers.Select(s => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients })
            {
                BaseAddress = s.Client.BaseAddress,
                Timeout = TimeSpan.FromMinutes(2),
            }).ToList();
            HttpClient Through(int i) => http[i % http.Count];

            // Flash sale: plenty of stock, so that every hold is a write and the figure is write throughput.
            var ids = Enumerable.Range(0, locations).Select(i => $"loc-{i:D2}").ToArray();
            await SeedNetworkAsync(Through(0), ids);
            await Scenarios.Ok(Through(0).PostAsJsonAsync("/v1/supply/sync", new
            {
                source = "bench", asOf = DateTimeOffset.UtcNow.AddMinutes(-1),
                lines = Enumerable.Range(0, HotSkus).Select(i => new { sku = $"HOT-{i}", location = ids[0], type = "onHand", quantity = 1_000_000 }).ToArray(),
            }));
            Task<bool> Hold(string prefix, int i) => Post(Through(i), "/v1/reservations",
                new { id = $"{prefix}-{i}", channel = "web", lines = new[] { new { sku = $"HOT-{i % HotSkus}", quantity = 1, location = ids[0] } } });
            await Load.ClosedAsync(clients, holds / 10, i => Hold("warm", i));
            var cpu = CpuClock.Start(servers);
            var holdLoad = await Load.ClosedAsync(clients, holds, i => Hold("scale", i));
            var holdsCpu = cpu.Stop(holdLoad.Seconds);
            long reserved = 0;
            for (var i = 0; i < HotSkus; i++)
            {
                reserved += (await Through(i).GetFromJsonAsync<System.Text.Json.JsonElement>($"/v1/availability/HOT-{i}?location={ids[0]}")).GetProperty("reserved").GetInt64();
            }

            var oversold = Math.Abs(reserved - (holds / 10 + holdLoad.Successes));

            // Reads: single availability over the channel's 20 locations, for random SKUs.
            var names = Enumerable.Range(0, skus).Select(i => $"SKU-{i:D6}").ToArray();
            await Load.ClosedAsync(32, names.Length, i => Put(Through(i), $"/v1/items/{names[i]}", new { name = names[i] }));
            foreach (var chunk in names.SelectMany((sku, i) => ids.Select((location, j) => new { sku, location, type = "onHand", quantity = (i * 7 + j) % 50 })).Chunk(10_000))
            {
                await Scenarios.Ok(Through(0).PostAsJsonAsync("/v1/supply/sync", new { source = "erp", asOf = DateTimeOffset.UtcNow.AddMinutes(-1), lines = chunk }));
            }

            var random = new Random(11);
            var picks = Enumerable.Range(0, reads).Select(_ => names[random.Next(names.Length)]).ToArray();
            await Load.ClosedAsync(64, reads / 10, i => Get(Through(i), $"/v1/availability/{picks[i]}?channel=web"));
            cpu = CpuClock.Start(servers);
            var readLoad = await Load.ClosedAsync(64, reads, i => Get(Through(i), $"/v1/availability/{picks[i]}?channel=web"));
            var readsCpu = cpu.Stop(readLoad.Seconds);
            foreach (var client in http)
            {
                client.Dispose();
            }

            return new ScaleResult(processes, holdLoad, oversold, readLoad, holdsCpu, readsCpu);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task SeedNetworkAsync(HttpClient http, string[] locations)
    {
        foreach (var id in locations)
        {
            await Scenarios.Ok(http.PutAsJsonAsync($"/v1/locations/{id}", new { name = id, type = "store", canShip = true, canPickup = true }));
        }

        await Scenarios.Ok(http.PutAsJsonAsync("/v1/groups/all", new { name = "All", locations }));
        await Scenarios.Ok(http.PutAsJsonAsync("/v1/channels/web", new { name = "Web", group = "all" }));
        for (var i = 0; i < HotSkus; i++)
        {
            await Scenarios.Ok(http.PutAsJsonAsync($"/v1/items/HOT-{i}", new { name = $"Hot {i}" }));
        }
    }

    private static async Task<bool> Post(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        return response.StatusCode switch
        {
            HttpStatusCode.Created => true,
            HttpStatusCode.Conflict => false,
            _ => throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}"),
        };
    }

    private static async Task<bool> Put(HttpClient http, string path, object body)
    {
        await Scenarios.Ok(http.PutAsJsonAsync(path, body));
        return true;
    }

    private static async Task<bool> Get(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return response.IsSuccessStatusCode ? true : throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
    }

    public static string Row(ScaleResult r) => string.Create(CultureInfo.InvariantCulture,
        $"| {r.Processes} | {r.Holds.Successes / r.Holds.Seconds:F0} | {r.Holds.Latency.P99:F1} | {r.HoldsCpu.Servers:F2} | {r.HoldsCpu.Database:F2} | {r.HoldsCpu.LoadGenerator:F2} | " +
        $"{r.Reads.PerSecond:F0} | {r.Reads.Latency.P99:F1} | {r.ReadsCpu.Servers:F2} | {r.ReadsCpu.Database:F2} | {r.ReadsCpu.LoadGenerator:F2} | {r.Oversold} |");
}

/// <summary>CPU time of the servers, of every PostgreSQL process, and of this process, from /proc.</summary>
internal sealed class CpuClock
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ on Linux
    private readonly IReadOnlyList<int> _servers;
    private readonly (double Servers, double Database, double Self) _start;

    private CpuClock(IReadOnlyList<int> servers)
    {
        _servers = servers;
        _start = Read();
    }

    public static CpuClock Start(IEnumerable<StockroomProcess> servers) => new([.. servers.Select(s => s.Id)]);

    public CpuShare Stop(double seconds)
    {
        var end = Read();
        return new((end.Servers - _start.Servers) / seconds, (end.Database - _start.Database) / seconds, (end.Self - _start.Self) / seconds);
    }

    private (double Servers, double Database, double Self) Read()
    {
        var database = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && Name(pid) == "postgres")
            .Sum(Seconds);
        return (_servers.Sum(Seconds), database, Seconds(Environment.ProcessId));
    }

    private static string? Name(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>CPU seconds (user and system) used so far by process <paramref name="pid"/>; 0 once it is gone.</summary>
    internal static double Seconds(int pid)
    {
        try
        {
            // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is 14th, stime 15th.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
