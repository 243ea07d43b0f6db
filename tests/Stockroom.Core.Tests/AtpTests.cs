using Stockroom.Core;
using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

public sealed class AtpTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);

    private static PositionSupply At(string location, long onHand, long reserved = 0, long allocated = 0, long safety = 0,
        bool active = true, params InboundSupply[] inbound) =>
        new(new Position(new PositionKey("SKU", location), onHand, reserved, allocated), inbound, safety, active);

    private static InboundSupply Lot(string location, long quantity, DateOnly? eta, string reference = "") =>
        new(new PositionKey("SKU", location), SupplyType.PurchaseOrder, reference, quantity, eta);

    [Fact]
    public void Empty_position_promises_nothing()
    {
        var terms = Atp.AtLocation(At("a", 0), Today, null);
        Assert.Equal(0, terms.Available);
        Assert.Empty(terms.Future);
    }

    [Fact]
    public void Location_with_only_on_hand_promises_all_of_it()
    {
        var terms = Atp.AtLocation(At("a", 10), Today, null);
        Assert.Equal(10, terms.OnHand);
        Assert.Equal(10, terms.Available);
    }

    [Fact]
    public void Every_term_is_subtracted_and_shown()
    {
        var terms = Atp.AtLocation(At("a", 20, reserved: 3, allocated: 4, safety: 5), Today, null);
        Assert.Equal((20L, 3L, 4L, 5L, 8L), (terms.OnHand, terms.Reserved, terms.Allocated, terms.SafetyStock, terms.Available));
    }

    [Fact]
    public void Safety_stock_larger_than_on_hand_leaves_zero_not_negative()
    {
        var terms = Atp.AtLocation(At("a", 3, safety: 10), Today, null);
        Assert.Equal(0, terms.Available);
        Assert.Equal(10, terms.SafetyStock);
    }

    [Fact]
    public void Committed_above_on_hand_leaves_zero_not_negative()
    {
        Assert.Equal(0, Atp.AtLocation(At("a", 5, reserved: 4, allocated: 4), Today, null).Available);
    }

    [Fact]
    public void Huge_positions_sum_without_overflow()
    {
        var supplies = Enumerable.Range(0, 1000).Select(i => At($"l{i}", Limits.PositionUnitsMax)).ToList();
        var terms = Atp.Across(supplies, Today, null);
        Assert.Equal(1000 * Limits.PositionUnitsMax, terms.Available);
    }

    [Fact]
    public void Group_sums_locations_and_one_shortage_does_not_eat_another_locations_stock()
    {
        var terms = Atp.Across([At("a", 10), At("b", 2, reserved: 5), At("c", 7, safety: 2)], Today, null);
        Assert.Equal(19, terms.OnHand);
        Assert.Equal(10 + 0 + 5, terms.Available);
    }

    [Fact]
    public void Inactive_location_shows_its_stock_but_promises_none()
    {
        var terms = Atp.Across([At("a", 10), At("b", 10, active: false)], Today, null);
        Assert.Equal(20, terms.OnHand);
        Assert.Equal(10, terms.Available);
    }

    [Fact]
    public void Inbound_does_not_count_now_but_counts_from_its_eta()
    {
        var supply = At("a", 5, inbound: Lot("a", 20, Today.AddDays(3)));
        Assert.Equal(5, Atp.AtLocation(supply, Today, null).Available);
        Assert.Equal(5, Atp.AtLocation(supply, Today, Today.AddDays(2)).Available);
        var onEta = Atp.AtLocation(supply, Today, Today.AddDays(3));
        Assert.Equal((20L, 25L), (onEta.Incoming, onEta.Available));
    }

    [Fact]
    public void Future_lists_only_dates_where_availability_changes()
    {
        var supply = At("a", 5, reserved: 10,
            inbound: [Lot("a", 3, Today.AddDays(1), "po-1"), Lot("a", 4, Today.AddDays(2), "po-2"), Lot("a", 8, Today.AddDays(5), "po-3")]);
        var terms = Atp.AtLocation(supply, Today, null);
        // 5 + 3 - 10 is still short; 5 + 3 + 4 - 10 = 2; + 8 = 10.
        Assert.Equal([new FuturePoint(Today.AddDays(2), 2), new FuturePoint(Today.AddDays(5), 10)], terms.Future);
    }

    [Fact]
    public void Overdue_inbound_is_promised_from_today_and_lots_without_eta_never()
    {
        var supply = At("a", 0, inbound: [Lot("a", 6, Today.AddDays(-4), "late"), Lot("a", 9, null, "unknown")]);
        Assert.Equal([new FuturePoint(Today, 6)], Atp.AtLocation(supply, Today, null).Future);
        Assert.Equal(6, Atp.AtLocation(supply, Today, Today.AddDays(100)).Available);
    }

    [Fact]
    public void Future_of_a_group_adds_its_locations_on_every_date()
    {
        var terms = Atp.Across([At("a", 1, inbound: Lot("a", 2, Today.AddDays(1))), At("b", 1, inbound: Lot("b", 3, Today.AddDays(2)))], Today, null);
        Assert.Equal([new FuturePoint(Today.AddDays(1), 4), new FuturePoint(Today.AddDays(2), 7)], terms.Future);
    }

    [Fact]
    public void Asking_about_the_past_breaks_an_invariant()
    {
        Assert.Throws<InvariantViolationException>(() => Atp.AtLocation(At("a", 1), Today, Today.AddDays(-1)));
    }

    [Fact]
    public void Negative_terms_break_an_invariant()
    {
        Assert.Throws<InvariantViolationException>(() => Atp.AtLocation(At("a", -1), Today, null));
    }

    [Theory]
    [InlineData(100, 10, 0, 10)]
    [InlineData(7, 10, 0, 1)] // 0.7 rounds up: a buffer never shows more than intended
    [InlineData(100, 0, 5, 5)]
    [InlineData(100, 10, 5, 15)]
    [InlineData(3, 50, 5, 3)] // never withholds more than there is
    [InlineData(0, 50, 5, 0)]
    [InlineData(10, 100, 0, 10)]
    public void Buffer_withholds_percent_rounded_up_plus_units(long available, int percent, long units, long withheld)
    {
        Assert.Equal(withheld, Atp.Withheld(available, new ChannelBuffer(percent, units)));
    }

    [Fact]
    public void Channel_sees_its_group_less_the_buffer_on_every_date()
    {
        var group = Atp.Across([At("a", 10, inbound: Lot("a", 10, Today.AddDays(1)))], Today, null);
        var channel = Atp.ForChannel(group, new ChannelBuffer(10, 1));
        Assert.Equal((2L, 8L), (channel.Buffer, channel.Available));
        Assert.Equal([new FuturePoint(Today.AddDays(1), 17)], channel.Future);
    }

    [Fact]
    public void Channel_without_buffer_sees_the_whole_group()
    {
        var group = Atp.Across([At("a", 10, inbound: Lot("a", 5, Today.AddDays(1)))], Today, null);
        var channel = Atp.ForChannel(group, null);
        Assert.Equal((0L, group.Available), (channel.Buffer, channel.Available));
        Assert.Equal(group.Future, channel.Future);
    }
}
