using System.Collections.Concurrent;
using Stockroom.Core.Demand;
using Stockroom.Core.Insights;
using Stockroom.Features.Reservations;
using Stockroom.Storage;

namespace Stockroom.Features.Insights;

/// <summary>
/// Units customers asked to hold and were refused for want of stock: the lost demand that the
/// demand history keeps beside what shipped. A line asked of one location (or of a group with one
/// source) is counted there; one asked of a group or channel, under location <c>''</c>, since no
/// single location failed it. Only the shortfall counts: units that were there and simply not
/// taken because the rest of the request could not be held were not lost.
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

    /// <summary>The shortfall of each line of a refused request, where it was asked.</summary>
    public static IEnumerable<DemandDay> OfRefusal(IReadOnlyList<ResolvedLine> lines, IReadOnlyList<LineOutcome> outcomes, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(outcomes);
        Core.Invariant.Require(lines.Count == outcomes.Count, "a refusal answers every line");
        return lines.Select((line, i) => new DemandDay(day, line.Line.Sku, LocationOf(line), 0, outcomes[i].Shortfall)).Where(d => d.Lost > 0);
    }

    /// <summary>The part of each line of a partial hold that could be neither held nor backordered.</summary>
    public static IEnumerable<DemandDay> OfPartialHold(IReadOnlyList<ResolvedLine> lines, Reservation reservation, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(reservation);
        return reservation.Lines.Zip(lines, (held, line) => new DemandDay(day, held.Sku, LocationOf(line), 0, held.Requested - held.Reserved - held.Backordered))
            .Where(d => d.Lost > 0);
    }

    private static string LocationOf(ResolvedLine line) =>
        line.Location ?? (line.Line.Sources.Count == 1 ? line.Line.Sources[0].Location : "");
}
