using Stockroom.Core.Demand;
using Stockroom.Core.Supply;
using Stockroom.Features.Reservations;
using Stockroom.Storage;

namespace Stockroom.Features.Supply;

/// <summary>
/// What a change of supply sets off among the holds, in one place and one order, for every path
/// that moves supply (a count, an adjustment, a received transfer): units that arrive fill waiting
/// backorders, highest priority then oldest first (a filled hold's payment window starts then);
/// then holds stranded on a position a count left short (a store sold units held online) move to
/// other locations of their lines that can promise them, newest hold first, so that the oldest
/// keep their units where they were. What cannot be moved stays, and the shortage is announced.
/// <list type="number">
/// <item><see cref="PrepareAsync"/>, before the transaction: the candidate reservations, read unlocked.</item>
/// <item><see cref="LockAsync"/>, in it, before the positions (the one lock order): the candidates, in id order.</item>
/// <item><see cref="ReactAsync"/>, once the supply decision is made on the working positions, before they are written.</item>
/// </list>
/// </summary>
public sealed class SupplyReactions
{
    /// <summary>Reservations considered per supply change, of each kind.</summary>
    public const int CandidatesMax = 1_000;

    private readonly ReservationCandidates _backorders;
    private readonly ReservationCandidates _relocation;
    private Dictionary<string, Reservation> _locked = new(StringComparer.Ordinal);

    private SupplyReactions(ReservationCandidates backorders, ReservationCandidates relocation)
    {
        _backorders = backorders;
        _relocation = relocation;
    }

    /// <summary>
    /// The backorders that units of <paramref name="arriving"/> SKUs may fill, and the holds at
    /// <paramref name="falling"/> positions that a lower count may strand.
    /// </summary>
    public static async Task<SupplyReactions> PrepareAsync(IStockStore store, IReadOnlyCollection<string> arriving, IReadOnlyCollection<PositionKey> falling,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(falling);
        var backorders = await ReservationCandidates.LoadAsync(store, await store.GetBackorderedReservationsAsync(arriving, CandidatesMax, cancellationToken),
            line => line.Backordered > 0, (_, line) => [new PositionKey(line.Sku, line.BackorderLocation!)], cancellationToken);
        var at = falling.ToHashSet();
        var holding = (await store.GetHoldingReservationsAsync([.. at.Select(k => k.Sku).Distinct(StringComparer.Ordinal)], CandidatesMax, cancellationToken))
            .Where(r => r.Holds().Any(h => at.Contains(new PositionKey(h.Sku, h.Allocation.Location))))
            .ToList();
        return new(backorders, await ReservationCandidates.LoadAsync(store, holding, _ => true, (_, _) => [], cancellationToken));
    }

    /// <summary>
    /// Locks the candidate reservations and keeps them as they are now (one that changed since it was
    /// read — released, filled elsewhere — is decided as it is now); returns the positions the reactions
    /// read, to be locked with the change's own.
    /// </summary>
    public async Task<IReadOnlyList<PositionKey>> LockAsync(IStockWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var locked = await write.FindReservationsAsync([.. _backorders.Reservations.Concat(_relocation.Reservations).Select(r => r.Id).Distinct(StringComparer.Ordinal)],
            forUpdate: true, cancellationToken);
        _locked = locked.ToDictionary(r => r.Key, r => r.Value.Reservation, StringComparer.Ordinal);
        return [.. _backorders.Keys, .. _relocation.Keys];
    }

    /// <summary>Fills backorders, then moves stranded holds, on the working positions; returns the reservations each changed.</summary>
    public async Task<(IReadOnlyList<Reservation> Filled, IReadOnlyList<Reservation> Resourced)> ReactAsync(IStockWrite write,
        Dictionary<PositionKey, Position> working, int holdSecondsDefault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(working);
        // In the order read: priority, then age, then arrival for backorders (filling sorts stably, so
        // ties keep it); newest first for holds to move.
        var filled = _backorders.Resolver is { } fillResolver
            ? ReservationLifecycle.FillBackorders(Current(_backorders), fillResolver, working, write.Now, holdSecondsDefault)
            : [];
        await WriteAsync(write, filled, cancellationToken);
        var moved = _relocation.Resolver is { } moveResolver && working.Values.Any(p => p.Shortage > 0)
            ? ReservationLifecycle.Relocate(Current(_relocation), moveResolver, working, write.Now)
            : [];
        await WriteAsync(write, moved, cancellationToken);
        return ([.. filled.Select(f => f.Reservation)], [.. moved.Select(m => m.Reservation)]);
    }

    private IEnumerable<Reservation> Current(ReservationCandidates candidates) =>
        candidates.Reservations.Select(r => _locked.GetValueOrDefault(r.Id)).OfType<Reservation>();

    private async Task WriteAsync(IStockWrite write, IReadOnlyList<ReservationTransition.Applied> transitions, CancellationToken cancellationToken)
    {
        foreach (var transition in transitions)
        {
            write.Record(transition.EventType, transition.Reservation);
            _locked[transition.Reservation.Id] = transition.Reservation;
        }

        await write.UpdateReservationsAsync([.. transitions.Select(t => t.Reservation)], cancellationToken);
    }
}
