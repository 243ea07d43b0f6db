using Stockroom.Core.Demand;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>
/// Writes reservations a transition ended (released by the client, expired) and gives their units
/// back, held and backordered alike. The caller has locked the reservations; this locks the
/// positions their effects name (after them, as every writer does) and records one event per
/// reservation.
/// </summary>
internal static class ReleaseHolds
{
    public static async Task<IReadOnlyList<Reservation>> WriteAsync(IStockWrite write, IReadOnlyList<ReservationTransition.Applied> ended,
        CancellationToken cancellationToken)
    {
        var locked = await write.LockPositionsAsync([.. ended.SelectMany(e => e.Effects).Select(e => e.Key)], cancellationToken);
        var working = new Dictionary<PositionKey, Position>(locked);
        foreach (var transition in ended)
        {
            ReservationLifecycle.Apply(working, transition.Effects);
            write.Record(transition.EventType, transition.Reservation);
        }

        IReadOnlyList<Reservation> reservations = [.. ended.Select(e => e.Reservation)];
        await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
        await write.UpdateReservationsAsync(reservations, cancellationToken);
        return reservations;
    }
}
