using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using Scalar.AspNetCore;
using Stockroom.Admin;
using Stockroom.Core;
using Stockroom.Features.Allocations;
using Stockroom.Features.Availability;
using Stockroom.Features.Catalog;
using Stockroom.Features.Channels;
using Stockroom.Features.Connectors;
using Stockroom.Features.Insights;
using Stockroom.Features.Intake;
using Stockroom.Features.Keys;
using Stockroom.Features.Ledger;
using Stockroom.Features.Orders;
using Stockroom.Features.Reservations;
using Stockroom.Features.Rules;
using Stockroom.Features.Supply;
using Stockroom.Features.Transfers;
using Stockroom.Features.Webhooks;
using Stockroom.Http;
using Stockroom.Observability;
using Stockroom.Storage;
using Stockroom.Storage.Sqlite;

namespace Stockroom;

/// <summary>Builds the Stockroom web application: the one place services and endpoints are wired.</summary>
public static class StockroomApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        AddShippedSettings(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = Limits.RequestBodyBytesMax);
        TelemetrySetup.AddLogging(builder);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IStockStore>(services =>
            Stores.Open(builder.Configuration.GetConnectionString("Stockroom"), services.GetRequiredService<TimeProvider>()));
        AddWorkers(builder);
        builder.Services.Configure<JsonOptions>(options => StockroomJson.Configure(options.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = Problems.Complete);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        AddOpenApiDocument(builder.Services);
        TelemetrySetup.AddTelemetry(builder);
        builder.Services.AddSingleton(services =>
            KeyRing.From(builder.Configuration, services.GetRequiredService<IStockStore>(), services.GetRequiredService<TimeProvider>()));
        builder.Services.AddKeyAuthentication();
        // The key ring is first read when the host starts (the framework's DataProtectionHostedService),
        // which is after PrepareAsync has migrated: data_protection_keys is there before it is asked for.
        builder.Services.AddStoreDataProtection(builder.Configuration);
        // Deliveries to intake refused by authentication or authorization are kept in its audit trail.
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, Features.Intake.IntakeDoor>();
        builder.Services.AddKeyRateLimits(builder.Configuration);
        builder.Services.AddStorefrontCors(builder.Configuration);
        builder.Services.AddSingleton(builder.Configuration.GetSection("Stockroom:Reads").Get<StockModelOptions>() ?? new StockModelOptions());
        builder.Services.AddSingleton<StockModel>();
        builder.Services.AddHostedService<StockModelFollower>();
        builder.Services.AddSingleton(new WideReads(builder.Configuration.GetSection("Stockroom:Reads").Get<WideReadOptions>() ?? new WideReadOptions()));
        builder.Services.AddAdmin();
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseRequestIds();
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        // Before authentication: a browser's preflight carries no key and is answered here.
        app.UseCors();
        app.UseAuthentication();
        // After authentication, so that requests are counted against the key that made them.
        app.UseKeyRateLimits();
        app.UseAuthorization();
        app.UseRawBodies();
        app.MapRazorPages();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi();
        // The reference UI is served from the package itself; no fonts or scripts are fetched from elsewhere.
        app.MapScalarApiReference(options => options.WithTitle("Stockroom API").DisableDefaultFonts());
        app.MapGet("/", () => TypedResults.Redirect("/scalar")).ExcludeFromDescription();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = WriteHealth });

        MapApis(app);
        return app;
    }

    /// <summary>
    /// The settings shipped beside the executable (quiet framework logs, Stockroom's own on) come
    /// first, so that an <c>appsettings.json</c> in the working folder, the environment and the
    /// command line override them: the server is started from any folder, not only its own.
    /// </summary>
    private static void AddShippedSettings(ConfigurationManager configuration)
    {
        var sources = configuration.Sources;
        var first = sources.Select((source, index) => (source, index)).FirstOrDefault(s => s.source is JsonConfigurationSource).index;
        sources.Insert(first, new JsonConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
            Path = "appsettings.json",
            Optional = true,
        });
    }

    /// <summary>The hold writer and the background workers: expiry, channel publication, webhook delivery.</summary>
    private static void AddWorkers(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(builder.Configuration.GetSection("Stockroom:Writer").Get<HoldWriterOptions>() ?? new HoldWriterOptions());
        builder.Services.AddSingleton<HoldWriter>();
        builder.Services.AddHostedService<HoldWriterService>();
        builder.Services.AddSingleton<ReservationExpiry>();
        builder.Services.AddHostedService<ExpiryWorker>();
        builder.Services.AddSingleton<ChannelPublisher>();
        builder.Services.AddHostedService<ChannelPublishingWorker>();
        builder.Services.AddSingleton(builder.Configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions());
        builder.Services.AddSingleton<IWebhookNetwork, SystemWebhookNetwork>();
        builder.Services.AddSingleton<WebhookConnector>();
        // Each send is bounded by WebhookDispatcher.Timeout on the injected clock, not by the client's own timer.
        builder.Services.AddHttpClient(WebhookDispatcher.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                // Every connection goes through the target rules; a proxy would connect on its own, unchecked.
                ConnectCallback = services.GetRequiredService<WebhookConnector>().ConnectAsync,
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
            });
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddHostedService<WebhookWorker>();
        AddConnectors(builder);
    }

    /// <summary>
    /// Channel connectors: each kind's pusher and order poller, and one client that connects only where
    /// the target rules allow, as webhooks do, for pushes and polls alike.
    /// </summary>
    private static void AddConnectors(WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ConnectorOptions.Section).Get<ConnectorOptions>() ?? new ConnectorOptions();
        builder.Services.AddSingleton(options);
        // One token cache for the pushers and the order pollers: pushing to and polling a connector share its token.
        builder.Services.AddSingleton<AccessTokenCache>();
        builder.Services.AddSingleton<IAvailabilityPusher, ShopifyPusher>();
        builder.Services.AddSingleton<IAvailabilityPusher, AmazonPusher>();
        builder.Services.AddSingleton<IAvailabilityPusher, WalmartPusher>();
        builder.Services.AddSingleton<IAvailabilityPusher, GoogleMerchantPusher>();
        builder.Services.AddSingleton<ConnectorSetup>();
        foreach (var (name, timeout) in new[] { (ConnectorPushes.HttpClientName, ConnectorPushes.RequestTimeout), (OrderPolling.HttpClientName, OrderPolling.RequestTimeout) })
        {
            builder.Services.AddHttpClient(name, client => client.Timeout = timeout)
                .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
                {
                    // The webhook connect step, under the connectors' own setting: checked on the address actually connected.
                    ConnectCallback = new WebhookConnector(services.GetRequiredService<IWebhookNetwork>(),
                        new WebhookOptions { AllowPrivateNetworks = options.AllowPrivateNetworks, AllowSetting = ConnectorOptions.AllowSetting }).ConnectAsync,
                    UseProxy = false,
                    AllowAutoRedirect = false,
                    UseCookies = false,
                });
        }

        builder.Services.AddSingleton<ConnectorPushes>();
        builder.Services.AddHostedService<ConnectorWorker>();
        // Order polling: connectors of marketplaces that do not push their orders are read and fed to intake.
        builder.Services.TryAddSingleton<IConnectorDirectory, StoredConnectors>();
        builder.Services.AddSingleton<IOrderPoller, WalmartOrderPoller>();
        builder.Services.AddSingleton<IOrderPoller, AmazonOrderPoller>();
        builder.Services.AddSingleton<OrderPolling>();
        builder.Services.AddHostedService<OrderPollingWorker>();
    }

    /// <summary>The OpenAPI document, described as the handlers behave: see <see cref="Http.StockroomOpenApi"/>.</summary>
    private static void AddOpenApiDocument(IServiceCollection services) => services.AddOpenApi(Http.StockroomOpenApi.Configure);

    private static void MapApis(WebApplication app)
    {
        app.MapItemsApi();
        app.MapNetworkApi();
        app.MapSupplyApi();
        app.MapAvailabilityApi();
        app.MapReservationsApi();
        app.MapOrdersApi();
        app.MapSafetyStockRulesApi();
        app.MapAllocationsApi();
        app.MapIntakeApi();
        app.MapWebhooksApi();
        app.MapLowStockRulesApi();
        app.MapEventsApi();
        app.MapKeysApi();
        app.MapTransfersApi();
        app.MapInsightsApi();
    }

    /// <summary>Health as JSON: the overall status and each check's, for dashboards and probes alike.</summary>
    private static Task WriteHealth(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
        });

    /// <summary>Migrates the store and announces how the server runs, before it takes requests.</summary>
    public static async Task PrepareAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Stockroom");
        // Resolved first, so that a key refused in configuration stops the start before the store is touched.
        var keys = app.Services.GetRequiredService<KeyRing>();
        var store = app.Services.GetRequiredService<IStockStore>();
        Log.StoreSelected(logger, store.Kind.ToString(), store is SqliteStore sqlite ? Path.GetFullPath(sqlite.DataSource) : "PostgreSQL");
        var started = Stopwatch.GetTimestamp();
        await store.MigrateAsync(cancellationToken);
        Log.Migrated(logger, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        // Counted from the first write on, the start-up sweep's expiries included; the gauge of open holds is registered with it.
        app.Services.GetRequiredService<LedgerMetrics>();
        app.Services.GetRequiredService<OpenHolds>();
        // Holds whose time ran out while the server was down are released before any request is taken.
        var expired = await app.Services.GetRequiredService<ReservationExpiry>().SweepAsync(cancellationToken);
        Log.ExpiredAtStart(logger, expired);
        if (!await keys.IsSecuredAsync(cancellationToken))
        {
            Log.RunningOpen(logger);
        }
    }
}

/// <summary>
/// Runs the hold writer's loop for the life of the process. On shutdown the writer stops taking
/// requests (late ones are told to retry) and finishes the ones already queued.
/// </summary>
internal sealed class HoldWriterService(HoldWriter writer) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => writer.RunAsync();

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        writer.Complete();
        await base.StopAsync(cancellationToken);
    }
}

internal sealed class StoreHealthCheck(IStockStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await store.PingAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the store did not answer");
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("the store is unreachable", exception);
        }
    }
}
