using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

/// <summary>
/// <c>allocated → picked → packed → shipped → returned</c>, or <c>cancelled</c> before it ships.
/// An order that ships or cancels some lines and keeps others open is <c>partiallyShipped</c>.
/// </summary>
public enum OrderStatus
{
    Allocated,
    Picked,
    Packed,
    PartiallyShipped,
    Shipped,
    Cancelled,
    Returned,
}

public enum OrderEventType
{
    Picked,
    Packed,
    Shipped,
    Cancelled,
    Returned,
    SentToPos,
    PosAcknowledged,
}

/// <summary>
/// Units of one SKU an order has at one location: how many shipped, were cancelled before they
/// shipped, and came back after. What is neither shipped nor cancelled is still open. A line is
/// either counted stock allocated at the position, or wholly on the seller's word
/// (<c>SellerConfirmed</c> = <c>Quantity</c>: an on-request hold accepted without the counted
/// stock), allocated nowhere, so that shipping it takes nothing off the position's on-hand; an
/// order from a reservation that has both gets a line of each.
/// </summary>
public sealed record OrderLine(int Line, string Sku, string Location, long Quantity, long Returned, long Shipped = 0, long Cancelled = 0, long SellerConfirmed = 0)
{
    /// <summary>Units still to ship or cancel.</summary>
    public long Open => Quantity - Shipped - Cancelled;

    public bool OnSellersWord
    {
        get
        {
            Invariant.Require(SellerConfirmed == 0 || SellerConfirmed == Quantity, $"line {Line} is counted stock or wholly on the seller's word");
            return SellerConfirmed > 0;
        }
    }

    /// <summary>The units allocated at the position: the open ones, unless the line is on the seller's word.</summary>
    public long Allocated() => OnSellersWord ? 0 : Open;
}

/// <summary>Units an order event names: a SKU, optionally at one of the order's locations.</summary>
public readonly record struct OrderEventLine(string Sku, long Quantity, string? Location = null);

/// <summary>Demand allocated to locations, on its way through fulfilment.</summary>
public sealed record Order(
    string Id,
    string Channel,
    string? ReservationId,
    OrderStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? SentToPosAt,
    DateTimeOffset? PosAcknowledgedAt,
    string? TrackingNumber,
    IReadOnlyList<OrderLine> Lines)
{
    /// <summary>While open, an order's units that have neither shipped nor been cancelled are allocated at their positions.</summary>
    public bool HoldsAllocation() => Status is OrderStatus.Allocated or OrderStatus.Picked or OrderStatus.Packed or OrderStatus.PartiallyShipped;
}

/// <summary>
/// What an order event does to one position. <c>SellerConfirmed</c> counts the units of the event
/// that were on the seller's word: shipped without leaving on-hand, or (within <c>OnHandDelta</c>) returned.
/// </summary>
public readonly record struct PositionEffect(PositionKey Key, long OnHandDelta, long AllocatedDelta, long SellerConfirmed = 0);

public abstract record OrderTransition
{
    private OrderTransition()
    {
    }

    public sealed record Applied(Order Order, IReadOnlyList<PositionEffect> Effects) : OrderTransition;

    public sealed record Illegal(string Reason) : OrderTransition;
}

/// <summary>
/// The order state machine. Shipping takes units off the shelf and closes their allocation;
/// cancelling frees the allocation; a return puts units back on the shelf where they left.
/// Shipping, cancelling and returning take lines, so an order can ship in parts and lose a line;
/// without lines they apply to everything the event can still apply to. Units on the seller's
/// word were never on the counted shelf: shipping them moves no counter and cancelling them frees
/// nothing. Returned, they are on the shelf like any other unit, so a return restocks them too.
/// </summary>
public static class OrderLifecycle
{
    public static OrderTransition Decide(Order order, OrderEventType type, IReadOnlyList<OrderEventLine>? lines, string? trackingNumber, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(order);
        var updated = order with { UpdatedAt = at, TrackingNumber = trackingNumber ?? order.TrackingNumber };
        if (lines is { Count: > 0 } && type is not (OrderEventType.Shipped or OrderEventType.Cancelled or OrderEventType.Returned))
        {
            return new OrderTransition.Illegal($"'{Name(type)}' applies to the whole order; only 'shipped', 'cancelled' and 'returned' take lines");
        }

        switch (type)
        {
            case OrderEventType.SentToPos:
                return new OrderTransition.Applied(updated with { SentToPosAt = order.SentToPosAt ?? at }, []);
            case OrderEventType.PosAcknowledged:
                return new OrderTransition.Applied(updated with { SentToPosAt = order.SentToPosAt ?? at, PosAcknowledgedAt = order.PosAcknowledgedAt ?? at }, []);
            case OrderEventType.Picked when order.Status == OrderStatus.Allocated:
                return new OrderTransition.Applied(updated with { Status = OrderStatus.Picked }, []);
            case OrderEventType.Packed when order.Status is OrderStatus.Allocated or OrderStatus.Picked:
                return new OrderTransition.Applied(updated with { Status = OrderStatus.Packed }, []);
            case OrderEventType.Shipped when order.HoldsAllocation():
                return Move(updated, lines, "shipped", l => l.Open, (l, n) => l with { Shipped = l.Shipped + n },
                    (l, n) => l.OnSellersWord ? new PositionEffect(Key(l), 0, 0, n) : new PositionEffect(Key(l), -n, -n));
            case OrderEventType.Cancelled when order.HoldsAllocation():
                return Move(updated, lines, "cancelled", l => l.Open, (l, n) => l with { Cancelled = l.Cancelled + n },
                    (l, n) => new PositionEffect(Key(l), 0, l.OnSellersWord ? 0 : -n));
            case OrderEventType.Returned when order.Lines.Any(l => l.Shipped > l.Returned) && order.Status is OrderStatus.Shipped or OrderStatus.PartiallyShipped:
                return Move(updated, lines, "returned", l => l.Shipped - l.Returned, (l, n) => l with { Returned = l.Returned + n },
                    (l, n) => new PositionEffect(Key(l), n, 0, l.OnSellersWord ? n : 0));
            default:
                return new OrderTransition.Illegal($"an order that is {Name(order.Status)} cannot be {Name(type)}");
        }
    }

