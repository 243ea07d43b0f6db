using Stockroom.Core.Supply;

namespace Stockroom.Core.Rules;

/// <summary>
/// Units kept back from promising, for a SKU, a location, a group's locations, or any mix; a
/// rule with none of the three is the default for every position. Either fixed <c>Units</c> or a
/// <c>Percent</c> of on-hand (rounded up). Holds with a priority of at least <c>VipPriority</c>
/// may use the protected units, so VIP orders get the last stock.
/// </summary>
public sealed record SafetyStockRule(
    string? Sku,
    string? Location,
    string? Group,
    long? Units,
    decimal? Percent,
    int? VipPriority,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IScopedRule
{
    /// <summary>The units this rule keeps back at a position holding <paramref name="onHand"/>.</summary>
    public long Protects(long onHand)
    {
        Invariant.Require(onHand >= 0, "on-hand is never negative");
        var units = Units ?? (long)Math.Ceiling(onHand * (Percent ?? 0) / 100m);
        Invariant.Require(units >= 0, "a rule never protects fewer than zero units");
        return units;
    }
}

/// <summary>Chooses, for each position, the rule that applies and the units it protects.</summary>
public sealed class SafetyStockPolicy
{
    public static readonly SafetyStockPolicy None = new([], _ => []);

    private readonly IReadOnlyList<SafetyStockRule> _rules;
    private readonly Func<string, IReadOnlyCollection<string>> _groupsOf;

    /// <param name="rules">The rules that may apply.</param>
    /// <param name="groupsOf">The groups a location belongs to.</param>
    public SafetyStockPolicy(IReadOnlyList<SafetyStockRule> rules, Func<string, IReadOnlyCollection<string>> groupsOf)
    {
        _rules = rules;
        _groupsOf = groupsOf;
    }

    public int RuleCount => _rules.Count;

    /// <summary>
    /// The most specific matching rule. Between equally specific rules (a location in two groups
    /// with rules of their own) the one protecting more wins: when in doubt, promise less.
    /// </summary>
    public SafetyStockRule? RuleFor(PositionKey key, long onHand) =>
        ScopedRules.MostSpecific(_rules, key, _groupsOf, rule => rule.Protects(onHand));

    /// <summary>Units kept back at a position, for demand of <paramref name="priority"/> (null: anyone).</summary>
    public long For(Position position, int? priority = null)
    {
        ArgumentNullException.ThrowIfNull(position);
        var rule = RuleFor(position.Key, position.OnHand);
        if (rule is null || (priority is { } p && rule.VipPriority is { } vip && p >= vip))
        {
            return 0;
        }

        return rule.Protects(position.OnHand);
    }
}

/// <summary>A rule that applies to a SKU, a location, a group's locations, or any mix of them.</summary>
public interface IScopedRule
{
    string? Sku { get; }
    string? Location { get; }
    string? Group { get; }
}

public static class ScopedRules
{
    /// <summary>
    /// How specific a rule is: a SKU outranks a location, which outranks a group, so that the
    /// narrowest rule that matches a position is the one that applies.
    /// </summary>
    public static int Specificity(IScopedRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return (rule.Sku is null ? 0 : 4) + (rule.Location is null ? 0 : 2) + (rule.Group is null ? 0 : 1);
    }

    /// <summary>The most specific rule matching a position; among equals, the one weighing most.</summary>
    public static T? MostSpecific<T>(IEnumerable<T> rules, PositionKey key, Func<string, IReadOnlyCollection<string>> groupsOf, Func<T, long> weight)
        where T : class, IScopedRule
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(groupsOf);
        ArgumentNullException.ThrowIfNull(weight);
        T? best = null;
        foreach (var rule in rules)
        {
            var matches = (rule.Sku is null || rule.Sku == key.Sku)
                && (rule.Location is null || rule.Location == key.Location)
                && (rule.Group is null || groupsOf(key.Location).Contains(rule.Group));
            if (matches && (best is null || Specificity(rule) > Specificity(best)
                || (Specificity(rule) == Specificity(best) && weight(rule) > weight(best))))
            {
                best = rule;
            }
        }

        return best;
    }
}
