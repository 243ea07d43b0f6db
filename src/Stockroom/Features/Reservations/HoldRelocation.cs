using Stockroom.Core.Demand;
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

        // Locked after the positions, as on every path that moves holds; the newest hold moves first.
        var locked = await write.FindReservationsAsync([.. plan.Reservations.Select(r => r.Id)], forUpdate: true, cancellationToken);
        var moved = ReservationLifecycle.Relocate(plan.Reservations.Select(r => locked.GetValueOrDefault(r.Id)?.Reservation).OfType<Reservation>(),
            resolver, working, write.Now);
        foreach (var transition in moved)
        {
            write.Record(transition.EventType, transition.Reservation);
        }

        IReadOnlyList<Reservation> updated = [.. moved.Select(m => m.Reservation)];
        await write.UpdateReservationsAsync(updated, cancellationToken);
        return updated;
    }
}
