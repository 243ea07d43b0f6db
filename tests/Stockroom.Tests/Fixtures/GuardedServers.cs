using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;

namespace Stockroom.Tests.Fixtures;

/// <summary>
/// The network as webhook delivery sees it, made up: host names resolve to what a test says, and a
/// connection to any address the rules let through goes to a loopback listener instead, so no
/// test sends anything beyond this machine. Every lookup and connection is recorded.
/// </summary>
public sealed class FakeWebhookNetwork : IWebhookNetwork
{
    private readonly ConcurrentDictionary<string, IPAddress[]> _names = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<string> Resolved { get; } = new();

    public ConcurrentQueue<IPEndPoint> Connected { get; } = new();

    /// <summary>Where allowed connections really go: a loopback subscriber's port.</summary>
    public int? LoopbackPort { get; set; }

    public void Map(string host, params IPAddress[] addresses) => _names[host] = addresses;

    public Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        Resolved.Enqueue(host);
        return _names.TryGetValue(host, out var addresses)
            ? Task.FromResult<IReadOnlyList<IPAddress>>(addresses)
            : Task.FromException<IReadOnlyList<IPAddress>>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
    }

    public Task<Stream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        Connected.Enqueue(endPoint);
        return LoopbackPort is { } port
            ? new SystemWebhookNetwork().ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken)
            : Task.FromException<Stream>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
    }
}

/// <summary>Servers with the webhook target rules on, as in production, over a <see cref="FakeWebhookNetwork"/>.</summary>
internal static class Guarded
{
    public static IReadOnlyList<string> Settings => ["--Stockroom:Webhooks:AllowPrivateNetworks", "false"];

    public static void Configure(IServiceCollection services) => services.AddSingleton<IWebhookNetwork, FakeWebhookNetwork>();
}

public sealed class GuardedSqliteServer : SqliteServer
{
    protected override IReadOnlyList<string> Settings => Guarded.Settings;

    protected override void ConfigureServices(IServiceCollection services) => Guarded.Configure(services);
}

public sealed class GuardedPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();

    protected override IReadOnlyList<string> Settings => Guarded.Settings;

    protected override void ConfigureServices(IServiceCollection services) => Guarded.Configure(services);
}
