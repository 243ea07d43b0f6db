using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

public sealed class BackorderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly PositionKey Store = new("LAMP", "store");
    private static readonly PositionKey Warehouse = new("LAMP", "wh");
    private static readonly LineSource[] Both = [new("store", 10), new("wh", 0)];

    private static Dictionary<PositionKey, Position> Stock(long store, long warehouse, long storeBackordered = 0) => new()
    {
        [Store] = new Position(Store, store, 0, 0, storeBackordered),
        [Warehouse] = new Position(Warehouse, warehouse, 0, 0),
    };

    [Fact]
    public void The_shortfall_of_a_backorderable_line_waits_at_the_best_ranked_source()
    {
        var positions = Stock(2, 1);
        var request = new HoldRequest([new HoldLine("LAMP", 5, Both, Backorderable: true)], AllowPartial: false, DemandKind.Reserved, AllowBackorder: true);
        var held = Assert.IsType<HoldDecision.Held>(Holds.Decide(request, positions));
        Assert.True(held.AnyBackordered);
        Assert.Equal((3L, 2L, "store"), (held.Lines[0].Held, held.Lines[0].Backordered, held.Lines[0].BackorderLocation));
        Assert.Equal(new Position(Store, 2, 2, 0, 2), positions[Store]);
    }

    [Fact]
    public void An_item_that_is_not_backorderable_is_refused_even_when_backorders_are_allowed()
    {
        var request = new HoldRequest([new HoldLine("LAMP", 5, Both)], AllowPartial: false, DemandKind.Reserved, AllowBackorder: true);
        Assert.IsType<HoldDecision.Refused>(Holds.Decide(request, Stock(2, 1)));
    }

    [Fact]
    public void Backordered_demand_is_not_promised_to_anyone_else()
    {
        Assert.Equal(0, Atp.Promisable(new Position(Store, 3, 0, 0, 3), 0));
        Assert.IsType<HoldDecision.Refused>(Holds.Decide(new HoldRequest([new HoldLine("LAMP", 1, [new("store", 0)])], false, DemandKind.Reserved), Stock(3, 0, 3)));
    }

    [Fact]
    public void A_channel_line_takes_no_more_than_the_channel_is_shown()
    {
        var positions = Stock(10, 10);
        var line = new HoldLine("LAMP", 16, Both, new ChannelBuffer(null, 5));
        Assert.IsType<HoldDecision.Refused>(Holds.Decide(new HoldRequest([line], false, DemandKind.Reserved), positions));
        Assert.IsType<HoldDecision.Held>(Holds.Decide(new HoldRequest([line with { Quantity = 15 }], false, DemandKind.Reserved), positions));
    }

    [Fact]
    public void Arriving_supply_fills_highest_priority_then_oldest()
    {
        var positions = Stock(3, 0, storeBackordered: 6);
        var waiting = new[]
        {
            new WaitingBackorder("old-low", 0, "LAMP", 2, "store", Both, 1, At),
            new WaitingBackorder("new-high", 0, "LAMP", 2, "store", Both, 5, At.AddMinutes(5)),
            new WaitingBackorder("newer-low", 0, "LAMP", 2, "store", Both, 1, At.AddMinutes(9)),
        };
        var fills = Backorders.Fill(waiting, positions, (_, _) => 0);
        Assert.Equal([("new-high", 2L), ("old-low", 1L)], fills.Select(f => (f.Backorder.ReservationId, f.Filled)));
        Assert.Equal(new Position(Store, 3, 3, 0, 3), positions[Store]);
    }

    [Fact]
    public void A_backorder_fills_from_any_of_its_sources()
    {
        var positions = Stock(0, 4, storeBackordered: 3);
        var fills = Backorders.Fill([new WaitingBackorder("r", 0, "LAMP", 3, "store", Both, 0, At)], positions, (_, _) => 0);
        Assert.Equal([new Allocation("wh", 3)], fills.Single().Allocations);
        Assert.Equal((0L, 3L), (positions[Store].Backordered, positions[Warehouse].Reserved));
    }

    [Fact]
    public void Nothing_arrived_fills_nothing_and_leaves_the_claim()
    {
        var positions = Stock(0, 0, storeBackordered: 3);
        Assert.Empty(Backorders.Fill([new WaitingBackorder("r", 0, "LAMP", 3, "store", Both, 0, At)], positions, (_, _) => 0));
        Assert.Equal(3, positions[Store].Backordered);
    }

    [Fact]
    public void A_backorder_is_covered_on_the_date_inbound_supply_arrives()
    {
        var today = new DateOnly(2026, 11, 22);
        var lots = new[] { new InboundSupply(Store, SupplyType.PurchaseOrder, "a", 2, today.AddDays(3)), new InboundSupply(Store, SupplyType.PurchaseOrder, "b", 5, today.AddDays(8)) };
        var supply = new PositionSupply(new Position(Store, 1, 1, 0, 4), lots, 0);
        Assert.Equal(today.AddDays(8), Atp.CoveredOn(supply, today));
        Assert.Null(Atp.CoveredOn(supply with { Inbound = [lots[0]] }, today));
        Assert.Equal(today, Atp.CoveredOn(supply with { Position = new Position(Store, 5, 1, 0, 4) }, today));
    }
}
