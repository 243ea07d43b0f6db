using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Stockroom.Testing;
using BatchPhases = Stockroom.Storage.Telemetry.BatchPhases;

namespace Stockroom.Bench;

/// <summary>
/// Issue 19's figures: each path as a share of a trivial endpoint (<c>GET /health/live</c>) on the
/// same server process, in one run. The server runs as its own process and wrk (2 threads, 64
/// connections) drives it from another, so that the figures and the CPU counted are the server's,
/// not a load generator's sharing its runtime. The naive baseline and the open-loop load generator
/// are processes of their own too (this executable, with a verb). wrk still shares the machine's
/// cores with the server: the CPU columns, read from /proc for the server process alone, are the
/// figures that do not depend on that.
/// </summary>
public static partial class Shares
{
    public const string OpenLoopVerb = "open-loop";

    /// <summary>SKUs of the reads workload, each at every one of <see cref="Locations"/> locations.</summary>
    private const int ReadSkus = 2_000;

    private const int Locations = 4;

    /// <summary>Units of each hot SKU: enough that no hold of any run is refused, so that every hold measured is a write.</summary>
    private const long HotUnits = 100_000_000;

    /// <summary>Whether these arguments start one of the section's child processes rather than a benchmark run.</summary>
    public static bool IsChild(string[] args) => args.Contains(Naive.Verb) || args.Contains(OpenLoopVerb);

    public static Task<int> RunChildAsync(string[] args) => args.Contains(Naive.Verb) ? Naive.ServeAsync(args) : OpenLoopAsync(args);

    /// <summary>Runs the section, writes its tables through <paramref name="line"/>, and returns the units oversold (0 unless broken).</summary>
    public static async Task<long> RunAsync(bool quick, Action<string> line)
    {
        ArgumentNullException.ThrowIfNull(line);
        await Wrk.EnsureInstalledAsync();
        // quick (CI): about two seconds a measurement, to catch breakage; its figures mean nothing.
        var (measure, profileSeconds) = quick ? (2, 0) : (15, 10);
        (_warmChunk, _warmMax) = quick ? (1, 1) : (5, 40);
        // The profile is optional: CI's quick run never records one, and a machine without perf, or
        // one that will not let it sample, still gets every other figure.
        var noProfile = quick ? "not recorded in quick mode" : await Profile.UnavailableAsync();

        var runs = new List<(string Workload, string Server, Measured Figures)>();
        (IReadOnlyList<Statements.Row> Rows, WriterBatches Batches)? statements = null;
        var profiles = new List<(string Workload, Profile.Result Profile)>();
        long oversold = 0, unanswered = 0;

        // Ours on PostgreSQL: one database, one network, one server process for the trivial endpoint,
        // reads, sold-out refusals and holds, measured in that order (holds last: they grow the tables).
        var postgres = await Databases.PostgresAsync();
        _postmaster = ProcCpu.Postmaster(new NpgsqlConnectionStringBuilder(postgres).Port);
        long created = 0, inFlight = 0;
        Measured trivial, holds, soldOut, reads;
        OpenLoopResult open;
        await using (var server = await StartAsync(postgres))
        {
            await SeedAsync(server.Client, ReadSkus);
            var url = server.BaseAddress;
            trivial = await WarmAndMeasureAsync(server.Id, url, "trivial", "trivial.lua", measure, [200], _ => [], []);
            runs.Add(("trivial GET /health/live", "ours, PostgreSQL", trivial));

            reads = await WarmAndMeasureAsync(server.Id, url, "reads", "reads.lua", measure, [200], _ => [$"{ReadSkus}"], [$"{ReadSkus}"]);
            runs.Add(("availability by channel", "ours, PostgreSQL", reads));
            // The baseline in the same run: the same reads with consistency=strong, from the database every time.
            var readsFromDatabase = await WarmAndMeasureAsync(server.Id, url, "reads (database)", "reads.lua", measure, [200],
                _ => [$"{ReadSkus}", "strong"], [$"{ReadSkus}", "strong"]);
            runs.Add(("availability by channel, `consistency=strong` (baseline: the database every read)", "ours, PostgreSQL", readsFromDatabase));

            // The first refusals teach the writer that the SKUs are sold out; a 201 here would be an oversell, and fails the run.
            soldOut = await WarmAndMeasureAsync(server.Id, url, "sold out", "holds.lua", measure, [409], k => Holds($"soldout-warm{k}", "OUT-"), Holds("soldout", "OUT-"));
            runs.Add(("sold-out refusals", "ours, PostgreSQL", soldOut));
            oversold += await OversoldAsync(server.Client, "OUT-", 0, soldOut.Warm.Unanswered + soldOut.Run.Unanswered);

            holds = await WarmAndMeasureAsync(server.Id, url, "holds", "holds.lua", measure, [201, 409], k => Holds($"holds-warm{k}", "HOT-"), Holds("holds", "HOT-"), server.Client);
            runs.Add(("one-unit holds", "ours, PostgreSQL", holds));
            created += holds.Warm.Created + holds.Run.Count(201);
            inFlight += holds.Warm.Unanswered + holds.Run.Unanswered;
            oversold += await OversoldAsync(server.Client, "HOT-", created, inFlight);

            // Open loop at 70% of the capacity just measured, from a load generator of its own.
            open = await OpenLoopRunAsync(url, Math.Max(1, holds.Run.PerSecond(201) * 0.7), measure, quick ? 1 : 5);
            created += open.Created;
            oversold += await OversoldAsync(server.Client, "HOT-", created, inFlight);
        }

        // The profile: another server process on the same database, started with the settings perf
        // needs, so that they do not touch the figures above.
        if (noProfile is null)
        {
            await using var server = await StartAsync(postgres, profiled: true);
            try
            {
                var url = server.BaseAddress;
                var holdsWarm = await WarmAsync(server.Id, url, "profiled holds", "holds.lua", [201, 409], k => Holds($"profile-warm{k}", "HOT-"));
                var tracking = await Statements.StartAsync(postgres);
                var batchesBefore = await WriterBatches.ReadAsync(server.Client);
                var (holdsRun, holdsProfile, failure) = await ProfileAsync(server.Id, url, profileSeconds, "holds.lua", [201, 409], Holds("profile", "HOT-"));
                statements = tracking ? (await Statements.StopAsync(postgres), (await WriterBatches.ReadAsync(server.Client)).Since(batchesBefore)) : null;
                created += holdsWarm.Created + holdsRun.Run.Count(201);
                inFlight += holdsWarm.Unanswered + holdsRun.Run.Unanswered;
                oversold += await OversoldAsync(server.Client, "HOT-", created, inFlight);
                if (holdsProfile is not null)
                {
                    profiles.Add(("one-unit holds", holdsProfile));
                    await WarmAsync(server.Id, url, "profiled reads", "reads.lua", [200], _ => [$"{ReadSkus}"]);
                    (_, var readsProfile, failure) = await ProfileAsync(server.Id, url, profileSeconds, "reads.lua", [200], $"{ReadSkus}");
                    if (readsProfile is not null)
                    {
                        profiles.Add(("availability by channel", readsProfile));
                        await WarmAsync(server.Id, url, "profiled refusals", "holds.lua", [409], k => Holds($"profile-out-warm{k}", "OUT-"));
                        (_, var refusalsProfile, failure) = await ProfileAsync(server.Id, url, profileSeconds, "holds.lua", [409], Holds("profile-out", "OUT-"));
                        if (refusalsProfile is not null)
                        {
                            profiles.Add(("sold-out refusals", refusalsProfile));
                        }
                    }
                }

                noProfile = failure;
            }
            finally
            {
                Profile.RemoveMaps(server.Id);
            }
        }

        // Ours on SQLite: the same holds on the same network (without the reads' SKUs).
        Measured sqliteHolds;
        var sqlite = Databases.Sqlite();
        try
        {
            await using var server = await StartAsync(sqlite);
            await SeedAsync(server.Client, 0);
            var url = server.BaseAddress;
            sqliteHolds = await WarmAndMeasureAsync(server.Id, url, "SQLite holds", "holds.lua", measure, [201, 409], k => Holds($"sqlite-warm{k}", "HOT-"), Holds("sqlite", "HOT-"), server.Client);
            runs.Add(("one-unit holds", "ours, SQLite", sqliteHolds));
            var (warmRun, run) = (sqliteHolds.Warm, sqliteHolds.Run);
            oversold += await OversoldAsync(server.Client, "HOT-", warmRun.Created + run.Count(201), warmRun.Unanswered + run.Unanswered);
            unanswered += warmRun.Unanswered + run.Unanswered;
        }
        finally
        {
            var file = sqlite["Data Source=".Length..];
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }

        // The naive baseline as its own process, on its own database of the same PostgreSQL, under the same script.
        Measured naive;
        var naiveDatabase = await Databases.PostgresAsync();
        await using (var server = new StockroomProcess(naiveDatabase)
        {
            Executable = Path.Combine(AppContext.BaseDirectory, "Stockroom.Bench"),
            Settings = [Naive.Verb, "--Naive:Units", $"{HotUnits}"],
        })
        {
            await server.StartAsync();
            var url = server.BaseAddress;
            naive = await WarmAndMeasureAsync(server.Id, url, "naive holds", "holds.lua", measure, [201, 409], k => Holds($"naive-warm{k}", "HOT-"), Holds("naive", "HOT-"));
            runs.Add(("one-unit holds", "naive baseline, PostgreSQL", naive));
            await using var data = NpgsqlDataSource.Create(naiveDatabase);
            var (warmRun, run) = (naive.Warm, naive.Run);
            oversold += await Naive.OversoldAsync(data, warmRun.Created + run.Count(201), warmRun.Unanswered + run.Unanswered);
            unanswered += warmRun.Unanswered + run.Unanswered;
        }

        unanswered += inFlight;
        Report(line, quick, trivial, holds, soldOut, reads, sqliteHolds, naive, open, oversold, unanswered, runs, profiles, noProfile);
        if (statements is { } measuredStatements)
        {
            Statements.Report(line, measuredStatements.Rows, measuredStatements.Batches);
        }

        return oversold;
    }

