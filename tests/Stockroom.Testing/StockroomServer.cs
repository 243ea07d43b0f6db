using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Stockroom.Storage;
using Xunit;

namespace Stockroom.Testing;

/// <summary>
/// A real Stockroom server (Kestrel on a free loopback port) in the test's own process, over a fresh
/// database of one store, with fake time. One per test class; the API and storage suite runs once per store.
/// </summary>
public abstract class StockroomServer : IStockroomServer, IAsyncLifetime
{
    /// <summary>Tests start at a fixed moment so that dates in them are plain to read.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    private WebApplication? _app;

    public FakeTimeProvider Time { get; } = new(Start);

    public HttpClient Client { get; private set; } = null!;

    public Uri BaseAddress => Client.BaseAddress!;

    public IStockStore Store => _app!.Services.GetRequiredService<IStockStore>();

    public string ConnectionString { get; private set; } = "";

    public abstract StoreKind Kind { get; }

    protected abstract Task<string> CreateDatabaseAsync();

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        await StartAsync();
    }

    /// <summary>Stops the server and starts a new one on the same database, as after a crash or deploy.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        Client.Dispose();
        await _app!.StopAsync();
        await _app.DisposeAsync();
        Time.Advance(downtime);
        await StartAsync();
    }

    /// <summary>Configuration a fixture adds, as command-line settings.</summary>
    protected virtual IReadOnlyList<string> Settings => [];

    /// <summary>Services a fixture changes, after the application's own.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    private async Task StartAsync() => (_app, Client) = await StartAppAsync(ConnectionString, Time, Settings, ConfigureServices);

    /// <summary>
    /// A second server on the same database, with its own writer, pools and caches: to the
    /// database, another process.
    /// </summary>
    public async Task<(WebApplication App, HttpClient Client)> StartAnotherAsync() => await StartAppAsync(ConnectionString, Time, Settings, ConfigureServices);

    private static async Task<(WebApplication, HttpClient)> StartAppAsync(string connectionString, TimeProvider time, IReadOnlyList<string> settings,
        Action<IServiceCollection> configure)
    {
        // Test subscribers listen on loopback; fixtures that test the webhook target rules turn this off in their settings.
        var app = StockroomApp.Build(["--urls", "http://127.0.0.1:0", "--ConnectionStrings:Stockroom", connectionString, "--Logging:LogLevel:Default", "Warning",
                "--Stockroom:Webhooks:AllowPrivateNetworks", "true", .. settings],
            builder =>
            {
                builder.Services.AddSingleton(time);
                configure(builder.Services);
            });
        await StockroomApp.PrepareAsync(app, CancellationToken.None);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new HttpClient { BaseAddress = new Uri(address) });
    }

    public T Service<T>() where T : notnull => _app!.Services.GetRequiredService<T>();

    /// <summary>Runs <c>stockroom verify</c> over this database with a console of its own; returns its exit code and what it printed.</summary>
    public async Task<(int ExitCode, string Output)> VerifyLedgerAsync(CancellationToken cancellationToken = default)
    {
        var output = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(output),
            Interactive = Spectre.Console.InteractionSupport.No,
        });
        var exit = await Cli.VerifyCommand.RunAsync(ConnectionString, cancellationToken, console);
        return (exit, output.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public class SqliteServer : StockroomServer
{
    public override StoreKind Kind => StoreKind.Sqlite;

    protected override Task<string> CreateDatabaseAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"stockroom-test-{Guid.NewGuid():N}.db");
        return Task.FromResult($"Data Source={file}");
    }
}

public sealed class PostgresServerFixture : StockroomServer
{
    public override StoreKind Kind => StoreKind.Postgres;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
}
