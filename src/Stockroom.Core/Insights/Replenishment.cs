namespace Stockroom.Core.Insights;

/// <summary>Units one SKU sold (shipped) and failed to sell for want of stock (lost) at one location on one UTC day.</summary>
public sealed record DemandDay(DateOnly Day, string Sku, string Location, long Shipped, long Lost)
{
    /// <summary>What customers asked for that day: what shipped plus what was refused for want of stock.</summary>
    public long Demand => Shipped + Lost;
}

/// <summary>The figures for one SKU at one location; see <see cref="Replenishment.Compute"/>.</summary>
public sealed record ReplenishmentPlan(
    double AverageDailyDemand,
    double DemandStandardDeviation,
    long SafetyStock,
    long ReorderPoint,
    long InventoryPosition,
    long OrderUpTo,
    long SuggestedOrderQuantity,
    bool BelowReorderPoint);

/// <summary>
/// Reorder points and order quantities from daily demand history, by the textbook continuous-review
/// formulas. With d̄ the mean and σ the sample standard deviation of daily demand over the window,
/// L the lead time in days, z the standard normal quantile of the service level and T the target
/// days of cover:
/// <list type="bullet">
/// <item><c>safetyStock = ⌈z · σ · √L⌉</c></item>
/// <item><c>reorderPoint = ⌈d̄ · L⌉ + safetyStock</c></item>
/// <item><c>inventoryPosition = onHand + inbound − reserved − allocated − backordered</c></item>
/// <item><c>orderUpTo = ⌈d̄ · (L + T)⌉ + safetyStock</c>; <c>suggestedOrderQuantity = max(0, orderUpTo − inventoryPosition)</c></item>
/// <item>below the reorder point when <c>inventoryPosition &lt; reorderPoint</c>.</item>
/// </list>
/// Units are whole, so every figure in units is rounded up: a buffer a fraction short is short.
/// </summary>
public static class Replenishment
{
    /// <summary>The most days of history one computation looks at.</summary>
    public const int WindowDaysMax = 366;

    /// <summary>The longest lead time and the longest target cover, in days.</summary>
    public const int PlanningDaysMax = 366;

    /// <summary>Service levels from 50 % (no safety stock) up to this; 100 % would ask for infinite stock.</summary>
    public const double ServiceLevelMax = 0.9999;

    public const double ServiceLevelMin = 0.5;

    /// <summary>
    /// The demand of each day from <paramref name="from"/> to <paramref name="to"/> inclusive, in
    /// order, with zero for days without a row: a day nothing sold is a day of zero demand, and
    /// leaving it out would overstate the mean and understate the variability.
    /// </summary>
    public static long[] DailySeries(IEnumerable<DemandDay> days, DateOnly from, DateOnly to)
    {
        ArgumentNullException.ThrowIfNull(days);
        var length = to.DayNumber - from.DayNumber + 1;
        Invariant.Require(length is >= 1 and <= WindowDaysMax, $"a demand window is 1 to {WindowDaysMax} days");
        var series = new long[length];
        foreach (var day in days)
        {
            if (day.Day >= from && day.Day <= to)
            {
                Invariant.Require(day.Shipped >= 0 && day.Lost >= 0, "demand is never negative");
                series[day.Day.DayNumber - from.DayNumber] += day.Demand;
            }
        }

        return series;
    }

    /// <summary>The mean of daily demand.</summary>
    public static double Mean(IReadOnlyList<long> daily)
    {
        ArgumentNullException.ThrowIfNull(daily);
        Invariant.Require(daily.Count > 0, "a mean needs at least one day");
        return daily.Sum(d => (double)d) / daily.Count;
    }

