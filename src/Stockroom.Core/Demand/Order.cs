using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

/// <summary><c>allocated → picked → packed → shipped → returned</c>, or <c>cancelled</c> before it ships.</summary>
public enum OrderStatus
{
    Allocated,
    Picked,
    Packed,
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
/// Units of one SKU an order has at one location, and how many of them came back. Of the
/// <c>Quantity</c>, <c>SellerConfirmed</c> units are on the seller's word (an on-request hold
/// accepted without the counted stock): they are not allocated at the position, and shipping
/// them takes nothing off its on-hand.
/// </summary>
public sealed record OrderLine(int Line, string Sku, string Location, long Quantity, long Returned, long SellerConfirmed = 0)
{
    /// <summary>The units allocated at the position: those not on the seller's word.</summary>
    public long Allocated()
    {
        Invariant.Require(SellerConfirmed >= 0 && SellerConfirmed <= Quantity, $"line {Line} has between none and all of its {Quantity} units on the seller's word");
        return Quantity - SellerConfirmed;
    }
}

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
    /// <summary>While open, an order's units are allocated at their positions.</summary>
    public bool HoldsAllocation() => Status is OrderStatus.Allocated or OrderStatus.Picked or OrderStatus.Packed;
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
/// Units on the seller's word were never on the counted shelf: shipping them moves no counter and
/// cancelling them frees nothing. Returned, they are on the shelf like any other unit, so a
/// return restocks them too.
/// </summary>
public static class OrderLifecycle
{
    public static OrderTransition Decide(Order order, OrderEventType type, IReadOnlyList<(string Sku, long Quantity)>? lines, string? trackingNumber, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(order);
        var updated = order with { UpdatedAt = at, TrackingNumber = trackingNumber ?? order.TrackingNumber };
        if (lines is { Count: > 0 } && type != OrderEventType.Returned)
        {
            return new OrderTransition.Illegal($"'{Name(type)}' applies to the whole order; only 'returned' takes lines");
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
                return new OrderTransition.Applied(updated with { Status = OrderStatus.Shipped },
                    [.. order.Lines.Select(l => new PositionEffect(new PositionKey(l.Sku, l.Location), -l.Allocated(), -l.Allocated(), l.SellerConfirmed))]);
            case OrderEventType.Cancelled when order.HoldsAllocation():
                return new OrderTransition.Applied(updated with { Status = OrderStatus.Cancelled },
                    [.. order.Lines.Select(l => new PositionEffect(new PositionKey(l.Sku, l.Location), 0, -l.Allocated()))]);
            case OrderEventType.Returned when order.Status == OrderStatus.Shipped:
                return Return(updated, lines);
            default:
                return new OrderTransition.Illegal($"an order that is {Name(order.Status)} cannot be {Name(type)}");
        }
    }

    /// <summary>
    /// Returns the given quantities (all that is left to return when none are given), line by
    /// line in order; the order is returned once every shipped unit is back.
    /// </summary>
    private static OrderTransition Return(Order order, IReadOnlyList<(string Sku, long Quantity)>? asked)
    {
        var wanted = asked is { Count: > 0 }
            ? asked.GroupBy(l => l.Sku, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity), StringComparer.Ordinal)
            : order.Lines.Where(l => l.Returned < l.Quantity).GroupBy(l => l.Sku, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity - l.Returned), StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return new OrderTransition.Illegal("every shipped unit has already been returned");
        }

        foreach (var (sku, quantity) in wanted)
        {
            var returnable = order.Lines.Where(l => l.Sku == sku).Sum(l => l.Quantity - l.Returned);
            if (quantity <= 0 || quantity > returnable)
            {
                return new OrderTransition.Illegal($"{quantity} of '{sku}' cannot be returned; {returnable} shipped and not yet returned");
            }
        }

        var effects = new List<PositionEffect>();
        var lines = new List<OrderLine>(order.Lines.Count);
        foreach (var line in order.Lines)
        {
            var left = wanted.GetValueOrDefault(line.Sku);
            var back = Math.Min(left, line.Quantity - line.Returned);
            if (back > 0)
            {
                wanted[line.Sku] = left - back;
                effects.Add(new PositionEffect(new PositionKey(line.Sku, line.Location), back, 0, SellerConfirmedReturned(line, back)));
            }

            lines.Add(line with { Returned = line.Returned + back });
        }

        Invariant.Require(wanted.Values.All(v => v == 0), "every unit asked back is returned to a line");
        var allBack = lines.All(l => l.Returned == l.Quantity);
        return new OrderTransition.Applied(order with { Lines = lines, Status = allBack ? OrderStatus.Returned : OrderStatus.Shipped }, effects);
    }

    /// <summary>
    /// How many of <paramref name="back"/> units returned to a line were on the seller's word.
    /// Units are alike once shipped, so counted units are taken to come back first: the
    /// valuation gives their cost back, and the seller's own never had one.
    /// </summary>
    private static long SellerConfirmedReturned(OrderLine line, long back)
    {
        var countedLeft = Math.Max(0, line.Allocated() - line.Returned);
        var seller = Math.Max(0, back - countedLeft);
        Invariant.Require(back > 0 && back <= line.Quantity - line.Returned, "a return gives back no more than the line has out");
        Invariant.Require(seller <= line.SellerConfirmed, "no more units come back on the seller's word than went out on it");
        return seller;
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

    private static string Name<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
