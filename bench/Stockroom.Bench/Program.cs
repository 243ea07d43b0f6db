using System.Diagnostics;
using System.Globalization;
using System.Text;
using Stockroom.Bench;
using Stockroom.Testing;

// One command, one run, one machine: our server and a naive baseline under the same load.
//   dotnet run -c Release --project bench/Stockroom.Bench -- [quick|full] [--write]
// quick: about two minutes, for CI (catches gross regressions and any oversell, judges no absolute time).
// full:  the figures in BENCHMARKS.md; --write replaces its generated section.
// --only flash,naive,sqlite,open,soldout,reads,wide,admin,shares,peer runs just those sections (for profiling one path).
// scale: one to three stockroom processes on one PostgreSQL (docs/scaling.md; --write rewrites its table).
// shares: each path as a share of a trivial endpoint, wrk against a server process (Shares.cs); it
// starts this executable again as the naive baseline's server and as an open-loop load generator.
if (Shares.IsChild(args))
{
    return await Shares.RunChildAsync(args);
}

if (args.Contains("scale"))
{
    return await ScaleReport.RunAsync(args.Contains("--write"), args.Contains("quick"));
}

var mode = args.FirstOrDefault(a => a is "quick" or "full") ?? "quick";
var write = args.Contains("--write");
var onlyAt = Array.IndexOf(args, "--only");
var only = onlyAt >= 0 && onlyAt + 1 < args.Length ? args[onlyAt + 1].Split(',') : null;
bool Runs(string section) => only is null || only.Contains(section);
if (write && only is not null)
{
    Console.Error.WriteLine("--write needs every section: the table is written whole.");
    return 2;
}

var quick = mode == "quick";
PostgresServer.Durable = true;
PostgresServer.LoadStatementStatistics = true;

var report = new StringBuilder();
void Line(string text)
{
    Console.WriteLine(text);
    report.AppendLine(text);
}

var started = Stopwatch.GetTimestamp();
Line($"Machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, " +
    $".NET {Environment.Version}; PostgreSQL with synchronous_commit=on and fsync on; SQLite WAL with synchronous=FULL. " +
    "Server, database and load generator share the machine. Mode: " + mode + ".");
Line("");

var oversold = 0L;
var clientCounts = quick ? new[] { 64 } : [64, 256, 1024];
var requests = quick ? 4_000 : 40_000;

Line("### Flash sale: one-unit holds on 10 hot SKUs over HTTP (half the requests can succeed)");
Line("");
Line("| store | design | clients | holds/s | refusals/s | p50 ms | p99 ms | p99.9 ms | oversold | batch (mean) | batch ms | db commands/request |");
Line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
FlashResult? capacity = null;
foreach (var clients in clientCounts)
{
    FlashResult? ours = null;
    if (Runs("flash"))
    {
        ours = await Scenarios.FlashSaleAsync(await Databases.PostgresAsync(), clients, requests);
        capacity ??= ours;
        Line(ours.Row("PostgreSQL", "batching writer", clients));
        oversold += ours.Oversold;
    }

    if (Runs("naive"))
    {
        var naive = await Scenarios.NaiveFlashSaleAsync(await Databases.PostgresAsync(), clients, requests);
        Line(naive.Row("PostgreSQL", "naive: one transaction per hold", clients));
        oversold += naive.Oversold;
        if (ours is not null)
        {
            Line($"| | **ours / naive** | {clients} | **{ours.HoldsPerSecond / Math.Max(1, naive.HoldsPerSecond):F1}×** | | | | | | | | |");
        }
    }
}

foreach (var clients in clientCounts.Take(quick ? 1 : 2).Where(_ => Runs("sqlite")))
{
    var sqlite = await Scenarios.FlashSaleAsync(Databases.Sqlite(), clients, requests);
    Line(sqlite.Row("SQLite", "batching writer", clients));
    oversold += sqlite.Oversold;
}

if (Runs("open") && capacity is not null)
{
    Line("");
    Line($"### Open loop at 70% of capacity (PostgreSQL, {capacity.HoldsPerSecond * 0.7:F0} holds/s offered, latency from each request's scheduled start)");
    Line("");
    var open = await Scenarios.OpenLoopAsync(await Databases.PostgresAsync(), capacity.HoldsPerSecond * 0.7, TimeSpan.FromSeconds(quick ? 3 : 15));
    Line("| offered/s | achieved/s | p50 ms | p99 ms | p99.9 ms | oversold |");
    Line("|---:|---:|---:|---:|---:|---:|");
    Line(string.Create(CultureInfo.InvariantCulture, $"| {open.Offered:F0} | {open.Achieved:F0} | {open.Latency.P50:F2} | {open.Latency.P99:F2} | {open.Latency.P999:F2} | {open.Oversold} |"));
    oversold += open.Oversold;
}