    /// <summary>
    /// The sample standard deviation (divided by n − 1, Bessel's correction): the window is a sample
    /// of the demand process, and dividing by n would understate its spread on short histories.
    /// Zero for a single day.
    /// </summary>
    public static double SampleStandardDeviation(IReadOnlyList<long> daily)
    {
        ArgumentNullException.ThrowIfNull(daily);
        if (daily.Count < 2)
        {
            return 0;
        }

        var mean = Mean(daily);
        var squares = daily.Sum(d => (d - mean) * (d - mean));
        var deviation = Math.Sqrt(squares / (daily.Count - 1));
        Invariant.Require(deviation >= 0 && !double.IsNaN(deviation), "a standard deviation is a non-negative number");
        return deviation;
    }

    public static ReplenishmentPlan Compute(
        IReadOnlyList<long> dailyDemand, int leadTimeDays, double serviceLevel, int targetDaysOfCover, long inventoryPosition)
    {
        ArgumentNullException.ThrowIfNull(dailyDemand);
        Invariant.Require(leadTimeDays is >= 0 and <= PlanningDaysMax, $"a lead time is 0 to {PlanningDaysMax} days");
        Invariant.Require(targetDaysOfCover is >= 0 and <= PlanningDaysMax, $"a target cover is 0 to {PlanningDaysMax} days");
        Invariant.Require(serviceLevel is >= ServiceLevelMin and <= ServiceLevelMax, $"a service level is {ServiceLevelMin} to {ServiceLevelMax}");

        var mean = Mean(dailyDemand);
        var deviation = SampleStandardDeviation(dailyDemand);
        var z = ServiceLevel.Z(serviceLevel);
        var safetyStock = UnitsUp(z * deviation * Math.Sqrt(leadTimeDays));
        var reorderPoint = UnitsUp(mean * leadTimeDays) + safetyStock;
        var orderUpTo = UnitsUp(mean * (leadTimeDays + targetDaysOfCover)) + safetyStock;
        var suggested = Math.Max(0, orderUpTo - inventoryPosition);

        Invariant.Require(safetyStock >= 0 && reorderPoint >= safetyStock && orderUpTo >= reorderPoint, "safety stock ≤ reorder point ≤ order-up-to level");
        Invariant.Require(suggested >= 0 && (suggested == 0 || inventoryPosition + suggested == orderUpTo), "an order brings the position up to the order-up-to level");
        return new ReplenishmentPlan(mean, deviation, safetyStock, reorderPoint, inventoryPosition, orderUpTo, suggested, inventoryPosition < reorderPoint);
    }

    /// <summary>
    /// Rounds up to whole units. A tolerance of 1e-9 keeps floating-point noise (4.000000000001)
    /// from asking for a fifth unit.
    /// </summary>
    private static long UnitsUp(double units)
    {
        Invariant.Require(units >= 0 && !double.IsNaN(units) && units < Limits.PositionUnitsMax, "a quantity of units is finite and non-negative");
        return (long)Math.Ceiling(units - 1e-9);
    }
}

/// <summary>The standard normal quantile of a service level (the chance of not running out during a lead time).</summary>
public static class ServiceLevel
{
    public const double Default = 0.95;

    // Coefficients of Peter J. Acklam's rational approximation of the inverse normal CDF
    // ("An algorithm for computing the inverse normal cumulative distribution function", 2003):
    // relative error below 1.15e-9 over the whole open interval (0, 1), far finer than whole units need.
    private static readonly double[] A = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
    private static readonly double[] B = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
    private static readonly double[] C = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
    private static readonly double[] D = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    private const double Low = 0.02425;

    /// <summary>z such that P(Z ≤ z) = <paramref name="p"/> for a standard normal Z (Acklam's approximation).</summary>
    public static double Z(double p)
    {
        Invariant.Require(p is > 0 and < 1, "a probability strictly between 0 and 1");
        double z;
        if (p < Low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            z = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
        }
        else if (p <= 1 - Low)
        {
            var q = p - 0.5;
            var r = q * q;
            z = (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            z = -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
        }

        Invariant.Require((p < 0.5) == (z < 0), "the quantile is on the same side of the mean as the probability");
        return z;
    }
}
