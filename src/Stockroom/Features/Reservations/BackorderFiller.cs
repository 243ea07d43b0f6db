using Stockroom.Core.Demand;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>
/// Fills waiting backorders when units arrive, in the same transaction as the supply change:
/// highest priority first, then oldest. A filled reservation becomes active, and its payment
/// window starts then.
/// </summary>
public static class BackorderFiller
{
    /// <summary>Backordered reservations considered per supply change.</summary>
    public const int CandidatesMax = 1_000;

    public static async Task<ReservationCandidates> PrepareAsync(IStockStore store, IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await ReservationCandidates.LoadAsync(store, await store.GetBackorderedReservationsAsync(skus, CandidatesMax, cancellationToken),
            line => line.Backordered > 0, (_, line) => [new PositionKey(line.Sku, line.BackorderLocation!)], cancellationToken);
    }

    /// <summary>
    /// Fills what the locked positions now allow. Reservations are locked here, after the
    /// positions; one that changed since it was read (released, filled elsewhere) is left alone.
    /// </summary>
    public static async Task<IReadOnlyList<Reservation>> FillAsync(IStockWrite write, ReservationCandidates plan, Dictionary<PositionKey, Position> working,
        int holdSecondsDefault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(working);
        if (plan.Reservations.Count == 0 || plan.Resolver is not { } resolver)
        {
            return [];
        }

        var locked = await write.FindReservationsAsync([.. plan.Reservations.Select(r => r.Id)], forUpdate: true, cancellationToken);
        // In the order read: priority, then age, then arrival. Filling sorts stably, so ties keep it.
        var filled = ReservationLifecycle.FillBackorders(plan.Reservations.Select(r => locked.GetValueOrDefault(r.Id)?.Reservation).OfType<Reservation>(),
            resolver, working, write.Now, holdSecondsDefault);
        foreach (var transition in filled)
        {
            write.Record(transition.EventType, transition.Reservation);
        }

        IReadOnlyList<Reservation> updated = [.. filled.Select(f => f.Reservation)];
        await write.UpdateReservationsAsync(updated, cancellationToken);
        return updated;
    }
}
