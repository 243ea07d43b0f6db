using Stockroom.Core.Demand;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

public sealed class OrderLifecycleTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static Order Order(OrderStatus status)
    {
        var shipped = status is OrderStatus.Shipped or OrderStatus.Returned;
        return new("o-1", "web", null, status, At, At, null, null, null,
            [.. new[] { new OrderLine(0, "LAMP", "store", 2, 0), new OrderLine(1, "LAMP", "wh", 1, 0), new OrderLine(2, "BULB", "store", 4, 0) }
                .Select(l => shipped ? l with { Shipped = l.Quantity } : l)]);
    }

    private static OrderTransition.Applied Applied(OrderTransition transition) => Assert.IsType<OrderTransition.Applied>(transition);

    [Theory]
    [InlineData(OrderStatus.Allocated, OrderEventType.Picked, OrderStatus.Picked)]
    [InlineData(OrderStatus.Allocated, OrderEventType.Packed, OrderStatus.Packed)]
    [InlineData(OrderStatus.Picked, OrderEventType.Packed, OrderStatus.Packed)]
    [InlineData(OrderStatus.Allocated, OrderEventType.Shipped, OrderStatus.Shipped)]
    [InlineData(OrderStatus.Packed, OrderEventType.Shipped, OrderStatus.Shipped)]
    [InlineData(OrderStatus.Picked, OrderEventType.Cancelled, OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Shipped, OrderEventType.Returned, OrderStatus.Returned)]
    public void Legal_transitions(OrderStatus from, OrderEventType type, OrderStatus to)
    {
        Assert.Equal(to, Applied(OrderLifecycle.Decide(Order(from), type, null, null, At)).Order.Status);
    }

    [Theory]
    [InlineData(OrderStatus.Picked, OrderEventType.Picked)]
    [InlineData(OrderStatus.Packed, OrderEventType.Picked)]
    [InlineData(OrderStatus.Shipped, OrderEventType.Cancelled)]
    [InlineData(OrderStatus.Shipped, OrderEventType.Packed)]
    [InlineData(OrderStatus.Cancelled, OrderEventType.Shipped)]
    [InlineData(OrderStatus.Allocated, OrderEventType.Returned)]
    [InlineData(OrderStatus.Returned, OrderEventType.Returned)]
    public void Illegal_transitions(OrderStatus from, OrderEventType type)
    {
        Assert.IsType<OrderTransition.Illegal>(OrderLifecycle.Decide(Order(from), type, null, null, At));
    }

    [Fact]
    public void Shipping_takes_every_line_off_the_shelf_and_out_of_allocation()
    {
        var effects = Applied(OrderLifecycle.Decide(Order(OrderStatus.Packed), OrderEventType.Shipped, null, "1Z", At)).Effects;
        Assert.Equal([new PositionEffect(new("LAMP", "store"), -2, -2), new PositionEffect(new("LAMP", "wh"), -1, -1), new PositionEffect(new("BULB", "store"), -4, -4)], effects);
    }

    [Fact]
    public void Cancelling_frees_the_allocation_only()
    {
        var effects = Applied(OrderLifecycle.Decide(Order(OrderStatus.Allocated), OrderEventType.Cancelled, null, null, At)).Effects;
        Assert.All(effects, e => Assert.Equal(0, e.OnHandDelta));
        Assert.Equal(-7, effects.Sum(e => e.AllocatedDelta));
    }

    [Fact]
    public void A_partial_return_restocks_line_by_line_and_keeps_the_order_shipped()
    {
        var applied = Applied(OrderLifecycle.Decide(Order(OrderStatus.Shipped), OrderEventType.Returned, [new OrderEventLine("LAMP", 3)], null, At));
        Assert.Equal(OrderStatus.Shipped, applied.Order.Status);
        Assert.Equal([new PositionEffect(new("LAMP", "store"), 2, 0), new PositionEffect(new("LAMP", "wh"), 1, 0)], applied.Effects);
        var rest = Applied(OrderLifecycle.Decide(applied.Order, OrderEventType.Returned, null, null, At));
        Assert.Equal(OrderStatus.Returned, rest.Order.Status);
        Assert.Equal([new PositionEffect(new("BULB", "store"), 4, 0)], rest.Effects);
    }

    [Fact]
    public void Returning_more_than_was_shipped_is_illegal()
    {
        Assert.IsType<OrderTransition.Illegal>(OrderLifecycle.Decide(Order(OrderStatus.Shipped), OrderEventType.Returned, [new OrderEventLine("LAMP", 4)], null, At));
    }

    [Fact]
    public void Pos_times_are_kept_from_the_first_time()
    {
        var later = At.AddMinutes(5);
        var sent = Applied(OrderLifecycle.Decide(Order(OrderStatus.Allocated), OrderEventType.SentToPos, null, null, At)).Order;
        var acknowledged = Applied(OrderLifecycle.Decide(sent, OrderEventType.PosAcknowledged, null, null, later)).Order;
        Assert.Equal((At, later), (acknowledged.SentToPosAt!.Value, acknowledged.PosAcknowledgedAt!.Value));
        Assert.Equal(OrderStatus.Allocated, acknowledged.Status);
    }

    [Fact]
    public void Shipping_what_a_count_already_removed_never_goes_below_zero()
    {
        var (after, counted) = OrderLifecycle.Apply(new Position(new("LAMP", "store"), 1, 0, 2), new PositionEffect(new("LAMP", "store"), -2, -2));
        Assert.Equal((0L, 0L, 1L), (after.OnHand, after.Allocated, counted));
    }

    [Fact]
    public void Shipping_some_lines_leaves_the_order_partly_shipped_and_the_rest_allocated()
    {
        var applied = Applied(OrderLifecycle.Decide(Order(OrderStatus.Packed), OrderEventType.Shipped, [new OrderEventLine("LAMP", 2, "store"), new OrderEventLine("BULB", 1)], null, At));
        Assert.Equal(OrderStatus.PartiallyShipped, applied.Order.Status);
        Assert.Equal([new PositionEffect(new("LAMP", "store"), -2, -2), new PositionEffect(new("BULB", "store"), -1, -1)], applied.Effects);
        Assert.Equal([0L, 1L, 3L], applied.Order.Lines.Select(l => l.Open));

        var cancelled = Applied(OrderLifecycle.Decide(applied.Order, OrderEventType.Cancelled, null, null, At));
        Assert.Equal(OrderStatus.Shipped, cancelled.Order.Status);
        Assert.Equal([new PositionEffect(new("LAMP", "wh"), 0, -1), new PositionEffect(new("BULB", "store"), 0, -3)], cancelled.Effects);
    }

    [Fact]
    public void Shipping_more_than_is_open_or_where_the_order_has_no_line_is_illegal()
    {
        Assert.IsType<OrderTransition.Illegal>(OrderLifecycle.Decide(Order(OrderStatus.Allocated), OrderEventType.Shipped, [new OrderEventLine("LAMP", 3, "store")], null, At));
        Assert.IsType<OrderTransition.Illegal>(OrderLifecycle.Decide(Order(OrderStatus.Allocated), OrderEventType.Cancelled, [new OrderEventLine("LAMP", 1, "elsewhere")], null, At));
        Assert.IsType<OrderTransition.Illegal>(OrderLifecycle.Decide(Order(OrderStatus.Allocated), OrderEventType.Picked, [new OrderEventLine("LAMP", 1)], null, At));
    }

    [Fact]
    public void Cancelling_every_line_one_by_one_cancels_the_order()
    {
        var order = Order(OrderStatus.Allocated);
        order = Applied(OrderLifecycle.Decide(order, OrderEventType.Cancelled, [new OrderEventLine("LAMP", 3)], null, At)).Order;
        Assert.Equal(OrderStatus.Allocated, order.Status);
        order = Applied(OrderLifecycle.Decide(order, OrderEventType.Cancelled, [new OrderEventLine("BULB", 4)], null, At)).Order;
        Assert.Equal(OrderStatus.Cancelled, order.Status);
    }

    /// <summary>One unit held at the store, two on the seller's word there; and bulbs wholly on the seller's word.</summary>
    private static Order OnSellersWord(OrderStatus status)
    {
        var shipped = status is OrderStatus.Shipped or OrderStatus.Returned;
        return new("o-2", "web", "r-2", status, At, At, null, null, null,
            [.. new[] { new OrderLine(0, "LAMP", "store", 1, 0), new OrderLine(1, "LAMP", "store", 2, 0, SellerConfirmed: 2), new OrderLine(2, "BULB", "store", 3, 0, SellerConfirmed: 3) }
                .Select(l => shipped ? l with { Shipped = l.Quantity } : l)]);
    }

    [Fact]
    public void Shipping_units_on_the_sellers_word_takes_nothing_off_the_shelf()
    {
        var effects = Applied(OrderLifecycle.Decide(OnSellersWord(OrderStatus.Packed), OrderEventType.Shipped, null, null, At)).Effects;
        Assert.Equal([new PositionEffect(new("LAMP", "store"), -1, -1), new PositionEffect(new("LAMP", "store"), 0, 0, 2), new PositionEffect(new("BULB", "store"), 0, 0, 3)],
            effects);
        var (after, counted) = OrderLifecycle.Apply(new Position(new("LAMP", "store"), 0, 0, 0), effects[1]);
        Assert.Equal((new Position(new("LAMP", "store"), 0, 0, 0), 0L), (after, counted));
    }

    [Fact]
    public void Cancelling_units_on_the_sellers_word_frees_only_what_was_allocated()
    {
        var effects = Applied(OrderLifecycle.Decide(OnSellersWord(OrderStatus.Allocated), OrderEventType.Cancelled, null, null, At)).Effects;
        Assert.Equal([-1L, 0L, 0L], effects.Select(e => e.AllocatedDelta));
        Assert.All(effects, e => Assert.Equal((0L, 0L), (e.OnHandDelta, e.SellerConfirmed)));
    }

    [Fact]
    public void Returned_units_on_the_sellers_word_go_on_the_shelf()
    {
        var first = Applied(OrderLifecycle.Decide(OnSellersWord(OrderStatus.Shipped), OrderEventType.Returned, [new OrderEventLine("BULB", 2)], null, At));
        Assert.Equal([new PositionEffect(new("BULB", "store"), 2, 0, 2)], first.Effects);
        var rest = Applied(OrderLifecycle.Decide(first.Order, OrderEventType.Returned, [new OrderEventLine("LAMP", 2)], null, At));
        Assert.Equal([new PositionEffect(new("LAMP", "store"), 1, 0), new PositionEffect(new("LAMP", "store"), 1, 0, 1)], rest.Effects);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 2)]
    public void A_line_partly_or_over_on_the_sellers_word_breaks_the_invariant(long quantity, long sellerConfirmed)
    {
        var order = OnSellersWord(OrderStatus.Packed) with { Lines = [new OrderLine(0, "LAMP", "store", quantity, 0, SellerConfirmed: sellerConfirmed)] };
        Assert.Throws<InvariantViolationException>(() => OrderLifecycle.Decide(order, OrderEventType.Shipped, null, null, At));
    }
}
