using System.CommandLine;
using Spectre.Console;
using Stockroom.CrashTest;
using Stockroom.Testing;

// The crash harness:
//   dotnet run -c Release --project tools/Stockroom.CrashTest -- --store sqlite|postgres --cycles N [--seed S]
// On PostgreSQL it starts the tests' throwaway server (or uses --connection, without database crashes).
var store = new Option<CrashStore>("--store") { Description = "sqlite or postgres.", Required = true };
var cycles = new Option<int>("--cycles") { Description = "Crash-and-restart cycles to run.", DefaultValueFactory = _ => 5 };
var seed = new Option<int?>("--seed") { Description = "Seed for the workload and the crash moments; printed, so a failure can be replayed." };
var clients = new Option<int>("--clients") { Description = "Concurrent clients during each load phase.", DefaultValueFactory = _ => 8 };
var connection = new Option<string?>("--connection")
{
    Description = "PostgreSQL only: an existing, empty database (Host=…) instead of a throwaway server; the database is then never stopped.",
};
var root = new RootCommand("Drives the stockroom server under load, crashes it at random moments, restarts it and checks that no acknowledged write was lost or applied twice.")
{
    store, cycles, seed, clients, connection,
};
root.SetAction(async (result, cancellationToken) =>
{
    var kind = result.GetValue(store);
    var options = await OptionsAsync(kind, result.GetValue(connection), result.GetValue(cycles), result.GetValue(seed) ?? Random.Shared.Next(), result.GetValue(clients));
    AnsiConsole.MarkupLineInterpolated($"Crash harness on [bold]{kind}[/], {options.Cycles} cycles, seed [bold]{options.Seed}[/], database restarts {(options.StopDatabaseImmediately is null ? "off" : "on")}; work folder {options.WorkFolder}");
    CrashReport? report = null;
    await AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
        .StartAsync(async context =>
        {
            var task = context.AddTask("cycles", maxValue: options.Cycles);
            report = await CrashHarness.RunAsync(options, cycle =>
            {
                task.Description = $"cycle {cycle.Cycle}: {cycle.Crash}, {cycle.Unanswered} unanswered";
                task.Increment(1);
            }, cancellationToken);
        });
    if (report!.Passed)
    {
        AnsiConsole.MarkupLineInterpolated($"[green]{report.ToString()}[/]");
        return 0;
    }

    AnsiConsole.MarkupLineInterpolated($"[red]{report.ToString()}[/]");
    return 1;
});
return await root.Parse(args).InvokeAsync();

static async Task<CrashOptions> OptionsAsync(CrashStore kind, string? connection, int cycles, int seed, int clients)
{
    var folder = Path.Combine(Path.GetTempPath(), $"stockroom-crash-{Guid.NewGuid():N}");
    if (kind == CrashStore.Sqlite)
    {
        return new CrashOptions
        {
            Store = kind, ConnectionString = $"Data Source={Path.Combine(folder, "crash.db")}", Cycles = cycles, Seed = seed, Clients = clients, WorkFolder = folder,
        };
    }

    if (connection is not null)
    {
        return new CrashOptions { Store = kind, ConnectionString = connection, Cycles = cycles, Seed = seed, Clients = clients, WorkFolder = folder };
    }

    // The harness's own throwaway server: durable as in production, so an immediate shutdown loses only what was never committed.
    PostgresServer.Durable = true;
    var database = await PostgresServer.CreateDatabaseAsync();
    var restartable = await PostgresServer.CanRestartAsync();
    return new CrashOptions
    {
        Store = kind,
        ConnectionString = database,
        Cycles = cycles,
        Seed = seed,
        Clients = clients,
        WorkFolder = folder,
        StopDatabaseImmediately = restartable ? PostgresServer.StopImmediatelyAsync : null,
        StartDatabase = restartable ? PostgresServer.StartAgainAsync : null,
    };
}
