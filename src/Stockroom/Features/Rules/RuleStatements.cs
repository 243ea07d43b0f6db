using System.Data.Common;
using Stockroom.Core.Alerts;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Rules;

/// <summary>
/// Safety stock and low-stock rules. A selector left out is kept as <c>''</c>, so that the triple
/// (SKU, location, group) is a key even where a rule names fewer of them.
/// </summary>
public static class RuleStatements
{
    public const string SafetyRuleColumns = "sku, location_id, group_id, units, percent, vip_priority, created_at, updated_at";

    public static SafetyStockRule ReadSafetyRule(DbDataReader r) => new(
        NullIfEmpty(r.GetString(0)), NullIfEmpty(r.GetString(1)), NullIfEmpty(r.GetString(2)),
        r.Nullable<long>(3), r.Nullable<decimal>(4), r.Nullable<int>(5), r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7));

    public const string LowStockRuleColumns = "sku, location_id, group_id, threshold, created_at, updated_at";

    public static LowStockRule ReadLowStockRule(DbDataReader r) => new(
        NullIfEmpty(r.GetString(0)), NullIfEmpty(r.GetString(1)), NullIfEmpty(r.GetString(2)), r.GetInt64(3),
        r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    public static async Task UpsertSafetyRuleAsync(this IStockWrite write, SafetyStockRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(rule);
        write.CatalogChanged();
        await using var command = write.Command($"""
            INSERT INTO safety_stock_rules ({SafetyRuleColumns})
            VALUES (@sku, @location, @group, @units, @percent, @vip, @createdAt, @updatedAt)
            ON CONFLICT (sku, location_id, group_id) DO UPDATE SET
                units = excluded.units, percent = excluded.percent, vip_priority = excluded.vip_priority, updated_at = excluded.updated_at
            """)
            .With("@sku", rule.Sku ?? "").With("@location", rule.Location ?? "").With("@group", rule.Group ?? "")
            .With("@units", rule.Units).With("@percent", rule.Percent).With("@vip", rule.VipPriority)
            .With("@createdAt", rule.CreatedAt).With("@updatedAt", rule.UpdatedAt);
        await write.ExecuteAsync(command, cancellationToken);
    }

    /// <summary>Deletes the rule with exactly these selectors; returns it, or null when there was none.</summary>
    public static async Task<SafetyStockRule?> DeleteSafetyRuleAsync(this IStockWrite write, string? sku, string? location, string? group,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        write.CatalogChanged();
        await using var command = write.Command($"DELETE FROM safety_stock_rules WHERE sku = @sku AND location_id = @location AND group_id = @group RETURNING {SafetyRuleColumns}")
            .With("@sku", sku ?? "").With("@location", location ?? "").With("@group", group ?? "");
        return (await command.ListAsync(ReadSafetyRule, cancellationToken)).SingleOrDefault();
    }

    public static async Task UpsertLowStockRuleAsync(this IStockWrite write, LowStockRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(rule);
        write.CatalogChanged();
        await using var command = write.Command($"""
            INSERT INTO low_stock_rules ({LowStockRuleColumns}) VALUES (@sku, @location, @group, @threshold, @createdAt, @updatedAt)
            ON CONFLICT (sku, location_id, group_id) DO UPDATE SET threshold = excluded.threshold, updated_at = excluded.updated_at
            """)
            .With("@sku", rule.Sku ?? "").With("@location", rule.Location ?? "").With("@group", rule.Group ?? "")
            .With("@threshold", rule.Threshold).With("@createdAt", rule.CreatedAt).With("@updatedAt", rule.UpdatedAt);
        await write.ExecuteAsync(command, cancellationToken);
    }

    public static async Task<LowStockRule?> DeleteLowStockRuleAsync(this IStockWrite write, string? sku, string? location, string? group,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        write.CatalogChanged();
        await using var command = write.Command($"DELETE FROM low_stock_rules WHERE sku = @sku AND location_id = @location AND group_id = @group RETURNING {LowStockRuleColumns}")
            .With("@sku", sku ?? "").With("@location", location ?? "").With("@group", group ?? "");
        return (await command.ListAsync(ReadLowStockRule, cancellationToken)).SingleOrDefault();
    }

    public static async Task<IReadOnlyList<SafetyStockRule>> ListSafetyRulesAsync(this IStockStore store, string? sku, RuleCursor? after, int limit,
        CancellationToken cancellationToken) =>
        await store.QueryAsync($"SELECT {SafetyRuleColumns} FROM safety_stock_rules {ListFilter(after)} ORDER BY sku, location_id, group_id LIMIT @limit",
            c => BindList(c, sku, after, limit), ReadSafetyRule, cancellationToken);

    public static async Task<IReadOnlyList<LowStockRule>> ListLowStockRulesAsync(this IStockStore store, string? sku, RuleCursor? after, int limit,
        CancellationToken cancellationToken) =>
        await store.QueryAsync($"SELECT {LowStockRuleColumns} FROM low_stock_rules {ListFilter(after)} ORDER BY sku, location_id, group_id LIMIT @limit",
            c => BindList(c, sku, after, limit), ReadLowStockRule, cancellationToken);

    // The first page starts with no bound at all: the rule for every position is ('', '', ''), which no tuple is greater than or equal to but itself.
    private static string ListFilter(RuleCursor? after) =>
        after is null ? "WHERE (@sku IS NULL OR sku = @sku)" : "WHERE (@sku IS NULL OR sku = @sku) AND (sku, location_id, group_id) > (@afterSku, @afterLocation, @afterGroup)";

    private static void BindList(DbCommand command, string? sku, RuleCursor? after, int limit)
    {
        command.WithText("@sku", sku).With("@limit", limit);
        if (after is { } cursor)
        {
            command.With("@afterSku", cursor.Sku).With("@afterLocation", cursor.Location).With("@afterGroup", cursor.Group);
        }
    }

    /// <summary>The safety stock rules that bear on these SKUs at these locations (null: all of them).</summary>
    public static async Task<SafetyStockPolicy> GetSafetyPolicyAsync(this IStockStore store, IReadOnlyCollection<string>? skus,
        IReadOnlyCollection<string>? locations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dialect = store.Dialect;
        // The rules that name one of these SKUs or none, and the groups of these locations, for group rules; null asks for all.
        var rules = skus is null
            ? await store.QueryAsync($"SELECT {SafetyRuleColumns} FROM safety_stock_rules", _ => { }, ReadSafetyRule, cancellationToken)
            : await store.QueryAsync($"SELECT {SafetyRuleColumns} FROM safety_stock_rules WHERE sku = '' OR sku IN ({dialect.TextList("@skus")})",
                c => dialect.BindTextList(c, "@skus", skus), ReadSafetyRule, cancellationToken);
        if (rules.Count == 0)
        {
            return SafetyStockPolicy.None;
        }

        var memberships = !rules.Any(r => r.Group is not null) || locations is { Count: 0 } ? []
            : locations is null
                ? await store.QueryAsync("SELECT location_id, group_id FROM group_locations", _ => { }, r => (Location: r.GetString(0), Group: r.GetString(1)),
                    cancellationToken)
                : await store.QueryAsync($"SELECT location_id, group_id FROM group_locations WHERE location_id IN ({dialect.TextList("@locations")})",
                    c => dialect.BindTextList(c, "@locations", locations), r => (Location: r.GetString(0), Group: r.GetString(1)), cancellationToken);
        var groupsOf = memberships.ToLookup(m => m.Location, m => m.Group, StringComparer.Ordinal);
        return new SafetyStockPolicy(rules, location => [.. groupsOf[location]]);
    }

    /// <summary>The same rules through <see cref="IStockStore.Catalog"/>: every rule kept while they are few, else these SKUs' own.</summary>
    public static Task<SafetyStockPolicy> GetCachedSafetyPolicyAsync(this IStockStore store, IReadOnlyCollection<string> skus,
        IReadOnlyCollection<string> locations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Catalog.SafetyStockAsync(
            async () =>
            {
                var all = await store.GetSafetyPolicyAsync(null, null, cancellationToken);
                return (all, all.RuleCount);
            },
            () => store.GetSafetyPolicyAsync(skus, locations, cancellationToken));
    }

    /// <summary>The safety stock and low-stock rules that bear on these positions, through <see cref="IStockStore.Catalog"/>.</summary>
    public static Task<(SafetyStockPolicy SafetyStock, LowStockPolicy LowStock)> GetAlertPoliciesAsync(this IStockStore store, IReadOnlyCollection<PositionKey> keys,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Catalog.AlertPoliciesAsync(
            async () =>
            {
                var (safety, low, rules) = await store.ReadAlertPoliciesAsync(null, cancellationToken);
                return ((safety, low), rules);
            },
            async () =>
            {
                var (safety, low, _) = await store.ReadAlertPoliciesAsync(keys, cancellationToken);
                return (safety, low);
            });
    }

    /// <summary>The alert rules bearing on these positions, or all of them (null), and how many rules there were.</summary>
    private static async Task<(SafetyStockPolicy SafetyStock, LowStockPolicy LowStock, int Rules)> ReadAlertPoliciesAsync(this IStockStore store,
        IReadOnlyCollection<PositionKey>? keys, CancellationToken cancellationToken)
    {
        var dialect = store.Dialect;
        var skus = keys?.Select(k => k.Sku).Distinct(StringComparer.Ordinal).ToList();
        var locations = keys?.Select(k => k.Location).Distinct(StringComparer.Ordinal).ToList();
        var forSkus = skus is null ? "" : $" WHERE sku = '' OR sku IN ({dialect.TextList("@skus")})";
        await using var connection = await store.OpenReadAsync(cancellationToken);
        await using var command = connection.Command(null, $"""
            SELECT {SafetyRuleColumns} FROM safety_stock_rules{forSkus};
            SELECT {LowStockRuleColumns} FROM low_stock_rules{forSkus};
            SELECT location_id, group_id FROM group_locations{(locations is null ? "" : $" WHERE location_id IN ({dialect.TextList("@locations")})")};
            """);
        if (skus is not null)
        {
            dialect.BindTextList(command, "@skus", skus);
            dialect.BindTextList(command, "@locations", locations!);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var safety = await reader.RowsAsync(ReadSafetyRule, cancellationToken);
        var low = await reader.NextRowsAsync(ReadLowStockRule, cancellationToken);
        var memberships = await reader.NextRowsAsync(r => (Location: r.GetString(0), Group: r.GetString(1)), cancellationToken);
        var groupsOf = memberships.ToLookup(m => m.Location, m => m.Group, StringComparer.Ordinal);
        IReadOnlyCollection<string> GroupsOf(string location) => [.. groupsOf[location]];
        return (safety.Count == 0 ? SafetyStockPolicy.None : new SafetyStockPolicy(safety, GroupsOf),
            low.Count == 0 ? LowStockPolicy.None : new LowStockPolicy(low, GroupsOf), safety.Count + low.Count);
    }
}

/// <summary>
/// Where a page of rules ends: the selectors of its last rule, <c>''</c> for one left out. On the wire
/// it is the three joined by <c>~</c>, which no identifier contains.
/// </summary>
public sealed record RuleCursor(string Sku, string Location, string Group)
{
    public const char Separator = '~';

    public static RuleCursor Of(string? sku, string? location, string? group) => new(sku ?? "", location ?? "", group ?? "");

    public override string ToString() => string.Join(Separator, Sku, Location, Group);

    /// <summary>The cursor a <c>next</c> stood for, or null (with the reason in <paramref name="validation"/>) when it is not one.</summary>
    public static RuleCursor? Parse(string? text, Http.Validation validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(Separator);
        if (parts.Length != 3 || parts.Any(p => p.Length > 0 && !Core.Identifier.IsValid(p)))
        {
            validation.Add("after", "must be the next cursor of a previous page of rules");
            return null;
        }

        return new(parts[0], parts[1], parts[2]);
    }
}
