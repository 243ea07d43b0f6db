using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Core.Catalog;
using Stockroom.Core.Ledger;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Catalog;

/// <summary>The body of <c>PUT /v1/items/{sku}</c>. Status defaults to active, policy to reserve.</summary>
public sealed record PutItemRequest(
    string? Name,
    string? Description,
    ItemStatus? Status,
    StockPolicy? Policy,
    int? AcceptWithinSeconds,
    bool? Backorderable,
    string? ParentSku,
    Dictionary<string, string>? Attributes,
    decimal? Price,
    decimal? UnitCost);

public static class ItemsApi
{
    public static RouteGroupBuilder MapItemsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/items").WithTags("Catalog");
        group.MapPut("/{sku}", PutItem).RequireStoreWideScope(Scopes.InventoryWrite).WithETag().WithName("PutItem").WithSummary("Create or replace an item (a sellable SKU).");
        group.MapGet("/{sku}", GetItem).RequireScope(Scopes.Read).WithETag().WithName("GetItem").WithSummary("Read one item.");
        group.MapGet("/", ListItems).RequireScope(Scopes.Read).WithName("ListItems").WithSummary("Page through items in SKU order.");
        return group;
    }

    public static async Task<Results<Created<Item>, Ok<Item>, ProblemHttpResult>> PutItem(
        string sku, PutItemRequest request, IStockStore store, HttpRequest httpRequest, CancellationToken cancellationToken)
    {
        var validation = Validate(sku, request);
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
        if (conditions is not null)
        {
            await write.LockRowAsync(CatalogTable.Items, sku, cancellationToken);
            if (conditions.Check(await write.GetItemAsync(sku, cancellationToken)) is { } failed)
            {
                return failed;
            }
        }

        var (item, created, problem) = await UpsertAsync(write, sku, request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        await write.CommitAsync(cancellationToken);
        return created ? TypedResults.Created($"/v1/items/{sku}", item) : TypedResults.Ok(item!);
    }

    /// <summary>Creates or replaces a validated item in a write: the API's path and the CSV import's.</summary>
    internal static async Task<(Item? Item, bool Created, ProblemHttpResult? Problem)> UpsertAsync(
        IStockWrite write, string sku, PutItemRequest request, CancellationToken cancellationToken)
    {
        if (request.ParentSku is { } parentSku && await write.GetItemAsync(parentSku, cancellationToken) is null)
        {
            return (null, false, Problems.Unprocessable(new Dictionary<string, string[]> { ["parentSku"] = [$"there is no item '{parentSku}'"] },
                "A variant's parent must exist first."));
        }

        var existing = await write.GetItemAsync(sku, cancellationToken);
        var item = new Item(sku, request.Name!.Trim(), request.Description, request.Status ?? ItemStatus.Active,
            request.Policy ?? StockPolicy.Reserve, request.AcceptWithinSeconds, request.Backorderable ?? false, request.ParentSku,
            request.Attributes, request.Price, request.UnitCost, existing?.CreatedAt ?? write.Now, write.Now);
        await write.UpsertItemAsync(item, cancellationToken);
        write.Record("item.upserted", item);
        return (item, existing is null, null);
    }

    internal static Validation Validate(string sku, PutItemRequest request)
    {
        var validation = new Validation();
        validation.Identifier("sku", sku);
        validation.Text("name", request.Name, Limits.NameLengthMax, required: true);
        validation.Text("description", request.Description, Limits.DescriptionLengthMax, required: false);
        validation.Range("acceptWithinSeconds", request.AcceptWithinSeconds, 1, Limits.AcceptWithinSecondsMax, required: false);
        if (validation.Identifier("parentSku", request.ParentSku, required: false) && request.ParentSku == sku)
        {
            validation.Add("parentSku", "must not be the item itself");
        }

        validation.Money("price", request.Price);
        validation.Money("unitCost", request.UnitCost);
        if (request.Attributes is { } attributes)
        {
            if (attributes.Count > Limits.AttributesMax)
            {
                validation.Add("attributes", $"must have at most {Limits.AttributesMax} entries");
            }

            foreach (var (key, value) in attributes)
            {
                if (key.Length is 0 || key.Length > Limits.AttributeLengthMax || value is null || value.Length > Limits.AttributeLengthMax)
                {
                    validation.Add($"attributes.{key}", $"keys and values must be 1–{Limits.AttributeLengthMax} characters");
                }
                else if (Validation.HasControlCharacters(key) || Validation.HasControlCharacters(value))
                {
                    validation.Add($"attributes.{key}", Validation.ControlCharactersMessage);
                }
            }
        }

        return validation;
    }

    public static async Task<Results<Ok<Item>, ProblemHttpResult>> GetItem(string sku, IStockStore store, CancellationToken cancellationToken) =>
        await Problems.FindAsync("sku", sku, "item", () => store.GetItemAsync(sku, cancellationToken));

    public static async Task<Results<Ok<Page<Item>>, ProblemHttpResult>> ListItems(
        IStockStore store, CancellationToken cancellationToken, string? after = null, int? limit = null)
    {
        var (validation, size) = Paging.Validate(after, limit);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var items = await store.ListItemsAsync(after, size, cancellationToken);
        return TypedResults.Ok(Paging.Page(items, size, i => i.Sku));
    }
}
