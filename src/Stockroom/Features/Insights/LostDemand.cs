using System.Collections.Concurrent;
using Stockroom.Core.Demand;
using Stockroom.Core.Insights;

namespace Stockroom.Features.Insights;

/// <summary>
/// Units customers asked to hold and were refused for want of stock: the lost demand that the
/// demand history keeps beside what shipped. The hold writer's batches decide what they lose
/// (<see cref="HoldBatch"/>); this keeps the tallies of refusals made before the queue, until a
/// batch writes them.
/// </summary>
public sealed class LostDemand
{
    /// <summary>Distinct (SKU, location) tallies kept between batches at most; beyond, new keys are dropped.</summary>
    public const int PendingKeysMax = 100_000;

    private readonly ConcurrentDictionary<(string Sku, string Location), long> _pending = new();

    /// <summary>
    /// Counts a refusal made without a transaction (a scope known to be sold out). It is written
    /// with the next batch the hold writer commits, so the fast refusal path stays free of I/O.
    /// </summary>
    public void RefusedSoldOut(HoldSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        foreach (var line in submission.Lines)
        {
            Add(line.Sku, line.Location ?? "", line.Quantity);
        }
    }

    private void Add(string sku, string location, long units)
    {
        if (units > 0 && (_pending.Count < PendingKeysMax || _pending.ContainsKey((sku, location))))
        {
            _pending.AddOrUpdate((sku, location), units, (_, sum) => sum + units);
        }
    }

    /// <summary>Takes the tallies of fast refusals, to be written on <paramref name="day"/>.</summary>
    public List<DemandDay> Drain(DateOnly day)
    {
        var drained = new List<DemandDay>();
        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var units))
            {
                drained.Add(new DemandDay(day, key.Sku, key.Location, 0, units));
            }
        }

        return drained;
    }

    /// <summary>Puts back tallies whose transaction failed, so that a rerun writes them.</summary>
    public void Restore(IEnumerable<DemandDay> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        foreach (var day in days)
        {
            Add(day.Sku, day.Location, day.Lost);
        }
    }
}
