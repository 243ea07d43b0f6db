using Stockroom.Core.Catalog;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Availability;

/// <summary>One position with everything that bears on what it can promise.</summary>
public sealed record PositionSupply(Position Position, IReadOnlyList<InboundSupply> Inbound, long SafetyStock, bool Active = true);

/// <summary>Availability on a date, for the timeline of dates where it changes.</summary>
public readonly record struct FuturePoint(DateOnly Date, long Available);

/// <summary>
/// An availability answer that explains itself:
/// <c>available = max(0, onHand + incoming − reserved − allocated − backordered − safetyStock)</c>,
/// and for a channel, less its <c>buffer</c>. <c>Incoming</c> is inbound supply due by the date
/// asked (zero when asking about now); <c>backordered</c> is demand waiting for supply, which
/// arriving units go to first.
/// </summary>
public sealed record AvailabilityTerms(
    long OnHand,
    long Incoming,
    long Reserved,
    long Allocated,
    long Backordered,
    long SafetyStock,
    long Buffer,
    long Available,
    IReadOnlyList<FuturePoint> Future);

/// <summary>
/// Available to promise. A location promises what it holds less committed demand and safety
/// stock, never below zero; a group promises the sum of what its active locations promise (one
/// location's shortage never eats into another's stock); a channel sees its group less its buffer.
/// </summary>
public static class Atp
{
    /// <summary>What one location can promise now (<paramref name="date"/> null) or on a date.</summary>
    public static AvailabilityTerms AtLocation(PositionSupply supply, DateOnly today, DateOnly? date)
    {
        ArgumentNullException.ThrowIfNull(supply);
        return Across([supply], today, date);
    }

    /// <summary>What a set of locations can promise together, summed location by location.</summary>
    public static AvailabilityTerms Across(IReadOnlyList<PositionSupply> supplies, DateOnly today, DateOnly? date)
    {
        ArgumentNullException.ThrowIfNull(supplies);
        Invariant.Require(date is null || date >= today, "availability is asked for today or later");

        long onHand = 0, incoming = 0, reserved = 0, allocated = 0, backordered = 0, safety = 0, available = 0;
        foreach (var supply in supplies)
        {
            var p = supply.Position;
            Invariant.Require(p.OnHand >= 0 && p.Reserved >= 0 && p.Allocated >= 0 && p.Backordered >= 0, $"position {p.Key} has no negative terms");
            Invariant.Require(supply.SafetyStock >= 0, $"safety stock at {p.Key} is not negative");
            var due = Incoming(supply, date);
            onHand = checked(onHand + p.OnHand);
            incoming = checked(incoming + due);
            reserved = checked(reserved + p.Reserved);
            allocated = checked(allocated + p.Allocated);
            backordered = checked(backordered + p.Backordered);
            safety = checked(safety + supply.SafetyStock);
            available = checked(available + Promisable(supply, due));
        }

        Invariant.Require(available >= 0 && available <= onHand + incoming, "available lies between zero and the supply counted");
        return new AvailabilityTerms(onHand, incoming, reserved, allocated, backordered, safety, 0, available, Timeline(supplies, today, date, available));
    }

    /// <summary>
    /// The units a channel is shown: its group's availability less the buffer, on every date of
    /// the timeline alike.
    /// </summary>
    public static AvailabilityTerms ForChannel(AvailabilityTerms group, ChannelBuffer? buffer)
    {
        ArgumentNullException.ThrowIfNull(group);
        var withheld = Withheld(group.Available, buffer);
        var future = group.Future
            .Select(point => point with { Available = point.Available - Withheld(point.Available, buffer) })
            .ToList();
        var shown = group with { Buffer = withheld, Available = group.Available - withheld, Future = Dedupe(future, group.Available - withheld) };
        Invariant.Require(shown.Available >= 0 && shown.Available <= group.Available, "a buffer only ever hides units");
        return shown;
    }

