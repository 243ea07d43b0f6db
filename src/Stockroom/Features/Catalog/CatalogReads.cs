using Stockroom.Core.Catalog;
using Stockroom.Storage;

namespace Stockroom.Features.Catalog;

/// <summary>The catalog as the API and the write paths read it outside a write.</summary>
public static class CatalogReads
{
    public static async Task<Item?> GetItemAsync(this IStockStore store, string sku, CancellationToken cancellationToken) =>
        (await store.QueryAsync($"SELECT {CatalogRows.ItemColumns} FROM items WHERE sku = @sku", c => c.With("@sku", sku), CatalogRows.ReadItem, cancellationToken))
        .SingleOrDefault();

    public static async Task<IReadOnlyList<Item>> ListItemsAsync(this IStockStore store, string? after, int limit, CancellationToken cancellationToken) =>
        await store.QueryAsync($"SELECT {CatalogRows.ItemColumns} FROM items WHERE sku > @after ORDER BY sku LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), CatalogRows.ReadItem, cancellationToken);

    public static async Task<IReadOnlyList<Item>> GetItemsAsync(this IStockStore store, IReadOnlyCollection<string> skus, CancellationToken cancellationToken) =>
        skus.Count == 0 ? [] : await store.QueryAsync($"SELECT {CatalogRows.ItemColumns} FROM items WHERE sku IN ({store.Dialect.TextList("@skus")})",
            c => store.Dialect.BindTextList(c, "@skus", skus), CatalogRows.ReadItem, cancellationToken);

    public static async Task<Location?> GetLocationAsync(this IStockStore store, string id, CancellationToken cancellationToken) =>
        (await store.QueryAsync($"SELECT {CatalogRows.LocationColumns} FROM locations WHERE id = @id", c => c.With("@id", id), CatalogRows.ReadLocation,
            cancellationToken)).SingleOrDefault();

    public static async Task<IReadOnlyList<Location>> ListLocationsAsync(this IStockStore store, string? after, int limit, CancellationToken cancellationToken) =>
        await store.QueryAsync($"SELECT {CatalogRows.LocationColumns} FROM locations WHERE id > @after ORDER BY id LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), CatalogRows.ReadLocation, cancellationToken);

    public static async Task<IReadOnlyList<Location>> GetLocationsAsync(this IStockStore store, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await store.QueryAsync(
            $"SELECT {CatalogRows.LocationColumns} FROM locations WHERE id IN ({store.Dialect.TextList("@ids")}) ORDER BY id",
            c => store.Dialect.BindTextList(c, "@ids", ids), CatalogRows.ReadLocation, cancellationToken);

    public static async Task<DistributionGroup?> GetGroupAsync(this IStockStore store, string id, CancellationToken cancellationToken) =>
        (await store.ReadGroupsAsync("id = @id", c => c.With("@id", id), int.MaxValue, cancellationToken)).SingleOrDefault();

    public static async Task<IReadOnlyList<DistributionGroup>> ListGroupsAsync(this IStockStore store, string? after, int limit, CancellationToken cancellationToken) =>
        await store.ReadGroupsAsync("id > @after", c => c.With("@after", after ?? ""), limit, cancellationToken);

    public static async Task<IReadOnlyList<DistributionGroup>> GetGroupsAsync(this IStockStore store, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await store.ReadGroupsAsync($"id IN ({store.Dialect.TextList("@ids")})", c => store.Dialect.BindTextList(c, "@ids", ids), ids.Count,
            cancellationToken);

    private static async Task<List<DistributionGroup>> ReadGroupsAsync(this IStockStore store, string filter, Action<System.Data.Common.DbCommand> bind, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenReadAsync(cancellationToken);
        await using var command = connection.Command(null, CatalogRows.GroupsQuery(filter)).With("@limit", limit);
        bind(command);
        return await CatalogRows.ReadGroupsAsync(command, cancellationToken);
    }

    public static async Task<Channel?> GetChannelAsync(this IStockStore store, string id, CancellationToken cancellationToken) =>
        (await store.QueryAsync($"{CatalogRows.ChannelSelect} WHERE id = @id", c => c.With("@id", id), CatalogRows.ReadChannel,
            cancellationToken)).SingleOrDefault();

    public static async Task<IReadOnlyList<Channel>> ListChannelsAsync(this IStockStore store, string? after, int limit, CancellationToken cancellationToken) =>
        await store.QueryAsync($"{CatalogRows.ChannelSelect} WHERE id > @after ORDER BY id LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), CatalogRows.ReadChannel, cancellationToken);

    public static async Task<IReadOnlyList<Channel>> GetChannelsAsync(this IStockStore store, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await store.QueryAsync($"{CatalogRows.ChannelSelect} WHERE id IN ({store.Dialect.TextList("@ids")})",
            c => store.Dialect.BindTextList(c, "@ids", ids), CatalogRows.ReadChannel, cancellationToken);

    /// <summary>
    /// The secret a marketplace signs deliveries to <paramref name="channel"/> with; null when the
    /// channel has none (or does not exist). Only intake's signature check reads it.
    /// </summary>
    public static async Task<string?> GetIntakeSecretAsync(this IStockStore store, string channel, CancellationToken cancellationToken) =>
        (await store.QueryAsync("SELECT intake_secret FROM channels WHERE id = @id", c => c.With("@id", channel), r => r.NullableString(0),
            cancellationToken)).SingleOrDefault();
}
