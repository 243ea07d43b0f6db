using Stockroom.Core.Availability;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

/// <summary>Which counter a hold commits units to: a cart or checkout hold, or an order's allocation.</summary>
public enum DemandKind
{
    Reserved,
    Allocated,
}

/// <summary>A location a line may take units from, and how it ranks.</summary>
public readonly record struct LineSource(string Location, int Priority);

/// <summary>One line of a hold: a SKU and a quantity, from one location or any of a group's.</summary>
public sealed record HoldLine(string Sku, long Quantity, IReadOnlyList<LineSource> Sources);

public sealed record HoldRequest(IReadOnlyList<HoldLine> Lines, bool AllowPartial, DemandKind Kind);

/// <summary>What a line got: the units held, where, and what it fell short by.</summary>
public sealed record LineOutcome(string Sku, long Requested, IReadOnlyList<Allocation> Allocations)
{
    public long Held => Allocations.Sum(a => a.Quantity);

    public long Shortfall => Requested - Held;
}

/// <summary>The decision on a hold.</summary>
public abstract record HoldDecision
{
    private HoldDecision()
    {
    }

    /// <summary>Units were held: all of them, or with <c>AllowPartial</c>, some.</summary>
    public sealed record Held(IReadOnlyList<LineOutcome> Lines) : HoldDecision
    {
        public bool Complete => Lines.All(l => l.Shortfall == 0);
    }

    /// <summary>Not enough stock; nothing was held. Each line says what it could have had.</summary>
    public sealed record Refused(IReadOnlyList<LineOutcome> Lines) : HoldDecision;
}

/// <summary>
/// Decides holds against positions in memory. The caller has locked the positions; a batch of
/// requests is decided one after another against the same working set, each seeing the units
/// the ones before it took, so the whole batch commits at once without ever promising a unit twice.
/// </summary>
public static class Holds
{
    /// <summary>
    /// Decides <paramref name="request"/> and, when it holds anything, applies it to
    /// <paramref name="positions"/>. A refusal leaves them exactly as they were.
    /// </summary>
    public static HoldDecision Decide(HoldRequest request, IDictionary<PositionKey, Position> positions, Func<PositionKey, long>? safetyStock = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(positions);
        Invariant.Require(request.Lines.Count > 0, "a hold has at least one line");
        safetyStock ??= static _ => 0;

        // Work on a copy so that a refusal, decided late in a multi-line request, leaves nothing behind.
        var working = new Dictionary<PositionKey, Position>();
        Position Current(PositionKey key) => working.TryGetValue(key, out var p) ? p : positions[key];

        var outcomes = new List<LineOutcome>(request.Lines.Count);
        foreach (var line in request.Lines)
        {
            Invariant.Require(line.Quantity > 0, "a line asks for at least one unit");
            var candidates = line.Sources
                .Select(s => new SourceCandidate(s.Location, s.Priority, Promisable(Current(new PositionKey(line.Sku, s.Location)), safetyStock)))
                .ToList();
            var plan = Sourcing.Plan(line.Quantity, candidates);
            foreach (var allocation in plan)
            {
                var key = new PositionKey(line.Sku, allocation.Location);
                working[key] = Commit(Current(key), allocation.Quantity, request.Kind, safetyStock(key));
            }

            outcomes.Add(new LineOutcome(line.Sku, line.Quantity, plan));
        }

        var complete = outcomes.All(o => o.Shortfall == 0);
        var anything = outcomes.Any(o => o.Held > 0);
        if (!complete && (!request.AllowPartial || !anything))
        {
            return new HoldDecision.Refused(outcomes);
        }

        foreach (var (key, position) in working)
        {
            positions[key] = position;
        }

        return new HoldDecision.Held(outcomes);
    }

    /// <summary>What a position can still promise to a new hold.</summary>
    public static long Promisable(Position position, Func<PositionKey, long> safetyStock)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentNullException.ThrowIfNull(safetyStock);
        return Atp.Promisable(position.OnHand, 0, position.Reserved, position.Allocated, safetyStock(position.Key));
    }

    /// <summary>
    /// Takes <paramref name="quantity"/> units of a position for demand. This is where the ledger
    /// invariant is decided, so it is asserted here: a hold never takes more than the position
    /// could promise, so committed units never exceed what may be promised.
    /// </summary>
    public static Position Commit(Position position, long quantity, DemandKind kind, long safetyStock)
    {
        ArgumentNullException.ThrowIfNull(position);
        var promisable = Atp.Promisable(position.OnHand, 0, position.Reserved, position.Allocated, safetyStock);
        Invariant.Require(quantity > 0, "a hold takes at least one unit");
        Invariant.Require(quantity <= promisable, $"a hold of {quantity} at {position.Key} takes no more than the {promisable} it may promise");
        var after = kind == DemandKind.Reserved
            ? position with { Reserved = position.Reserved + quantity }
            : position with { Allocated = position.Allocated + quantity };
        Invariant.Require(after.Committed + safetyStock <= after.OnHand, $"committed units at {position.Key} stay within what may be promised");
        return after;
    }

    /// <summary>Gives back units a hold or an allocation had taken.</summary>
    public static Position Release(Position position, long quantity, DemandKind kind)
    {
        ArgumentNullException.ThrowIfNull(position);
        Invariant.Require(quantity > 0, "a release gives back at least one unit");
        var held = kind == DemandKind.Reserved ? position.Reserved : position.Allocated;
        Invariant.Require(quantity <= held, $"a release of {quantity} at {position.Key} gives back no more than the {held} committed");
        return kind == DemandKind.Reserved
            ? position with { Reserved = position.Reserved - quantity }
            : position with { Allocated = position.Allocated - quantity };
    }

    /// <summary>Turns held units into an order's allocation at the same position.</summary>
    public static Position Consume(Position position, long quantity)
    {
        var after = Release(position, quantity, DemandKind.Reserved) is var released
            ? released with { Allocated = released.Allocated + quantity }
            : position;
        Invariant.Require(after.Committed == position.Committed, "consuming a hold moves units, it neither adds nor frees any");
        return after;
    }
}
