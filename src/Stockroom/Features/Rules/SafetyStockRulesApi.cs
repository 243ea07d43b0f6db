using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Ledger;
using Stockroom.Core.Rules;
using Stockroom.Core;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Rules;

/// <summary>
/// A safety stock rule: by SKU, location, group, or any mix (none is the default for every
/// position), in units or a percent of on-hand; the three selectors identify the rule.
/// </summary>
public sealed record SafetyStockRuleRequest(string? Sku, string? Location, string? Group, long? Units, decimal? Percent, int? VipPriority);

public static class SafetyStockRulesApi
{
    public static RouteGroupBuilder MapSafetyStockRulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/rules/safety-stock").WithTags("Rules");
        group.MapPut("/", Put).RequireStoreWideScope(Scopes.InventoryWrite).WithETag().WithName("PutSafetyStockRule")
            .WithSummary("Create or replace the safety stock rule for a SKU, location, group or any mix; the most specific rule applies.");
        group.MapGet("/", List).RequireScope(Scopes.Read).WithName("ListSafetyStockRules").WithSummary("Page through safety stock rules, optionally for one SKU.");
        group.MapDelete("/", Delete).RequireStoreWideScope(Scopes.InventoryWrite).WithETag().WithName("DeleteSafetyStockRule").WithSummary("Delete the rule with exactly these selectors.");
        return group;
    }

    public static async Task<Results<Created<SafetyStockRule>, Ok<SafetyStockRule>, ProblemHttpResult>> Put(
        SafetyStockRuleRequest request, IStockStore store, HttpRequest httpRequest, CancellationToken cancellationToken)
    {
        var validation = Selectors(request.Sku, request.Location, request.Group);
        if ((request.Units is null) == (request.Percent is null))
        {
            validation.Add("units", "give either units or percent");
        }

        validation.Quantity("units", request.Units, required: false);
        if (request.Percent is < 0 or > 100)
        {
            validation.Add("percent", "must be from 0 to 100");
        }

        validation.Range("vipPriority", request.VipPriority, -Limits.PriorityMax, Limits.PriorityMax, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var (conditions, badConditions) = ETags.Conditions(httpRequest);
        if (badConditions is not null)
        {
            return badConditions;
        }

        return await Writes.RetryAsync<Results<Created<SafetyStockRule>, Ok<SafetyStockRule>, ProblemHttpResult>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            if (await UnknownSelectorsAsync(write, request.Sku, request.Location, request.Group, cancellationToken) is { } unknown)
            {
                return unknown;
            }

            // The rule is replaced by deleting it first, which also locks it: the precondition is checked against the row as it was.
            if (conditions is not null)
            {
                await write.LockNameAsync($"rules/safety-stock/{RuleCursor.Of(request.Sku, request.Location, request.Group)}", cancellationToken);
            }

            var existing = await write.DeleteSafetyRuleAsync(request.Sku, request.Location, request.Group, cancellationToken);
            if (conditions?.Check(existing) is { } failed)
            {
                return failed;
            }

            var rule = new SafetyStockRule(request.Sku, request.Location, request.Group, request.Units, request.Percent, request.VipPriority,
                existing?.CreatedAt ?? write.Now, write.Now);
            await write.UpsertSafetyRuleAsync(rule, cancellationToken);
            write.Record("rule.safetyStock.upserted", rule);
            await write.CommitAsync(cancellationToken);
            return existing is null ? TypedResults.Created("/v1/rules/safety-stock", rule) : TypedResults.Ok(rule);
        });
    }

    public static async Task<Results<Ok<Page<SafetyStockRule>>, ProblemHttpResult>> List(
        IStockStore store, CancellationToken cancellationToken, string? sku = null, string? after = null, int? limit = null)
    {
        var validation = new Validation();
        validation.Identifier("sku", sku, required: false);
        var cursor = RuleCursor.Parse(after, validation);
        validation.Range("limit", limit, 1, Core.Limits.PageSizeMax, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var size = limit ?? Core.Limits.PageSizeDefault;
        var rules = await store.ListSafetyRulesAsync(sku, cursor, size, cancellationToken);
        return TypedResults.Ok(Paging.Page(rules, size, r => RuleCursor.Of(r.Sku, r.Location, r.Group).ToString()));
    }

    public static async Task<Results<Ok<SafetyStockRule>, ProblemHttpResult>> Delete(
        IStockStore store, HttpRequest httpRequest, CancellationToken cancellationToken, string? sku = null, string? location = null, string? group = null)
    {
        var validation = Selectors(sku, location, group);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var (conditions, badConditions) = ETags.Conditions(httpRequest);
        if (badConditions is not null)
        {
            return badConditions;
        }

        return await Writes.RetryAsync<Results<Ok<SafetyStockRule>, ProblemHttpResult>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            if (await write.DeleteSafetyRuleAsync(sku, location, group, cancellationToken) is not { } deleted)
            {
                return conditions?.Check(null) ?? Problems.NotFound("safety stock rule", $"sku={sku}, location={location}, group={group}");
            }

            if (conditions?.Check(deleted) is { } failed)
            {
                return failed;
            }

            write.Record("rule.safetyStock.deleted", deleted);
            await write.CommitAsync(cancellationToken);
            return TypedResults.Ok(deleted);
        });
    }

    /// <summary>A 422 naming the selectors of a rule that refer to nothing, or null when all exist.</summary>
    internal static async Task<ProblemHttpResult?> UnknownSelectorsAsync(IStockWrite write, string? sku, string? location, string? group, CancellationToken cancellationToken)
    {
        var unknown = new Validation();
        if (sku is not null && await write.GetItemAsync(sku, cancellationToken) is null)
        {
            unknown.Add("sku", $"there is no item '{sku}'");
        }

        if (location is not null && await write.GetLocationAsync(location, cancellationToken) is null)
        {
            unknown.Add("location", $"there is no location '{location}'");
        }

        if (group is not null && await write.GetGroupAsync(group, cancellationToken) is null)
        {
            unknown.Add("group", $"there is no group '{group}'");
        }

        return unknown.IsValid ? null : Problems.Unprocessable(unknown.Errors, "A rule applies to items, locations and groups that exist.");
    }

    internal static Validation Selectors(string? sku, string? location, string? group)
    {
        var validation = new Validation();
        validation.Identifier("sku", sku, required: false);
        validation.Identifier("location", location, required: false);
        validation.Identifier("group", group, required: false);
        return validation;
    }
}
