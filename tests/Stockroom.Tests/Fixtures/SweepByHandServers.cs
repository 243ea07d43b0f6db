using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stockroom.Features.Reservations;
using Stockroom.Testing;

namespace Stockroom.Tests.Fixtures;

/// <summary>
/// A keyed server (the matrix keys) whose expiry sweep runs only when a test calls it: a hold past
/// its time then stays unswept for as long as the test needs, with no race against the worker.
/// </summary>
public sealed class SweepByHandSqliteServer : SqliteServer
{
    protected override IReadOnlyList<string> Settings => MatrixKeys.Settings;

    protected override void ConfigureServices(IServiceCollection services) => SweepByHand.Configure(services);
}

public sealed class SweepByHandPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override IReadOnlyList<string> Settings => MatrixKeys.Settings;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();

    protected override void ConfigureServices(IServiceCollection services) => SweepByHand.Configure(services);
}

internal static class SweepByHand
{
    public static void Configure(IServiceCollection services)
    {
        var worker = services.Single(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType == typeof(ExpiryWorker));
        services.Remove(worker);
    }
}
