using System.Diagnostics;
using Stockroom.Testing;

namespace Stockroom.CrashTest;

public enum CrashStore
{
    Sqlite,
    Postgres,
}

/// <summary>How a cycle ends its load phase.</summary>
public enum CrashKind
{
    /// <summary>SIGKILL to the server.</summary>
    ServerKilled,

    /// <summary>PostgreSQL stopped with <c>pg_ctl stop -m immediate</c>, then SIGKILL to the server, then PostgreSQL started again.</summary>
    DatabaseAndServer,

    /// <summary>PostgreSQL stopped immediately and started again; the server lives through it and must recover by itself.</summary>
    DatabaseOnly,
}

public sealed class CrashOptions
{
    public required CrashStore Store { get; init; }

    /// <summary>The database the server and <c>stockroom verify</c> use; empty, or created by the caller for this run.</summary>
    public required string ConnectionString { get; init; }

    public int Cycles { get; init; } = 5;

    public int Seed { get; init; } = Environment.TickCount;

    /// <summary>Concurrent clients in each load phase.</summary>
    public int Clients { get; init; } = 8;

    /// <summary>The crash comes at a random moment between these, counted from the start of the load.</summary>
    public TimeSpan LoadMin { get; init; } = TimeSpan.FromMilliseconds(150);

    public TimeSpan LoadMax { get; init; } = TimeSpan.FromMilliseconds(1_500);

    /// <summary>Stops PostgreSQL at once (immediate mode); null where the database cannot be restarted.</summary>
    public Func<Task>? StopDatabaseImmediately { get; init; }

    public Func<Task>? StartDatabase { get; init; }

    /// <summary>The built server executable; by default the copy next to this assembly.</summary>
    public string ServerExecutable { get; init; } = StockroomProcess.DefaultExecutable;

    /// <summary>Where the server's log (and the SQLite file, if the caller puts it there) go.</summary>
    public string WorkFolder { get; init; } = Path.Combine(Path.GetTempPath(), $"stockroom-crash-{Guid.NewGuid():N}");

    /// <summary>The whole run stops, failed, after this long.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Attempts at each unanswered request once the server is back, before the run fails.</summary>
    public int RetryAttemptsMax { get; init; } = 60;
}

public sealed record CycleReport(int Cycle, CrashKind Crash, int Unanswered, TimeSpan Elapsed);

public sealed record CrashReport(
    int Seed,
    int CyclesRun,
    int ServerKills,
    int DatabaseShutdowns,
    long RequestsSent,
    long RequestsAcknowledged,
    long RequestsRetried,
    long RetryAttempts,
    long ServerErrors,
    int Verifications,
    TimeSpan Elapsed,
    string ServerLog,
    string? Failure)
{
    public bool Passed => Failure is null;

    public override string ToString() =>
        $"seed {Seed}: {CyclesRun} cycles, {ServerKills} server kills (SIGKILL), {DatabaseShutdowns} database immediate shutdowns, " +
        $"{RequestsSent} requests sent, {RequestsAcknowledged} writes acknowledged, {RequestsRetried} unanswered requests retried " +
        $"({RetryAttempts} retry attempts, {ServerErrors} 5xx answers), {Verifications} `stockroom verify` runs passed, " +
        $"{Elapsed.TotalSeconds:F0} s — " + (Failure is null ? "PASSED" : $"FAILED:\n{Failure}\nServer log: {ServerLog}");
}

/// <summary>
/// The crash harness: drives the real server under load, crashes it (and PostgreSQL) at random
/// moments, restarts it, retries every unanswered request with its same id, and checks that every
/// acknowledged write is there exactly once, nothing is negative or over-promised, and
/// <c>stockroom verify</c> passes.
/// </summary>
public static class CrashHarness
{
    /// <summary>A load phase's clients must all have stopped by then after the crash.</summary>
    private static readonly TimeSpan ClientsStopTimeout = TimeSpan.FromSeconds(60);

