using Stockroom.Core;
using Stockroom.Core.Insights;

namespace Stockroom.Core.Tests;

public class WeightedAverageCostTests
{
    private static CostLayer Twenty() =>
        WeightedAverageCost.Receive(WeightedAverageCost.Receive(CostLayer.Empty("A"), 10, 2.00m), 10, 4.00m);

    [Fact]
    public void Ten_at_two_and_ten_at_four_value_at_sixty_and_shipping_ten_leaves_thirty_with_thirty_sold()
    {
        var layer = Twenty();
        Assert.Equal((20L, 60.00m, 3.00m, 0m), (layer.Quantity, layer.Value, layer.AverageCost, layer.Cogs));

        var shipped = WeightedAverageCost.Ship(layer, 10);
        Assert.Equal((10L, 30.00m, 3.00m, 30.00m), (shipped.Quantity, shipped.Value, shipped.AverageCost, shipped.Cogs));
    }

    [Fact]
    public void A_return_moves_value_back_from_cogs_at_the_average()
    {
        var returned = WeightedAverageCost.Return(WeightedAverageCost.Ship(Twenty(), 10), 4);
        // 4 × 3.00 = 12.00 moves back: value 30 + 12, COGS 30 − 12.
        Assert.Equal((14L, 42.00m, 18.00m), (returned.Quantity, returned.Value, returned.Cogs));
    }

    [Fact]
    public void The_last_units_take_all_the_value_left_so_no_residue_remains()
    {
        // 1 at 1.00 and 2 at 2.00: 5.00 over 3 units, an average of 1.666…
        var layer = WeightedAverageCost.Receive(WeightedAverageCost.Receive(CostLayer.Empty("A"), 1, 1.00m), 2, 2.00m);
        var one = WeightedAverageCost.Ship(layer, 1);
        var none = WeightedAverageCost.Ship(one, 2);
        Assert.Equal((0L, 0m, 5.00m), (none.Quantity, none.Value, none.Cogs));
    }

    [Fact]
    public void Shipping_more_than_is_valued_costs_only_what_is_valued()
    {
        var layer = WeightedAverageCost.Ship(WeightedAverageCost.Receive(CostLayer.Empty("A"), 2, 1.50m), 5);
        Assert.Equal((0L, 0m, 3.00m), (layer.Quantity, layer.Value, layer.Cogs));
    }

    [Fact]
    public void A_write_off_removes_value_without_counting_it_as_sold()
    {
        var layer = WeightedAverageCost.WriteOff(Twenty(), 4);
        Assert.Equal((16L, 48.00m, 0m), (layer.Quantity, layer.Value, layer.Cogs));
    }

    [Fact]
    public void A_return_never_takes_cogs_below_zero()
    {
        // Sold 10 at 2.00 (COGS 20); the average then rose to 10.00. Returning 10 moves back the 20.00 there is.
        var sold = WeightedAverageCost.Ship(WeightedAverageCost.Receive(CostLayer.Empty("A"), 10, 2.00m), 10);
        var returned = WeightedAverageCost.Return(WeightedAverageCost.Receive(sold, 10, 10.00m), 10);
        Assert.Equal((20L, 120.00m, 0m), (returned.Quantity, returned.Value, returned.Cogs));
    }

    [Fact]
    public void Empty_or_negative_movements_are_refused()
    {
        Assert.Throws<InvariantViolationException>(() => WeightedAverageCost.Receive(CostLayer.Empty("A"), 0, 1m));
        Assert.Throws<InvariantViolationException>(() => WeightedAverageCost.Receive(CostLayer.Empty("A"), 1, -1m));
        Assert.Throws<InvariantViolationException>(() => WeightedAverageCost.Ship(CostLayer.Empty("A"), 0));
    }
}
