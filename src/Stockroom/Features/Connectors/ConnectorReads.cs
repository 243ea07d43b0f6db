using Stockroom.Storage;

namespace Stockroom.Features.Connectors;

/// <summary>Which channels have a connector, for pages that show every connector's status.</summary>
public static class ConnectorReads
{
    public static async Task<IReadOnlyList<string>> ListConnectedChannelsAsync(this IStockStore store, int limit, CancellationToken cancellationToken) =>
        await store.QueryAsync("SELECT channel_id FROM channel_connectors ORDER BY channel_id LIMIT @limit",
            c => c.With("@limit", limit), r => r.GetString(0), cancellationToken);
}
