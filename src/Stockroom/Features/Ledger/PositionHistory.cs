using Stockroom.Core.Availability;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Ledger;

/// <summary>One position's change in one ledger event, as <c>positions.changed</c> records it.</summary>
public sealed record PositionHistoryRow(long Sequence, DateTimeOffset At, string Location, long OnHand, long Reserved, long Allocated, long Backordered);

/// <summary>
/// A SKU's stock over every location at one moment: on hand, committed (reserved, allocated and
/// backordered) and available (what each location promises, summed), after the ledger event
/// <see cref="Sequence"/> (0 for "now").
/// </summary>
public sealed record StockPoint(DateTimeOffset At, long Sequence, long OnHand, long Committed, long Available);

/// <summary>
/// Keeps the deltas of every <c>positions.changed</c> event by SKU (<c>position_history</c>), in the
/// transaction that records the event, under the ledger head's lock and with the event's sequence;
/// and reads a SKU's stock over time back from them. The ledger stays the record: these rows are
/// the same deltas, indexed by SKU, so that one SKU's history is a range read and not a scan of
/// every event ever written.
/// </summary>
public sealed class PositionHistory : IStockReaction
{
    public Task AfterAppendAsync(IStockWrite write, StockChangeSet changes, IReadOnlyList<LedgerEvent> appended, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(appended);
        var rows = changes.Changed
            .Select(c => (c.Key, Delta: Delta(c.Value.First, c.Value.Last)))
            .Where(c => c.Delta != default)
            .ToList();
        if (rows.Count == 0 || appended.Count == 0)
        {
            return Task.CompletedTask;
        }

        // The event that carries these deltas is the transaction's positions.changed, recorded last.
        var sequence = appended.LastOrDefault(e => e.Type == LedgerReplay.PositionsChanged)?.Sequence ?? appended[^1].Sequence;
        write.InsertRowsLater("position_history", "sku, location_id, sequence, at, on_hand, reserved, allocated, backordered",
            [.. rows.Select(r => new object?[] { r.Key.Sku, r.Key.Location, sequence, write.Now, r.Delta.OnHand, r.Delta.Reserved, r.Delta.Allocated, r.Delta.Backordered })]);
        return Task.CompletedTask;
    }

    private static (long OnHand, long Reserved, long Allocated, long Backordered) Delta(Position first, Position last) =>
        (last.OnHand - first.OnHand, last.Reserved - first.Reserved, last.Allocated - first.Allocated, last.Backordered - first.Backordered);

}

/// <summary>A SKU's stock over time, read back from <c>position_history</c>.</summary>
public static class PositionHistoryReads
{
    /// <summary>Changes read for one chart at most: the newest ones, walked back from the positions as they stand.</summary>
    public const int ChangesMax = 500;

    /// <summary>The newest <paramref name="limit"/> changes of one SKU's positions, newest first.</summary>
    public static async Task<IReadOnlyList<PositionHistoryRow>> ReadPositionHistoryAsync(this IStockStore store, string sku, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.QueryAsync("""
            SELECT sequence, at, location_id, on_hand, reserved, allocated, backordered FROM position_history
            WHERE sku = @sku ORDER BY sequence DESC, location_id LIMIT @limit
            """, c => c.With("@sku", sku).With("@limit", limit),
            r => new PositionHistoryRow(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6)),
            cancellationToken);
    }

    /// <summary>
    /// A SKU's stock over time, oldest first: the positions as they stand now, walked back through
    /// <paramref name="changes"/> (newest first). A point per ledger event, and a last one at
    /// <paramref name="now"/>. Available is reckoned with today's safety stock at each location,
    /// as the rules of the past are not kept.
    /// </summary>
    public static IReadOnlyList<StockPoint> Walk(IReadOnlyList<Position> positions, IReadOnlyDictionary<string, long> safetyByLocation,
        IReadOnlyList<PositionHistoryRow> changes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(safetyByLocation);
        ArgumentNullException.ThrowIfNull(changes);
        var state = positions.ToDictionary(p => p.Key.Location, p => (p.OnHand, p.Reserved, p.Allocated, p.Backordered), StringComparer.Ordinal);
        StockPoint Point(DateTimeOffset at, long sequence)
        {
            long onHand = 0, committed = 0, available = 0;
            foreach (var (location, p) in state)
            {
                onHand += p.OnHand;
                committed += p.Reserved + p.Allocated + p.Backordered;
                available += Atp.Promisable(Math.Max(0, p.OnHand), 0, Math.Max(0, p.Reserved), Math.Max(0, p.Allocated), Math.Max(0, p.Backordered),
                    safetyByLocation.GetValueOrDefault(location));
            }

            return new StockPoint(at, sequence, onHand, committed, available);
        }

        var points = new List<StockPoint> { Point(now, 0) };
        foreach (var step in changes.GroupBy(c => c.Sequence))
        {
            // The state now is the state after this event; undoing its deltas gives the state before it.
            points.Add(Point(step.First().At, step.Key));
            foreach (var change in step)
            {
                var p = state.GetValueOrDefault(change.Location);
                state[change.Location] = (p.OnHand - change.OnHand, p.Reserved - change.Reserved, p.Allocated - change.Allocated, p.Backordered - change.Backordered);
            }
        }

        points.Reverse();
        return points;
    }
}
