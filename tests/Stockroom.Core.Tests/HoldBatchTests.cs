using Stockroom.Core.Demand;
using Stockroom.Core.Insights;
using Stockroom.Core.Supply;
using static Stockroom.Core.Tests.ReservationFixtures;

namespace Stockroom.Core.Tests;

public sealed class HoldBatchTests
{
    private static HoldSubmission Submission(string id, HoldLineRequest line, int priority = 0, string hash = "h", bool allowPartial = false, bool allowBackorder = false) =>
        new(Terms(id, priority, allowPartial, allowBackorder), [line], hash);

    private static HoldPlan Plan(Dictionary<PositionKey, Position> positions, IReadOnlyDictionary<string, HoldOnRecord>? onRecord, params HoldSubmission[] batch)
    {
        var resolver = Resolver();
        var triage = HoldBatch.Triage(batch, onRecord ?? new Dictionary<string, HoldOnRecord>(), resolver);
        return HoldBatch.Plan(triage, positions, resolver, Now, DefaultHoldSeconds);
    }

    /// <summary>Every answer of a batch, given at triage or after the plan, by the id and hash of the submission it answers.</summary>
    private static Dictionary<int, HoldResult> Answers(HoldPlan plan) =>
        plan.Triage.Answered.Concat(plan.Answers()).ToDictionary(a => a.Index, a => a.Result);

    [Fact]
    public void Higher_priority_is_decided_first_and_equals_in_arrival_order()
    {
        var plan = Plan(Stock(("LAMP", 2, 0)), null,
            Submission("a", Line("LAMP", 1)), Submission("b", Line("LAMP", 1)), Submission("vip", Line("LAMP", 1), priority: 5));
        Assert.Equal(["vip", "a"], plan.Created.Select(c => c.Reservation.Id));
        var answers = Answers(plan);
        Assert.IsType<HoldResult.Created>(answers[2]);
        Assert.IsType<HoldResult.Created>(answers[0]);
        Assert.Equal(1, Assert.IsType<HoldResult.Insufficient>(answers[1]).Lines[0].Shortfall);
    }

    [Fact]
    public void A_batch_never_promises_a_unit_twice()
    {
        var positions = Stock(("LAMP", 4, 3));
        var batch = Enumerable.Range(0, 40).Select(i => Submission($"r-{i}", Line("LAMP", 1 + (i % 2)), priority: i % 3)).ToArray();
        var plan = Plan(positions, null, batch);
        var held = plan.Created.SelectMany(c => c.Reservation.Holds()).Sum(h => h.Allocation.Quantity);
        Assert.Equal(7, held);
        Assert.Equal(7, plan.Positions.Values.Sum(p => p.Reserved));
        Assert.All(plan.Positions.Values, p => Assert.True(p.Reserved <= p.OnHand));
        Assert.Equal(40, plan.Created.Count + plan.Refused.Count);
        Assert.Equal(positions, new Dictionary<PositionKey, Position>(Stock(("LAMP", 4, 3))));
    }

    [Fact]
    public void A_stored_id_replays_its_reservation_or_clashes_and_is_not_decided_again()
    {
        var stored = Made(Stock(("LAMP", 1, 0)), Terms("r-1"), Line("LAMP", 1));
        var onRecord = new Dictionary<string, HoldOnRecord> { ["r-1"] = new(stored, "h") };
        var plan = Plan(Stock(("LAMP", 0, 0)), onRecord, Submission("r-1", Line("LAMP", 1)), Submission("r-1", Line("LAMP", 2), hash: "other"));
        Assert.Equal(new HoldResult.Created(stored, Replayed: true), plan.Triage.Answered[0].Result);
        Assert.IsType<HoldResult.Clash>(plan.Triage.Answered[1].Result);
        Assert.Empty(plan.Triage.ToDecide);
        Assert.Empty(plan.Triage.Positions);
        Assert.Empty(plan.Answers());
    }

