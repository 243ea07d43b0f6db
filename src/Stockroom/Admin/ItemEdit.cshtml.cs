using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>Edits an item through <c>PUT /v1/items/{sku}</c>'s own handler, and lists its variants.</summary>
public sealed class ItemEditModel(IStockStore store, KeyRing keys) : PageModel
{
    public const int VariantsShown = 50;

    public string Sku { get; private set; } = "";
    public Item? Item { get; private set; }
    public ItemForm Form { get; private set; } = new();
    public FormFields Fields { get; } = new("item-");
    public IReadOnlyList<Item> Variants { get; private set; } = [];
    public bool MayWrite { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(string sku, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(sku, cancellationToken))
        {
            return NotFound();
        }

        Form = ItemForm.From(Item!);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string sku, ItemForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.InventoryWrite);
        }

        if (!await LoadAsync(sku, cancellationToken))
        {
            return NotFound();
        }

        Form = form;
        var request = form.ToRequest(Fields);
        if (!Fields.Failed)
        {
            // The same values again change nothing: no new version, no event, as if the form had not been sent twice.
            if (ItemForm.From(Item!).ToRequest(new FormFields("")) is var current && Same(current, request))
            {
                Message = $"Item {sku} already had these values: nothing was changed.";
                return Redirect($"/admin/items/{Uri.EscapeDataString(sku)}/edit");
            }

            var result = await ItemsApi.PutItem(sku, request, store, Request, cancellationToken);
            if (Fields.Accepted(result.Result))
            {
                Message = $"Item {sku} saved.";
                return Redirect($"/admin/items/{Uri.EscapeDataString(sku)}/edit");
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private static bool Same(PutItemRequest a, PutItemRequest b) =>
        a with { Attributes = null } == b with { Attributes = null }
        && (a.Attributes ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual((b.Attributes ?? []).OrderBy(p => p.Key, StringComparer.Ordinal));

    private async Task<bool> LoadAsync(string sku, CancellationToken cancellationToken)
    {
        Sku = sku;
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken);
        Item = Core.Identifier.IsValid(sku) ? await store.GetItemAsync(sku, cancellationToken) : null;
        if (Item is null)
        {
            return false;
        }

        Variants = await store.SearchItemsAsync(new ItemSearch(null, null, sku, ItemOrder.Sku, false, null, VariantsShown), cancellationToken);
        return true;
    }
}
