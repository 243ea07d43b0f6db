using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

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

/// <summary>The ledger event each reservation transition is recorded as.</summary>
public static class ReservationEvents
{
    public const string Created = "reservation.created";
    public const string Accepted = "reservation.accepted";
    public const string Declined = "reservation.declined";
    public const string Confirmed = "reservation.confirmed";
    public const string Released = "reservation.released";
    public const string Expired = "reservation.expired";
    public const string BackorderFilled = "reservation.backorderFilled";
    public const string Resourced = "reservation.resourced";
}

/// <summary>
/// What a reservation transition does to one position, as changes to its counters: units held
/// for the reservation, units allocated to an order made from it, units backordered.
/// </summary>
public readonly record struct HoldEffect(PositionKey Key, long Reserved, long Allocated = 0, long Backordered = 0);

public abstract record ReservationTransition
{
    private ReservationTransition()
    {
    }

    /// <summary>
    /// The transition applies: the reservation as it now stands, the event that records it, and
    /// what it does to positions. Transitions decided against stock (create, accept, fill,
    /// relocate) have already applied their effects to the positions they were given; the others
    /// (decline, release, expire, consume) need none, so the caller locks the positions the
    /// effects name and applies them with <see cref="ReservationLifecycle.Apply"/>. A consumption
    /// also carries the order made from the hold.
    /// </summary>
    public sealed record Applied(Reservation Reservation, string EventType, IReadOnlyList<HoldEffect> Effects, Order? Order = null) : ReservationTransition;

    /// <summary>Nothing to do: the reservation already is where the transition leads (a repeated answer, a second release).</summary>
    public sealed record Unchanged(Reservation Reservation) : ReservationTransition;

    /// <summary>The transition does not apply to the reservation as it stands. <c>Code</c> names the rule it breaks.</summary>
    public sealed record Illegal(string Title, string Reason, string Code = IllegalTransition) : ReservationTransition;

    /// <summary>Not enough stock and no partial hold allowed: nothing is held, and each line says what it could have had.</summary>
    public sealed record Refused(IReadOnlyList<LineOutcome> Lines) : ReservationTransition;

    /// <summary>Lines that name something that cannot be had: an item or location gone from the catalog, a location the hold is not at.</summary>
    public sealed record Unresolvable(IReadOnlyDictionary<string, string[]> Errors) : ReservationTransition;

    /// <summary>An order that asks a hold for more than it holds.</summary>
    public sealed record Overdrawn(IReadOnlyDictionary<string, string[]> Errors) : ReservationTransition;

    public const string IllegalTransition = "illegal-transition";
    public const string ChannelMismatch = "channel-mismatch";
}

/// <summary>
/// The reservation state machine: <c>pending → active | partial | backordered → confirmed |
/// released | expired | declined</c>. Every transition reads the reservation as it stands at the
/// time given (<see cref="Reservation.AsOf"/>), except a release, which a client may make of a
/// hold whose time ran out as long as the sweep has not recorded it. Pure: the caller loads the
/// reservation and locks the positions, calls, and writes what comes back.
/// </summary>
public static partial class ReservationLifecycle
{
    /// <summary>How long a seller has to answer when the item does not say.</summary>
    public const int AcceptWithinSecondsDefault = 24 * 60 * 60;