    private static async Task<StockroomProcess> StartAsync(string connection, bool profiled = false)
    {
        if (!profiled)
        {
            return await StockroomProcess.StartAsync(connection, null, "--Logging:LogLevel:Default", "Warning");
        }

        // perf finds the JIT's code through /tmp/perf-PID.map, which the runtime writes when
        // PerfMapEnabled is set. With W^X on (the default) JIT code runs from a memfd double mapping
        // that perf cannot match with that map, so this process runs with it off.
        Environment.SetEnvironmentVariable("DOTNET_PerfMapEnabled", "1");
        Environment.SetEnvironmentVariable("DOTNET_EnableWriteXorExecute", "0");
        try
        {
            return await StockroomProcess.StartAsync(connection, null, "--Logging:LogLevel:Default", "Warning");
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOTNET_PerfMapEnabled", null);
            Environment.SetEnvironmentVariable("DOTNET_EnableWriteXorExecute", null);
        }
    }

    /// <summary>
    /// Four stores in one group sold through channel <c>web</c> (10% buffer), as the reads benchmark
    /// sets it up; ten hot SKUs with <see cref="HotUnits"/> units and ten sold-out SKUs (0 units) at
    /// the first store; and <paramref name="readSkus"/> SKUs stocked at every store.
    /// </summary>
    private static async Task SeedAsync(HttpClient http, int readSkus)
    {
        var ids = Enumerable.Range(0, Locations).Select(i => $"loc-{i}").ToArray();
        foreach (var id in ids)
        {
            await Scenarios.Ok(http.PutAsJsonAsync($"/v1/locations/{id}", new { name = id, type = "store", canShip = true, canPickup = true }));
        }

        await Scenarios.Ok(http.PutAsJsonAsync("/v1/groups/all", new { name = "All", locations = ids }));
        await Scenarios.Ok(http.PutAsJsonAsync("/v1/channels/web", new { name = "Web", group = "all", buffer = new { percent = 10 } }));
        var hot = Enumerable.Range(0, Scenarios.HotSkus).Select(i => $"HOT-{i}").ToArray();
        var sold = Enumerable.Range(0, Scenarios.HotSkus).Select(i => $"OUT-{i}").ToArray();
        var skus = Enumerable.Range(0, readSkus).Select(i => $"SKU-{i:D6}").ToArray();
        string[] items = [.. hot, .. sold, .. skus];
        await Load.ClosedAsync(16, items.Length, async i =>
        {
            await Scenarios.Ok(http.PutAsJsonAsync($"/v1/items/{items[i]}", new { name = items[i] }));
            return true;
        });

        var lines = hot.Select(sku => new { sku, location = ids[0], type = "onHand", quantity = HotUnits })
            .Concat(sold.Select(sku => new { sku, location = ids[0], type = "onHand", quantity = 0L }))
            .Concat(skus.SelectMany((sku, i) => ids.Select((location, j) => new { sku, location, type = "onHand", quantity = (long)((i * 7 + j) % 50) })));
        foreach (var chunk in lines.Chunk(5_000))
        {
            await Scenarios.Ok(http.PostAsJsonAsync("/v1/supply/sync", new { source = "bench", asOf = DateTimeOffset.UtcNow.AddMinutes(-1), lines = chunk }));
        }
    }

    /// <summary>
    /// Units held beyond on-hand at the first store, plus any distance between what the store shows
    /// reserved and the holds answered 201. Holds still unanswered when wrk stopped (it counts only
    /// answers) may or may not have landed: the store may show up to that many more, never fewer.
    /// </summary>
    private static async Task<long> OversoldAsync(HttpClient http, string prefix, long created, long unanswered)
    {
        // A hold whose answer wrk did not wait for may still be in the writer's batch: let it land.
        await Task.Delay(500);
        long reserved = 0, over = 0;
        for (var i = 0; i < Scenarios.HotSkus; i++)
        {
            var atp = await http.GetFromJsonAsync<JsonElement>($"/v1/availability/{prefix}{i}?location=loc-0");
            var r = atp.GetProperty("reserved").GetInt64();
            reserved += r;
            over += Math.Max(0, r - atp.GetProperty("onHand").GetInt64());
        }

        return over + Math.Max(0, created - reserved) + Math.Max(0, reserved - created - unanswered);
    }

