namespace Stockroom.Core.Insights;

/// <summary>
/// The valuation of one SKU at weighted average cost: the units it values, their total
/// <c>Value</c>, the running <c>AverageCost</c> and the cost of goods sold so far. Money is exact
/// (<see cref="decimal"/>) and never rounded here; answers round for display only.
/// </summary>
public sealed record CostLayer(string Sku, long Quantity, decimal Value, decimal AverageCost, decimal Cogs)
{
    public static CostLayer Empty(string sku) => new(sku, 0, 0m, 0m, 0m);
}

/// <summary>
/// Weighted average cost, by pure operations on a <see cref="CostLayer"/>. Receipts with a unit
/// cost add units and value and move the average; shipments move value to cost of goods sold at the
/// current average; returns move it back; write-offs (damage, shrink) take value out at the average
/// without counting it as sold. Invariants after every operation: quantity, value and COGS are never
/// negative, a layer with no units has no value, and only receipts change value + COGS.
/// </summary>
public static class WeightedAverageCost
{
    /// <summary>
    /// Averages carry 28 significant digits, so sums of large values may round in their last
    /// digits; conservation is checked to a millionth of a cent, far below anything displayed.
    /// </summary>
    private const decimal ArithmeticTolerance = 0.00000001m;

    /// <summary>Units received at <paramref name="unitCost"/> each.</summary>
    public static CostLayer Receive(CostLayer layer, long quantity, decimal unitCost)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Invariant.Require(quantity > 0, "a receipt brings at least one unit");
        Invariant.Require(unitCost >= 0, "a unit cost is never negative");
        var units = layer.Quantity + quantity;
        var value = layer.Value + (quantity * unitCost);
        return Checked(layer, layer with { Quantity = units, Value = value, AverageCost = value / units }, valueAndCogsChange: quantity * unitCost);
    }

    /// <summary>Units shipped: their cost at the current average moves from value to COGS.</summary>
    public static CostLayer Ship(CostLayer layer, long quantity)
    {
        var (after, cost) = TakeOut(layer, quantity);
        return Checked(layer, after with { Cogs = layer.Cogs + cost }, valueAndCogsChange: 0m);
    }

    /// <summary>Units removed without a sale (damage, shrink, a downward correction): their value is written off.</summary>
    public static CostLayer WriteOff(CostLayer layer, long quantity)
    {
        var (after, cost) = TakeOut(layer, quantity);
        return Checked(layer, after, valueAndCogsChange: -cost);
    }

    /// <summary>
    /// Units back from a customer: their cost at the current average moves from COGS back to value.
    /// Never more than COGS holds, so that COGS stays non-negative when the average rose since the sale.
    /// </summary>
    public static CostLayer Return(CostLayer layer, long quantity)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Invariant.Require(quantity > 0, "a return brings at least one unit");
        var amount = Math.Min(quantity * layer.AverageCost, layer.Cogs);
        var units = layer.Quantity + quantity;
        var value = layer.Value + amount;
        return Checked(layer, layer with { Quantity = units, Value = value, AverageCost = value / units, Cogs = layer.Cogs - amount }, valueAndCogsChange: 0m);
    }

    /// <summary>
    /// Takes units out at the current average. Taking the last units takes all the value left, so no
    /// rounding residue outlives the stock; units beyond those valued (received without a cost) take nothing.
    /// </summary>
    private static (CostLayer After, decimal Cost) TakeOut(CostLayer layer, long quantity)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Invariant.Require(quantity > 0, "taking out at least one unit");
        var taken = Math.Min(quantity, layer.Quantity);
        var cost = taken == layer.Quantity ? layer.Value : taken * layer.AverageCost;
        return (layer with { Quantity = layer.Quantity - taken, Value = layer.Value - cost }, cost);
    }

    private static CostLayer Checked(CostLayer before, CostLayer after, decimal valueAndCogsChange)
    {
        Invariant.Require(after.Quantity >= 0 && after.Value >= 0 && after.Cogs >= 0 && after.AverageCost >= 0,
            $"the valuation of '{after.Sku}' stays non-negative");
        Invariant.Require(after.Quantity > 0 || after.Value == 0, $"the valuation of '{after.Sku}' has no value without units");
        Invariant.Require(Math.Abs(after.Value + after.Cogs - (before.Value + before.Cogs) - valueAndCogsChange) <= ArithmeticTolerance,
            $"the valuation of '{after.Sku}' moves value only as the operation says");
        return after;
    }
}
