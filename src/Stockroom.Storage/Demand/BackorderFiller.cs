using System.Text.Json;
using Stockroom.Core.Availability;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;

namespace Stockroom.Storage.Demand;

/// <summary>
/// Backorders that arriving supply may fill, read before the write begins so that every
/// position they could touch is locked at once, in the global order, with the supply's own.
/// </summary>
public sealed record BackorderPlan(IReadOnlyList<Reservation> Candidates, HoldResolver? Resolver, IReadOnlyList<PositionKey> Keys)
{
    public static readonly BackorderPlan None = new([], null, []);
}

/// <summary>
/// Fills waiting backorders when units arrive, in the same transaction as the supply change:
/// highest priority first, then oldest. A filled reservation becomes active, and its payment
/// window starts then.
/// </summary>
public static class BackorderFiller
{
    /// <summary>Backordered reservations considered per supply change.</summary>
    public const int CandidatesMax = 1_000;

    public static async Task<BackorderPlan> PrepareAsync(IStockStore store, IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var candidates = await store.GetBackorderedReservationsAsync(skus, CandidatesMax, cancellationToken);
        if (candidates.Count == 0)
        {
            return BackorderPlan.None;
        }

        var lines = candidates.SelectMany(r => r.Lines.Where(l => l.Backordered > 0).Select(l => (r.Channel, Line: Request(l)))).ToList();
        var resolver = await HoldResolver.LoadAsync(store, [.. lines.Select(l => l.Channel)], [.. lines.Select(l => l.Line)], cancellationToken);
        var keys = new List<PositionKey>();
        foreach (var reservation in candidates)
        {
            foreach (var line in reservation.Lines.Where(l => l.Backordered > 0))
            {
                keys.Add(new PositionKey(line.Sku, line.BackorderLocation!));
                if (resolver.Resolve(reservation.Channel, [Request(line)]).Lines is [var resolved])
                {
                    keys.AddRange(resolved.Line.Sources.Select(s => new PositionKey(line.Sku, s.Location)));
                }
            }
        }

        return new BackorderPlan(candidates, resolver, keys);
    }

    /// <summary>
    /// Fills what the locked positions now allow. Reservations are locked here, after the
    /// positions; one that changed since it was read (released, filled elsewhere) is left alone.
    /// </summary>
    public static async Task<IReadOnlyList<Reservation>> FillAsync(IStockWrite write, BackorderPlan plan, Dictionary<PositionKey, Position> working,
        int holdSecondsDefault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(working);
        if (plan.Candidates.Count == 0 || plan.Resolver is not { } resolver)
        {
            return [];
        }

        var locked = await write.FindReservationsAsync([.. plan.Candidates.Select(r => r.Id)], forUpdate: true, cancellationToken);
        // In the order read: priority, then age, then arrival. Filling sorts stably, so ties keep it.
        var current = plan.Candidates
            .Select(r => locked.GetValueOrDefault(r.Id)?.Reservation)
            .OfType<Reservation>()
            .Where(r => r.Status == ReservationStatus.Backordered)
            .ToList();
        var waiting = new List<WaitingBackorder>();
        foreach (var reservation in current)
        {
            foreach (var line in reservation.Lines.Where(l => l.Backordered > 0))
            {
                var sources = resolver.Resolve(reservation.Channel, [Request(line)]).Lines is [var resolved] ? resolved.Line.Sources : [];
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
            var terms = new ReservationTerms(reservation.Id, reservation.Channel, reservation.CustomerId, reservation.Priority, null,
                reservation.AllowPartial, reservation.AllowBackorder, reservation.CreatedAt);
            var next = reservation with
            {
                Lines = lines,
                Status = filled ? (lines.All(l => l.Reserved == l.Requested) ? ReservationStatus.Active : ReservationStatus.Partial) : ReservationStatus.Backordered,
                ExpiresAt = filled ? write.Now.AddSeconds(ReservationMaker.HoldSeconds(terms, resolver, holdSecondsDefault)) : reservation.ExpiresAt,
                UpdatedAt = write.Now,
            };
            updated.Add(next);
            write.Record(new PendingEvent("reservation.backorderFilled", write.Now, JsonSerializer.Serialize(next, Sql.LinesJson)));
        }

        await write.UpdateReservationsAsync(updated, cancellationToken);
        return updated;
    }

    private static HoldLineRequest Request(ReservationLine line) => new(line.Sku, line.Requested, line.Location, line.Group);
}