    /// <summary>The PostgreSQL server's main process, whose CPU (with its backends') is counted for each run; null if not found.</summary>
    private static int? _postmaster;

    /// <summary>Seconds of each warm-up chunk, and the most warm-up one path gets.</summary>
    private static int _warmChunk, _warmMax;

    /// <summary>The holds script's arguments: an id prefix unique to the run, the SKUs' prefix, and how many there are.</summary>
    private static string[] Holds(string prefix, string skus) => [prefix, skus, $"{Scenarios.HotSkus}"];

    /// <summary>How long a path was driven before it was measured; Settled when the runtime's tier-up had gone quiet.</summary>
    private sealed record WarmUp(double Seconds, bool Settled, long Created, long Unanswered);

    private sealed record Measured(WrkRun Run, double ServerCpuSeconds, double DatabaseCpuSeconds, double JitCpuSeconds)
    {
        public WarmUp Warm { get; init; } = new(0, true, 0, 0);

        /// <summary>The hold writer's batches during the run, where measured.</summary>
        public WriterBatches? Batches { get; init; }

        public double ServerCpuPerThousand => ServerCpuSeconds / Math.Max(1, Run.Requests) * 1000;
    }

    /// <summary>
    /// Drives the path in chunks until the runtime's tier-up has settled — its tiered-compilation
    /// thread used under 5% of a core over the last chunk — or the warm-up budget is spent. On a busy
    /// machine a short fixed warm-up measures the JIT still compiling the path: that thread was seen
    /// busy for most of a core after six seconds of the trivial endpoint. Each chunk gets its own ids.
    /// </summary>
    private static async Task<WarmUp> WarmAsync(int pid, Uri url, string name, string script, int[] expected, Func<int, string[]> args)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long created = 0, unanswered = 0;
        for (var chunk = 0; ; chunk++)
        {
            var before = ProcCpu.TieringSeconds(pid);
            var run = await Wrk.RunAsync(url, $"{name} (warm-up)", script, _warmChunk, expected, args(chunk));
            (created, unanswered) = (created + run.Count(201), unanswered + run.Unanswered);
            // The thread ends after a while idle, taking its count with it: gone counts as quiet.
            var settled = ProcCpu.TieringSeconds(pid) - before < 0.05 * run.Seconds;
            if (settled || clock.Elapsed.TotalSeconds >= _warmMax)
            {
                return new(clock.Elapsed.TotalSeconds, settled, created, unanswered);
            }
        }
    }

    /// <summary>Warms the path up and measures it; with <paramref name="metrics"/>, also the writer's batches during the measured run, from the server's /metrics.</summary>
    private static async Task<Measured> WarmAndMeasureAsync(int pid, Uri url, string name, string script, int seconds, int[] expected, Func<int, string[]> warmArgs, string[] args,
        HttpClient? metrics = null)
    {
        var warm = await WarmAsync(pid, url, name, script, expected, warmArgs);
        var before = metrics is null ? null : await WriterBatches.ReadAsync(metrics);
        var measured = await MeasureAsync(pid, url, name, script, seconds, expected, args) with { Warm = warm };
        return before is null ? measured : measured with { Batches = (await WriterBatches.ReadAsync(metrics!)).Since(before) };
    }

    /// <summary>
    /// The hold writer's batches as its metrics count them (<c>stockroom.writer.batch.size</c> and
    /// <c>stockroom.writer.batch.phase.duration</c>): batches, requests, and seconds by phase.
    /// </summary>
    private sealed partial record WriterBatches(double Count, double Requests, IReadOnlyDictionary<string, double> PhaseSeconds)
    {
        public static async Task<WriterBatches> ReadAsync(HttpClient http)
        {
            double count = 0, requests = 0;
            var phases = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var line in (await http.GetStringAsync("/metrics")).Split('\n'))
            {
                var sample = MetricLine().Match(line);
                if (!sample.Success)
                {
                    continue;
                }

                var value = double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
                switch (sample.Groups["name"].Value)
                {
                    case "stockroom_writer_batch_size_count":
                        count += value;
                        break;
                    case "stockroom_writer_batch_size_sum":
                        requests += value;
                        break;
                    case "stockroom_writer_batch_phase_duration_seconds_sum" when PhaseLabel().Match(sample.Groups["labels"].Value) is { Success: true } phase:
                        phases[phase.Groups[1].Value] = phases.GetValueOrDefault(phase.Groups[1].Value) + value;
                        break;
                }
            }

            return new(count, requests, phases);
        }

        public WriterBatches Since(WriterBatches before) => new(Count - before.Count, Requests - before.Requests,
            BatchPhases.Names.ToDictionary(p => p, p => PhaseSeconds.GetValueOrDefault(p) - before.PhaseSeconds.GetValueOrDefault(p)));

        /// <summary>Milliseconds a batch spent in the phase, on average.</summary>
        public double MeanMs(string phase) => 1000 * PhaseSeconds.GetValueOrDefault(phase) / Math.Max(1, Count);

        [GeneratedRegex("""^(?<name>stockroom_writer_batch_[a-z_]+)\{(?<labels>[^}]*)\} (?<value>[0-9.eE+-]+)""")]
        private static partial Regex MetricLine();

        [GeneratedRegex("phase=\"([a-z]+)\"")]
        private static partial Regex PhaseLabel();
    }

    /// <summary>A wrk run, with the server's, PostgreSQL's and the server's JIT thread's CPU over it from /proc (which needs no perf).</summary>
    private static async Task<Measured> MeasureAsync(int pid, Uri url, string name, string script, int seconds, int[] expected, params string[] args)
    {
        var (server, database, jit) = (CpuClock.Seconds(pid), ProcCpu.PostgresSeconds(_postmaster), ProcCpu.TieringSeconds(pid));
        var run = await Wrk.RunAsync(url, name, script, seconds, expected, args);
        return new(run, CpuClock.Seconds(pid) - server, ProcCpu.PostgresSeconds(_postmaster) - database, Math.Max(0, ProcCpu.TieringSeconds(pid) - jit));
    }

    /// <summary>
    /// wrk for a little longer than perf samples the server, so that perf sees only the server under
    /// steady load. A perf that fails leaves the profile out (Failure says why); wrk's failures are the server's, and fail the run.
    /// </summary>
    private static async Task<(Measured Run, Profile.Result? Profile, string? Failure)> ProfileAsync(int pid, Uri url, int seconds, string script, int[] expected, params string[] args)
    {
        var load = MeasureAsync(pid, url, $"{script} (profiled)", script, seconds + 3, expected, args);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Profile.Result? profile = null;
        string? failure = null;
        try
        {
            profile = await Profile.RecordAsync(pid, seconds);
        }
        catch (Exception exception) when (exception is InvalidOperationException or StockroomProcessException or Win32Exception)
        {
            failure = $"perf could not sample the server: {exception.Message.Split('\n')[0]}";
        }

        var run = await load;
        return (run, profile is null ? null : profile with { CpuSecondsPerThousand = run.ServerCpuPerThousand }, failure);
    }

    /// <summary>
    /// What PostgreSQL spent executing each kind of statement over one run, from
    /// <c>pg_stat_statements</c> (loaded by the bench's server, tracking nothing outside such a run).
    /// </summary>
    private static partial class Statements
    {
        public sealed record Row(string Statement, long Calls, double Milliseconds);

        /// <summary>Starts tracking this database's statements afresh; false where the extension is not loaded.</summary>
        public static async Task<bool> StartAsync(string connection)
        {
            try
            {
                await using var data = NpgsqlDataSource.Create(connection);
                foreach (var sql in (string[])["CREATE EXTENSION IF NOT EXISTS pg_stat_statements", "ALTER SYSTEM SET pg_stat_statements.track = 'all'", "SELECT pg_reload_conf()"])
                {
                    await using var command = data.CreateCommand(sql);
                    await command.ExecuteNonQueryAsync();
                }

                // The server's connections read the new setting before their next statement; the reset comes after.
                await Task.Delay(500);
                await using var reset = data.CreateCommand("SELECT pg_stat_statements_reset()");
                await reset.ExecuteNonQueryAsync();
                return true;
            }
            catch (PostgresException)
            {
                return false;
            }
        }

        /// <summary>Stops tracking and returns what was tracked, by kind of statement (table and verb), most time first.</summary>
        public static async Task<IReadOnlyList<Row>> StopAsync(string connection)
        {
            await using var data = NpgsqlDataSource.Create(connection);
            var rows = new List<Row>();
            await using (var read = data.CreateCommand(
                "SELECT query, calls, total_exec_time FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"))
            await using (var reader = await read.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    rows.Add(new Row(Kind(reader.GetString(0)), reader.GetInt64(1), reader.GetDouble(2)));
                }
            }

            foreach (var sql in (string[])["ALTER SYSTEM RESET pg_stat_statements.track", "SELECT pg_reload_conf()"])
            {
                await using var command = data.CreateCommand(sql);
                await command.ExecuteNonQueryAsync();
            }

            return [.. rows.Where(r => !r.Statement.Contains("pg_stat_statements", StringComparison.Ordinal))
                .GroupBy(r => r.Statement).Select(g => new Row(g.Key, g.Sum(r => r.Calls), g.Sum(r => r.Milliseconds))).OrderByDescending(r => r.Milliseconds)];
        }

        /// <summary>
        /// A statement named by its verb and first table: multi-row inserts of every batch size fall
        /// together, and a foreign key's check says so.
        /// </summary>
        private static string Kind(string query)
        {
            var text = Whitespace().Replace(query, " ").Trim();
            if (text.Contains("FOR KEY SHARE", StringComparison.Ordinal))
            {
                return $"foreign key check on {Table().Match(text).Groups["table"].Value}";
            }

            if (Written().Match(text) is { Success: true } written)
            {
                return written.Value;
            }

            if (text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && Table().Match(text) is { Success: true } read)
            {
                return $"SELECT FROM {read.Groups["table"].Value}{(text.Contains("FOR UPDATE", StringComparison.Ordinal) ? " FOR UPDATE" : "")}";
            }

            return text.Length <= 40 ? text : text[..40] + "…";
        }

        public static void Report(Action<string> line, IReadOnlyList<Row> rows, WriterBatches batches)
        {
            var count = Math.Max(1, batches.Count);
            var total = rows.Sum(r => r.Milliseconds);
            line("");
            line("#### PostgreSQL's statements while the profiled server held (pg_stat_statements, execution time)");
            line("");
            line(string.Create(CultureInfo.InvariantCulture,
                $"{batches.Count:N0} batches of {batches.Requests / count:F1} holds on average; PostgreSQL executed statements for {total / count:F2} ms per batch (the commit not counted). A statement's time includes waiting for the row locks it takes."));
            line("");
            line("| statement | calls per batch | ms per batch | µs per hold | share |");
            line("|---|---:|---:|---:|---:|");
            foreach (var row in rows.Take(14))
            {
                line(string.Create(CultureInfo.InvariantCulture,
                    $"| {row.Statement} | {row.Calls / count:F2} | {row.Milliseconds / count:F3} | {1000 * row.Milliseconds / Math.Max(1, batches.Requests):F1} | {Share(row.Milliseconds, total)} |"));
            }
        }

        [GeneratedRegex(@"\s+")]
        private static partial Regex Whitespace();

        [GeneratedRegex(@"^(INSERT INTO \w+|UPDATE \w+|DELETE FROM \w+)")]
        private static partial Regex Written();

        [GeneratedRegex(@"FROM (ONLY )?(""?public""?\.)?""?(?<table>\w+)")]
        private static partial Regex Table();
    }

    public sealed record OpenLoopResult(double Offered, double Achieved, double P50, double P99, double P999, long Created, long Refused, long Errors);

    /// <summary>The open-loop load generator as a process of its own (this executable), its result read from the line it prints.</summary>
    private static async Task<OpenLoopResult> OpenLoopRunAsync(Uri url, double rate, int seconds, int warmSeconds)
    {
        var (code, output, error) = await StockroomProcess.RunAsync(Path.Combine(AppContext.BaseDirectory, "Stockroom.Bench"),
            [OpenLoopVerb, "--url", url.ToString(), "--rate", rate.ToString("F1", CultureInfo.InvariantCulture), "--seconds", $"{seconds}", "--warm", $"{warmSeconds}"],
            Path.GetTempPath(), TimeSpan.FromSeconds(seconds + warmSeconds + 120));
        var result = output.Split('\n').FirstOrDefault(l => l.StartsWith("SHARES ", StringComparison.Ordinal));
        if (code != 0 || result is null)
        {
            throw new InvalidOperationException($"the open-loop load generator failed ({code}): {error}{output}");
        }

        var open = JsonSerializer.Deserialize<OpenLoopResult>(result["SHARES ".Length..])!;
        return open.Errors > 0 ? throw new InvalidOperationException($"open loop: {open.Errors} holds answered neither 201 nor 409") : open;
    }

    /// <summary>
    /// <c>open-loop --url U --rate R --seconds S --warm W</c>: one-unit holds on the hot SKUs at a fixed rate,
    /// each timed from when it was due (see <see cref="Load.OpenAsync"/>), after a warm-up at the same
    /// rate that is not recorded (this process's own JIT and connections); prints one line, "SHARES {json}".
    /// </summary>
    private static async Task<int> OpenLoopAsync(string[] args)
    {
        string Arg(string name) => args[Array.IndexOf(args, name) + 1];
        var rate = double.Parse(Arg("--rate"), CultureInfo.InvariantCulture);
        var seconds = int.Parse(Arg("--seconds"), CultureInfo.InvariantCulture);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(Arg("--url")),
            Timeout = TimeSpan.FromMinutes(1),
        };
        long created = 0, refused = 0, errors = 0;
        Func<int, Task<bool>> Hold(string prefix) => async i =>
        {
            try
            {
                using var response = await http.PostAsJsonAsync("/v1/reservations",
                    new { id = $"{prefix}-{i}", channel = "web", lines = new[] { new { sku = $"HOT-{i % Scenarios.HotSkus}", quantity = 1 } } });
                _ = response.StatusCode switch
                {
                    HttpStatusCode.Created => Interlocked.Increment(ref created),
                    HttpStatusCode.Conflict => Interlocked.Increment(ref refused),
                    _ => Interlocked.Increment(ref errors),
                };
                return response.StatusCode == HttpStatusCode.Created;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref errors);
                return false;
            }
        };

        var run = $"open-{Guid.NewGuid():N}"[..13];
        await Load.OpenAsync(rate, TimeSpan.FromSeconds(int.Parse(Arg("--warm"), CultureInfo.InvariantCulture)), Hold($"{run}-warm"));
        var (achieved, latency) = await Load.OpenAsync(rate, TimeSpan.FromSeconds(seconds), Hold(run));
        Console.WriteLine("SHARES " + JsonSerializer.Serialize(new OpenLoopResult(rate, achieved, latency.P50, latency.P99, latency.P999, created, refused, errors)));
        return 0;
    }

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "F2" : "F1", CultureInfo.InvariantCulture);

    private static string Share(double part, double whole) => string.Create(CultureInfo.InvariantCulture, $"{100 * part / Math.Max(1, whole):F0}%");

    private static void Report(Action<string> line, bool quick, Measured trivial, Measured holds, Measured soldOut, Measured reads, Measured sqliteHolds, Measured naive,
        OpenLoopResult open, long oversold, long unanswered, List<(string Workload, string Server, Measured Figures)> runs,
        List<(string Workload, Profile.Result Profile)> profiles, string? noProfile)
    {
        var basis = trivial.Run.RequestsPerSecond;
        string Target(bool met, string target) => $"{target}: {(met ? "met" : "**not met**")}";
        string PerSecond(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
        var holdsPerSecond = holds.Run.PerSecond(201);
        var times = holdsPerSecond / Math.Max(1, naive.Run.PerSecond(201));

        line("");
        line("### Shares of a trivial endpoint: one server process, wrk as its own process (2 threads, 64 connections)");
        line("");
        line($"Each figure is measured over HTTP with wrk for {holds.Run.Seconds:F0} s after a warm-up (below), against one `stockroom` process per store " +
            "(the naive baseline: a process of its own), and is given as a share of `GET /health/live` on the same PostgreSQL server process. " +
            "Holds are one unit of one of 10 hot SKUs with stock for every hold; sold-out refusals are the same holds on SKUs stocked 0; " +
            $"reads are `GET /v1/availability/SKU-n?channel=web` over {ReadSkus:N0} SKUs × {Locations} locations. " +
            "wrk is closed-loop; the open-loop p99 comes from a load generator process of its own offering 70% of the measured hold rate." +
            (quick ? " Quick mode: two seconds a run, to catch breakage; the figures mean nothing." : ""));
        line("");
        line("| figure | measured | share of trivial | target |");
        line("|---|---:|---:|---|");
        line($"| trivial `GET /health/live` req/s | {PerSecond(basis)} | 100% | |");
        line($"| holds/s, PostgreSQL | {PerSecond(holdsPerSecond)} | {Share(holdsPerSecond, basis)} | {Target(holdsPerSecond >= 0.35 * basis, "≥ 35%")} |");
        line(string.Create(CultureInfo.InvariantCulture, $"| holds, ours / naive (PostgreSQL) | {times:F1}× | | {Target(times >= 6, "≥ 6×")} |"));
        line($"| sold-out refusals/s, PostgreSQL | {PerSecond(soldOut.Run.PerSecond(409))} | {Share(soldOut.Run.PerSecond(409), basis)} | {Target(soldOut.Run.PerSecond(409) >= 0.6 * basis, "≥ 60%")} |");
        line($"| reads by channel/s, PostgreSQL | {PerSecond(reads.Run.PerSecond(200))} | {Share(reads.Run.PerSecond(200), basis)} | {Target(reads.Run.PerSecond(200) >= 0.5 * basis, "≥ 50%")} |");
        line($"| holds/s, SQLite | {PerSecond(sqliteHolds.Run.PerSecond(201))} | {Share(sqliteHolds.Run.PerSecond(201), basis)} | {Target(sqliteHolds.Run.PerSecond(201) >= 0.35 * basis, "≥ 35%")} |");
        line($"| open-loop p99 at 70% of hold capacity ({open.Offered:F0}/s offered, {open.Achieved:F0}/s achieved), PostgreSQL | {Ms(open.P99)} ms | | {Target(open.P99 <= 10, "≤ 10 ms")} |");
        line($"| units oversold | {oversold} | | {Target(oversold == 0, "0")} |");
        line("");
        line("| workload | server | req/s | answers | p50 ms | p99 ms | p99.9 ms | server CPU s per 1,000 req | server cores | PostgreSQL cores | warm-up s | JIT thread CPU s in run |");
        line("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (workload, server, m) in runs)
        {
            var answers = string.Join(", ", m.Run.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value:N0}"));
            line(string.Create(CultureInfo.InvariantCulture,
                $"| {workload} | {server} | {PerSecond(m.Run.RequestsPerSecond)} | {answers} | {Ms(m.Run.P50Ms)} | {Ms(m.Run.P99Ms)} | {Ms(m.Run.P999Ms)} | {m.ServerCpuPerThousand:F3} | {m.ServerCpuSeconds / m.Run.Seconds:F2} | {m.DatabaseCpuSeconds / m.Run.Seconds:F2} | {m.Warm.Seconds:F0}{(m.Warm.Settled ? "" : " (JIT still busy)")} | {m.JitCpuSeconds:F2} |"));
        }

        line("");
        line($"Holds unanswered when wrk stopped (in flight; each may or may not have landed, and the oversell check allows for exactly that many): {unanswered:N0}. " +
            $"Each path is warmed up in {_warmChunk} s runs until the server's tiered-compilation thread uses under 5% of a core (at most {_warmMax} s); " +
            "the last column is that thread's CPU during the measured run. " +
            "CPU from /proc: cores = CPU seconds over the run's wall time; PostgreSQL's is its server's main process and backends, those that exited included" +
            (_postmaster is null ? " (not found in this run: shown as 0)." : "."));

        var batched = runs.Where(r => r.Figures.Batches is { Count: > 0 }).ToList();
        if (batched.Count > 0)
        {
            line("");
            line("#### A batch of holds, phase by phase (means over the measured run, from the server's `stockroom.writer.batch.phase.duration`)");
            line("");
            line("| store | batches/s | holds per batch | catalog ms | begin ms | ids ms | lock ms | decide ms | write ms | whole batch ms |");
            line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (_, server, m) in batched)
            {
                var b = m.Batches!;
                line(string.Create(CultureInfo.InvariantCulture,
                    $"| {server.Replace("ours, ", "", StringComparison.Ordinal)} | {b.Count / m.Run.Seconds:N0} | {b.Requests / b.Count:F1} | {string.Join(" | ", BatchPhases.Names.Select(p => Ms(b.MeanMs(p))))} | {Ms(BatchPhases.Names.Sum(b.MeanMs))} |"));
            }

            line("");
            line("Catalog: items, channels, groups and rules through the catalog cache; begin: a connection and `BEGIN` (SQLite: waiting for the " +
                "one write lock); ids: reading which of the batch's ids are on record; lock: creating missing positions and `SELECT … FOR UPDATE`, " +
                "waiting for any transaction that holds them; decide: the core's decision in memory; write: the batch's statements, the ledger's " +
                "append and the commit. Two loops decide batches side by side (`Stockroom:Writer:NarrowWriters`), so on hot SKUs one batch's " +
                "lock (PostgreSQL) or begin (SQLite) is mostly the other's write.");
        }

        line("");
        line("#### Where the server's CPU goes (perf, self time by symbol, sampled while wrk drives the path)");
        line("");
        if (noProfile is not null)
        {
            line($"No profile{(profiles.Count > 0 ? " of every path" : "")}: {noProfile}. The CPU seconds per 1,000 requests above come from /proc and do not need it.");
        }

        if (profiles.Count == 0)
        {
            return;
        }

        if (noProfile is not null)
        {
            line("");
        }

        line("| component | " + string.Join(" | ", profiles.Select(p => $"{p.Workload} (PostgreSQL) %")) + " |");
        line("|---|" + string.Concat(profiles.Select(_ => "---:|")));
        foreach (var component in Profile.Order(profiles.SelectMany(p => p.Profile.Components.Keys)))
        {
            line($"| {component} | " + string.Join(" | ", profiles.Select(p => p.Profile.Components.GetValueOrDefault(component).ToString("F1", CultureInfo.InvariantCulture))) + " |");
        }

        line("| server CPU s per 1,000 requests, profiled | " + string.Join(" | ", profiles.Select(p => p.Profile.CpuSecondsPerThousand.ToString("F3", CultureInfo.InvariantCulture))) + " |");
        line("| samples | " + string.Join(" | ", profiles.Select(p => p.Profile.Samples.ToString("N0", CultureInfo.InvariantCulture))) + " |");
        line("");
        line("Profiled on a second server process on the same database, with `DOTNET_PerfMapEnabled=1` and W^X off so that JIT frames resolve; " +
            $"`perf record -e cpu-clock -F 999` over {Profile.Scope}, self time by symbol, bucketed by each frame's assembly and namespace. " +
            "The runtime's native code (libcoreclr: GC, type checks, allocation) carries no symbols here and counts whole as runtime; libc counts as other. " +
            "The CPU per 1,000 requests while profiled includes what sampling costs; the unprofiled figure is the table above's.");
        foreach (var (workload, profile) in profiles)
        {
            line("");
            line($"Top symbols, {workload}: " + string.Join("; ", profile.Top.Select(t => $"{t.Percent.ToString("F1", CultureInfo.InvariantCulture)}% {t.Symbol}")));
        }
    }
}

