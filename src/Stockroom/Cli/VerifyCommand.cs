using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Stockroom.Storage;

namespace Stockroom.Cli;

/// <summary>
/// <c>stockroom verify</c>: re-walks the whole ledger — every hash, every link, no gaps — rebuilds
/// every position from it and compares them with the stored positions. Exits 0 when all agree,
/// 1 at the first break, which it names.
/// </summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var connection = new Option<string?>("--connection")
        {
            Description = "The store to verify (Data Source=… or Host=…); default: ConnectionStrings__Stockroom, else Data Source=stockroom.db.",
        };
        var verify = new Command("verify", "Verify the hash chain of the ledger and rebuild every position from it.") { connection };
        verify.SetAction((result, cancellationToken) => RunAsync(result.GetValue(connection), cancellationToken));
        return verify;
    }

    public static async Task<int> RunAsync(string? connection, CancellationToken cancellationToken, IAnsiConsole? console = null)
    {
        console ??= AnsiConsole.Console;
        var started = Stopwatch.GetTimestamp();
        await using var store = Stores.Open(connection ?? Environment.GetEnvironmentVariable("ConnectionStrings__Stockroom"), TimeProvider.System);
        // A store this version has not migrated yet is brought up to date first; an empty one verifies trivially.
        await store.MigrateAsync(cancellationToken);
        VerificationResult? result = null;
        await console.Progress().StartAsync(async context =>
        {
            var tasks = new Dictionary<string, ProgressTask>();
            // Reported on the verifying thread itself: Progress<T> would post the reports to the thread
            // pool, where they could still be changing the display after the verification ended.
            var progress = new Reporter<(string Stage, double Done, double Total)>(p =>
            {
                var task = tasks.TryGetValue(p.Stage, out var t) ? t : tasks[p.Stage] = context.AddTask(p.Stage, maxValue: p.Total);
                task.MaxValue = p.Total;
                task.Value = Math.Min(p.Done, p.Total);
            });
            result = await LedgerVerification.RunAsync(store, progress, cancellationToken);
            foreach (var task in tasks.Values)
            {
                task.Value = task.MaxValue;
            }
        });

        var table = new Table().AddColumns("ledger", "result");
        table.AddRow("events", $"{result!.EventsVerified:N0} of {result.HeadSequence:N0}");
        table.AddRow("positions compared", $"{result.PositionsCompared:N0}");
        table.AddRow("time", $"{Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        console.Write(table);
        if (result.Break is { } broken)
        {
            console.MarkupLineInterpolated($"[red]{LedgerVerification.Describe(broken)}[/]");
            return 1;
        }

        console.MarkupLine("[green]The ledger is intact and every position agrees with it.[/]");
        return 0;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously, on the caller's thread.</summary>
internal sealed class Reporter<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
