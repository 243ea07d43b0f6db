using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>Edits an item through <c>PUT /v1/items/{sku}</c>'s own handler, and lists its variants.</summary>
public sealed class ItemEditModel(IStockStore store, KeyRing keys) : EditPageModel<Item, ItemForm, PutItemRequest>(keys, Scopes.InventoryWrite, "item-")
{
    public const int VariantsShown = 50;

    public IReadOnlyList<Item> Variants { get; private set; } = [];

    protected override string Noun => "Item";

    protected override string PathOf(string id) => $"/admin/items/{Uri.EscapeDataString(id)}/edit";

    protected override Task<Item?> FindAsync(string id, CancellationToken cancellationToken) => store.GetItemAsync(id, cancellationToken);

    protected override async Task LoadBesideAsync(string id, CancellationToken cancellationToken) =>
        Variants = await store.SearchItemsAsync(new ItemSearch(null, null, id, ItemOrder.Sku, false, null, VariantsShown), cancellationToken);

    protected override ItemForm FormOf(Item resource) => ItemForm.From(resource);

    protected override PutItemRequest ToRequest(ItemForm form, FormFields fields) => form.ToRequest(fields);

    // Attributes are a map: the same pairs in another order change nothing.
    protected override bool Same(PutItemRequest stored, PutItemRequest sent) =>
        stored with { Attributes = null } == sent with { Attributes = null }
        && (stored.Attributes ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual((sent.Attributes ?? []).OrderBy(p => p.Key, StringComparer.Ordinal));

    protected override async Task<IResult> PutAsync(string id, PutItemRequest request, CancellationToken cancellationToken) =>
        (await ItemsApi.PutItem(id, request, store, Request, cancellationToken)).Result;
}