/// <summary>CPU seconds from /proc: one PostgreSQL server's, and one .NET process's tiered-compilation thread's.</summary>
internal static class ProcCpu
{
    private const double TicksPerSecond = 100.0; // USER_HZ on Linux

    /// <summary>The postgres process started with <c>-p <paramref name="port"/></c> (backends rewrite their command line; it does not).</summary>
    public static int? Postmaster(int port)
    {
        foreach (var pid in Processes())
        {
            var arguments = Read($"/proc/{pid}/cmdline")?.Split('\0') ?? [];
            if (arguments.Length > 0 && Path.GetFileName(arguments[0]) == "postgres"
                && arguments.Zip(arguments.Skip(1)).Any(pair => pair.First == "-p" && pair.Second == $"{port}"))
            {
                return pid;
            }
        }

        return null;
    }

    /// <summary>
    /// One PostgreSQL server's CPU seconds so far: its main process, the backends it has already
    /// reaped (its cutime and cstime) and its live backends. Summing every postgres process instead
    /// would lose the backends that exit during a run and count other servers on the machine.
    /// </summary>
    public static double PostgresSeconds(int? postmaster)
    {
        if (postmaster is not { } main || Fields(main) is not { } own)
        {
            return 0;
        }

        // Fields after the command name: ppid is the 2nd, utime, stime, cutime and cstime the 12th to 15th.
        double Ticks(string[] fields, int count) => fields.Skip(11).Take(count).Sum(f => double.Parse(f, CultureInfo.InvariantCulture));
        var backends = Processes().Select(Fields).Where(f => f is not null && f[1] == $"{main}").Sum(f => Ticks(f!, 2));
        return (Ticks(own, 4) + backends) / TicksPerSecond;
    }

