using Stockroom.Core;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

public sealed class SupplyDecisionTests
{
    private static readonly Position Lamp = new(new PositionKey("LAMP", "store"), OnHand: 10, Reserved: 3, Allocated: 2);

    [Fact]
    public void Count_replaces_on_hand_and_keeps_committed_demand()
    {
        var applied = Assert.IsType<SupplyOutcome.Applied>(SupplyDecisions.SetOnHand(Lamp, 4));
        Assert.Equal(Lamp with { OnHand = 4 }, applied.After);
        Assert.Equal(1, applied.After.Shortage);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(Limits.PositionUnitsMax + 1)]
    public void Count_outside_bounds_is_refused(long onHand)
    {
        Assert.IsType<SupplyOutcome.Refused>(SupplyDecisions.SetOnHand(Lamp, onHand));
    }

    [Fact]
    public void Removing_more_than_is_on_hand_is_refused_not_clamped()
    {
        var refused = Assert.IsType<SupplyOutcome.Refused>(SupplyDecisions.AdjustOnHand(Lamp, -11));
        Assert.Contains("below zero", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Removing_exactly_what_is_on_hand_leaves_zero()
    {
        var applied = Assert.IsType<SupplyOutcome.Applied>(SupplyDecisions.AdjustOnHand(Lamp, -10));
        Assert.Equal(0, applied.After.OnHand);
    }

    [Fact]
    public void Adding_past_the_position_limit_is_refused()
    {
        var full = Lamp with { OnHand = Limits.PositionUnitsMax };
        Assert.IsType<SupplyOutcome.Refused>(SupplyDecisions.AdjustOnHand(full, 1));
    }

    [Fact]
    public void Inbound_lot_cannot_go_below_zero()
    {
        Assert.Equal((5L, (string?)null), SupplyDecisions.AdjustInbound(3, 2));
        Assert.Null(SupplyDecisions.AdjustInbound(3, -4).Quantity);
    }

    [Fact]
    public void Shortage_is_committed_above_on_hand()
    {
        Assert.Equal(0, Lamp.Shortage);
        Assert.Equal(5, (Lamp with { OnHand = 0 }).Shortage);
    }

    [Theory]
    [InlineData(10, 0, -3, 7)] // shipped 2 and wrote 1 off after the count
    [InlineData(8, 2, -3, 7)] // the same, the source having deducted an acknowledged order of 2
    [InlineData(10, 0, 5, 15)] // received 5 after the count
    [InlineData(1, 0, -4, 0)] // later movements the count disagrees with never take on-hand below zero
    public void A_count_is_brought_forward_by_what_moved_after_its_time(long counted, long seen, long moved, long onHand)
    {
        var applied = Assert.IsType<SupplyOutcome.Applied>(SupplyDecisions.Count(Lamp with { Reserved = 0, Allocated = 0 }, counted, seen, moved));
        Assert.Equal(onHand, applied.After.OnHand);
    }

    private static readonly PositionKey Store = new("LAMP", "store");

    private static InboundSupply Lot(string reference, long quantity, string? source, string? snapshot = null) =>
        new(Store, SupplyType.InTransit, reference, quantity, null, source, snapshot);

    [Fact]
    public void A_snapshot_replaces_only_its_own_sources_lots()
    {
        var existing = new[] { Lot("ASN-1", 3, "erp", "s0"), Lot("T-1", 5, null), Lot("WMS-1", 4, "wms", "w0"), Lot("OLD", 2, InboundSupply.AnySource) };
        var replaced = SupplyDecisions.ReplaceLots("erp", "s1", existing, [Lot("ASN-2", 6, null), Lot("T-1", 50, null)]);
        var written = replaced.Lots.ToDictionary(l => l.Reference, l => (l.Quantity, l.Source));
        Assert.Equal(new Dictionary<string, (long, string?)> { ["ASN-1"] = (0, "erp"), ["OLD"] = (0, "*"), ["ASN-2"] = (6, "erp") }, written);
        Assert.Equal(["T-1"], replaced.HeldElsewhere.Select(l => l.Reference));
    }

    [Fact]
    public void Parts_of_one_snapshot_keep_the_lots_earlier_parts_set()
    {
        var first = SupplyDecisions.ReplaceLots("erp", "s1", [Lot("PO-STALE", 9, "erp", "s0")], [Lot("PO-A", 1, null)]);
        var afterFirst = first.Lots.Where(l => l.Quantity > 0).ToList();
        var second = SupplyDecisions.ReplaceLots("erp", "s1", afterFirst, [Lot("PO-B", 2, null)]);
        Assert.Equal([("PO-B", 2L)], second.Lots.Select(l => (l.Reference, l.Quantity)));
        Assert.Equal([("PO-STALE", 0L), ("PO-A", 1L)], first.Lots.Select(l => (l.Reference, l.Quantity)));
    }
}
