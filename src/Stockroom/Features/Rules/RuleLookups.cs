using Stockroom.Core.Alerts;
using Stockroom.Core.Rules;
using Stockroom.Storage;

namespace Stockroom.Features.Rules;

/// <summary>One rule by its exact selectors (a selector left out is <c>''</c>, as the rules are stored), or null.</summary>
public static class RuleLookups
{
    public static async Task<SafetyStockRule?> FindSafetyRuleAsync(this IStockStore store, string? sku, string? location, string? group,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return (await store.QueryAsync(
            $"SELECT {RuleStatements.SafetyRuleColumns} FROM safety_stock_rules WHERE sku = @sku AND location_id = @location AND group_id = @group",
            c => c.With("@sku", sku ?? "").With("@location", location ?? "").With("@group", group ?? ""), RuleStatements.ReadSafetyRule,
            cancellationToken)).SingleOrDefault();
    }

    public static async Task<LowStockRule?> FindLowStockRuleAsync(this IStockStore store, string? sku, string? location, string? group,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return (await store.QueryAsync(
            $"SELECT {RuleStatements.LowStockRuleColumns} FROM low_stock_rules WHERE sku = @sku AND location_id = @location AND group_id = @group",
            c => c.With("@sku", sku ?? "").With("@location", location ?? "").With("@group", group ?? ""), RuleStatements.ReadLowStockRule,
            cancellationToken)).SingleOrDefault();
    }
}