    /// <summary>CPU seconds so far of the runtime's tiered-compilation thread (".NET Tiered Compilation Worker", cut to 15 characters) in process <paramref name="pid"/>.</summary>
    public static double TieringSeconds(int pid)
    {
        IEnumerable<string> threads;
        try
        {
            threads = Directory.EnumerateDirectories($"/proc/{pid}/task").ToList();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        return threads.Select(thread => Read(Path.Combine(thread, "stat")) ?? "")
            .Where(stat => stat.Contains("(.NET Tiered", StringComparison.Ordinal))
            .Sum(stat => stat[(stat.LastIndexOf(')') + 2)..].Split(' ').Skip(11).Take(2).Sum(f => double.Parse(f, CultureInfo.InvariantCulture))) / TicksPerSecond;
    }

    private static IEnumerable<int> Processes() => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
        .Where(pid => pid > 0);

    private static string[]? Fields(int pid) => Read($"/proc/{pid}/stat") is { } stat ? stat[(stat.LastIndexOf(')') + 2)..].Split(' ') : null;

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The process is gone, or not ours to read.
            return null;
        }
    }
}

/// <summary>What one wrk run measured: the line its script prints in done(), and wrk's own Requests/sec.</summary>
public sealed record WrkRun(string Name, double Seconds, long Requests, long Sent, IReadOnlyDictionary<int, long> Statuses, long SocketErrors,
    double P50Ms, double P99Ms, double P999Ms, double RequestsPerSecond)
{
    public long Count(int status) => Statuses.GetValueOrDefault(status);

    public double PerSecond(int status) => Count(status) / Seconds;

    /// <summary>Requests written that got no answer before wrk stopped (wrk counts answers only).</summary>
    public long Unanswered => Math.Max(0, Sent - Requests);
}

