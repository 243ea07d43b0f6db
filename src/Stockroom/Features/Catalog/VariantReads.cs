using Stockroom.Core.Catalog;
using Stockroom.Storage;

namespace Stockroom.Features.Catalog;

/// <summary>An item's variants: the items that name it as their parent.</summary>
public static class VariantReads
{
    public static async Task<IReadOnlyList<Item>> ListVariantsAsync(this IStockStore store, string parentSku, int limit, CancellationToken cancellationToken) =>
        await store.QueryAsync($"SELECT {CatalogRows.ItemColumns} FROM items WHERE parent_sku = @parent ORDER BY sku LIMIT @limit",
            c => c.With("@parent", parentSku).With("@limit", limit), CatalogRows.ReadItem, cancellationToken);
}
