using System.Text.Json;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>
/// Ends open reservations — released by the client, expired, declined — and gives their units
/// back, held and backordered alike. The caller has locked the reservations; this locks their positions (after them, as
/// every writer does) and records one event per reservation.
/// </summary>
internal static class ReleaseHolds
{
    public static async Task<IReadOnlyList<Reservation>> EndAsync(IStockWrite write, IReadOnlyList<Reservation> reservations,
        ReservationStatus status, string eventType, CancellationToken cancellationToken)
    {
        var open = reservations.Where(r => r.IsOpen()).ToList();
        var keys = open.SelectMany(r => r.Holds()).Select(h => new PositionKey(h.Sku, h.Allocation.Location))
            .Concat(open.SelectMany(r => r.Backorders()).Select(b => new PositionKey(b.Sku, b.Location)))
            .ToList();
        var locked = await write.LockPositionsAsync(keys, cancellationToken);
        var working = new Dictionary<PositionKey, Position>(locked);
        var ended = new List<Reservation>(open.Count);
        foreach (var reservation in open)
        {
            foreach (var (sku, allocation) in reservation.Holds())
            {
                var key = new PositionKey(sku, allocation.Location);
                working[key] = Holds.Release(working[key], allocation.Quantity, DemandKind.Reserved);
            }

            foreach (var (sku, location, quantity) in reservation.Backorders())
            {
                var key = new PositionKey(sku, location);
                working[key] = Holds.Unbackorder(working[key], quantity);
            }

            var done = reservation with { Status = status, UpdatedAt = write.Now };
            ended.Add(done);
            write.Record(eventType, done);
        }

        await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
        await write.UpdateReservationsAsync(ended, cancellationToken);
        return ended;
    }
}