    /// <summary>
    /// Makes a reservation from resolved lines, applying each item's stock policy: <c>reserve</c>
    /// holds at once or is refused; <c>onRequest</c> waits for the seller (<c>pending</c>, nothing
    /// held); <c>auto</c> holds at once while stock suffices and otherwise waits for the seller.
    /// Safety stock applies for the reservation's priority, so VIP holds may use protected units.
    /// What it holds is applied to <paramref name="positions"/>; a refusal leaves them as they were.
    /// </summary>
    public static ReservationTransition Create(ReservationTerms terms, IReadOnlyList<ResolvedLine> lines, HoldResolver resolver,
        IDictionary<PositionKey, Position> positions, DateTimeOffset now, int holdSecondsDefault)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var (made, shortage) = Hold(terms, lines, resolver, positions, now, holdSecondsDefault, sellerAccepted: false, createdAt: now);
        return made is null ? new ReservationTransition.Refused(shortage!) : new ReservationTransition.Applied(made, ReservationEvents.Created, Taken(made));
    }

    /// <summary>
    /// The seller accepts a pending hold: what stock there is is held like any other hold and the
    /// rest of an <c>onRequest</c> or <c>auto</c> line is confirmed on the seller's word (a
    /// <c>reserve</c> line asked beside one is held, backordered if allowed, or refused, as
    /// always). The payment window starts now. Accepting again is harmless.
    /// </summary>
    public static ReservationTransition Accept(Reservation reservation, HoldResolver resolver, IDictionary<PositionKey, Position> positions,
        DateTimeOffset now, int holdSecondsDefault)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(resolver);
        var current = reservation.AsOf(now);
        if (current.Status != ReservationStatus.Pending)
        {
            return current.Status is ReservationStatus.Active or ReservationStatus.Partial or ReservationStatus.Backordered
                ? new ReservationTransition.Unchanged(current)
                : NotWaiting(current);
        }

        var (lines, errors) = resolver.Resolve(current.Channel, [.. current.Lines.Select(HoldLineRequest.From)]);
        if (errors is not null)
        {
            return new ReservationTransition.Unresolvable(errors);
        }

        var (made, shortage) = Hold(ReservationTerms.Of(current), lines!, resolver, positions, now, holdSecondsDefault, sellerAccepted: true,
            createdAt: current.CreatedAt);
        if (made is null)
        {
            return new ReservationTransition.Refused(shortage!);
        }

        var accepted = made with { AcceptBy = current.AcceptBy };
        Invariant.Require(accepted.Status != ReservationStatus.Pending, "an accepted hold no longer waits for the seller");
        return new ReservationTransition.Applied(accepted, ReservationEvents.Accepted, Taken(accepted));
    }

    /// <summary>The seller declines a pending hold. It held nothing, so nothing is given back. Declining again is harmless.</summary>
    public static ReservationTransition Decline(Reservation reservation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var current = reservation.AsOf(now);
        if (current.Status != ReservationStatus.Pending)
        {
            return current.Status == ReservationStatus.Declined ? new ReservationTransition.Unchanged(current) : NotWaiting(current);
        }

        return End(current, ReservationStatus.Declined, ReservationEvents.Declined, now);
    }

    /// <summary>
    /// The client releases a hold and its units go back, held and backordered alike. Releasing a
    /// hold already ended is harmless; one an order confirmed cannot be released (the order is
    /// cancelled instead).
    /// </summary>
    public static ReservationTransition Release(Reservation reservation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        if (reservation.Status == ReservationStatus.Confirmed)
        {
            return new ReservationTransition.Illegal("The reservation is already confirmed by an order.",
                $"Reservation '{reservation.Id}' became order '{reservation.OrderId}'; cancel the order to free its units.");
        }

        return reservation.IsOpen() ? End(reservation, ReservationStatus.Released, ReservationEvents.Released, now) : new ReservationTransition.Unchanged(reservation);
    }

    /// <summary>
    /// A hold the expiry sweep found due gives its units back. One already ended (released,
    /// confirmed, expired by another sweep) is left as it is.
    /// </summary>
    public static ReservationTransition Expire(Reservation reservation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        return reservation.IsOpen() ? End(reservation, ReservationStatus.Expired, ReservationEvents.Expired, now) : new ReservationTransition.Unchanged(reservation);
    }

    /// <summary>
    /// Applies effects that give units back or turn held units into an order's allocation, through
    /// the checked primitives of <see cref="Holds"/>. Units are only ever taken by a decision made
    /// against the positions, so an effect that would take any is refused here.
    /// </summary>
    public static void Apply(IDictionary<PositionKey, Position> positions, IEnumerable<HoldEffect> effects)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(effects);
        foreach (var effect in effects)
        {
            Invariant.Require(effect.Reserved <= 0 && effect.Backordered <= 0 && effect.Allocated >= 0 && effect.Allocated <= -effect.Reserved,
                $"an effect applied at {effect.Key} gives held units back or allocates them to an order; it takes none");
            var position = positions[effect.Key];
            if (effect.Allocated > 0)
            {
                position = Holds.Consume(position, effect.Allocated);
            }

            if (-effect.Reserved - effect.Allocated is var released and > 0)
            {
                position = Holds.Release(position, released, DemandKind.Reserved);
            }

            if (effect.Backordered < 0)
            {
                position = Holds.Unbackorder(position, -effect.Backordered);
            }

            positions[effect.Key] = position;
        }
    }

    /// <summary>Every position where reservations wait for supply: where their backorders are dated from.</summary>
    public static IReadOnlyList<PositionKey> BackorderPositions(IEnumerable<Reservation> reservations)
    {
        ArgumentNullException.ThrowIfNull(reservations);
        return [.. reservations.SelectMany(r => r.Backorders()).Select(b => new PositionKey(b.Sku, b.Location)).Distinct()];
    }

    /// <summary>
    /// Sets the promise date of each backordered line: the day inbound supply covers the demand
    /// at its position, plus the location's lead time. Left empty where no known supply covers it.
    /// </summary>
    public static Reservation DateBackorders(Reservation reservation, IReadOnlyDictionary<PositionKey, Position> positions, IReadOnlyList<InboundSupply> inbound,
        HoldResolver resolver, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(inbound);
        ArgumentNullException.ThrowIfNull(resolver);
        var lots = inbound.ToLookup(l => l.Key);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return reservation with
        {
            Lines = [.. reservation.Lines.Select(line =>
            {
                if (line.Backordered == 0)
                {
                    return line;
                }

                var key = new PositionKey(line.Sku, line.BackorderLocation!);
                var supply = new PositionSupply(positions[key], [.. lots[key]], resolver.SafetyStock.For(positions[key]));
                return line with { PromiseDate = Atp.CoveredOn(supply, today) is { } covered ? resolver.PromiseDate(line.BackorderLocation!, covered) : null };
            })],
        };
    }

    /// <summary>The payment window: the request's, else the channel's, else the default.</summary>
    public static int HoldSeconds(ReservationTerms terms, HoldResolver resolver, int holdSecondsDefault)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(resolver);
        var seconds = terms.ExpiresInSeconds ?? resolver.Channel(terms.Channel)?.ReservationTtlSeconds ?? holdSecondsDefault;
        Invariant.Require(seconds is > 0 and <= Limits.HoldSecondsMax, "a hold lasts between one second and the longest allowed");
        return seconds;
    }

    private static ReservationTransition.Illegal NotWaiting(Reservation reservation) =>
        new("The reservation is not waiting for an answer.",
            $"Reservation '{reservation.Id}' is {Name(reservation.Status)}; only a pending reservation can be accepted or declined.");

    /// <summary>Ends an open reservation: every held and backordered unit is given back.</summary>
    private static ReservationTransition.Applied End(Reservation reservation, ReservationStatus status, string eventType, DateTimeOffset now)
    {
        Invariant.Require(reservation.IsOpen(), "only an open reservation ends");
        var effects = reservation.Holds().Select(h => new HoldEffect(new PositionKey(h.Sku, h.Allocation.Location), -h.Allocation.Quantity))
            .Concat(reservation.Backorders().Select(b => new HoldEffect(new PositionKey(b.Sku, b.Location), 0, Backordered: -b.Quantity)))
            .ToList();
        return new ReservationTransition.Applied(reservation with { Status = status, UpdatedAt = now }, eventType, effects);
    }

    /// <summary>What a new or accepted reservation took: its held units and its backorders.</summary>
    private static List<HoldEffect> Taken(Reservation reservation) =>
        [.. reservation.Holds().Select(h => new HoldEffect(new PositionKey(h.Sku, h.Allocation.Location), h.Allocation.Quantity)),
            .. reservation.Backorders().Select(b => new HoldEffect(new PositionKey(b.Sku, b.Location), 0, Backordered: b.Quantity))];

    /// <summary>
    /// Decides a hold on the item policies of its lines. Once the seller has accepted, a line of an
    /// item sold on request (or in <c>auto</c> mode, which asked the seller because stock ran out)
    /// may be promised on the seller's word beyond counted stock; a <c>reserve</c> item is only
    /// ever sold from counted stock.
    /// </summary>
    private static (Reservation? Made, IReadOnlyList<LineOutcome>? Shortage) Hold(ReservationTerms terms, IReadOnlyList<ResolvedLine> lines,
        HoldResolver resolver, IDictionary<PositionKey, Position> positions, DateTimeOffset now, int holdSecondsDefault, bool sellerAccepted,
        DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(resolver);
        Invariant.Require(lines.Count > 0, "a reservation has at least one line");
        var policies = lines.Select(l => l.Item.Policy).ToHashSet();
        if (!sellerAccepted && policies.Contains(StockPolicy.OnRequest))
        {
            return (Pending(terms, lines, now, createdAt), null);
        }

        // Auto mode asks the seller rather than hold in part or backorder.
        var auto = !sellerAccepted && policies.Contains(StockPolicy.Auto);
        var request = new HoldRequest([.. lines.Select(l => sellerAccepted && l.Item.Policy != StockPolicy.Reserve ? l.Line with { SellerConfirms = true } : l.Line)],
            terms.AllowPartial && !auto, DemandKind.Reserved, terms.AllowBackorder && !auto);
        var decision = Holds.Decide(request, positions, position => resolver.SafetyStock.For(position, terms.Priority));
        if (decision is HoldDecision.Refused refused)
        {
            return auto ? (Pending(terms, lines, now, createdAt), null) : (null, refused.Lines);
        }

        var held = (HoldDecision.Held)decision;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var reservationLines = lines.Select((line, i) =>
        {
            var outcome = held.Lines[i];
            var allocations = outcome.Allocations.Select(a => a with { PromiseDate = resolver.PromiseDate(a.Location, today) }).ToList();
            return new ReservationLine(i, line.Line.Sku, outcome.Requested, outcome.Held, outcome.Backordered, line.Location, line.Group,
                allocations, outcome.BackorderLocation, SellerConfirmed: outcome.SellerConfirmed, SellerConfirmedLocation: outcome.SellerConfirmedLocation);
        }).ToList();

        var status = held.AnyBackordered ? ReservationStatus.Backordered : held.Complete ? ReservationStatus.Active : ReservationStatus.Partial;
        // A backorder waits for supply as long as a hold may last; its payment window starts when it is filled.
        var seconds = status == ReservationStatus.Backordered ? Limits.HoldSecondsMax : HoldSeconds(terms, resolver, holdSecondsDefault);
        return (new Reservation(terms.Id, terms.Channel, terms.CustomerId, terms.Priority, status, terms.AllowPartial, terms.AllowBackorder,
            createdAt, now.AddSeconds(seconds), now, null, reservationLines), null);
    }

    private static Reservation Pending(ReservationTerms terms, IReadOnlyList<ResolvedLine> lines, DateTimeOffset now, DateTimeOffset createdAt)
    {
        var acceptBy = now.AddSeconds(lines.Min(l => l.Item.AcceptWithinSeconds ?? AcceptWithinSecondsDefault));
        var reservationLines = lines.Select((l, i) => new ReservationLine(i, l.Line.Sku, l.Line.Quantity, 0, 0, l.Location, l.Group, [])).ToList();
        return new Reservation(terms.Id, terms.Channel, terms.CustomerId, terms.Priority, ReservationStatus.Pending, terms.AllowPartial,
            terms.AllowBackorder, createdAt, acceptBy, now, null, reservationLines, acceptBy);
    }

    private static string Name(ReservationStatus status) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(status.ToString());
}
