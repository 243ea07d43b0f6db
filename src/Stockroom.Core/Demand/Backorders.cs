using Stockroom.Core.Availability;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

/// <summary>Demand of one reservation line waiting for supply, counted at position <c>At</c>.</summary>
public sealed record WaitingBackorder(
    string ReservationId,
    int Line,
    string Sku,
    long Quantity,
    string At,
    IReadOnlyList<LineSource> Sources,
    int Priority,
    DateTimeOffset Since);

/// <summary>Units of a backorder filled now, and where.</summary>
public sealed record BackorderFill(WaitingBackorder Backorder, IReadOnlyList<Allocation> Allocations)
{
    public long Filled => Allocations.Sum(a => a.Quantity);

    public long Remaining => Backorder.Quantity - Filled;
}

/// <summary>
/// Fills waiting backorders from promisable stock: highest priority first, then oldest (ties keep
/// the order given, which is arrival order), each from its line's sources by the usual sourcing
/// rules, in full or in part.
/// </summary>
public static class Backorders
{
    public static IReadOnlyList<BackorderFill> Fill(IEnumerable<WaitingBackorder> waiting, IDictionary<PositionKey, Position> positions,
        Func<Position, int, long> safetyStock)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(safetyStock);
        var fills = new List<BackorderFill>();
        var queue = waiting
            .Where(b => positions.ContainsKey(new PositionKey(b.Sku, b.At)))
            .OrderByDescending(b => b.Priority).ThenBy(b => b.Since)
            .ToList();

        // Withdraw every waiting claim first: the units that arrived go to the queue in its order,
        // not to whichever claim happens to leave room.
        foreach (var backorder in queue)
        {
            var at = new PositionKey(backorder.Sku, backorder.At);
            positions[at] = Holds.Unbackorder(positions[at], backorder.Quantity);
        }

        var unfilled = new List<(PositionKey At, long Quantity)>();
        foreach (var backorder in queue)
        {
            var candidates = backorder.Sources
                .Where(s => positions.ContainsKey(new PositionKey(backorder.Sku, s.Location)))
                .Select(s => (Source: s, Position: positions[new PositionKey(backorder.Sku, s.Location)]))
                .Select(c => new SourceCandidate(c.Source.Location, c.Source.Priority, Atp.Promisable(c.Position, safetyStock(c.Position, backorder.Priority))))
                .ToList();
            var plan = Sourcing.Plan(backorder.Quantity, candidates);
            foreach (var allocation in plan)
            {
                var key = new PositionKey(backorder.Sku, allocation.Location);
                positions[key] = Holds.Commit(positions[key], allocation.Quantity, DemandKind.Reserved, safetyStock(positions[key], backorder.Priority));
            }

            var fill = new BackorderFill(backorder, plan);
            if (fill.Remaining > 0)
            {
                unfilled.Add((new PositionKey(backorder.Sku, backorder.At), fill.Remaining));
            }

            if (fill.Filled > 0)
            {
                fills.Add(fill);
            }
        }

        // What could not be filled waits on, counted where it was.
        foreach (var (at, quantity) in unfilled)
        {
            positions[at] = positions[at] with { Backordered = positions[at].Backordered + quantity };
        }

        return fills;
    }
}
