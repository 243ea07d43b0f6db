using Stockroom.Storage;

namespace Stockroom.Features.Connectors;

/// <summary>The connectors configured on channels, as the workers that serve them read them.</summary>
public interface IConnectorDirectory
{
    /// <summary>Every channel's connector, secrets included, in channel order.</summary>
    Task<IReadOnlyList<ConnectorSettings>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>The connectors set on channels with <c>PUT /v1/channels/{id}</c>, their secrets unprotected for the call.</summary>
public sealed class StoredConnectors(IStockStore store, ConnectorSetup setup) : IConnectorDirectory
{
    public async Task<IReadOnlyList<ConnectorSettings>> ListAsync(CancellationToken cancellationToken) =>
        await store.QueryAsync("SELECT channel_id, kind, base_url, settings, secrets FROM channel_connectors ORDER BY channel_id", _ => { },
            r => setup.Settings(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4)), cancellationToken);
}