    [Fact]
    public void A_repeat_of_an_id_in_the_batch_replays_the_first_copys_answer_or_clashes_with_it()
    {
        var plan = Plan(Stock(("LAMP", 5, 0)), null,
            Submission("r-1", Line("LAMP", 1)), Submission("r-1", Line("LAMP", 1)), Submission("r-1", Line("LAMP", 3), hash: "other"),
            Submission("r-9", Line("NOPE", 1)), Submission("r-9", Line("NOPE", 1)));
        var made = Assert.Single(plan.Created).Reservation;
        var answers = Answers(plan);
        Assert.Equal(new HoldResult.Created(made, Replayed: false), answers[0]);
        Assert.Equal(new HoldResult.Created(made, Replayed: true), answers[1]);
        Assert.IsType<HoldResult.Clash>(answers[2]);
        Assert.Equal(["lines[0].sku"], Assert.IsType<HoldResult.Unprocessable>(answers[3]).Errors.Keys);
        Assert.Same(answers[3], answers[4]);
        Assert.Equal(1, plan.Positions.Values.Sum(p => p.Reserved));
    }

    [Fact]
    public void An_unprocessable_request_is_answered_before_anything_is_locked()
    {
        var plan = Plan(Stock(("LAMP", 5, 0)), null, Submission("r-1", Line("NOPE", 1)), Submission("r-2", Line("LAMP", 1, "store")));
        Assert.IsType<HoldResult.Unprocessable>(Assert.Single(plan.Triage.Answered).Result);
        Assert.Equal([At("LAMP", "store")], plan.Triage.Positions);
    }

    [Fact]
    public void A_refusal_loses_the_shortfall_and_a_partial_hold_what_it_could_not_cover()
    {
        var plan = Plan(Stock(("LAMP", 2, 0)), null,
            Submission("r-1", Line("LAMP", 5), allowPartial: true), Submission("r-2", Line("LAMP", 3, "store")));
        Assert.Equal(ReservationStatus.Partial, Assert.Single(plan.Created).Reservation.Status);
        Assert.Equal([new DemandDay(Today, "LAMP", "", 0, 3), new DemandDay(Today, "LAMP", "store", 0, 3)], plan.Lost);
    }

    [Fact]
    public void A_refused_id_stored_meanwhile_by_another_process_replays_it_and_loses_nothing()
    {
        var plan = Plan(Stock(("LAMP", 0, 0)), null, Submission("r-1", Line("LAMP", 1)), Submission("r-2", Line("LAMP", 1)));
        Assert.Equal(["r-1", "r-2"], plan.RefusedIds);
        var winner = Made(Stock(("LAMP", 1, 0)), Terms("r-1"), Line("LAMP", 1));
        var late = plan.Reconsider(new Dictionary<string, HoldOnRecord> { ["r-1"] = new(winner, "h"), ["r-2"] = new(winner with { Id = "r-2" }, "other") });
        var answers = Answers(late);
        Assert.Equal(new HoldResult.Created(winner, Replayed: true), answers[0]);
        Assert.IsType<HoldResult.Clash>(answers[1]);
        Assert.Empty(late.Lost);
    }

    [Fact]
    public void Backorders_made_by_a_batch_are_dated_from_inbound_supply()
    {
        var plan = Plan(Stock(("BULB", 0, 0)), null, Submission("r-1", Line("BULB", 3), allowBackorder: true));
        Assert.Equal([At("BULB", "store")], plan.BackorderPositions);
        var lot = new InboundSupply(At("BULB", "store"), SupplyType.PurchaseOrder, "PO-1", 5, Today.AddDays(10));
        var dated = plan.WithBackorderDates([lot], Resolver(), Now);
        var answer = Assert.IsType<HoldResult.Created>(Assert.Single(dated.Answers()).Result);
        Assert.Equal((ReservationStatus.Backordered, Today.AddDays(10)), (answer.Reservation.Status, answer.Reservation.Lines[0].PromiseDate));
        Assert.Equal(3, dated.Positions[At("BULB", "store")].Backordered);
    }

    [Fact]
    public void Only_a_counted_scope_with_nothing_left_to_promise_is_sold_out()
    {
        Assert.Equal([("LAMP", "channel:web")], Plan(Stock(("LAMP", 1, 0)), null, Submission("r-1", Line("LAMP", 1))).SoldOut);
        Assert.Empty(Plan(Stock(("LAMP", 2, 0)), null, Submission("r-1", Line("LAMP", 1))).SoldOut);
        Assert.Empty(Plan(Stock(("VASE", 1, 0)), null, Submission("r-1", Line("VASE", 1))).SoldOut);
        Assert.Equal([("LAMP", "location:store")], Plan(Stock(("LAMP", 0, 4)), null, Submission("r-1", Line("LAMP", 1, "store"))).SoldOut);
    }
}
