namespace Stockroom.Core.Demand;

/// <summary>A location that could supply a line, with what it can promise now.</summary>
public readonly record struct SourceCandidate(string Location, int Priority, long Promisable);

/// <summary>Units of a line taken from one location, and the date they can be promised for.</summary>
public readonly record struct Allocation(string Location, long Quantity, DateOnly? PromiseDate = null);

/// <summary>
/// Chooses where the units of a group-level line come from. Locations are ranked by priority
/// (higher first), then by most stock, then by id so that equal candidates always rank the same.
/// One location that can serve the whole line is preferred to a split — one parcel, not two —
/// taking the best-ranked such location; only when none can does the line split, greedily down
/// the ranking.
/// </summary>
public static class Sourcing
{
    public static IReadOnlyList<Allocation> Plan(long quantity, IReadOnlyList<SourceCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        Invariant.Require(quantity > 0, "a line asks for at least one unit");
        var ranked = candidates
            .Where(c => c.Promisable > 0)
            .OrderByDescending(c => c.Priority)
            .ThenByDescending(c => c.Promisable)
            .ThenBy(c => c.Location, StringComparer.Ordinal)
            .ToList();

        foreach (var candidate in ranked)
        {
            if (candidate.Promisable >= quantity)
            {
                return [new Allocation(candidate.Location, quantity)];
            }
        }

        var plan = new List<Allocation>();
        var remaining = quantity;
        foreach (var candidate in ranked)
        {
            var take = Math.Min(remaining, candidate.Promisable);
            plan.Add(new Allocation(candidate.Location, take));
            remaining -= take;
            if (remaining == 0)
            {
                break;
            }
        }

        Invariant.Require(plan.Sum(a => a.Quantity) <= quantity, "sourcing never takes more than asked");
        Invariant.Require(plan.All(a => a.Quantity <= candidates.First(c => c.Location == a.Location).Promisable), "sourcing never takes more than a location promises");
        return plan;
    }
}