/// <summary>wrk, as a process of its own, with the scripts in bench/wrk; every run bounded in time.</summary>
internal static partial class Wrk
{
    public static string Folder => Path.Combine(Databases.RepositoryRoot(), "bench", "wrk");

    public static async Task EnsureInstalledAsync()
    {
        if (OnPath("wrk"))
        {
            return;
        }

        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("wrk is not installed, and the shares section drives the server with it: install it (apt-get install -y wrk), or leave the section out with --only.");
        }

        Console.WriteLine("Installing wrk (apt-get install -y wrk) for the shares section.");
        var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        var (code, output, error) = await StockroomProcess.RunAsync("apt-get", ["install", "-y", "-qq", "wrk"], Path.GetTempPath(), TimeSpan.FromMinutes(5), environment);
        if (code != 0)
        {
            // A clean machine may not have the package lists yet.
            await StockroomProcess.RunAsync("apt-get", ["update", "-qq"], Path.GetTempPath(), TimeSpan.FromMinutes(5), environment);
            (code, output, error) = await StockroomProcess.RunAsync("apt-get", ["install", "-y", "-qq", "wrk"], Path.GetTempPath(), TimeSpan.FromMinutes(5), environment);
        }

        if (code != 0 || !OnPath("wrk"))
        {
            throw new InvalidOperationException($"wrk could not be installed ({code}): {error}{output}");
        }
    }

    internal static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Any(folder => folder.Length > 0 && File.Exists(Path.Combine(folder, program)));

    /// <summary>
    /// <c>wrk -t2 -c64 -d{seconds}s --latency</c> with a script; fails on any answer outside
    /// <paramref name="expected"/> and on any socket error or timeout, naming what it got.
    /// </summary>
    public static async Task<WrkRun> RunAsync(Uri server, string name, string script, int seconds, int[] expected, params string[] args)
    {
        string[] arguments = ["-t2", "-c64", $"-d{seconds}s", "--latency", "--timeout", "10s", "-s", Path.Combine(Folder, script), server.ToString().TrimEnd('/'), "--", .. args];
        var (code, output, error) = await StockroomProcess.RunAsync("wrk", arguments, Path.GetTempPath(), TimeSpan.FromSeconds(seconds + 60));
        var result = output.Split('\n').FirstOrDefault(l => l.StartsWith("SHARES ", StringComparison.Ordinal));
        if (code != 0 || result is null)
        {
            throw new InvalidOperationException($"wrk {name} failed ({code}): {error}{output}");
        }

        using var json = JsonDocument.Parse(result["SHARES ".Length..]);
        var root = json.RootElement;
        long Get(string field) => root.GetProperty(field).GetInt64();
        var statuses = root.GetProperty("statuses").EnumerateObject().ToDictionary(p => int.Parse(p.Name, CultureInfo.InvariantCulture), p => p.Value.GetInt64());
        var perSecond = RequestsPerSecond().Match(output);
        var run = new WrkRun(name, Get("durationUs") / 1e6, Get("requests"), Get("sent"), statuses, Get("connect") + Get("read") + Get("write") + Get("timeout"),
            Get("p50") / 1000.0, Get("p99") / 1000.0, Get("p999") / 1000.0,
            perSecond.Success ? double.Parse(perSecond.Groups[1].Value, CultureInfo.InvariantCulture) : Get("requests") / (Get("durationUs") / 1e6));
        var unexpected = statuses.Where(s => !expected.Contains(s.Key)).Select(s => $"{s.Value} × {s.Key}").ToList();
        if (unexpected.Count > 0 || run.SocketErrors > 0)
        {
            throw new InvalidOperationException($"wrk {name}: unexpected answers ({string.Join(", ", unexpected)}), socket errors or timeouts {run.SocketErrors}\n{output}");
        }

        return run;
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();
}

