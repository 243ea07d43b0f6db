using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Catalog;
using Stockroom.Core.Insights;
using Stockroom.Core.Ledger;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;
using Stockroom.Core;
using Stockroom.Features.Availability;
using Stockroom.Features.Catalog;
using Stockroom.Features.Rules;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Insights;

/// <summary>One SKU at one location: its demand, buffer, reorder point and what to order; see <see cref="Replenishment"/>.</summary>
public sealed record ReplenishmentRow(
    string Sku,
    string Location,
    double AverageDailyDemand,
    double DemandStandardDeviation,
    int LeadTimeDays,
    long SafetyStock,
    long ReorderPoint,
    long OnHand,
    long Inbound,
    long Committed,
    long InventoryPosition,
    long OrderUpTo,
    long SuggestedOrderQuantity,
    bool BelowReorderPoint);

/// <summary>
/// Replenishment figures over a window of demand history (<c>from</c>–<c>to</c>, UTC days, today
/// included), at a service level (with its <c>z</c>) and a target cover. The rows are in the list envelope's
/// <c>data</c>, and <c>next</c> continues the list.
/// </summary>
public sealed record ReplenishmentResponse(
    DateOnly From,
    DateOnly To,
    double ServiceLevel,
    double Z,
    int TargetDaysOfCover,
    IReadOnlyList<ReplenishmentRow> Data,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next,
    int? RulesApplied = null);

/// <summary>
/// <c>GET /v1/insights/replenishment</c> computes; <c>POST …/apply</c> computes the same page and makes
/// each row's safety stock the SKU's rule at that location, so that buffers follow demand. A GET never writes.
/// </summary>
public static class ReplenishmentPlans
{
    public const int WindowDaysDefault = 28;

    /// <summary>The lead time of a location that does not say, in days.</summary>
    public const int LeadTimeDaysDefault = 7;

    public const int TargetDaysOfCoverDefault = 14;

    public static async Task<Results<Ok<ReplenishmentResponse>, ProblemHttpResult>> Get(
        IStockStore store, TimeProvider time, CancellationToken cancellationToken,
        string? location = null, string? group = null, int? leadTimeDays = null, double? serviceLevel = null, int? targetDaysOfCover = null,
        int? days = null, string? after = null, int? limit = null)
    {
        var query = new PlanQuery(location, group, leadTimeDays, serviceLevel, targetDaysOfCover, days, after, limit);
        var (response, problem) = await ComputeAsync(store, time, query, cancellationToken);
        return problem ?? (Results<Ok<ReplenishmentResponse>, ProblemHttpResult>)TypedResults.Ok(response!);
    }

    public static async Task<Results<Ok<ReplenishmentResponse>, ProblemHttpResult>> Apply(
        IStockStore store, TimeProvider time, CancellationToken cancellationToken,
        string? location = null, string? group = null, int? leadTimeDays = null, double? serviceLevel = null, int? targetDaysOfCover = null,
        int? days = null, string? after = null, int? limit = null)
    {
        var query = new PlanQuery(location, group, leadTimeDays, serviceLevel, targetDaysOfCover, days, after, limit);
        var (response, problem) = await ComputeAsync(store, time, query, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        // Only rows with demand in the window get a rule: a SKU that never sold there says nothing
        // about the buffer it needs, and a rule of zero would override any broader rule.
        var rows = response!.Data.Where(r => r.AverageDailyDemand > 0).ToList();
        var applied = await Writes.RetryAsync(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            foreach (var row in rows)
            {
                var existing = await write.DeleteSafetyRuleAsync(row.Sku, row.Location, null, cancellationToken);
                var rule = new SafetyStockRule(row.Sku, row.Location, null, row.SafetyStock, null, existing?.VipPriority,
                    existing?.CreatedAt ?? write.Now, write.Now);
                await write.UpsertSafetyRuleAsync(rule, cancellationToken);
                write.Record("rule.safetyStock.upserted",
                    new { rule, source = "replenishment", response.ServiceLevel, row.LeadTimeDays, row.DemandStandardDeviation });
            }

            await write.CommitAsync(cancellationToken);
            return rows.Count;
        });
        return TypedResults.Ok(response with { RulesApplied = applied });
    }

    private sealed record PlanQuery(string? Location, string? Group, int? LeadTimeDays, double? ServiceLevel, int? TargetDaysOfCover,
        int? Days, string? After, int? Limit);

    private static (Validation Validation, PositionKey? After) Validate(PlanQuery query)
    {
        var validation = new Validation();
        validation.Identifier("location", query.Location, required: false);
        validation.Identifier("group", query.Group, required: false);
        if (query.Location is not null && query.Group is not null)
        {
            validation.Add("group", "give a location or a group, not both");
        }

        validation.Range("leadTimeDays", query.LeadTimeDays, 0, Replenishment.PlanningDaysMax, required: false);
        validation.Range("targetDaysOfCover", query.TargetDaysOfCover, 0, Replenishment.PlanningDaysMax, required: false);
        validation.Range("days", query.Days, 1, Replenishment.WindowDaysMax, required: false);
        validation.Range("limit", query.Limit, 1, Limits.PageSizeMax, required: false);
        if (query.ServiceLevel is { } level && level is not (>= Replenishment.ServiceLevelMin and <= Replenishment.ServiceLevelMax))
        {
            validation.Add("serviceLevel", $"must be from {Replenishment.ServiceLevelMin} to {Replenishment.ServiceLevelMax}, e.g. 0.95");
        }

        PositionKey? after = null;
        if (query.After is not null)
        {
            var parts = query.After.Split('/');
            if (parts.Length == 2 && Identifier.IsValid(parts[0]) && Identifier.IsValid(parts[1]))
            {
                after = new PositionKey(parts[0], parts[1]);
            }
            else
            {
                validation.Add("after", "must be the 'next' of an earlier answer: sku/location");
            }
        }

        return (validation, after);
    }

