using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;
using static Stockroom.Core.Tests.ReservationFixtures;

namespace Stockroom.Core.Tests;

public sealed class ReservationLifecycleTests
{
    private static readonly DateTimeOffset Later = Now.AddSeconds(60);

    private static ReservationTransition.Applied Applied(ReservationTransition transition) => Assert.IsType<ReservationTransition.Applied>(transition);

    private static ReservationTransition Create(Dictionary<PositionKey, Position> positions, ReservationTerms terms, params HoldLineRequest[] lines)
    {
        var resolver = Resolver();
        return ReservationLifecycle.Create(terms, Lines(resolver, lines), resolver, positions, Now, DefaultHoldSeconds);
    }

    // Create

    [Fact]
    public void A_hold_that_stock_covers_is_active_for_its_channels_window_and_takes_units_into_reserved()
    {
        var positions = Stock(("LAMP", 5, 5));
        var created = Applied(Create(positions, Terms(), Line("LAMP", 3)));
        Assert.Equal(ReservationEvents.Created, created.EventType);
        Assert.Equal(ReservationStatus.Active, created.Reservation.Status);
        Assert.Equal(Now.AddSeconds(TtlSeconds), created.Reservation.ExpiresAt);
        Assert.Equal([new Allocation("store", 3, Today)], created.Reservation.Lines[0].Allocations);
        Assert.Equal([new HoldEffect(At("LAMP", "store"), 3)], created.Effects);
        Assert.Equal(new Position(At("LAMP", "store"), 5, 3, 0), positions[At("LAMP", "store")]);
    }

    [Fact]
    public void A_hold_no_one_location_covers_splits_and_each_part_is_promised_for_its_locations_lead_time()
    {
        var positions = Stock(("LAMP", 5, 5));
        var line = Applied(Create(positions, Terms(), Line("LAMP", 8))).Reservation.Lines[0];
        Assert.Equal([new Allocation("store", 5, Today), new Allocation("wh", 3, Today.AddDays(2))], line.Allocations);
        Assert.Equal(8, line.Reserved);
    }

    [Fact]
    public void A_hold_stock_cannot_cover_is_refused_and_changes_no_position()
    {
        var positions = Stock(("LAMP", 5, 5));
        var before = new Dictionary<PositionKey, Position>(positions);
        var refused = Assert.IsType<ReservationTransition.Refused>(Create(positions, Terms(), Line("LAMP", 12)));
        Assert.Equal((10L, 2L), (refused.Lines[0].Held, refused.Lines[0].Shortfall));
        Assert.Equal(before, positions);
    }

    [Fact]
    public void A_partial_hold_takes_what_there_is()
    {
        var positions = Stock(("LAMP", 5, 5));
        var created = Applied(Create(positions, Terms(allowPartial: true), Line("LAMP", 12))).Reservation;
        Assert.Equal((ReservationStatus.Partial, 12L, 10L), (created.Status, created.Lines[0].Requested, created.Lines[0].Reserved));
        Assert.Equal(10, Committed(positions, "LAMP"));
    }

    [Fact]
    public void A_backorder_waits_at_the_best_ranked_source_for_as_long_as_a_hold_may_last()
    {
        var positions = Stock(("BULB", 2, 1));
        var created = Applied(Create(positions, Terms(allowBackorder: true), Line("BULB", 7)));
        var line = created.Reservation.Lines[0];
        Assert.Equal(ReservationStatus.Backordered, created.Reservation.Status);
        Assert.Equal((3L, 4L, "store"), (line.Reserved, line.Backordered, line.BackorderLocation));
        Assert.Equal(Now.AddSeconds(Limits.HoldSecondsMax), created.Reservation.ExpiresAt);
        Assert.Contains(new HoldEffect(At("BULB", "store"), 0, Backordered: 4), created.Effects);
        Assert.Equal(new Position(At("BULB", "store"), 2, 2, 0, 4), positions[At("BULB", "store")]);
    }

