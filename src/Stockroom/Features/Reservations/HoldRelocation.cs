using System.Text.Json;
using Stockroom.Core.Availability;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>
/// When a count falls below the units held at a position (a store sold units that were held
/// online), the holds there are moved to other locations of their lines that can promise them,
/// newest hold first, so that the oldest keep their units where they were. What cannot be moved
/// stays, and the shortage is announced.
/// </summary>
public static class HoldRelocation
{
    public const int CandidatesMax = 1_000;

    public static async Task<ReservationCandidates> PrepareAsync(IStockStore store, IReadOnlyCollection<PositionKey> counted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(counted);
        var at = counted.ToHashSet();
        var holding = (await store.GetHoldingReservationsAsync([.. at.Select(k => k.Sku).Distinct(StringComparer.Ordinal)], CandidatesMax, cancellationToken))
            .Where(r => r.Holds().Any(h => at.Contains(new PositionKey(h.Sku, h.Allocation.Location))))
            .ToList();
        return await ReservationCandidates.LoadAsync(store, holding, _ => true, (_, _) => [], cancellationToken);
    }

    /// <summary>Moves stranded holds off positions the supply change left short; returns the reservations changed.</summary>
    public static async Task<IReadOnlyList<Reservation>> RelocateAsync(IStockWrite write, ReservationCandidates plan, Dictionary<PositionKey, Position> working,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(working);
        if (plan.Resolver is not { } resolver || !working.Values.Any(p => p.Shortage > 0))
        {
            return [];
        }

        var locked = await write.FindReservationsAsync([.. plan.Reservations.Select(r => r.Id)], forUpdate: true, cancellationToken);
        var today = DateOnly.FromDateTime(write.Now.UtcDateTime);
        var moved = new List<Reservation>();
        foreach (var candidate in plan.Reservations)
        {
            if (locked.GetValueOrDefault(candidate.Id)?.Reservation.AsOf(write.Now) is not { Status: ReservationStatus.Active or ReservationStatus.Partial } reservation)
            {
                continue;
            }

            var changed = false;
            var lines = new List<ReservationLine>(reservation.Lines.Count);
            foreach (var line in reservation.Lines)
            {
                var allocations = line.Allocations.ToList();
                foreach (var hold in line.Allocations)
                {
                    var from = new PositionKey(line.Sku, hold.Location);
                    if (!working.TryGetValue(from, out var short_) || short_.Shortage == 0)
                    {
                        continue;
                    }

                    var candidates = resolver.SourcesOf(reservation.Channel, line)
                        .Where(s => s.Location != hold.Location && working.ContainsKey(new PositionKey(line.Sku, s.Location)))
                        .Select(s => (Source: s, Position: working[new PositionKey(line.Sku, s.Location)]))
                        .Select(c => new SourceCandidate(c.Source.Location, c.Source.Priority, Atp.Promisable(c.Position, resolver.SafetyStock.For(c.Position, reservation.Priority))))
                        .ToList();
                    var wanted = Math.Min(short_.Shortage, hold.Quantity);
                    var plan_ = Sourcing.Plan(wanted, candidates);
                    var take = plan_.Sum(a => a.Quantity);
                    if (take == 0)
                    {
                        continue;
                    }

                    working[from] = Holds.Release(working[from], take, DemandKind.Reserved);
                    foreach (var allocation in plan_)
                    {
                        var to = new PositionKey(line.Sku, allocation.Location);
                        working[to] = Holds.Commit(working[to], allocation.Quantity, DemandKind.Reserved, resolver.SafetyStock.For(working[to], reservation.Priority));
                        allocations.Add(allocation with { PromiseDate = resolver.Location(allocation.Location)?.PromiseDate(today) ?? today });
                    }

                    var index = allocations.IndexOf(hold);
                    allocations[index] = hold with { Quantity = hold.Quantity - take };
                    changed = true;
                }

                lines.Add(line with { Allocations = [.. allocations.Where(a => a.Quantity > 0)] });
            }

            if (changed)
            {
                var next = reservation with { Lines = lines, UpdatedAt = write.Now };
                moved.Add(next);
                write.Record("reservation.resourced", next);
            }
        }

        await write.UpdateReservationsAsync(moved, cancellationToken);
        return moved;
    }
}