if (Runs("soldout"))
{
    Line("");
    Line("### Sold out: holds on a SKU with nothing left (64 clients)");
    Line("");
    Line("| store | refusals/s | p50 ms | p99 ms | p99.9 ms |");
    Line("|---|---:|---:|---:|---:|");
    foreach (var (name, connection) in new[] { ("PostgreSQL", await Databases.PostgresAsync()), ("SQLite", Databases.Sqlite()) })
    {
        var soldOut = await Scenarios.SoldOutAsync(connection, 64, quick ? 4_000 : 40_000);
        Line(string.Create(CultureInfo.InvariantCulture, $"| {name} | {soldOut.PerSecond:F0} | {soldOut.Latency.P50:F2} | {soldOut.Latency.P99:F2} | {soldOut.Latency.P999:F2} |"));
    }
}

if (Runs("reads"))
{
    var (skus, locations) = quick ? (2_000, 20) : (100_000, 20);
    Line("");
    Line($"### Availability reads and import: {skus:N0} SKUs × {locations} locations ({skus * locations:N0} positions), 64 clients");
    Line("");
    Line("| store | import lines/s | single reads/s | single p99 ms | bulk (1000 SKUs) reads/s | bulk p99 ms | positions in memory | MB per million positions | first read of all, s |");
    Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var (name, connection) in new[] { ("PostgreSQL", await Databases.PostgresAsync()), ("SQLite", Databases.Sqlite()) })
    {
        var reads = await Scenarios.ReadsAsync(connection, skus, locations, quick ? 3_000 : 30_000, quick ? 30 : 300);
        Line(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {reads.ImportLinesPerSecond:F0} | {reads.Single.PerSecond:F0} | {reads.Single.Latency.P99:F2} | {reads.Bulk.PerSecond:F1} | {reads.Bulk.Latency.P99:F1} | {reads.ModelPositions:N0} | {reads.ModelMegabytesPerMillion:F0} | {reads.ModelLoadSeconds:F1} |"));
    }
}

var cartsOverBound = false;
if (Runs("wide"))
{
    var (stores, seconds) = quick ? (200, 3) : (1_000, 15);
    Line("");
    Line($"### One caller holding wide: {20} clients holding 10 lines over {stores:N0} stores ({10 * stores:N0} positions each), while carts hold one unit at a store, 50/s open loop for {seconds} s");
    Line("");
    Line("| store | design | carts/s | cart p50 ms | cart p99 ms | cart max ms | wide holds/s | peak MB | oversold |");
    Line("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var (name, connection) in new[] { ("PostgreSQL", await Databases.PostgresAsync()), ("SQLite", Databases.Sqlite()) })
    {
        var lanes = await WideHolds.RunAsync(connection, "two lanes, batches bounded in positions", stores, TimeSpan.FromSeconds(seconds));
        Line(lanes.Row(name));
        var oneLane = await WideHolds.RunAsync(name == "SQLite" ? Databases.Sqlite() : await Databases.PostgresAsync(), "baseline: one lane, batches bounded by count",
            stores, TimeSpan.FromSeconds(seconds), WideHolds.OneLane);
        Line(oneLane.Row(name));
        oversold += lanes.Oversold + oneLane.Oversold;
        cartsOverBound |= lanes.Carts.P99 > WideHolds.CartP99MsMax(name);
    }

    Line("");
    Line($"Stated bound: cart p99 with two lanes under {WideHolds.CartP99MsMax("PostgreSQL"):N0} ms on PostgreSQL and {WideHolds.CartP99MsMax("SQLite"):N0} ms on SQLite{(cartsOverBound ? " — **exceeded in this run**" : "; held in this run")}.");
}

if (Runs("admin"))
{
    await AdminPages.RunAsync(quick, Line);
}

if (Runs("shares"))
{
    oversold += await Shares.RunAsync(quick, Line);
}

// Medusa v2's inventory module beside ours (Peer.cs, bench/peers/medusa): full runs only, as it needs Node and minutes.
if (!quick && Runs("peer"))
{
    oversold += await Peer.RunAsync(Line);
}

Line("");
Line($"Oversold units across every scenario: **{oversold}**. Run took {Stopwatch.GetElapsedTime(started).TotalMinutes:F1} minutes.");

if (write)
{
    Generated.Replace(Path.Combine(Databases.RepositoryRoot(), "BENCHMARKS.md"), report.ToString());
}

return oversold == 0 && !cartsOverBound ? 0 : 1;
