using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Alerts;
using Stockroom.Core.Ledger;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Rules;

public sealed record LowStockRuleRequest(string? Sku, string? Location, string? Group, long? Threshold);

/// <summary>
/// Low-stock thresholds by SKU, location, group or any mix, the most specific winning: a
/// position whose availability falls below its threshold raises <c>stock.low</c>.
/// </summary>
public static class LowStockRulesApi
{
    public static RouteGroupBuilder MapLowStockRulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/rules/low-stock").WithTags("Rules");
        group.MapPut("/", Put).RequireStoreWideScope(Scopes.InventoryWrite).WithETag().WithName("PutLowStockRule").WithSummary("Create or replace the low-stock threshold for a SKU, location, group or any mix.");
        group.MapGet("/", List).RequireScope(Scopes.Read).WithName("ListLowStockRules").WithSummary("Page through low-stock thresholds, optionally for one SKU.");
        group.MapDelete("/", Delete).RequireStoreWideScope(Scopes.InventoryWrite).WithETag().WithName("DeleteLowStockRule").WithSummary("Delete the threshold with exactly these selectors.");
        return group;
    }

    public static async Task<Results<Created<LowStockRule>, Ok<LowStockRule>, ProblemHttpResult>> Put(
        LowStockRuleRequest request, IStockStore store, HttpRequest httpRequest, CancellationToken cancellationToken)
    {
        var validation = SafetyStockRulesApi.Selectors(request.Sku, request.Location, request.Group);
        validation.Range("threshold", request.Threshold, 1, Core.Limits.QuantityMax);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var (conditions, badConditions) = ETags.Conditions(httpRequest);
        if (badConditions is not null)
        {
            return badConditions;
        }

        return await Writes.RetryAsync<Results<Created<LowStockRule>, Ok<LowStockRule>, ProblemHttpResult>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            if (await SafetyStockRulesApi.UnknownSelectorsAsync(write, request.Sku, request.Location, request.Group, cancellationToken) is { } unknown)
            {
                return unknown;
            }

            // The rule is replaced by deleting it first, which also locks it: the precondition is checked against the row as it was.
            if (conditions is not null)
            {
                await write.LockNameAsync($"rules/low-stock/{RuleCursor.Of(request.Sku, request.Location, request.Group)}", cancellationToken);
            }

            var existing = await write.DeleteLowStockRuleAsync(request.Sku, request.Location, request.Group, cancellationToken);
            if (conditions?.Check(existing) is { } failed)
            {
                return failed;
            }

            var rule = new LowStockRule(request.Sku, request.Location, request.Group, request.Threshold!.Value, existing?.CreatedAt ?? write.Now, write.Now);
            await write.UpsertLowStockRuleAsync(rule, cancellationToken);
            write.Record("rule.lowStock.upserted", rule);
            await write.CommitAsync(cancellationToken);
            return existing is null ? TypedResults.Created("/v1/rules/low-stock", rule) : TypedResults.Ok(rule);
        });
    }

    public static async Task<Results<Ok<Page<LowStockRule>>, ProblemHttpResult>> List(
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
        var rules = await store.ListLowStockRulesAsync(sku, cursor, size, cancellationToken);
        return TypedResults.Ok(Paging.Page(rules, size, r => RuleCursor.Of(r.Sku, r.Location, r.Group).ToString()));
    }

    public static async Task<Results<Ok<LowStockRule>, ProblemHttpResult>> Delete(
        IStockStore store, HttpRequest httpRequest, CancellationToken cancellationToken, string? sku = null, string? location = null, string? group = null)
    {
        var validation = SafetyStockRulesApi.Selectors(sku, location, group);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var (conditions, badConditions) = ETags.Conditions(httpRequest);
        if (badConditions is not null)
        {
            return badConditions;
        }

        await using var write = await store.BeginWriteAsync(cancellationToken);
        if (await write.DeleteLowStockRuleAsync(sku, location, group, cancellationToken) is not { } deleted)
        {
            return conditions?.Check(null) ?? Problems.NotFound("low-stock rule", $"sku={sku}, location={location}, group={group}");
        }

        if (conditions?.Check(deleted) is { } failed)
        {
            return failed;
        }

        write.Record("rule.lowStock.deleted", deleted);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(deleted);
    }
}