    [Fact]
    public void An_item_sold_on_request_waits_for_the_seller_and_holds_nothing()
    {
        var positions = Stock(("RUG", 9, 9));
        var created = Applied(Create(positions, Terms(), Line("RUG", 2)));
        Assert.Equal(ReservationStatus.Pending, created.Reservation.Status);
        Assert.Equal(Now.AddSeconds(RugAcceptWithinSeconds), created.Reservation.AcceptBy);
        Assert.Equal(created.Reservation.AcceptBy, created.Reservation.ExpiresAt);
        Assert.Empty(created.Effects);
        Assert.Equal(0, Committed(positions, "RUG"));
    }

    [Fact]
    public void An_auto_item_holds_while_stock_suffices_and_asks_the_seller_rather_than_hold_in_part()
    {
        var positions = Stock(("VASE", 1, 0));
        Assert.Equal(ReservationStatus.Active, Applied(Create(positions, Terms("r-1"), Line("VASE", 1))).Reservation.Status);
        var asked = Applied(Create(positions, Terms("r-2", allowPartial: true), Line("VASE", 1))).Reservation;
        Assert.Equal(ReservationStatus.Pending, asked.Status);
        Assert.Equal(Now.AddSeconds(ReservationLifecycle.AcceptWithinSecondsDefault), asked.AcceptBy);
        Assert.Equal(1, Committed(positions, "VASE"));
    }

    [Fact]
    public void Safety_stock_is_kept_back_except_from_holds_of_vip_priority()
    {
        var rule = new SafetyStockRule("LAMP", null, null, 2, null, VipPriority: 10, Now, Now);
        var resolver = Resolver(new SafetyStockPolicy([rule], _ => []));
        var positions = Stock(("LAMP", 3, 0));
        var lines = Lines(resolver, Line("LAMP", 2));
        Assert.IsType<ReservationTransition.Refused>(ReservationLifecycle.Create(Terms("r-1"), lines, resolver, positions, Now, DefaultHoldSeconds));
        Applied(ReservationLifecycle.Create(Terms("r-2", priority: 10), lines, resolver, positions, Now, DefaultHoldSeconds));
        Assert.Equal(2, positions[At("LAMP", "store")].Reserved);
    }

    // Accept and decline

    private static Reservation PendingRug(long quantity = 5) => Made(Stock(("RUG", 0, 0)), Terms(), Line("RUG", quantity));

    [Fact]
    public void Accepting_holds_what_stock_there_is_and_confirms_the_rest_on_the_sellers_word()
    {
        var positions = Stock(("RUG", 2, 0));
        var pending = PendingRug();
        var accepted = Applied(ReservationLifecycle.Accept(pending, Resolver(), positions, Later, DefaultHoldSeconds));
        var line = accepted.Reservation.Lines[0];
        Assert.Equal(ReservationEvents.Accepted, accepted.EventType);
        Assert.Equal(ReservationStatus.Active, accepted.Reservation.Status);
        Assert.Equal((2L, 3L, "store"), (line.Reserved, line.SellerConfirmed, line.SellerConfirmedLocation));
        Assert.Equal((Now, Later, Later.AddSeconds(TtlSeconds), pending.AcceptBy),
            (accepted.Reservation.CreatedAt, accepted.Reservation.UpdatedAt, accepted.Reservation.ExpiresAt, accepted.Reservation.AcceptBy));
        Assert.Equal([new HoldEffect(At("RUG", "store"), 2)], accepted.Effects);
        Assert.Equal(2, positions[At("RUG", "store")].Reserved);
    }

    [Fact]
    public void Accepting_again_changes_nothing()
    {
        var positions = Stock(("RUG", 2, 0));
        var accepted = Applied(ReservationLifecycle.Accept(PendingRug(), Resolver(), positions, Later, DefaultHoldSeconds)).Reservation;
        var again = Assert.IsType<ReservationTransition.Unchanged>(ReservationLifecycle.Accept(accepted, Resolver(), positions, Later, DefaultHoldSeconds));
        Assert.Equal(accepted, again.Reservation);
        Assert.Equal(2, positions[At("RUG", "store")].Reserved);
    }