    public static async Task<CrashReport> RunAsync(CrashOptions options, Action<CycleReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Cycles, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Clients, 1);
        Directory.CreateDirectory(options.WorkFolder);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.TimeLimit);
        var token = limit.Token;

        var started = Stopwatch.GetTimestamp();
        var random = new Random(options.Seed);
        var canCrashDatabase = options.Store == CrashStore.Postgres && options.StopDatabaseImmediately is not null && options.StartDatabase is not null;
        using var api = new ApiClient();
        var workload = new Workload(api, new Random(random.Next()), "");
        // The server's own information lines go to its log too: what it recovered at each start.
        await using var server = new StockroomProcess(options.ConnectionString)
        {
            Executable = options.ServerExecutable,
            Settings = ["--Logging:LogLevel:Stockroom", "Information"],
            LogPath = Path.Combine(options.WorkFolder, "server.log"),
            WorkingDirectory = options.WorkFolder,
        };
        var (cycles, kills, shutdowns, verifications) = (0, 0, 0, 0);
        string? failure = null;
        var databaseDown = false;
        try
        {
            await server.StartAsync(token);
            api.BaseAddress = server.BaseAddress;
            await workload.SeedAsync(token);

            for (var cycle = 1; cycle <= options.Cycles; cycle++)
            {
                var cycleStarted = Stopwatch.GetTimestamp();
                var roll = random.Next(100);
                // The first cycles go through every kind of crash once, so that even a short run meets each.
                var crash = !canCrashDatabase ? CrashKind.ServerKilled
                    : cycle <= 3 ? (CrashKind)(cycle - 1)
                    : roll < 25 ? CrashKind.DatabaseAndServer
                    : roll < 40 ? CrashKind.DatabaseOnly
                    : CrashKind.ServerKilled;
                var loadFor = options.LoadMin + ((options.LoadMax - options.LoadMin) * random.NextDouble());

                using var phase = new CancellationTokenSource();
                var clients = Enumerable.Range(0, options.Clients).Select(c => Task.Run(() => workload.RunClientAsync(c, phase.Token), CancellationToken.None)).ToList();
                await Task.Delay(loadFor, token);
                if (crash is CrashKind.DatabaseAndServer or CrashKind.DatabaseOnly)
                {
                    databaseDown = true;
                    await options.StopDatabaseImmediately!();
                    shutdowns++;
                }

                if (crash is CrashKind.DatabaseAndServer)
                {
                    // Let the server meet the dead database for a moment before it dies too.
                    await Task.Delay(random.Next(300), token);
                }

                if (crash is CrashKind.ServerKilled or CrashKind.DatabaseAndServer)
                {
                    server.Kill();
                    kills++;
                }

                await phase.CancelAsync();
                var stopped = Task.WhenAll(clients);
                if (await Task.WhenAny(stopped, Task.Delay(ClientsStopTimeout, token)) != stopped)
                {
                    throw new CrashCheckException($"The clients did not stop within {ClientsStopTimeout.TotalSeconds} s of the crash.");
                }

                await stopped;
                var unanswered = workload.UnansweredNow;
                if (crash is CrashKind.DatabaseAndServer or CrashKind.DatabaseOnly)
                {
                    await options.StartDatabase!();
                    databaseDown = false;
                }

                if (crash is CrashKind.ServerKilled or CrashKind.DatabaseAndServer)
                {
                    // Nothing writes while the server is down: the store is as the crash left it.
                    await VerifyAsync(server, token);
                    verifications++;
                    await server.StartAsync(token);
                    api.BaseAddress = server.BaseAddress;
                }

                await workload.RetryUnansweredAsync(options.RetryAttemptsMax, token);
                await workload.CheckAsync(token);
                if (crash is CrashKind.DatabaseOnly)
                {
                    // The server is up but idle: every request has been answered and holds do not expire during a run.
                    await VerifyAsync(server, token);
                    verifications++;
                }

                cycles++;
                progress?.Invoke(new CycleReport(cycle, crash, unanswered, Stopwatch.GetElapsedTime(cycleStarted)));
            }
        }
        catch (Exception exception) when (exception is CrashCheckException or StockroomProcessException)
        {
            failure = $"cycle {cycles + 1}: {exception.Message}";
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            failure = $"cycle {cycles + 1}: the run did not finish within its limit of {options.TimeLimit}.";
        }

        finally
        {
            // A failed cycle must not leave the database down: in the tests, other classes share it.
            if (databaseDown)
            {
                await options.StartDatabase!();
            }
        }

        if (failure is not null)
        {
            failure += "\n" + server.Tail();
        }

        return new CrashReport(options.Seed, cycles, kills, shutdowns, workload.RequestsSent, workload.RequestsAcknowledged,
            workload.RequestsRetried, workload.RetryAttempts, api.ServerErrors, verifications, Stopwatch.GetElapsedTime(started), server.LogPath!, failure);
    }

    private static async Task VerifyAsync(StockroomProcess server, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await server.VerifyLedgerAsync(cancellationToken);
        if (exitCode != 0)
        {
            throw new CrashCheckException($"stockroom verify exited with {exitCode}:\n{output}");
        }
    }
}

/// <summary>A broken promise the harness found, or a server or database that would not come back.</summary>
public sealed class CrashCheckException(string message) : Exception(message);
