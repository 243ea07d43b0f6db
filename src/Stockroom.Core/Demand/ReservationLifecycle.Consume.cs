using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

/// <summary>Units an order takes from a hold: a SKU, optionally at the location it is held at.</summary>
public readonly record struct HoldTake(string Sku, long Quantity, string? Location = null);

public static partial class ReservationLifecycle
{
    /// <summary>
    /// An order is made from an active or partial hold of its own channel: the lines asked for
    /// (every promised unit when none are) move from reserved to allocated at the positions they
    /// are held at, and held units not ordered are given back. A line may name the location its
    /// SKU is held at (integrators echo the hold back); it then takes from that hold only. Held
    /// units come first, then units on the seller's word, which become order lines of their own
    /// allocated nowhere, so an order for less than was promised leaves out units the seller would
    /// have had to find. The reservation is confirmed by the order.
    /// </summary>
    public static ReservationTransition Consume(Reservation reservation, string orderId, string channel, IReadOnlyList<HoldTake>? asked, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var current = reservation.AsOf(now);
        if (!string.Equals(current.Channel, channel, StringComparison.Ordinal))
        {
            return new ReservationTransition.Illegal("The reservation belongs to another channel.",
                $"An order consumes only a reservation of its own channel; '{current.Id}' is not channel '{channel}'s. Nothing was changed.",
                ReservationTransition.ChannelMismatch);
        }

        if (current.Status is not (ReservationStatus.Active or ReservationStatus.Partial))
        {
            return new ReservationTransition.Illegal($"The reservation is {Name(current.Status)}.",
                $"Only an active or partial reservation can become an order; '{current.Id}' is {Name(current.Status)}.");
        }

        var holds = current.Holds().Select(h => new Promised(h.Sku, h.Allocation.Location, h.Allocation.Quantity, OnSellersWord: false))
            .Concat(current.SellerConfirmations().Select(c => new Promised(c.Sku, c.Location, c.Quantity, OnSellersWord: true)))
            .ToList();
        var wanted = asked is { Count: > 0 }
            ? asked.Select((l, i) => new Wanted(i, l.Sku, l.Location, l.Quantity)).ToList()
            : [.. holds.GroupBy(h => h.Sku, StringComparer.Ordinal).Select(g => new Wanted(-1, g.Key, null, g.Sum(h => h.Quantity)))];
        if (Misplaced(wanted, holds) is { Count: > 0 } misplaced)
        {
            return new ReservationTransition.Unresolvable(misplaced);
        }

        if (Overdrawn(wanted, holds) is { Count: > 0 } overdrawn)
        {
            return new ReservationTransition.Overdrawn(overdrawn);
        }

        var take = Takes(wanted, holds);
        var lines = new List<OrderLine>();
        var effects = new List<HoldEffect>();
        for (var h = 0; h < holds.Count; h++)
        {
            var (sku, location, quantity, onSellersWord) = holds[h];
            if (take[h] > 0)
            {
                // Units on the seller's word are allocated nowhere: the seller supplies them from outside counted stock.
                lines.Add(onSellersWord ? new OrderLine(lines.Count, sku, location, take[h], 0, SellerConfirmed: take[h]) : new OrderLine(lines.Count, sku, location, take[h], 0));
            }

            if (!onSellersWord)
            {
                effects.Add(new HoldEffect(new PositionKey(sku, location), -quantity, Allocated: take[h]));
            }
        }

        Invariant.Require(lines.Sum(l => l.Quantity) == wanted.Sum(w => w.Quantity), "an order from a reservation has every unit it asked for");
        var order = new Order(orderId, channel, current.Id, OrderStatus.Allocated, now, now, null, null, null, lines);
        var confirmed = current with { Status = ReservationStatus.Confirmed, OrderId = orderId, UpdatedAt = now };
        return new ReservationTransition.Applied(confirmed, ReservationEvents.Confirmed, effects, order);
    }

    private readonly record struct Promised(string Sku, string Location, long Quantity, bool OnSellersWord);

    /// <summary>A line of the order asked for; <c>Index</c> is its place in the request, -1 when the order named none.</summary>
    private readonly record struct Wanted(int Index, string Sku, string? Location, long Quantity);

    /// <summary>Lines that name a location the reservation does not hold their SKU at.</summary>
    private static Dictionary<string, string[]> Misplaced(IReadOnlyList<Wanted> wanted, IReadOnlyList<Promised> holds)
    {
        var misplaced = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in wanted.Where(l => l.Location is not null && !holds.Any(h => h.Sku == l.Sku && h.Location == l.Location)))
        {
            var at = holds.Where(h => h.Sku == line.Sku).Select(h => $"'{h.Location}'").Distinct(StringComparer.Ordinal).ToList();
            misplaced[$"lines[{line.Index}].location"] = [at.Count == 0
                ? $"the reservation holds no '{line.Sku}'"
                : $"the reservation holds '{line.Sku}' at {string.Join(", ", at)}, not at '{line.Location}'; name that location or leave it out"];
        }

        return misplaced;
    }

    /// <summary>SKUs (at a location, or anywhere) the order asks more of than the reservation holds.</summary>
    private static Dictionary<string, string[]> Overdrawn(IReadOnlyList<Wanted> wanted, IReadOnlyList<Promised> holds)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var group in wanted.GroupBy(l => (l.Sku, l.Location)).Where(g => g.Key.Location is not null)
                     .Concat(wanted.GroupBy(l => (l.Sku, Location: (string?)null))))
        {
            var (sku, location) = group.Key;
            var quantity = group.Sum(l => l.Quantity);
            var held = holds.Where(h => h.Sku == sku && (location is null || h.Location == location)).Sum(h => h.Quantity);
            if (quantity > held)
            {
                errors.TryAdd($"lines[{group.First().Index}].quantity", [$"requested {quantity}{(location is null ? "" : $" at '{location}'")}; the reservation holds {held}"]);
            }
        }

        return errors;
    }

    /// <summary>Units taken from each hold: lines that name a location take from that hold first; the others from any hold of their SKU, in order.</summary>
    private static long[] Takes(IReadOnlyList<Wanted> wanted, IReadOnlyList<Promised> holds)
    {
        var take = new long[holds.Count];
        foreach (var line in wanted.Where(l => l.Location is not null).Concat(wanted.Where(l => l.Location is null)))
        {
            var left = line.Quantity;
            for (var h = 0; h < holds.Count && left > 0; h++)
            {
                if (holds[h].Sku == line.Sku && (line.Location is null || holds[h].Location == line.Location))
                {
                    var more = Math.Min(left, holds[h].Quantity - take[h]);
                    take[h] += more;
                    left -= more;
                }
            }

            Invariant.Require(left == 0, "an order from a reservation takes no more than it holds");
        }

        Invariant.Require(take.Select((t, h) => t <= holds[h].Quantity).All(ok => ok), "no hold gives more units than it has");
        return take;
    }
}