/// <summary>
/// A CPU profile of the server process by component: <c>perf record</c> on its id, then perf's
/// self time by shared object and symbol, bucketed by the assembly and namespace each frame belongs to.
/// </summary>
internal static partial class Profile
{
    public const string Kestrel = "Kestrel, sockets, HTTP parsing";
    public const string Routing = "ASP.NET Core routing, middleware, hosting";
    public const string Json = "JSON (System.Text.Json)";
    public const string Auth = "auth, rate limiting";
    public const string Telemetry = "logging, metrics, tracing";
    public const string Database = "database client (Npgsql, SQLite)";
    public const string Runtime = "GC, JIT, runtime (native code, stubs)";
    public const string Library = "base library (CoreLib: async, collections, text)";
    public const string Kernel = "kernel";
    public const string Other = "other (libc, unresolved)";

    public sealed record Result(IReadOnlyDictionary<string, double> Components, IReadOnlyList<(double Percent, string Symbol)> Top, long Samples, double CpuSecondsPerThousand = 0);

    /// <summary>
    /// Whether perf samples every CPU (<c>-a</c>, reported for the server's id only) rather than the
    /// server's threads (<c>-p</c>). Per-CPU sampling costs the server little; per-thread sampling
    /// adds to every context switch of every thread, and misses threads started after it attaches.
    /// </summary>
    private static bool _systemWide;

    /// <summary>Null when perf can sample here; otherwise why not.</summary>
    public static async Task<string?> UnavailableAsync()
    {
        if (!Wrk.OnPath("perf"))
        {
            return "perf is not installed (linux-perf)";
        }

        string? refused = null;
        foreach (var systemWide in new[] { true, false })
        {
            var file = Path.Combine(Path.GetTempPath(), $"stockroom-perf-check-{Guid.NewGuid():N}.data");
            try
            {
                string[] scope = systemWide ? ["-a"] : [];
                var (code, output, error) = await StockroomProcess.RunAsync("perf", ["record", "-e", "cpu-clock", "-F", "999", .. scope, "-o", file, "--", "true"],
                    Path.GetTempPath(), TimeSpan.FromSeconds(30));
                if (code == 0)
                {
                    _systemWide = systemWide;
                    return null;
                }

                refused = $"perf cannot sample on this machine ({code}): {(error + output).Split('\n').FirstOrDefault(l => l.Length > 0)}";
            }
            catch (Win32Exception exception)
            {
                return $"perf cannot be started: {exception.Message}";
            }
            finally
            {
                File.Delete(file);
            }
        }

        return refused;
    }

    public static string Scope => _systemWide ? "every CPU (`perf record -a`), reported for the server process only" : "the server process's threads (`perf record -p`)";

