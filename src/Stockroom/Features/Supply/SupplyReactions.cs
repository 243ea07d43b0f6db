using Stockroom.Core.Demand;
using Stockroom.Core.Supply;
using Stockroom.Features.Reservations;
using Stockroom.Storage;

namespace Stockroom.Features.Supply;

/// <summary>
/// What a change of supply sets off among the holds, in one place and one order, for every path
/// that moves supply (a count, an adjustment, a received transfer): units that arrive fill waiting
/// backorders, then holds stranded on a position a count left short move to other locations.
/// <list type="number">
/// <item><see cref="PrepareAsync"/>, before the transaction: the candidate reservations, read unlocked.</item>
/// <item><see cref="LockAsync"/>, in it, before the positions (the one lock order): the candidates, in id order.</item>
/// <item><see cref="ReactAsync"/>, once the supply decision is made on the working positions, before they are written.</item>
/// </list>
/// </summary>
public sealed class SupplyReactions
{
    private readonly ReservationCandidates _backorders;
    private readonly ReservationCandidates _relocation;

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
        CancellationToken cancellationToken) =>
        new(await BackorderFiller.PrepareAsync(store, arriving, cancellationToken), await HoldRelocation.PrepareAsync(store, falling, cancellationToken));

    /// <summary>Locks the candidate reservations; returns the positions the reactions read, to be locked with the change's own.</summary>
    public async Task<IReadOnlyList<PositionKey>> LockAsync(IStockWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await write.FindReservationsAsync([.. _backorders.Reservations.Concat(_relocation.Reservations).Select(r => r.Id).Distinct(StringComparer.Ordinal)],
            forUpdate: true, cancellationToken);
        return [.. _backorders.Keys, .. _relocation.Keys];
    }

    /// <summary>Fills backorders, then moves stranded holds, on the working positions; returns the reservations each changed.</summary>
    public async Task<(IReadOnlyList<Reservation> Filled, IReadOnlyList<Reservation> Resourced)> ReactAsync(IStockWrite write,
        Dictionary<PositionKey, Position> working, int holdSecondsDefault, CancellationToken cancellationToken)
    {
        var filled = await BackorderFiller.FillAsync(write, _backorders, working, holdSecondsDefault, cancellationToken);
        var resourced = await HoldRelocation.RelocateAsync(write, _relocation, working, cancellationToken);
        return (filled, resourced);
    }
}