    /// <summary>
    /// The units of <paramref name="available"/> a buffer withholds: percent rounded up, plus
    /// fixed units, never more than there is.
    /// </summary>
    public static long Withheld(long available, ChannelBuffer? buffer)
    {
        Invariant.Require(available >= 0, "a buffer applies to non-negative availability");
        if (buffer is null || available == 0)
        {
            return 0;
        }

        var percent = buffer.Percent ?? 0m;
        Invariant.Require(percent is >= 0 and <= 100, "a buffer percent lies between 0 and 100");
        var byPercent = (long)Math.Ceiling(available * percent / 100m);
        return Math.Min(available, byPercent + (buffer.Units ?? 0));
    }

    /// <summary><c>max(0, onHand + incoming − reserved − allocated − backordered − safetyStock)</c> for one position.</summary>
    public static long Promisable(long onHand, long incoming, long reserved, long allocated, long backordered, long safetyStock) =>
        Math.Max(0, checked(onHand + incoming - reserved - allocated - backordered - safetyStock));

    /// <summary>What a position can promise to new demand now, with the safety stock that applies to it.</summary>
    public static long Promisable(Position position, long safetyStock)
    {
        ArgumentNullException.ThrowIfNull(position);
        return Promisable(position.OnHand, 0, position.Reserved, position.Allocated, position.Backordered, safetyStock);
    }

    /// <summary>
    /// The first date on which a position's demand, backorders included, is covered by on-hand
    /// and inbound supply due by then: the date a backorder there can be promised for. Today when
    /// it is covered already; null when no known inbound supply covers it.
    /// </summary>
    public static DateOnly? CoveredOn(PositionSupply supply, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(supply);
        var p = supply.Position;
        long Balance(long incoming) => checked(p.OnHand + incoming - p.Reserved - p.Allocated - p.Backordered - supply.SafetyStock);
        if (Balance(0) >= 0)
        {
            return today;
        }

        var dates = supply.Inbound.Where(l => l.Eta is not null).Select(l => l.Eta!.Value < today ? today : l.Eta.Value).Distinct().Order();
        foreach (var date in dates)
        {
            if (Balance(Incoming(supply, date)) >= 0)
            {
                return date;
            }
        }

        return null;
    }

    private static long Promisable(PositionSupply supply, long incoming)
    {
        if (!supply.Active)
        {
            return 0;
        }

        var p = supply.Position;
        return Promisable(p.OnHand, incoming, p.Reserved, p.Allocated, p.Backordered, supply.SafetyStock);
    }

    /// <summary>Inbound due by the date asked. Asking about now counts none: it is not here yet.</summary>
    private static long Incoming(PositionSupply supply, DateOnly? date)
    {
        if (date is not { } asOf)
        {
            return 0;
        }

        long due = 0;
        foreach (var lot in supply.Inbound)
        {
            if (lot.ArrivesBy(asOf))
            {
                due = checked(due + lot.Quantity);
            }
        }

        return due;
    }

    /// <summary>
    /// The dates after the one asked on which availability changes, and what it is then. An
    /// overdue lot (ETA already past) is promised from today, not from a date gone by.
    /// </summary>
    private static List<FuturePoint> Timeline(IReadOnlyList<PositionSupply> supplies, DateOnly today, DateOnly? date, long availableNow)
    {
        var dates = new SortedSet<DateOnly>();
        foreach (var supply in supplies)
        {
            foreach (var lot in supply.Inbound)
            {
                if (lot.Eta is { } eta)
                {
                    var when = eta < today ? today : eta;
                    if (date is null || when > date)
                    {
                        dates.Add(when);
                    }
                }
            }
        }

        var points = new List<FuturePoint>(dates.Count);
        foreach (var when in dates)
        {
            long available = 0;
            foreach (var supply in supplies)
            {
                available = checked(available + Promisable(supply, Incoming(supply, when)));
            }

            points.Add(new FuturePoint(when, available));
        }

        return Dedupe(points, availableNow);
    }

    /// <summary>Keeps only the points where availability differs from the point before.</summary>
    private static List<FuturePoint> Dedupe(List<FuturePoint> points, long start)
    {
        var changes = new List<FuturePoint>(points.Count);
        var previous = start;
        foreach (var point in points)
        {
            if (point.Available != previous)
            {
                changes.Add(point);
                previous = point.Available;
            }
        }

        return changes;
    }
}
