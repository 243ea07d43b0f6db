using Stockroom.Core.Demand;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

public sealed class HoldsTests
{
    private static readonly PositionKey Store = new("LAMP", "store");
    private static readonly PositionKey Warehouse = new("LAMP", "wh");

    private static Dictionary<PositionKey, Position> Stock(long store, long warehouse) => new()
    {
        [Store] = new Position(Store, store, 0, 0),
        [Warehouse] = new Position(Warehouse, warehouse, 0, 0),
    };

    private static HoldRequest Request(long quantity, bool allowPartial = false, DemandKind kind = DemandKind.Reserved) =>
        new([new HoldLine("LAMP", quantity, [new LineSource("store", 10), new LineSource("wh", 0)])], allowPartial, kind);

    [Fact]
    public void A_hold_takes_units_into_reserved()
    {
        var positions = Stock(10, 0);
        var held = Assert.IsType<HoldDecision.Held>(Holds.Decide(Request(3), positions));
        Assert.True(held.Complete);
        Assert.Equal(new Position(Store, 10, 3, 0), positions[Store]);
    }

    [Fact]
    public void An_order_takes_units_into_allocated()
    {
        var positions = Stock(10, 0);
        Holds.Decide(Request(3, kind: DemandKind.Allocated), positions);
        Assert.Equal(new Position(Store, 10, 0, 3), positions[Store]);
    }

    [Fact]
    public void A_refusal_leaves_every_position_as_it_was()
    {
        var positions = Stock(2, 3);
        var before = new Dictionary<PositionKey, Position>(positions);
        var multi = new HoldRequest(
            [new HoldLine("LAMP", 2, [new LineSource("store", 0)]), new HoldLine("LAMP", 9, [new LineSource("wh", 0)])], false, DemandKind.Reserved);
        var refused = Assert.IsType<HoldDecision.Refused>(Holds.Decide(multi, positions));
        Assert.Equal([0L, 6L], refused.Lines.Select(l => l.Shortfall));
        Assert.Equal(before, positions);
    }

    [Fact]
    public void Partial_holds_take_what_there_is_and_say_so()
    {
        var positions = Stock(2, 3);
        var held = Assert.IsType<HoldDecision.Held>(Holds.Decide(Request(9, allowPartial: true), positions));
        Assert.False(held.Complete);
        Assert.Equal(5, held.Lines[0].Held);
    }

    [Fact]
    public void Partial_with_nothing_at_all_is_a_refusal()
    {
        Assert.IsType<HoldDecision.Refused>(Holds.Decide(Request(1, allowPartial: true), Stock(0, 0)));
    }

    [Fact]
    public void Requests_decided_in_turn_never_share_a_unit()
    {
        var positions = Stock(3, 2);
        var winners = Enumerable.Range(0, 20).Count(_ => Holds.Decide(Request(1), positions) is HoldDecision.Held);
        Assert.Equal(5, winners);
        Assert.All(positions.Values, p => Assert.Equal(p.OnHand, p.Reserved));
    }

    [Fact]
    public void Lines_of_one_request_see_each_other()
    {
        var positions = Stock(3, 0);
        var twice = new HoldRequest([new HoldLine("LAMP", 2, [new LineSource("store", 0)]), new HoldLine("LAMP", 2, [new LineSource("store", 0)])], false, DemandKind.Reserved);
        Assert.IsType<HoldDecision.Refused>(Holds.Decide(twice, positions));
    }

    [Fact]
    public void Safety_stock_is_never_held()
    {
        var positions = Stock(10, 0);
        var decision = Holds.Decide(Request(9), positions, p => p.Key == Store ? 2 : 0);
        Assert.IsType<HoldDecision.Refused>(decision);
        Assert.IsType<HoldDecision.Held>(Holds.Decide(Request(8), positions, p => p.Key == Store ? 2 : 0));
    }

    [Fact]
    public void A_position_already_short_promises_nothing()
    {
        var positions = new Dictionary<PositionKey, Position> { [Store] = new(Store, 1, 2, 1), [Warehouse] = new(Warehouse, 0, 0, 0) };
        Assert.IsType<HoldDecision.Refused>(Holds.Decide(Request(1), positions));
    }

    [Fact]
    public void Committing_more_than_is_promisable_breaks_the_invariant()
    {
        Assert.Throws<InvariantViolationException>(() => Holds.Commit(new Position(Store, 5, 3, 0), 3, DemandKind.Reserved, 0));
        Assert.Throws<InvariantViolationException>(() => Holds.Commit(new Position(Store, 5, 0, 0), 4, DemandKind.Allocated, 2));
    }

    [Fact]
    public void Releasing_more_than_is_committed_breaks_the_invariant()
    {
        Assert.Throws<InvariantViolationException>(() => Holds.Release(new Position(Store, 5, 1, 0), 2, DemandKind.Reserved));
    }

    [Fact]
    public void Consuming_moves_units_from_reserved_to_allocated()
    {
        Assert.Equal(new Position(Store, 5, 1, 2), Holds.Consume(new Position(Store, 5, 3, 0), 2));
    }

    private static HoldRequest Accepted(long quantity, bool allowBackorder = false) =>
        new([new HoldLine("LAMP", quantity, [new LineSource("store", 10), new LineSource("wh", 0)], Backorderable: true, SellerConfirms: true)],
            AllowPartial: false, DemandKind.Reserved, allowBackorder);

    [Fact]
    public void A_seller_accepted_line_at_zero_stock_is_whole_on_the_sellers_word_and_touches_no_position()
    {
        var positions = Stock(0, 0);
        var before = new Dictionary<PositionKey, Position>(positions);
        var line = Assert.Single(Assert.IsType<HoldDecision.Held>(Holds.Decide(Accepted(3), positions)).Lines);
        Assert.Equal((0L, 3L, "store", 0L), (line.Held, line.SellerConfirmed, line.SellerConfirmedLocation, line.Shortfall));
        Assert.Equal(before, positions);
    }

    [Fact]
    public void A_seller_accepted_line_holds_what_there_is_and_confirms_the_rest_before_any_backorder()
    {
        var positions = Stock(1, 1);
        var line = Assert.Single(Assert.IsType<HoldDecision.Held>(Holds.Decide(Accepted(5, allowBackorder: true), positions)).Lines);
        Assert.Equal((2L, 3L, 0L), (line.Held, line.SellerConfirmed, line.Backordered));
        Assert.Equal([new Position(Store, 1, 1, 0), new Position(Warehouse, 1, 1, 0)], [positions[Store], positions[Warehouse]]);
    }

    [Fact]
    public void Only_a_line_the_seller_accepted_is_confirmed_on_their_word()
    {
        var positions = Stock(1, 0);
        var mixed = new HoldRequest(
            [new HoldLine("LAMP", 2, [new LineSource("store", 0)], SellerConfirms: true), new HoldLine("LAMP", 2, [new LineSource("store", 0)])],
            AllowPartial: false, DemandKind.Reserved);
        var refused = Assert.IsType<HoldDecision.Refused>(Holds.Decide(mixed, positions));
        Assert.Equal([0L, 2L], refused.Lines.Select(l => l.Shortfall));
        Assert.Equal(new Position(Store, 1, 0, 0), positions[Store]);
    }
}