    public static async Task<Result> RecordAsync(int pid, int seconds)
    {
        var file = Path.Combine(Path.GetTempPath(), $"stockroom-perf-{pid}-{Guid.NewGuid():N}.data");
        try
        {
            string[] scope = _systemWide ? ["-a"] : ["-p", $"{pid}"];
            var (code, output, error) = await StockroomProcess.RunAsync("perf",
                ["record", "-e", "cpu-clock", "-F", "999", .. scope, "-o", file, "--", "sleep", $"{seconds}"], Path.GetTempPath(), TimeSpan.FromSeconds(seconds + 60));
            if (code != 0)
            {
                throw new InvalidOperationException($"perf record failed ({code}): {error}{output}");
            }

            // Percentages relative to the server's own samples; -n adds each row's sample count.
            (code, output, error) = await StockroomProcess.RunAsync("perf",
                ["report", "-i", file, "--stdio", "--no-children", "-n", "--sort", "dso,sym", "--percent-limit", "0", "--pid", $"{pid}", "--percentage", "relative"],
                Path.GetTempPath(), TimeSpan.FromMinutes(5));
            return code == 0 ? Parse(output) : throw new InvalidOperationException($"perf report failed ({code}): {error}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>perf report's lines, "  12.34%  567  dso  [k] symbol", summed by component.</summary>
    internal static Result Parse(string report)
    {
        var components = new Dictionary<string, double>(StringComparer.Ordinal);
        var symbols = new List<(double Percent, string Symbol)>();
        long samples = 0;
        foreach (var text in report.Split('\n'))
        {
            var row = Row().Match(text);
            if (!row.Success)
            {
                continue;
            }

            var percent = double.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture);
            samples += long.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture);
            var (dso, kernel, symbol) = (row.Groups[3].Value.Trim(), row.Groups[4].Value == "k", row.Groups[5].Value.Trim());
            var component = Classify(dso, kernel, symbol);
            components[component] = components.GetValueOrDefault(component) + percent;
            symbols.Add((percent, Managed().Match(symbol) is { Success: true } name ? $"{name.Groups[2].Value}::{Method(symbol)}"
                : symbol.StartsWith("0x", StringComparison.Ordinal) ? $"{Path.GetFileName(dso)} (no symbols)"
                : dso.StartsWith("[JIT]", StringComparison.Ordinal) ? symbol
                : $"{Path.GetFileName(dso)} {symbol}"));
        }

        var top = symbols.GroupBy(s => s.Symbol).Select(g => (g.Sum(s => s.Percent), g.Key)).OrderByDescending(s => s.Item1).Take(8).ToList();
        return new Result(components, top, samples);
    }

    private static string Method(string symbol)
    {
        var at = symbol.IndexOf("::", StringComparison.Ordinal);
        if (at < 0)
        {
            return "";
        }

        var rest = symbol[(at + 2)..];
        var end = rest.IndexOf('(', StringComparison.Ordinal);
        return end < 0 ? rest : rest[..end];
    }

    /// <summary>The component of one frame: by the managed assembly and type (JIT frames, through perf's map) or the native library.</summary>
    internal static string Classify(string dso, bool kernel, string symbol)
    {
        if (kernel || dso.StartsWith("[kernel", StringComparison.Ordinal))
        {
            return Kernel;
        }

        var managed = Managed().Match(symbol);
        if (managed.Success)
        {
            return Component(managed.Groups[1].Value, managed.Groups[2].Value);
        }

        if (dso.StartsWith("[JIT]", StringComparison.Ordinal) || dso.StartsWith("perf-", StringComparison.Ordinal))
        {
            // The runtime's stubs (virtual dispatch, write barriers, thunks) are named but belong to no assembly.
            return symbol.StartsWith("stub", StringComparison.Ordinal) ? Runtime : Other;
        }

        var library = Path.GetFileName(dso);
        if (library.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            // Ahead-of-time (ReadyToRun) code not yet replaced by the JIT: only its assembly is known.
            var assembly = Path.GetFileNameWithoutExtension(library);
            return Component(assembly, assembly);
        }

        return library switch
        {
            _ when library.StartsWith("libcoreclr", StringComparison.Ordinal) || library.StartsWith("libclr", StringComparison.Ordinal)
                || library.StartsWith("ld-linux", StringComparison.Ordinal) || library == "[vdso]" => Runtime,
            // The runtime's native shim is, on a server, mostly the socket and epoll calls of Kestrel's transport.
            _ when library.StartsWith("libSystem.Native", StringComparison.Ordinal) => Kestrel,
            _ when library.Contains("sqlite", StringComparison.OrdinalIgnoreCase) => Database,
            _ => Other,
        };
    }

    private static string Component(string assembly, string type)
    {
        bool Is(string text, params string[] prefixes) => prefixes.Any(p => text.StartsWith(p, StringComparison.Ordinal));
        if (Is(type, "Stockroom.Features.Keys"))
        {
            return Auth;
        }

        if (Is(type, "Stockroom.") || Is(assembly, "stockroom", "Stockroom."))
        {
            var parts = type.Split('.');
            return parts.Length >= 3 && parts[1] == "Features" ? $"Stockroom.Features.{parts[2]}"
                : parts.Length >= 2 && parts[1] is "Http" ? "Stockroom.Http (validation, idempotency, problems)"
                : parts.Length >= 2 && parts[1] is "Core" or "Storage" ? $"Stockroom.{parts[1]}"
                : "Stockroom (other)";
        }

        return true switch
        {
            _ when Is(assembly, "System.Text.Json") || Is(type, "System.Text.Json") => Json,
            _ when Is(assembly, "Npgsql", "Microsoft.Data.Sqlite", "SQLitePCL") => Database,
            _ when Is(assembly, "Microsoft.AspNetCore.Authentication", "Microsoft.AspNetCore.Authorization", "Microsoft.AspNetCore.RateLimiting", "System.Threading.RateLimiting")
                || Is(type, "System.Security.Claims") => Auth,
            _ when Is(assembly, "Microsoft.Extensions.Logging", "OpenTelemetry", "System.Diagnostics.DiagnosticSource")
                || Is(type, "System.Diagnostics.Metrics", "System.Diagnostics.Tracing", "System.Diagnostics.Activity") => Telemetry,
            _ when Is(assembly, "Microsoft.AspNetCore.Server.Kestrel", "System.Net.", "System.IO.Pipelines", "Microsoft.AspNetCore.Connections")
                || Is(type, "System.Net.", "System.IO.Pipelines") => Kestrel,
            _ when Is(assembly, "Microsoft.AspNetCore", "Microsoft.Extensions") => Routing,
            _ => Library,
        };
    }

    /// <summary>The components in the table's order: the framework's, then Stockroom's by namespace, then the rest.</summary>
    public static IEnumerable<string> Order(IEnumerable<string> present)
    {
        var seen = present.ToHashSet(StringComparer.Ordinal);
        string[] before = [Kestrel, Routing, Json, Auth, Telemetry];
        string[] after = [Database, Library, Runtime, Kernel, Other];
        return before.Where(seen.Contains)
            .Concat(seen.Where(c => c.StartsWith("Stockroom", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            .Concat(after.Where(seen.Contains));
    }

    /// <summary>The perf maps the runtime wrote for a profiled process, removed once it is stopped.</summary>
    public static void RemoveMaps(int pid)
    {
        foreach (var map in new[] { $"/tmp/perf-{pid}.map", $"/tmp/perfinfo-{pid}.map" })
        {
            File.Delete(map);
        }
    }

    [GeneratedRegex(@"^\s*([0-9.]+)%\s+([0-9]+)\s+(.+?)\s+\[([k.])\]\s+(.*)$")]
    private static partial Regex Row();

    /// <summary>A JIT frame's owning assembly and type, e.g. "[System.Private.CoreLib] System.Threading.Tasks.Task::…" (a return type's assembly has no space after it).</summary>
    [GeneratedRegex(@"\[([\w.]+)\] ([^\s:\[<(]+)")]
    private static partial Regex Managed();

}