    [Fact]
    public void A_hold_that_is_not_pending_cannot_be_accepted_or_declined()
    {
        var declined = Applied(ReservationLifecycle.Decline(PendingRug(), Later)).Reservation;
        var illegal = Assert.IsType<ReservationTransition.Illegal>(ReservationLifecycle.Accept(declined, Resolver(), Stock(("RUG", 2, 0)), Later, DefaultHoldSeconds));
        Assert.Equal(ReservationTransition.IllegalTransition, illegal.Code);
        Assert.Contains("is declined", illegal.Reason, StringComparison.Ordinal);
        var active = Made(Stock(("LAMP", 1, 0)), Terms(), Line("LAMP", 1));
        Assert.IsType<ReservationTransition.Illegal>(ReservationLifecycle.Decline(active, Later));
    }

    [Fact]
    public void A_seller_who_answers_too_late_finds_the_hold_expired()
    {
        var pending = PendingRug();
        var late = pending.AcceptBy!.Value;
        Assert.Contains("is expired", Assert.IsType<ReservationTransition.Illegal>(
            ReservationLifecycle.Accept(pending, Resolver(), Stock(("RUG", 2, 0)), late, DefaultHoldSeconds)).Reason, StringComparison.Ordinal);
        Assert.IsType<ReservationTransition.Illegal>(ReservationLifecycle.Decline(pending, late));
    }

    [Fact]
    public void Accepting_a_hold_whose_item_is_gone_from_the_catalog_is_unresolvable()
    {
        var unresolvable = Assert.IsType<ReservationTransition.Unresolvable>(
            ReservationLifecycle.Accept(PendingRug(), Resolver(withRug: false), Stock(("RUG", 2, 0)), Later, DefaultHoldSeconds));
        Assert.Equal(["lines[0].sku"], unresolvable.Errors.Keys);
    }

    [Fact]
    public void A_counted_line_beside_an_on_request_one_is_still_held_only_from_stock()
    {
        var positions = Stock(("RUG", 0, 0), ("LAMP", 1, 0));
        var pending = Made(positions, Terms(), Line("RUG", 2), Line("LAMP", 3));
        Assert.Equal(ReservationStatus.Pending, pending.Status);
        var before = new Dictionary<PositionKey, Position>(positions);
        var refused = Assert.IsType<ReservationTransition.Refused>(ReservationLifecycle.Accept(pending, Resolver(), positions, Later, DefaultHoldSeconds));
        Assert.Equal(2, refused.Lines[1].Shortfall);
        Assert.Equal(before, positions);
    }

    [Fact]
    public void Declining_ends_a_pending_hold_with_nothing_to_give_back_and_declining_again_changes_nothing()
    {
        var declined = Applied(ReservationLifecycle.Decline(PendingRug(), Later));
        Assert.Equal((ReservationStatus.Declined, ReservationEvents.Declined, Later), (declined.Reservation.Status, declined.EventType, declined.Reservation.UpdatedAt));
        Assert.Empty(declined.Effects);
        Assert.IsType<ReservationTransition.Unchanged>(ReservationLifecycle.Decline(declined.Reservation, Later));
    }

    // Release and expire

    [Fact]
    public void Releasing_gives_back_every_held_and_backordered_unit()
    {
        var positions = Stock(("BULB", 2, 1));
        var before = new Dictionary<PositionKey, Position>(positions);
        var made = Made(positions, Terms(allowBackorder: true), Line("BULB", 7));
        var released = Applied(ReservationLifecycle.Release(made, Later));
        Assert.Equal((ReservationStatus.Released, ReservationEvents.Released, Later), (released.Reservation.Status, released.EventType, released.Reservation.UpdatedAt));
        Assert.Equal([new HoldEffect(At("BULB", "store"), -2), new HoldEffect(At("BULB", "wh"), -1), new HoldEffect(At("BULB", "store"), 0, Backordered: -4)],
            released.Effects);
        ReservationLifecycle.Apply(positions, released.Effects);
        Assert.Equal(before, positions);
    }

