using Stockroom.Core.Availability;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Alerts;

/// <summary>A low-stock threshold for a SKU, a location, a group's locations, or any mix.</summary>
public sealed record LowStockRule(string? Sku, string? Location, string? Group, long Threshold, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    : IScopedRule;

/// <summary>An alert about one position: what happened, and the figures that show it.</summary>
public sealed record StockAlert(string Type, string Sku, string Location, long Available, long OnHand, long Committed, long? Threshold, long? Shortage);

/// <summary>
/// Alerts are transitions, not states: a position that sells out raises <c>stock.soldOut</c> once,
/// when its availability reaches zero, and not again for every hold refused after; it raises
/// <c>stock.backInStock</c> when units come back. <c>stock.low</c> fires on crossing below the
/// threshold; <c>shortage.detected</c> when a supply change leaves committed units above on-hand
/// (a store sold units that were held online), naming the units short so they can be re-sourced.
/// </summary>
public static class StockAlerts
{
    public const string Low = "stock.low";
    public const string SoldOut = "stock.soldOut";
    public const string BackInStock = "stock.backInStock";
    public const string ShortageDetected = "shortage.detected";

    /// <summary>
    /// What needs attention about a position as it stands: short, sold out, or below its
    /// threshold. The same conditions <see cref="Detect"/> announces when a change crosses them.
    /// </summary>
    public static IReadOnlyList<StockAlert> Current(Position position, long safetyStock, long? lowThreshold)
    {
        ArgumentNullException.ThrowIfNull(position);
        var available = Atp.Promisable(position, safetyStock);
        StockAlert Alert(string type, long? threshold = null, long? shortage = null) =>
            new(type, position.Key.Sku, position.Key.Location, available, position.OnHand, position.Committed, threshold, shortage);
        var alerts = new List<StockAlert>();
        if (position.Shortage > 0)
        {
            alerts.Add(Alert(ShortageDetected, shortage: position.Shortage));
        }

        if (available == 0)
        {
            alerts.Add(Alert(SoldOut));
        }
        else if (lowThreshold is { } threshold && available < threshold)
        {
            alerts.Add(Alert(Low, threshold));
        }

        return alerts;
    }

    public static IReadOnlyList<StockAlert> Detect(Position before, Position after, long safetyBefore, long safetyAfter, long? lowThreshold)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        Invariant.Require(before.Key == after.Key, "an alert compares one position with itself");
        var was = Atp.Promisable(before, safetyBefore);
        var now = Atp.Promisable(after, safetyAfter);
        var alerts = new List<StockAlert>();
        StockAlert Alert(string type, long? threshold = null, long? shortage = null) =>
            new(type, after.Key.Sku, after.Key.Location, now, after.OnHand, after.Committed, threshold, shortage);

        if (was > 0 && now == 0)
        {
            alerts.Add(Alert(SoldOut));
        }
        else if (was == 0 && now > 0)
        {
            alerts.Add(Alert(BackInStock));
        }

        if (lowThreshold is { } threshold && now > 0 && now < threshold && was >= threshold)
        {
            alerts.Add(Alert(Low, threshold));
        }

        if (after.Shortage > before.Shortage)
        {
            alerts.Add(Alert(ShortageDetected, shortage: after.Shortage));
        }

        return alerts;
    }
}

/// <summary>Chooses the low-stock threshold for each position: the most specific rule, the higher among equals.</summary>
public sealed class LowStockPolicy(IReadOnlyList<LowStockRule> rules, Func<string, IReadOnlyCollection<string>> groupsOf)
{
    public static readonly LowStockPolicy None = new([], _ => []);

    public long? ThresholdFor(PositionKey key) => ScopedRules.MostSpecific(rules, key, groupsOf, r => r.Threshold)?.Threshold;
}
