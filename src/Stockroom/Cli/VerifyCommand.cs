using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Cli;

/// <summary>
/// <c>stockroom verify</c>: re-walks the whole ledger — every hash, every link, no gaps — rebuilds
/// every position from it and compares them with the stored positions. Exits 0 when all agree,
/// 1 at the first break, which it names.
/// </summary>
public static class VerifyCommand
{
    public const int PageSize = 5_000;

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

    public static async Task<int> RunAsync(string? connection, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var store = StoreFactory.Create(connection ?? Environment.GetEnvironmentVariable("ConnectionStrings__Stockroom"), TimeProvider.System);
        // A store this version has not migrated yet is brought up to date first; an empty one verifies trivially.
        await store.MigrateAsync(cancellationToken);
        var head = await store.ReadLedgerHeadAsync(cancellationToken);
        var replay = new LedgerReplay();
        LedgerBreak? broken = null;
        var positions = 0;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var events = progress.AddTask("Checking the hash chain", maxValue: Math.Max(1, head.Sequence));
            long after = 0;
            while (broken is null)
            {
                var page = await store.ReadEventsAsync(after, PageSize, cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }

                foreach (var entry in page)
                {
                    if ((broken = replay.Feed(entry)) is not null)
                    {
                        break;
                    }
                }

                after = page[^1].Sequence;
                events.Value = Math.Min(after, events.MaxValue);
            }

            if (broken is null && (replay.Sequence != head.Sequence || replay.Hash != head.Hash))
            {
                broken = new LedgerBreak(replay.Sequence, null,
                    $"the ledger head says event {head.Sequence} comes last, but the events end at {replay.Sequence}: events were removed or added");
            }

            events.Value = events.MaxValue;
            if (broken is not null)
            {
                return;
            }

            var compare = progress.AddTask("Rebuilding positions", maxValue: Math.Max(1, replay.Positions.Count));
            var seen = new HashSet<PositionKey>();
            PositionKey? last = null;
            while (broken is null)
            {
                var page = await store.ReadPositionsAsync(last, PageSize, cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }

                foreach (var stored in page)
                {
                    positions++;
                    seen.Add(stored.Key);
                    if ((broken = replay.Compare(stored)) is not null)
                    {
                        break;
                    }
                }

                last = page[^1].Key;
                compare.Value = Math.Min(seen.Count, compare.MaxValue);
            }

            broken ??= replay.Positions.Values
                .Where(p => !seen.Contains(p.Key) && p != Position.Empty(p.Key))
                .Select(p => new LedgerBreak(null, p.Key, "the ledger has stock here but the position is missing"))
                .FirstOrDefault();
            compare.Value = compare.MaxValue;
        });

        var table = new Table().AddColumns("ledger", "result");
        table.AddRow("events", $"{replay.Sequence:N0} of {head.Sequence:N0}");
        table.AddRow("positions compared", $"{positions:N0}");
        table.AddRow("time", $"{Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        AnsiConsole.Write(table);
        if (broken is not null)
        {
            var where = broken.Sequence is { } sequence ? $"event {sequence}" : $"position {broken.Position}";
            AnsiConsole.MarkupLineInterpolated($"[red]Broken at {where}:[/] {broken.Reason}.");
            return 1;
        }

        AnsiConsole.MarkupLine("[green]The ledger is intact and every position agrees with it.[/]");
        return 0;
    }
}