    /// <summary>The locations the plan covers: one, a group's, or every one.</summary>
    private static async Task<(IReadOnlyList<Location> Locations, ProblemHttpResult? Missing)> LocationsAsync(IStockStore store, PlanQuery query,
        CancellationToken cancellationToken)
    {
        if (query.Location is not null)
        {
            if (await store.GetLocationAsync(query.Location, cancellationToken) is not { } one)
            {
                return ([], Problems.NotFound("location", query.Location));
            }

            return ([one], null);
        }

        if (query.Group is not null)
        {
            if (await store.GetGroupAsync(query.Group, cancellationToken) is not { } group)
            {
                return ([], Problems.NotFound("group", query.Group));
            }

            return (await store.GetLocationsAsync(group.Locations, cancellationToken), null);
        }

        return (await store.ListLocationsAsync(null, Limits.GroupLocationsMax, cancellationToken), null);
    }

    /// <summary>
    /// The plan of one SKU at each of <paramref name="positions"/> (its own), with the default window,
    /// service level and cover, as <c>GET /v1/insights/replenishment</c> gives it for those positions.
    /// </summary>
    internal static async Task<IReadOnlyList<ReplenishmentRow>> ForSkuAsync(IStockStore store, TimeProvider time, string sku,
        IReadOnlyList<Position> positions, StockSnapshot stock, IReadOnlyDictionary<string, Location> locations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var ours = positions.Where(p => p.Key.Sku == sku && locations.ContainsKey(p.Key.Location)).ToList();
        if (ours.Count == 0)
        {
            return [];
        }

        var to = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var from = to.AddDays(1 - WindowDaysDefault);
        var demand = (await store.ReadDemandAsync([sku], [.. ours.Select(p => p.Key.Location)], from, to, cancellationToken))
            .ToLookup(d => new PositionKey(d.Sku, d.Location));
        return Rows(ours, stock, demand, locations, from, to, null, ServiceLevel.Default, TargetDaysOfCoverDefault);
    }

    private static List<ReplenishmentRow> Rows(IReadOnlyList<Position> page, StockSnapshot? stock, ILookup<PositionKey, DemandDay> demand,
        IReadOnlyDictionary<string, Location> byId, DateOnly from, DateOnly to, int? leadTimeDays, double serviceLevel, int cover)
    {
        var rows = new List<ReplenishmentRow>(page.Count);
        foreach (var position in page)
        {
            var key = position.Key;
            var inbound = stock!.Inbound[key].Sum(l => l.Quantity);
            var committed = position.Reserved + position.Allocated + position.Backordered;
            var leadTime = leadTimeDays ?? byId[key.Location].LeadTimeDays ?? LeadTimeDaysDefault;
            var plan = Replenishment.Compute(Replenishment.DailySeries(demand[key], from, to), leadTime, serviceLevel, cover,
                position.OnHand + inbound - committed);
            rows.Add(new ReplenishmentRow(key.Sku, key.Location, Math.Round(plan.AverageDailyDemand, 4), Math.Round(plan.DemandStandardDeviation, 4),
                leadTime, plan.SafetyStock, plan.ReorderPoint, position.OnHand, inbound, committed, plan.InventoryPosition, plan.OrderUpTo,
                plan.SuggestedOrderQuantity, plan.BelowReorderPoint));
        }

        return rows;
    }

    private static async Task<(ReplenishmentResponse?, ProblemHttpResult?)> ComputeAsync(IStockStore store, TimeProvider time, PlanQuery query,
        CancellationToken cancellationToken)
    {
        var (validation, after) = Validate(query);
        if (!validation.IsValid)
        {
            return (null, validation.Problem());
        }

        var (locations, missing) = await LocationsAsync(store, query, cancellationToken);
        if (missing is not null)
        {
            return (null, missing);
        }

        var serviceLevel = query.ServiceLevel ?? ServiceLevel.Default;
        var cover = query.TargetDaysOfCover ?? TargetDaysOfCoverDefault;
        var to = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var from = to.AddDays(1 - (query.Days ?? WindowDaysDefault));
        var limit = query.Limit ?? Limits.PageSizeDefault;
        var byId = locations.ToDictionary(l => l.Id, StringComparer.Ordinal);

        var page = byId.Count == 0 ? [] : await store.SearchPositionsAsync(null, byId.Keys, after, limit, cancellationToken);
        var skus = page.Select(p => p.Key.Sku).Distinct(StringComparer.Ordinal).ToList();
        var pageLocations = page.Select(p => p.Key.Location).Distinct(StringComparer.Ordinal).ToList();
        var stock = page.Count == 0 ? null : await store.ReadStockAsync(skus, pageLocations, cancellationToken);
        var demand = (await store.ReadDemandAsync(skus, pageLocations, from, to, cancellationToken)).ToLookup(d => new PositionKey(d.Sku, d.Location));
        var rows = Rows(page, stock, demand, byId, from, to, query.LeadTimeDays, serviceLevel, cover);
        var next = page.Count == limit ? $"{page[^1].Key.Sku}/{page[^1].Key.Location}" : null;
        return (new ReplenishmentResponse(from, to, serviceLevel, Math.Round(ServiceLevel.Z(serviceLevel), 6), cover, rows, next), null);
    }
}
