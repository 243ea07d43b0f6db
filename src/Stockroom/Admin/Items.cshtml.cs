using System.Globalization;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// The catalog: items searched by SKU or name, filtered by status or parent, sorted and paged in
/// the store (it can hold 100,000 SKUs and more), and the form that creates one through
/// <c>PUT /v1/items/{sku}</c>'s own handler.
/// </summary>
public sealed class ItemsModel(IStockStore store, KeyRing keys, TimeProvider time) : PageModel
{
    public const int PageSize = 100;

    public static readonly IReadOnlyDictionary<string, ItemOrder> Orders = new Dictionary<string, ItemOrder>(StringComparer.Ordinal)
    {
        ["sku"] = ItemOrder.Sku,
        ["name"] = ItemOrder.Name,
        ["updated"] = ItemOrder.Updated,
    };

    public ListQuery Query { get; private set; } = new(null, "sku", false, null);
    public ItemStatus? Status { get; private set; }
    public string? Parent { get; private set; }
    public IReadOnlyList<Item> Rows { get; private set; } = [];
    public IReadOnlyDictionary<string, int> Variants { get; private set; } = new Dictionary<string, int>();
    public string? Next { get; private set; }
    public DateTimeOffset Now { get; private set; }
    public bool MayWrite { get; private set; }
    public ItemForm Form { get; private set; } = new();
    public FormFields Fields { get; } = new("new-item-");

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(string? status, string? parent, CancellationToken cancellationToken)
    {
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken);
        await ListAsync(status, parent, cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(ItemForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.InventoryWrite);
        }

        MayWrite = true;
        Form = form;
        var sku = FormFields.Blank(form.Sku) ?? "";
        if (await Fields.CreatedAsync("sku", sku, "an item", async () => await store.GetItemAsync(sku, cancellationToken) is not null,
                () => form.ToRequest(Fields), async request => (await ItemsApi.PutItem(sku, request, store, Request, cancellationToken)).Result))
        {
            Message = $"Item {sku} created.";
            return Redirect($"/admin/items?q={Uri.EscapeDataString(sku)}");
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await ListAsync(null, null, cancellationToken);
        return Page();
    }

    private async Task ListAsync(string? status, string? parent, CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Query = ListQuery.From(Request, [.. Orders.Keys], "sku");
        Status = Enum.TryParse<ItemStatus>(status, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : null;
        Parent = string.IsNullOrWhiteSpace(parent) || !Core.Identifier.IsValid(parent.Trim()) ? null : parent.Trim();
        var order = Orders[Query.Sort];
        var rows = await store.SearchItemsAsync(new ItemSearch(Query.Search, Status, Parent, order, Query.Descending, Query.After, PageSize + 1),
            cancellationToken);
        Rows = rows.Count > PageSize ? rows.Take(PageSize).ToList() : rows;
        Next = rows.Count > PageSize ? ItemSearches.NextCursor(order, Rows[^1]) : null;
        Variants = await store.CountVariantsAsync([.. Rows.Select(r => r.Sku)], cancellationToken);
    }

    public static string Money(decimal? value) => value?.ToString("0.00##", CultureInfo.InvariantCulture) ?? "";
}

/// <summary>An item's fields as the form posts them: text, turned into <see cref="PutItemRequest"/>.</summary>
public sealed class ItemForm
{
    public string? Sku { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Status { get; set; }
    public string? Policy { get; set; }
    public string? AcceptWithinSeconds { get; set; }
    public bool Backorderable { get; set; }
    public string? ParentSku { get; set; }
    public string? Attributes { get; set; }
    public string? Price { get; set; }
    public string? UnitCost { get; set; }

    public static ItemForm From(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new ItemForm
        {
            Sku = item.Sku,
            Name = item.Name,
            Description = item.Description,
            Status = Sql.Text(item.Status),
            Policy = Sql.Text(item.Policy),
            AcceptWithinSeconds = item.AcceptWithinSeconds?.ToString(CultureInfo.InvariantCulture),
            Backorderable = item.Backorderable,
            ParentSku = item.ParentSku,
            Attributes = item.Attributes is null ? null : string.Join("\n", item.Attributes.Select(a => $"{a.Key}={a.Value}")),
            Price = FormFields.Number(item.Price),
            UnitCost = FormFields.Number(item.UnitCost),
        };
    }

    /// <summary>The request the API takes; what cannot be read is added to <paramref name="fields"/>.</summary>
    public PutItemRequest ToRequest(FormFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return new PutItemRequest(FormFields.Blank(Name), FormFields.Blank(Description), fields.Enum<ItemStatus>(Status, "status"),
            fields.Enum<StockPolicy>(Policy, "policy"), fields.Whole(AcceptWithinSeconds, "acceptWithinSeconds"), Backorderable,
            FormFields.Blank(ParentSku), ReadAttributes(fields), fields.Amount(Price, "price"), fields.Amount(UnitCost, "unitCost"));
    }

    /// <summary>One <c>name=value</c> per line; blank lines are skipped.</summary>
    private Dictionary<string, string>? ReadAttributes(FormFields fields)
    {
        if (string.IsNullOrWhiteSpace(Attributes))
        {
            return null;
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Attributes.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                fields.Add("attributes", $"each line is name=value: '{line}' is not");
                continue;
            }

            attributes[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return attributes;
    }

    /// <summary>The form's fields; the SKU is asked for only when the item is new.</summary>
    public IHtmlContent Render(FormFields f, bool creating)
    {
        ArgumentNullException.ThrowIfNull(f);
        var html = new HtmlContentBuilder();
        if (creating)
        {
            html.AppendHtml(f.Text("sku", "SKU", Sku, "Letters, digits and . _ : - (up to 64).", required: true));
        }

        html.AppendHtml(f.Text("name", "Name", Name, required: true));
        html.AppendHtml(f.Area("description", "Description", Description));
        html.AppendHtml(f.Select<ItemStatus>("status", "Status", ParseOr(Status, ItemStatus.Active)));
        html.AppendHtml(f.Select<StockPolicy>("policy", "Stock policy", ParseOr(Policy, StockPolicy.Reserve),
            hint: "reserve: holds confirm at once; onRequest: the seller answers each hold; auto: confirm while stock suffices, else ask."));
        html.AppendHtml(f.Text("acceptWithinSeconds", "Seller answers within (seconds)", AcceptWithinSeconds, inputMode: "numeric",
            hint: "For onRequest and auto items; blank for the default."));
        html.AppendHtml(f.Check("backorderable", "Backorderable (sell beyond what is on hand)", Backorderable));
        html.AppendHtml(f.Text("parentSku", "Variant of (parent SKU)", ParentSku, "Blank for an item that is not a variant."));
        html.AppendHtml(f.Area("attributes", "Attributes", Attributes, "One name=value per line, e.g. colour=red."));
        html.AppendHtml(f.Text("price", "Price", Price, inputMode: "decimal"));
        html.AppendHtml(f.Text("unitCost", "Unit cost", UnitCost, inputMode: "decimal"));
        return html;
    }

    private static T ParseOr<T>(string? text, T fallback) where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: true, out var value) ? value : fallback;
}