    [Fact]
    public void A_release_is_the_clients_even_after_the_holds_time_ran_out_until_the_sweep_records_it()
    {
        var made = Made(Stock(("LAMP", 1, 0)), Terms(), Line("LAMP", 1));
        Assert.Equal(ReservationStatus.Released, Applied(ReservationLifecycle.Release(made, made.ExpiresAt.AddSeconds(1))).Reservation.Status);
    }

    [Fact]
    public void A_hold_an_order_confirmed_cannot_be_released_and_an_ended_one_stays_as_it_is()
    {
        var made = Made(Stock(("LAMP", 1, 0)), Terms(), Line("LAMP", 1));
        var confirmed = Applied(ReservationLifecycle.Consume(made, "o-1", "web", null, Later)).Reservation;
        Assert.Contains("became order 'o-1'", Assert.IsType<ReservationTransition.Illegal>(ReservationLifecycle.Release(confirmed, Later)).Reason, StringComparison.Ordinal);
        var expired = Applied(ReservationLifecycle.Expire(made, Later)).Reservation;
        Assert.Equal(expired, Assert.IsType<ReservationTransition.Unchanged>(ReservationLifecycle.Release(expired, Later)).Reservation);
    }

    [Fact]
    public void Expiring_gives_the_units_back_once()
    {
        var positions = Stock(("LAMP", 4, 0));
        var made = Made(positions, Terms(), Line("LAMP", 3));
        var expired = Applied(ReservationLifecycle.Expire(made, made.ExpiresAt));
        Assert.Equal((ReservationStatus.Expired, ReservationEvents.Expired), (expired.Reservation.Status, expired.EventType));
        ReservationLifecycle.Apply(positions, expired.Effects);
        Assert.Equal(0, Committed(positions, "LAMP"));
        Assert.IsType<ReservationTransition.Unchanged>(ReservationLifecycle.Expire(expired.Reservation, made.ExpiresAt));
    }

    [Fact]
    public void Effects_applied_after_the_decision_never_take_units()
    {
        var positions = Stock(("LAMP", 4, 0));
        Assert.Throws<InvariantViolationException>(() => ReservationLifecycle.Apply(positions, [new HoldEffect(At("LAMP", "store"), 1)]));
        Assert.Throws<InvariantViolationException>(() => ReservationLifecycle.Apply(positions, [new HoldEffect(At("LAMP", "store"), -1)]));
    }

    // Consume

    [Fact]
    public void An_order_of_everything_moves_every_held_unit_to_allocated_and_confirms_the_hold()
    {
        var positions = Stock(("LAMP", 5, 5));
        var made = Made(positions, Terms(), Line("LAMP", 8));
        var consumed = Applied(ReservationLifecycle.Consume(made, "o-1", "web", null, Later));
        Assert.Equal((ReservationStatus.Confirmed, "o-1", ReservationEvents.Confirmed), (consumed.Reservation.Status, consumed.Reservation.OrderId, consumed.EventType));
        Assert.Equal(("o-1", "r-1", OrderStatus.Allocated, Later), (consumed.Order!.Id, consumed.Order.ReservationId, consumed.Order.Status, consumed.Order.CreatedAt));
        Assert.Equal([new OrderLine(0, "LAMP", "store", 5, 0), new OrderLine(1, "LAMP", "wh", 3, 0)], consumed.Order.Lines);
        ReservationLifecycle.Apply(positions, consumed.Effects);
        Assert.Equal(new Position(At("LAMP", "store"), 5, 0, 5), positions[At("LAMP", "store")]);
        Assert.Equal(new Position(At("LAMP", "wh"), 5, 0, 3), positions[At("LAMP", "wh")]);
    }

