using Stockroom.Core.Demand;

namespace Stockroom.Core.Tests;

public sealed class SourcingTests
{
    [Fact]
    public void Highest_priority_location_with_enough_takes_the_whole_line()
    {
        var plan = Sourcing.Plan(5, [new("wh", 0, 100), new("store", 10, 6)]);
        Assert.Equal([new Allocation("store", 5)], plan);
    }

    [Fact]
    public void A_whole_line_from_one_lower_ranked_location_beats_a_split()
    {
        var plan = Sourcing.Plan(8, [new("store", 10, 5), new("wh", 0, 25)]);
        Assert.Equal([new Allocation("wh", 8)], plan);
    }

    [Fact]
    public void Among_equal_priorities_the_most_stock_wins()
    {
        var plan = Sourcing.Plan(3, [new("a", 1, 4), new("b", 1, 9), new("c", 1, 7)]);
        Assert.Equal([new Allocation("b", 3)], plan);
    }

    [Fact]
    public void Ties_are_broken_by_location_id_so_plans_repeat()
    {
        var plan = Sourcing.Plan(3, [new("b", 1, 5), new("a", 1, 5)]);
        Assert.Equal([new Allocation("a", 3)], plan);
    }

    [Fact]
    public void When_no_location_has_enough_the_line_splits_down_the_ranking()
    {
        var plan = Sourcing.Plan(30, [new("wh", 0, 25), new("store", 10, 10), new("outlet", 5, 3)]);
        Assert.Equal([new Allocation("store", 10), new Allocation("outlet", 3), new Allocation("wh", 17)], plan);
    }

    [Fact]
    public void Short_supply_takes_everything_there_is()
    {
        var plan = Sourcing.Plan(30, [new("a", 0, 4), new("b", 0, 0), new("c", 0, 2)]);
        Assert.Equal(6, plan.Sum(a => a.Quantity));
        Assert.DoesNotContain(plan, a => a.Location == "b");
    }

    [Fact]
    public void Nothing_anywhere_plans_nothing()
    {
        Assert.Empty(Sourcing.Plan(1, []));
        Assert.Empty(Sourcing.Plan(1, [new("a", 0, 0)]));
    }

    [Fact]
    public void Asking_for_nothing_breaks_an_invariant()
    {
        Assert.Throws<InvariantViolationException>(() => Sourcing.Plan(0, [new("a", 0, 1)]));
    }
}
