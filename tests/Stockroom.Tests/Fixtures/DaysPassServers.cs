using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stockroom.Features.Channels;
using Stockroom.Features.Reservations;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;

namespace Stockroom.Tests.Fixtures;

/// <summary>
/// A server for tests that move the clock on by days, without the workers that tick every second
/// (expiry, channel publishing, webhook delivery). The fake clock fires a periodic timer once for
/// every period it passes, on the thread that advances it; against SQLite, whose commands complete
/// synchronously, each pass then runs to its end inside <c>Advance</c>, so a day is 86,400 passes
/// of each worker. A real clock fires a late timer once.
/// </summary>
public sealed class DaysPassSqliteServer : SqliteServer
{
    protected override void ConfigureServices(IServiceCollection services) => WithoutTickingWorkers.Configure(services);
}

public sealed class DaysPassPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();

    protected override void ConfigureServices(IServiceCollection services) => WithoutTickingWorkers.Configure(services);
}

internal static class WithoutTickingWorkers
{
    private static readonly Type[] Workers = [typeof(ExpiryWorker), typeof(ChannelPublishingWorker), typeof(WebhookWorker)];

    public static void Configure(IServiceCollection services)
    {
        foreach (var type in Workers)
        {
            services.Remove(services.Single(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType == type));
        }
    }
}