    [Fact]
    public void An_order_for_less_takes_from_the_location_it_names_and_gives_the_rest_back()
    {
        var positions = Stock(("LAMP", 5, 5));
        var made = Made(positions, Terms(), Line("LAMP", 8));
        var consumed = Applied(ReservationLifecycle.Consume(made, "o-1", "web", [new HoldTake("LAMP", 2, "wh")], Later));
        Assert.Equal([new OrderLine(0, "LAMP", "wh", 2, 0)], consumed.Order!.Lines);
        ReservationLifecycle.Apply(positions, consumed.Effects);
        Assert.Equal(new Position(At("LAMP", "store"), 5, 0, 0), positions[At("LAMP", "store")]);
        Assert.Equal(new Position(At("LAMP", "wh"), 5, 0, 2), positions[At("LAMP", "wh")]);
    }

    [Fact]
    public void Units_on_the_sellers_word_become_order_lines_of_their_own_after_the_held_ones()
    {
        var positions = Stock(("RUG", 2, 0));
        var accepted = Applied(ReservationLifecycle.Accept(PendingRug(), Resolver(), positions, Later, DefaultHoldSeconds)).Reservation;
        var consumed = Applied(ReservationLifecycle.Consume(accepted, "o-1", "web", [new HoldTake("RUG", 4)], Later));
        Assert.Equal([new OrderLine(0, "RUG", "store", 2, 0), new OrderLine(1, "RUG", "store", 2, 0, SellerConfirmed: 2)], consumed.Order!.Lines);
        Assert.Equal([new HoldEffect(At("RUG", "store"), -2, Allocated: 2)], consumed.Effects);
    }

    [Fact]
    public void An_order_that_names_a_location_the_hold_is_not_at_is_unresolvable()
    {
        var made = Made(Stock(("LAMP", 5, 5)), Terms(), Line("LAMP", 8));
        var misplaced = Assert.IsType<ReservationTransition.Unresolvable>(ReservationLifecycle.Consume(made, "o-1", "web", [new HoldTake("LAMP", 1, "mall")], Later));
        Assert.Equal("the reservation holds 'LAMP' at 'store', 'wh', not at 'mall'; name that location or leave it out", Assert.Single(misplaced.Errors["lines[0].location"]));
    }

    [Fact]
    public void An_order_for_more_than_the_hold_holds_is_overdrawn()
    {
        var made = Made(Stock(("LAMP", 5, 5)), Terms(), Line("LAMP", 8));
        var overdrawn = Assert.IsType<ReservationTransition.Overdrawn>(
            ReservationLifecycle.Consume(made, "o-1", "web", [new HoldTake("LAMP", 3), new HoldTake("LAMP", 4, "wh")], Later));
        Assert.Equal("requested 4 at 'wh'; the reservation holds 3", Assert.Single(overdrawn.Errors["lines[1].quantity"]));
    }

    [Fact]
    public void Only_an_open_counted_hold_of_the_orders_own_channel_becomes_an_order()
    {
        var made = Made(Stock(("LAMP", 5, 5)), Terms(), Line("LAMP", 1));
        Assert.Equal(ReservationTransition.ChannelMismatch, Assert.IsType<ReservationTransition.Illegal>(ReservationLifecycle.Consume(made, "o-1", "pos", null, Later)).Code);
        Assert.Equal("The reservation is expired.", Assert.IsType<ReservationTransition.Illegal>(ReservationLifecycle.Consume(made, "o-1", "web", null, made.ExpiresAt)).Title);
        Assert.Equal("The reservation is pending.", Assert.IsType<ReservationTransition.Illegal>(ReservationLifecycle.Consume(PendingRug(), "o-1", "web", null, Later)).Title);
        var backordered = Made(Stock(("BULB", 0, 0)), Terms(allowBackorder: true), Line("BULB", 1));
        Assert.IsType<ReservationTransition.Illegal>(ReservationLifecycle.Consume(backordered, "o-1", "web", null, Later));
    }

    // Fill and relocate