    /// <summary>
    /// Applies an event to the units it names (every unit it can apply to when it names none),
    /// line by line in order, each line giving at most <paramref name="movable"/> units.
    /// </summary>
    private static OrderTransition Move(Order order, IReadOnlyList<OrderEventLine>? asked, string verb, Func<OrderLine, long> movable,
        Func<OrderLine, long, OrderLine> moved, Func<OrderLine, long, PositionEffect> effect)
    {
        var wanted = asked is { Count: > 0 }
            ? asked.GroupBy(l => (l.Sku, l.Location)).Select(g => (g.Key.Sku, g.Key.Location, Quantity: g.Sum(l => l.Quantity))).ToList()
            : [.. order.Lines.Where(l => movable(l) > 0).Select(l => (l.Sku, (string?)l.Location, Quantity: movable(l)))];
        if (wanted.Count == 0)
        {
            return new OrderTransition.Illegal($"no unit of the order can be {verb} any more");
        }

        var lines = order.Lines.ToList();
        var effects = new List<PositionEffect>();
        foreach (var (sku, location, quantity) in wanted)
        {
            var matching = Enumerable.Range(0, lines.Count).Where(i => lines[i].Sku == sku && (location is null || lines[i].Location == location)).ToList();
            var available = matching.Sum(i => movable(lines[i]));
            var where = location is null ? "" : $" at '{location}'";
            if (quantity <= 0 || quantity > available)
            {
                return new OrderTransition.Illegal(matching.Count == 0
                    ? $"the order has no line of '{sku}'{where}"
                    : $"{quantity} of '{sku}'{where} cannot be {verb}; {available} can");
            }

            var left = quantity;
            foreach (var i in matching)
            {
                var take = Math.Min(left, movable(lines[i]));
                if (take > 0)
                {
                    left -= take;
                    effects.Add(effect(lines[i], take));
                    lines[i] = moved(lines[i], take);
                }
            }

            Invariant.Require(left == 0, "every unit named is moved from a line");
        }

        Invariant.Require(lines.All(l => l.Open >= 0 && l.Returned <= l.Shipped), "an order line never moves more units than it has");
        return new OrderTransition.Applied(order with { Lines = lines, Status = StatusOf(order.Status, lines) }, effects);
    }

    private static PositionKey Key(OrderLine line) => new(line.Sku, line.Location);

    /// <summary>The status that follows from what the lines have done.</summary>
    internal static OrderStatus StatusOf(OrderStatus current, IReadOnlyList<OrderLine> lines)
    {
        var shipped = lines.Sum(l => l.Shipped);
        if (lines.Any(l => l.Open > 0))
        {
            return shipped > 0 ? OrderStatus.PartiallyShipped : current;
        }

        if (shipped == 0)
        {
            return OrderStatus.Cancelled;
        }

        return lines.Sum(l => l.Returned) == shipped ? OrderStatus.Returned : OrderStatus.Shipped;
    }

    /// <summary>
    /// Applies an effect to a position. A shipment never drives on-hand below zero: when a count
    /// already took the units off (the store's own system saw the sale), the rest is reported as
    /// units the count had already removed.
    /// </summary>
    public static (Position After, long AlreadyCounted) Apply(Position position, PositionEffect effect)
    {
        ArgumentNullException.ThrowIfNull(position);
        Invariant.Require(effect.SellerConfirmed >= 0, "an effect has zero or more units on the seller's word");
        var after = position;
        if (effect.AllocatedDelta < 0)
        {
            after = Holds.Release(after, -effect.AllocatedDelta, DemandKind.Allocated);
        }

        var onHand = after.OnHand + effect.OnHandDelta;
        var alreadyCounted = Math.Max(0, -onHand);
        after = after with { OnHand = Math.Max(0, onHand) };
        Invariant.Require(after.OnHand >= 0 && after.Allocated >= 0, $"position {position.Key} stays non-negative");
        return (after, alreadyCounted);
    }

    internal static string Name<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
