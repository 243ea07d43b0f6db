using Stockroom.Core.Rules;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

public sealed class SafetyStockTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static SafetyStockRule Rule(string? sku = null, string? location = null, string? group = null, long? units = null, decimal? percent = null, int? vip = null) =>
        new(sku, location, group, units, percent, vip, At, At);

    private static SafetyStockPolicy Policy(params SafetyStockRule[] rules) =>
        new(rules, location => location is "store-1" or "store-2" ? ["stores"] : []);

    private static Position P(string sku, string location, long onHand) => new(new PositionKey(sku, location), onHand, 0, 0);

    [Fact]
    public void No_rule_protects_nothing() => Assert.Equal(0, SafetyStockPolicy.None.For(P("A", "store-1", 10)));

    [Fact]
    public void The_most_specific_rule_wins()
    {
        var policy = Policy(Rule(units: 9), Rule(group: "stores", units: 7), Rule(location: "store-1", units: 5), Rule(sku: "A", units: 3),
            Rule(sku: "A", group: "stores", units: 2), Rule(sku: "A", location: "store-1", units: 1));
        Assert.Equal(1, policy.For(P("A", "store-1", 100)));
        Assert.Equal(2, policy.For(P("A", "store-2", 100)));
        Assert.Equal(3, policy.For(P("A", "wh", 100)));
        Assert.Equal(5, policy.For(P("B", "store-1", 100)));
        Assert.Equal(7, policy.For(P("B", "store-2", 100)));
        Assert.Equal(9, policy.For(P("B", "wh", 100)));
    }

    [Theory]
    [InlineData(10, 10, 1)]
    [InlineData(11, 10, 2)] // 1.1 rounds up: protect at least what was asked
    [InlineData(0, 50, 0)]
    [InlineData(7, 100, 7)]
    public void Percent_is_of_on_hand_rounded_up(long onHand, int percent, long protectedUnits)
    {
        Assert.Equal(protectedUnits, Policy(Rule(sku: "A", percent: percent)).For(P("A", "wh", onHand)));
    }

    [Fact]
    public void Vip_priority_may_use_the_protected_units()
    {
        var policy = Policy(Rule(sku: "A", units: 4, vip: 10));
        var position = P("A", "wh", 20);
        Assert.Equal(4, policy.For(position));
        Assert.Equal(4, policy.For(position, priority: 9));
        Assert.Equal(0, policy.For(position, priority: 10));
    }

    [Fact]
    public void Equally_specific_rules_protect_the_more()
    {
        var policy = new SafetyStockPolicy([Rule(group: "north", units: 2), Rule(group: "stores", units: 6)], _ => ["north", "stores"]);
        Assert.Equal(6, policy.For(P("A", "store-1", 50)));
    }
}
