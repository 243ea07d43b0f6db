using Stockroom.Core;
using Stockroom.Core.Insights;

namespace Stockroom.Core.Tests;

/// <summary>Hand-worked examples: every expected figure below is computed in the comments.</summary>
public class ReplenishmentTests
{
    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.95, 1.6448536)]
    [InlineData(0.975, 1.9599640)]
    [InlineData(0.99, 2.3263479)]
    [InlineData(0.01, -2.3263479)]
    [InlineData(0.9999, 3.7190165)]
    public void Z_matches_the_normal_table(double p, double z) =>
        Assert.Equal(z, ServiceLevel.Z(p), 6);

    [Fact]
    public void Days_without_a_row_count_as_zero_demand_and_lost_demand_counts()
    {
        var from = new DateOnly(2026, 11, 1);
        var series = Replenishment.DailySeries(
            [new DemandDay(from, "A", "s", 4, 0), new DemandDay(from.AddDays(2), "A", "s", 5, 1), new DemandDay(from.AddDays(9), "A", "s", 7, 0)],
            from, from.AddDays(3));
        Assert.Equal([4L, 0, 6, 0], series);
    }

    [Fact]
    public void Standard_deviation_is_the_sample_one()
    {
        // Demand 4, 2, 6, 0: mean 3, squared deviations 1 + 1 + 9 + 9 = 20.
        // Sample: √(20 / 3) = 2.5820; the population figure √(20 / 4) = 2.2361 is not what is used.
        long[] daily = [4, 2, 6, 0];
        Assert.Equal(3.0, Replenishment.Mean(daily));
        Assert.Equal(2.5820, Replenishment.SampleStandardDeviation(daily), 4);
        Assert.Equal(0.0, Replenishment.SampleStandardDeviation([7]));
    }

    [Fact]
    public void Plan_for_a_small_history_matches_the_hand_computed_figures()
    {
        // d̄ = 3, σ = 2.5820, L = 4, z(95 %) = 1.6449, T = 10, position 8:
        // safety stock ⌈1.6449 · 2.5820 · √4⌉ = ⌈8.494⌉ = 9 (the population σ would give ⌈7.356⌉ = 8);
        // reorder point ⌈3 · 4⌉ + 9 = 21; order-up-to ⌈3 · 14⌉ + 9 = 51; order 51 − 8 = 43.
        var plan = Replenishment.Compute([4, 2, 6, 0], leadTimeDays: 4, serviceLevel: 0.95, targetDaysOfCover: 10, inventoryPosition: 8);
        Assert.Equal(3.0, plan.AverageDailyDemand);
        Assert.Equal(9, plan.SafetyStock);
        Assert.Equal(21, plan.ReorderPoint);
        Assert.Equal(51, plan.OrderUpTo);
        Assert.Equal(43, plan.SuggestedOrderQuantity);
        Assert.True(plan.BelowReorderPoint);
    }

    [Fact]
    public void A_longer_lead_time_raises_the_buffer_by_its_square_root()
    {
        // L = 9: safety stock ⌈1.6449 · 2.5820 · 3⌉ = ⌈12.741⌉ = 13; reorder point 27 + 13 = 40.
        var plan = Replenishment.Compute([4, 2, 6, 0], leadTimeDays: 9, serviceLevel: 0.95, targetDaysOfCover: 0, inventoryPosition: 40);
        Assert.Equal((13L, 40L), (plan.SafetyStock, plan.ReorderPoint));
        Assert.False(plan.BelowReorderPoint);
        Assert.Equal(0, plan.SuggestedOrderQuantity);
    }

    [Fact]
    public void Steady_demand_needs_no_buffer_and_no_demand_needs_nothing()
    {
        var steady = Replenishment.Compute([5, 5, 5, 5], leadTimeDays: 3, serviceLevel: 0.99, targetDaysOfCover: 7, inventoryPosition: 0);
        Assert.Equal((0L, 15L, 50L, 50L), (steady.SafetyStock, steady.ReorderPoint, steady.OrderUpTo, steady.SuggestedOrderQuantity));

        var idle = Replenishment.Compute([0, 0, 0], leadTimeDays: 3, serviceLevel: 0.95, targetDaysOfCover: 7, inventoryPosition: 0);
        Assert.Equal((0L, 0L, 0L, false), (idle.SafetyStock, idle.ReorderPoint, idle.SuggestedOrderQuantity, idle.BelowReorderPoint));
    }

    [Fact]
    public void Out_of_range_inputs_are_refused()
    {
        Assert.Throws<InvariantViolationException>(() => Replenishment.Compute([1], 4, 1.0, 10, 0));
        Assert.Throws<InvariantViolationException>(() => Replenishment.Compute([1], -1, 0.95, 10, 0));
        Assert.Throws<InvariantViolationException>(() => Replenishment.Compute([], 4, 0.95, 10, 0));
    }
}
