namespace Stockroom.Features.Connectors;

/// <summary>The connectors configured on channels, as the workers that serve them read them.</summary>
public interface IConnectorDirectory
{
    /// <summary>Every channel's connector, secrets included, in channel order.</summary>
    Task<IReadOnlyList<ConnectorSettings>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>A directory with no connectors: the server polls nothing until connectors are configured on channels.</summary>
public sealed class NoConnectors : IConnectorDirectory
{
    public Task<IReadOnlyList<ConnectorSettings>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ConnectorSettings>>([]);
}
