using Stockroom.Core;
using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>The terms a reservation was asked on.</summary>
public sealed record ReservationTerms(
    string Id,
    string Channel,
    string? CustomerId,
    int Priority,
    int? ExpiresInSeconds,
    bool AllowPartial,
    bool AllowBackorder)
{
    /// <summary>The terms an existing reservation was made on (its payment window falls back to its channel's).</summary>
    public static ReservationTerms Of(Reservation reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        return new(reservation.Id, reservation.Channel, reservation.CustomerId, reservation.Priority, null, reservation.AllowPartial, reservation.AllowBackorder);
    }
}

/// <summary>
/// Makes a reservation from resolved lines, applying each item's stock policy: <c>reserve</c>
/// holds at once or is refused; <c>onRequest</c> waits for the seller (<c>pending</c>, nothing
/// held); <c>auto</c> holds at once while stock suffices and otherwise waits for the seller. Once
/// the seller accepts, what stock there is is held like any other hold and the rest of an
/// <c>onRequest</c> or <c>auto</c> line is confirmed on the seller's word (a <c>reserve</c> line
/// asked beside one is held, backordered if allowed, or refused, as always). Safety stock applies for the reservation's priority, so VIP holds may use protected units.
/// </summary>
public static class ReservationMaker
{
    /// <summary>How long a seller has to answer when the item does not say.</summary>
    public const int AcceptWithinSecondsDefault = 24 * 60 * 60;

    public static (Reservation? Made, IReadOnlyList<LineOutcome>? Shortage) Make(ReservationTerms terms, IReadOnlyList<ResolvedLine> lines,
        HoldResolver resolver, IDictionary<PositionKey, Position> working, DateTimeOffset now, int holdSecondsDefault, bool sellerAccepted,
        DateTimeOffset? createdAt = null)
    {
        var created = createdAt ?? now;
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(resolver);
        var policies = lines.Select(l => l.Item.Policy).ToHashSet();
        if (!sellerAccepted && policies.Contains(StockPolicy.OnRequest))
        {
            return (Pending(terms, lines, now, created), null);
        }

        // Auto mode asks the seller rather than hold in part or backorder.
        var auto = !sellerAccepted && policies.Contains(StockPolicy.Auto);
        var request = new HoldRequest([.. lines.Select(l => sellerAccepted ? OnSellersWord(l) : l.Line)], terms.AllowPartial && !auto, DemandKind.Reserved,
            terms.AllowBackorder && !auto);
        var decision = Core.Demand.Holds.Decide(request, working, position => resolver.SafetyStock.For(position, terms.Priority));
        if (decision is HoldDecision.Refused refused)
        {
            return auto ? (Pending(terms, lines, now, created), null) : (null, refused.Lines);
        }

        var held = (HoldDecision.Held)decision;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var reservationLines = lines.Select((line, i) =>
        {
            var outcome = held.Lines[i];
            var allocations = outcome.Allocations
                .Select(a => a with { PromiseDate = resolver.Location(a.Location)?.PromiseDate(today) ?? today })
                .ToList();
            return new ReservationLine(i, line.Line.Sku, outcome.Requested, outcome.Held, outcome.Backordered, line.Location, line.Group,
                allocations, outcome.BackorderLocation, SellerConfirmed: outcome.SellerConfirmed, SellerConfirmedLocation: outcome.SellerConfirmedLocation);
        }).ToList();

        var status = held.AnyBackordered ? ReservationStatus.Backordered : held.Complete ? ReservationStatus.Active : ReservationStatus.Partial;
        // A backorder waits for supply as long as a hold may last; its payment window starts when it is filled.
        var seconds = status == ReservationStatus.Backordered ? Limits.HoldSecondsMax : HoldSeconds(terms, resolver, holdSecondsDefault);
        return (new Reservation(terms.Id, terms.Channel, terms.CustomerId, terms.Priority, status, terms.AllowPartial, terms.AllowBackorder,
            created, now.AddSeconds(seconds), now, null, reservationLines), null);
    }

    /// <summary>
    /// A line the seller has accepted: an item sold on request (or in <c>auto</c> mode, which asked
    /// the seller because stock ran out) may be promised on the seller's word beyond counted stock.
    /// A <c>reserve</c> item is only ever sold from counted stock.
    /// </summary>
    private static HoldLine OnSellersWord(ResolvedLine line) =>
        line.Item.Policy == StockPolicy.Reserve ? line.Line : line.Line with { SellerConfirms = true };

    /// <summary>The payment window: the request's, else the channel's, else the default.</summary>
    public static int HoldSeconds(ReservationTerms terms, HoldResolver resolver, int holdSecondsDefault)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(resolver);
        var seconds = terms.ExpiresInSeconds ?? resolver.Channel(terms.Channel)?.ReservationTtlSeconds ?? holdSecondsDefault;
        Invariant.Require(seconds is > 0 and <= Limits.HoldSecondsMax, "a hold lasts between one second and the longest allowed");
        return seconds;
    }

    /// <summary>
    /// Sets the promise date of each backordered line: the day inbound supply covers the demand
    /// at its position, plus the location's lead time. Left empty where no known supply covers it.
    /// </summary>
    public static Reservation WithBackorderDates(Reservation reservation, Func<PositionKey, PositionSupply> supplyAt, HoldResolver resolver, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(supplyAt);
        ArgumentNullException.ThrowIfNull(resolver);
        return reservation with
        {
            Lines = [.. reservation.Lines.Select(line => line.Backordered == 0 ? line : line with
            {
                PromiseDate = Atp.CoveredOn(supplyAt(new PositionKey(line.Sku, line.BackorderLocation!)), today) is { } covered
                    ? resolver.Location(line.BackorderLocation!)?.PromiseDate(covered) ?? covered
                    : null,
            })],
        };
    }

    private static Reservation Pending(ReservationTerms terms, IReadOnlyList<ResolvedLine> lines, DateTimeOffset now, DateTimeOffset created)
    {
        var acceptWithin = lines.Min(l => l.Item.AcceptWithinSeconds ?? AcceptWithinSecondsDefault);
        var acceptBy = now.AddSeconds(acceptWithin);
        var reservationLines = lines.Select((l, i) => new ReservationLine(i, l.Line.Sku, l.Line.Quantity, 0, 0, l.Location, l.Group, [])).ToList();
        return new Reservation(terms.Id, terms.Channel, terms.CustomerId, terms.Priority, ReservationStatus.Pending, terms.AllowPartial,
            terms.AllowBackorder, created, acceptBy, now, null, reservationLines, acceptBy);
    }
}
