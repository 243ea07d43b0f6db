using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>What a verification found: how far it got, and the first break, if any.</summary>
public sealed record VerificationResult(long EventsVerified, long HeadSequence, int PositionsCompared, LedgerBreak? Break)
{
    public bool Intact => Break is null;
}

/// <summary>
/// Re-walks the whole ledger and rebuilds every position from it (see <see cref="LedgerReplay"/>),
/// then compares them with the stored positions. Reads in pages; reports progress as it goes.
/// </summary>
public static class LedgerVerification
{
    public const int PageSize = 5_000;

    public static async Task<VerificationResult> RunAsync(IStockStore store, IProgress<(string Stage, double Done, double Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var head = await store.ReadLedgerHeadAsync(cancellationToken);
        var replay = new LedgerReplay();
        LedgerBreak? broken = null;
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
            progress?.Report(("Checking the hash chain", after, Math.Max(1, head.Sequence)));
        }

        if (broken is null && (replay.Sequence != head.Sequence || replay.Hash != head.Hash))
        {
            broken = new LedgerBreak(replay.Sequence, null,
                $"the ledger head says event {head.Sequence} comes last, but the events end at {replay.Sequence}: events were removed or added");
        }

        var compared = 0;
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
                compared++;
                seen.Add(stored.Key);
                if ((broken = replay.Compare(stored)) is not null)
                {
                    break;
                }
            }

            last = page[^1].Key;
            progress?.Report(("Rebuilding positions", seen.Count, Math.Max(1, replay.Positions.Count)));
        }

        broken ??= replay.Positions.Values
            .Where(p => !seen.Contains(p.Key) && p != Position.Empty(p.Key))
            .Select(p => new LedgerBreak(null, p.Key, "the ledger has stock here but the position is missing"))
            .FirstOrDefault();
        return new VerificationResult(replay.Sequence, head.Sequence, compared, broken);
    }

    public static string Describe(LedgerBreak broken)
    {
        ArgumentNullException.ThrowIfNull(broken);
        var where = broken.Sequence is { } sequence ? $"event {sequence}" : $"position {broken.Position}";
        return $"Broken at {where}: {broken.Reason}.";
    }
}
