using Stockroom.Core.Availability;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

public static partial class ReservationLifecycle
{
    /// <summary>
    /// Fills waiting backorders from what <paramref name="positions"/> can now promise: highest
    /// priority first, then oldest, then in the order given (<see cref="Backorders.Fill"/>), each
    /// from the sources of its line that are among the positions. A reservation whose every
    /// backorder is filled becomes active (partial if it was a partial hold) and its payment
    /// window starts now. The fills are applied to <paramref name="positions"/>; reservations no
    /// longer backordered, or none of whose waiting positions were given, are left alone.
    /// </summary>
    public static IReadOnlyList<ReservationTransition.Applied> FillBackorders(IEnumerable<Reservation> reservations, HoldResolver resolver,
        IDictionary<PositionKey, Position> positions, DateTimeOffset now, int holdSecondsDefault)
    {
        ArgumentNullException.ThrowIfNull(reservations);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(positions);
        var current = reservations.Select(r => r.AsOf(now)).Where(r => r.Status == ReservationStatus.Backordered).ToList();
        var waiting = new List<WaitingBackorder>();
        foreach (var reservation in current)
        {
            foreach (var line in reservation.Lines.Where(l => l.Backordered > 0 && positions.ContainsKey(new PositionKey(l.Sku, l.BackorderLocation!))))
            {
                var sources = resolver.SourcesOf(reservation.Channel, line).Where(s => positions.ContainsKey(new PositionKey(line.Sku, s.Location))).ToList();
                waiting.Add(new WaitingBackorder(reservation.Id, line.Line, line.Sku, line.Backordered, line.BackorderLocation!, sources,
                    reservation.Priority, reservation.CreatedAt));
            }
        }

        var fills = Backorders.Fill(waiting, positions, (position, priority) => resolver.SafetyStock.For(position, priority));
        return [.. fills.GroupBy(f => f.Backorder.ReservationId, StringComparer.Ordinal)
            .Select(g => Filled(current.First(r => r.Id == g.Key), [.. g], resolver, now, holdSecondsDefault))];
    }

    /// <summary>A reservation with the units that arrived for its backorders.</summary>
    private static ReservationTransition.Applied Filled(Reservation reservation, IReadOnlyList<BackorderFill> fills, HoldResolver resolver, DateTimeOffset now,
        int holdSecondsDefault)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var effects = new List<HoldEffect>();
        var lines = reservation.Lines.Select(line =>
        {
            if (fills.FirstOrDefault(f => f.Backorder.Line == line.Line) is not { } fill)
            {
                return line;
            }

            effects.Add(new HoldEffect(new PositionKey(line.Sku, fill.Backorder.At), 0, Backordered: -fill.Filled));
            effects.AddRange(fill.Allocations.Select(a => new HoldEffect(new PositionKey(line.Sku, a.Location), a.Quantity)));
            var backordered = line.Backordered - fill.Filled;
            Invariant.Require(backordered >= 0, $"a fill gives line {line.Line} no more than it waits for");
            return line with
            {
                Reserved = line.Reserved + fill.Filled,
                Backordered = backordered,
                Allocations = [.. line.Allocations, .. fill.Allocations.Select(a => a with { PromiseDate = resolver.PromiseDate(a.Location, today) })],
                BackorderLocation = backordered > 0 ? line.BackorderLocation : null,
                PromiseDate = backordered > 0 ? line.PromiseDate : null,
            };
        }).ToList();

        var filled = lines.All(l => l.Backordered == 0);
        var next = reservation with
        {
            Lines = lines,
            Status = !filled ? ReservationStatus.Backordered
                : lines.All(l => l.Reserved + l.SellerConfirmed == l.Requested) ? ReservationStatus.Active : ReservationStatus.Partial,
            ExpiresAt = filled ? now.AddSeconds(HoldSeconds(ReservationTerms.Of(reservation), resolver, holdSecondsDefault)) : reservation.ExpiresAt,
            UpdatedAt = now,
        };
        return new ReservationTransition.Applied(next, ReservationEvents.BackorderFilled, effects);
    }

    /// <summary>
    /// Moves holds off positions a count left short (committed above on-hand: a store sold units
    /// that were held online) to other sources of their lines that can promise them, reservation
    /// by reservation in the order given — the caller gives the newest first, so that the oldest
    /// keep their units where they were. Only active and partial holds move; what cannot move
    /// stays, short. The moves are applied to <paramref name="positions"/>.
    /// </summary>
    public static IReadOnlyList<ReservationTransition.Applied> Relocate(IEnumerable<Reservation> reservations, HoldResolver resolver,
        IDictionary<PositionKey, Position> positions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reservations);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(positions);
        var moved = new List<ReservationTransition.Applied>();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        foreach (var candidate in reservations)
        {
            if (candidate.AsOf(now) is not { Status: ReservationStatus.Active or ReservationStatus.Partial } reservation)
            {
                continue;
            }

            var effects = new List<HoldEffect>();
            var lines = reservation.Lines.Select(line => Relocated(reservation, line, resolver, positions, today, effects)).ToList();
            if (effects.Count > 0)
            {
                moved.Add(new ReservationTransition.Applied(reservation with { Lines = lines, UpdatedAt = now }, ReservationEvents.Resourced, effects));
            }
        }

        return moved;
    }

    /// <summary>One line with its holds at short positions moved, as far as its other sources allow; the moves are added to <paramref name="effects"/>.</summary>
    private static ReservationLine Relocated(Reservation reservation, ReservationLine line, HoldResolver resolver, IDictionary<PositionKey, Position> positions,
        DateOnly today, List<HoldEffect> effects)
    {
        var allocations = line.Allocations.ToList();
        foreach (var hold in line.Allocations)
        {
            var from = new PositionKey(line.Sku, hold.Location);
            if (!positions.TryGetValue(from, out var shortAt) || shortAt.Shortage == 0)
            {
                continue;
            }

            var candidates = resolver.SourcesOf(reservation.Channel, line)
                .Where(s => s.Location != hold.Location && positions.ContainsKey(new PositionKey(line.Sku, s.Location)))
                .Select(s => (Source: s, Position: positions[new PositionKey(line.Sku, s.Location)]))
                .Select(c => new SourceCandidate(c.Source.Location, c.Source.Priority, Atp.Promisable(c.Position, resolver.SafetyStock.For(c.Position, reservation.Priority))))
                .ToList();
            var plan = Sourcing.Plan(Math.Min(shortAt.Shortage, hold.Quantity), candidates);
            var take = plan.Sum(a => a.Quantity);
            if (take == 0)
            {
                continue;
            }

            positions[from] = Holds.Release(positions[from], take, DemandKind.Reserved);
            effects.Add(new HoldEffect(from, -take));
            foreach (var allocation in plan)
            {
                var to = new PositionKey(line.Sku, allocation.Location);
                positions[to] = Holds.Commit(positions[to], allocation.Quantity, DemandKind.Reserved, resolver.SafetyStock.For(positions[to], reservation.Priority));
                allocations.Add(allocation with { PromiseDate = resolver.PromiseDate(allocation.Location, today) });
                effects.Add(new HoldEffect(to, allocation.Quantity));
            }

            var index = allocations.IndexOf(hold);
            allocations[index] = hold with { Quantity = hold.Quantity - take };
        }

        var relocated = line with { Allocations = [.. allocations.Where(a => a.Quantity > 0)] };
        Invariant.Require(relocated.Allocations.Sum(a => a.Quantity) == line.Allocations.Sum(a => a.Quantity), $"moving the holds of line {line.Line} keeps every unit it held");
        return relocated;
    }
}