    [Fact]
    public void Arriving_units_fill_backorders_highest_priority_first_and_start_the_payment_window()
    {
        var positions = Stock(("BULB", 0, 0));
        var low = Made(positions, Terms("r-low", allowBackorder: true), Line("BULB", 3));
        var high = Made(positions, Terms("r-high", priority: 5, allowBackorder: true), Line("BULB", 2));
        positions[At("BULB", "store")] = positions[At("BULB", "store")] with { OnHand = 4 };
        var filled = ReservationLifecycle.FillBackorders([low, high], Resolver(), positions, Later, DefaultHoldSeconds);
        Assert.Equal(["r-high", "r-low"], filled.Select(f => f.Reservation.Id));
        Assert.All(filled, f => Assert.Equal(ReservationEvents.BackorderFilled, f.EventType));
        var (first, second) = (filled[0].Reservation, filled[1].Reservation);
        Assert.Equal((ReservationStatus.Active, Later.AddSeconds(TtlSeconds), 2L, (string?)null), (first.Status, first.ExpiresAt, first.Lines[0].Reserved, first.Lines[0].BackorderLocation));
        Assert.Equal((ReservationStatus.Backordered, low.ExpiresAt, 2L, 1L), (second.Status, second.ExpiresAt, second.Lines[0].Reserved, second.Lines[0].Backordered));
        Assert.Equal(new Position(At("BULB", "store"), 4, 4, 0, 1), positions[At("BULB", "store")]);
    }

    [Fact]
    public void Only_backordered_holds_are_filled()
    {
        var positions = Stock(("BULB", 0, 0));
        var waiting = Made(positions, Terms(allowBackorder: true), Line("BULB", 3));
        var released = Applied(ReservationLifecycle.Release(waiting, Later)).Reservation;
        positions[At("BULB", "store")] = new Position(At("BULB", "store"), 4, 0, 0);
        Assert.Empty(ReservationLifecycle.FillBackorders([released], Resolver(), positions, Later, DefaultHoldSeconds));
        Assert.Equal(0, Committed(positions, "BULB"));
    }

    [Fact]
    public void Holds_at_a_position_a_count_left_short_move_newest_first_to_where_units_are()
    {
        var positions = Stock(("LAMP", 5, 2));
        var old = Made(positions, Terms("r-old"), Line("LAMP", 3));
        var young = Made(positions, Terms("r-young"), Line("LAMP", 2));
        positions[At("LAMP", "store")] = positions[At("LAMP", "store")] with { OnHand = 3 };
        var moved = Assert.Single(ReservationLifecycle.Relocate([young, old], Resolver(), positions, Later));
        Assert.Equal(("r-young", ReservationEvents.Resourced), (moved.Reservation.Id, moved.EventType));
        Assert.Equal([new Allocation("wh", 2, Today.AddDays(2))], moved.Reservation.Lines[0].Allocations);
        Assert.Equal([new HoldEffect(At("LAMP", "store"), -2), new HoldEffect(At("LAMP", "wh"), 2)], moved.Effects);
        Assert.Equal((3L, 0L), (positions[At("LAMP", "store")].Reserved, positions[At("LAMP", "store")].Shortage));
        Assert.Equal(2, positions[At("LAMP", "wh")].Reserved);
    }

    [Fact]
    public void A_hold_with_nowhere_to_go_stays_short()
    {
        var positions = Stock(("LAMP", 3, 0));
        var made = Made(positions, Terms(), Line("LAMP", 3));
        positions[At("LAMP", "store")] = positions[At("LAMP", "store")] with { OnHand = 1 };
        var before = new Dictionary<PositionKey, Position>(positions);
        Assert.Empty(ReservationLifecycle.Relocate([made], Resolver(), positions, Later));
        Assert.Equal(before, positions);
    }

    [Fact]
    public void A_backorder_is_promised_for_the_day_inbound_supply_covers_it()
    {
        var positions = Stock(("BULB", 0, 0));
        var made = Made(positions, Terms(allowBackorder: true), Line("BULB", 3));
        var lot = new InboundSupply(At("BULB", "store"), SupplyType.PurchaseOrder, "PO-1", 5, Today.AddDays(10));
        Assert.Equal(Today.AddDays(10), ReservationLifecycle.DateBackorders(made, positions, [lot], Resolver(), Now).Lines[0].PromiseDate);
        Assert.Null(ReservationLifecycle.DateBackorders(made, positions, [], Resolver(), Now).Lines[0].PromiseDate);
    }
}
