using Stockroom.Core.Catalog;
using Stockroom.Storage;

namespace Stockroom.Features.Catalog;

/// <summary>The catalog through <see cref="IStockStore.Catalog"/>, loading what it misses from the same store.</summary>
public static class CachedCatalog
{
    public static Task<IReadOnlyList<Item>> CachedItemsAsync(this IStockStore store, IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Catalog.ItemsAsync(skus, missing => store.GetItemsAsync(missing, cancellationToken));
    }

    public static Task<IReadOnlyList<Channel>> CachedChannelsAsync(this IStockStore store, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Catalog.ChannelsAsync(ids, missing => store.GetChannelsAsync(missing, cancellationToken));
    }

    public static Task<IReadOnlyList<DistributionGroup>> CachedGroupsAsync(this IStockStore store, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Catalog.GroupsAsync(ids, missing => store.GetGroupsAsync(missing, cancellationToken));
    }

    public static Task<IReadOnlyList<Location>> CachedLocationsAsync(this IStockStore store, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Catalog.LocationsAsync(ids, missing => store.GetLocationsAsync(missing, cancellationToken));
    }
}
