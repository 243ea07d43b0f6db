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
}
