using System.Text.Json;
using Stockroom.Core.Availability;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
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
        var current = plan.Reservations
            .Select(r => locked.GetValueOrDefault(r.Id)?.Reservation.AsOf(write.Now))
            .OfType<Reservation>()
            .Where(r => r.Status == ReservationStatus.Backordered)
            .ToList();
        var waiting = new List<WaitingBackorder>();
        foreach (var reservation in current)
        {
            foreach (var line in reservation.Lines.Where(l => l.Backordered > 0))
            {
                var sources = resolver.SourcesOf(reservation.Channel, line);
                var lockedSources = sources.Where(s => working.ContainsKey(new PositionKey(line.Sku, s.Location))).ToList();
                if (working.ContainsKey(new PositionKey(line.Sku, line.BackorderLocation!)))
                {
                    waiting.Add(new WaitingBackorder(reservation.Id, line.Line, line.Sku, line.Backordered, line.BackorderLocation!,
                        lockedSources, reservation.Priority, reservation.CreatedAt));
                }
            }
        }

        var fills = Backorders.Fill(waiting, working, (position, priority) => resolver.SafetyStock.For(position, priority));
        var today = DateOnly.FromDateTime(write.Now.UtcDateTime);
        var updated = new List<Reservation>();
        foreach (var group in fills.GroupBy(f => f.Backorder.ReservationId, StringComparer.Ordinal))
        {
            var reservation = current.First(r => r.Id == group.Key);
            var lines = reservation.Lines.Select(line =>
            {
                var fill = group.FirstOrDefault(f => f.Backorder.Line == line.Line);
                if (fill is null)
                {
                    return line;
                }

                var added = fill.Allocations.Select(a => a with { PromiseDate = resolver.Location(a.Location)?.PromiseDate(today) ?? today });
                var backordered = line.Backordered - fill.Filled;
                return line with
                {
                    Reserved = line.Reserved + fill.Filled,
                    Backordered = backordered,
                    Allocations = [.. line.Allocations, .. added],
                    BackorderLocation = backordered > 0 ? line.BackorderLocation : null,
                    PromiseDate = backordered > 0 ? line.PromiseDate : null,
                };
            }).ToList();

            var filled = lines.All(l => l.Backordered == 0);
            var terms = ReservationTerms.Of(reservation);
            var next = reservation with
            {
                Lines = lines,
                Status = filled ? (lines.All(l => l.Reserved + l.SellerConfirmed == l.Requested) ? ReservationStatus.Active : ReservationStatus.Partial) : ReservationStatus.Backordered,
                ExpiresAt = filled ? write.Now.AddSeconds(ReservationMaker.HoldSeconds(terms, resolver, holdSecondsDefault)) : reservation.ExpiresAt,
                UpdatedAt = write.Now,
            };
            updated.Add(next);
            write.Record("reservation.backorderFilled", next);
        }

        await write.UpdateReservationsAsync(updated, cancellationToken);
        return updated;
    }
}
