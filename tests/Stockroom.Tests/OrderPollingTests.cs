using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stockroom.Features.Connectors;
using Stockroom.Storage;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>The connectors a test configures, read by the polling worker as the channels' connectors.</summary>
public sealed class FixedConnectors : IConnectorDirectory
{
    private volatile IReadOnlyList<ConnectorSettings> _connectors = [];

    public void Set(params ConnectorSettings[] connectors) => _connectors = connectors;

    public Task<IReadOnlyList<ConnectorSettings>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_connectors);
}

/// <summary>A server whose connectors are the test's, and whose order polling runs only when a test calls it.</summary>
public interface IPollingServer
{
    FixedConnectors Connectors { get; }
}

internal static class PollByHand
{
    public static void Configure(IServiceCollection services, FixedConnectors connectors)
    {
        services.Remove(services.Single(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType == typeof(OrderPollingWorker)));
        services.AddSingleton<IConnectorDirectory>(connectors);
    }
}

public sealed class PollingSqliteServer : SqliteServer, IPollingServer
{
    public FixedConnectors Connectors { get; } = new();

    protected override IReadOnlyList<string> Settings => ConnectorServer.Settings;

    protected override void ConfigureServices(IServiceCollection services) => PollByHand.Configure(services, Connectors);
}

public sealed class PollingPostgresServer : StockroomServer, IPollingServer
{
    public FixedConnectors Connectors { get; } = new();

    public override StoreKind Kind => StoreKind.Postgres;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();

    protected override IReadOnlyList<string> Settings => ConnectorServer.Settings;

    protected override void ConfigureServices(IServiceCollection services) => PollByHand.Configure(services, Connectors);
}

public abstract class OrderPollingTests(StockroomServer server, FixedConnectors connectors)
{
    private HttpClient Client => server.Client;

    private OrderPolling Polling => server.Service<OrderPolling>();

    /// <summary>A network with stock enough for every order of a test, sold on the marketplace's intake channel.</summary>
    private async Task<Network> SeedAsync(string format)
    {
        var n = await Client.SeedAsync(storeOnHand: 100, warehouseOnHand: 0);
        await Client.Put($"/v1/channels/{format}", new { name = format, group = n.Group }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        return n;
    }

    private static ConnectorSettings Walmart(string channel, WalmartStandIn standIn) => new(channel, ConnectorKind.Walmart, standIn.BaseUrl,
        new Dictionary<string, string> { ["clientId"] = WalmartStandIn.ClientId }, new Dictionary<string, string> { ["clientSecret"] = WalmartStandIn.ClientSecret });

    private static ConnectorSettings Amazon(string channel, AmazonStandIn standIn) => new(channel, ConnectorKind.Amazon, standIn.BaseUrl,
        new Dictionary<string, string> { ["clientId"] = AmazonStandIn.ClientId, ["marketplaceId"] = AmazonStandIn.MarketplaceId, ["tokenUrl"] = standIn.TokenUrl.AbsoluteUri },
        new Dictionary<string, string> { ["clientSecret"] = AmazonStandIn.ClientSecret, ["refreshToken"] = AmazonStandIn.RefreshToken });

    private async Task<long> AllocatedAsync(Network n) => await IntakeFixtures.AllocatedAsync(Client, n);

    private async Task AssertHeldAsync(string format, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            await Client.Send(HttpMethod.Get, $"/v1/orders/{format}:{id}").Expect(HttpStatusCode.OK);
        }
    }

    private async Task<PollCursor> CursorAsync(string channel) => (await server.Store.ListPollCursorsAsync(CancellationToken.None)).Single(c => c.Channel == channel);

    /// <summary>Past the poll interval, so that every caught-up connector is due again.</summary>
    private void NextInterval() => server.Time.Advance(Polling.Every + TimeSpan.FromSeconds(1));

    [Fact]
    public async Task Walmart_orders_are_read_across_pages_and_each_taken_once_however_often_the_window_is_read()
    {
        var n = await SeedAsync("walmart");
        await using var walmart = await WalmartStandIn.StartNewAsync();
        var channel = Api.NewId("wm");
        connectors.Set(Walmart(channel, walmart));
        // Changed within the last few minutes: inside the overlap of the sweeps that follow.
        var ids = Enumerable.Range(0, 5).Select(i => walmart.AddOrder(n.Sku, server.Time.GetUtcNow().AddSeconds(-240 + (10 * i)))).ToList();

        // Five orders at two a page: three pages, read in one pass.
        Assert.Equal(5, await Polling.PollDueAsync(CancellationToken.None));
        Assert.Equal(3, walmart.ListCalls);
        await AssertHeldAsync("walmart", ids);
        // Each documented order owes 2 units (3 ordered, 1 shipped; the protection plan line names no SKU).
        Assert.Equal(10, await AllocatedAsync(n));

        // Not due again before the interval.
        Assert.Equal(0, await Polling.PollDueAsync(CancellationToken.None));
        Assert.Equal(3, walmart.ListCalls);

        // The next sweeps overlap the last: its orders are read again, and intake takes none of them twice.
        for (var sweep = 0; sweep < 2; sweep++)
        {
            NextInterval();
            await Polling.PollDueAsync(CancellationToken.None);
        }

        Assert.Equal(10, await AllocatedAsync(n));
        var later = walmart.AddOrder(n.Sku, server.Time.GetUtcNow());
        NextInterval();
        await Polling.PollDueAsync(CancellationToken.None);
        await AssertHeldAsync("walmart", [later]);
        Assert.Equal(12, await AllocatedAsync(n));
        Assert.Empty(walmart.Violations);
        Assert.Equal((0, (int?)null), ((await CursorAsync(channel)).FailuresInARow, (await CursorAsync(channel)).LastErrorStatus));
    }

    [Fact]
    public async Task A_walmart_429_is_ridden_out_without_moving_the_cursor_or_losing_an_order()
    {
        var n = await SeedAsync("walmart");
        await using var walmart = await WalmartStandIn.StartNewAsync();
        var channel = Api.NewId("wm");
        connectors.Set(Walmart(channel, walmart));
        var ids = Enumerable.Range(0, 3).Select(i => walmart.AddOrder(n.Sku, server.Time.GetUtcNow().AddMinutes(-10 + i))).ToList();
        walmart.ThrottleNext = 1;

        Assert.Equal(0, await Polling.PollDueAsync(CancellationToken.None));
        var throttled = await CursorAsync(channel);
        Assert.Equal((429, 0), (throttled.LastErrorStatus, throttled.FailuresInARow));
        Assert.Equal(0, await AllocatedAsync(n));

        // Once the wait Walmart asks for is over, the same window is read, a page an order, and nothing is lost or doubled.
        server.Time.Advance(WalmartOrderPoller.DefaultWait);
        walmart.PageMax = 1;
        Assert.Equal(3, await Polling.PollDueAsync(CancellationToken.None));
        Assert.Null((await CursorAsync(channel)).LastErrorStatus);
        await AssertHeldAsync("walmart", ids);
        Assert.Equal(6, await AllocatedAsync(n));
        Assert.Empty(walmart.Violations);
    }

    [Fact]
    public async Task A_crash_between_intake_and_the_cursor_write_reads_the_page_again_and_takes_each_order_once()
    {
        var n = await SeedAsync("walmart");
        await using var walmart = await WalmartStandIn.StartNewAsync();
        var channel = Api.NewId("wm");
        connectors.Set(Walmart(channel, walmart));
        var ids = Enumerable.Range(0, 4).Select(i => walmart.AddOrder(n.Sku, server.Time.GetUtcNow().AddMinutes(-10 + i))).ToList();

        // The first poll stores its first cursor; the state a crash after intake leaves is the orders taken and that cursor still stored.
        walmart.ThrottleNext = 1;
        await Polling.PollDueAsync(CancellationToken.None);
        var before = await CursorAsync(channel);
        server.Time.Advance(WalmartOrderPoller.DefaultWait);
        Assert.Equal(4, await Polling.PollDueAsync(CancellationToken.None));
        Assert.Equal(8, await AllocatedAsync(n));
        await RewindAsync(channel, before.Cursor);

        // After the restart the pages are read again: every order is there once, and no unit is allocated twice.
        await server.RestartAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4, await Polling.PollDueAsync(CancellationToken.None));
        await AssertHeldAsync("walmart", ids);
        Assert.Equal(8, await AllocatedAsync(n));
    }

    [Fact]
    public async Task Two_processes_polling_at_once_take_each_order_once()
    {
        var n = await SeedAsync("walmart");
        await using var walmart = await WalmartStandIn.StartNewAsync();
        var channel = Api.NewId("wm");
        connectors.Set(Walmart(channel, walmart));
        var ids = Enumerable.Range(0, 6).Select(i => walmart.AddOrder(n.Sku, server.Time.GetUtcNow().AddMinutes(-10 + i))).ToList();
        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            var polls = await Task.WhenAll(Polling.PollDueAsync(CancellationToken.None), other.Services.GetRequiredService<OrderPolling>().PollDueAsync(CancellationToken.None));
            // One process claimed the connector; the other found it claimed and read nothing.
            Assert.Equal(6, polls.Sum());
            Assert.Contains(0, polls);
            Assert.Equal(3, walmart.ListCalls);
            await AssertHeldAsync("walmart", ids);
            Assert.Equal(12, await AllocatedAsync(n));
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }
    }

    [Fact]
    public async Task Amazon_orders_and_their_item_pages_are_read_within_the_rate_limits_and_taken_once()
    {
        var n = await SeedAsync("amazon");
        await using var amazon = await AmazonStandIn.StartNewAsync();
        var channel = Api.NewId("amz");
        connectors.Set(Amazon(channel, amazon));
        var at = server.Time.GetUtcNow().AddHours(-2);
        var ids = Enumerable.Range(0, 5).Select(i => amazon.AddOrder(n.Sku, at.AddMinutes(i))).ToList();
        // Two orders changed in the same second: the overlap keeps the second from being skipped.
        ids.Add(amazon.AddOrder(n.Sku, at.AddMinutes(4)));
        amazon.ThrottleNext = 1;

        Assert.Equal(0, await Polling.PollDueAsync(CancellationToken.None));
        Assert.Equal(429, (await CursorAsync(channel)).LastErrorStatus);
        server.Time.Advance(TimeSpan.FromSeconds(60));

        // Six orders at two a page: three getOrders pages, and two item pages per order.
        Assert.Equal(6, await Polling.PollDueAsync(CancellationToken.None));
        Assert.Equal(12, amazon.ItemCalls);
        await AssertHeldAsync("amazon", ids);
        // Each documented order owes 4 units (3 ordered and 1 shipped on the first item page, 2 on the second).
        Assert.Equal(24, await AllocatedAsync(n));

        // The next window starts just before the last change taken; the orders of that overlap are not read again.
        NextInterval();
        await Polling.PollDueAsync(CancellationToken.None);
        Assert.Equal(12, amazon.ItemCalls);
        var later = amazon.AddOrder(n.Sku, at.AddMinutes(4));
        NextInterval();
        Assert.Equal(1, await Polling.PollDueAsync(CancellationToken.None));
        await AssertHeldAsync("amazon", [later]);
        Assert.Equal(28, await AllocatedAsync(n));

        // A crash before the cursor write reads the window again: nothing is allocated twice.
        await RewindAsync(channel, new AmazonOrderPoller(server.Time).InitialCursor(at.AddMinutes(-1)));
        NextInterval();
        await Polling.PollDueAsync(CancellationToken.None);
        Assert.Equal(28, await AllocatedAsync(n));
        Assert.Empty(amazon.Violations);
    }

    [Fact]
    public async Task A_refusal_keeps_the_marketplaces_error_body_and_the_cursor_and_backs_off()
    {
        var n = await SeedAsync("walmart");
        await using var walmart = await WalmartStandIn.StartNewAsync();
        var channel = Api.NewId("wm");
        var wrong = Walmart(channel, walmart) with { Secrets = new Dictionary<string, string> { ["clientSecret"] = "not-the-secret" } };
        connectors.Set(wrong);
        walmart.AddOrder(n.Sku, server.Time.GetUtcNow());

        Assert.Equal(0, await Polling.PollDueAsync(CancellationToken.None));
        var refused = await CursorAsync(channel);
        Assert.Equal((401, 1), (refused.LastErrorStatus, refused.FailuresInARow));
        Assert.Contains("UNAUTHORIZED.GMP_GATEWAY_API", refused.LastErrorBody, StringComparison.Ordinal);
        Assert.Equal(0, walmart.ListCalls);

        // A marketplace that cannot be reached is a failure without a status; the run grows and the wait doubles.
        var gone = await WalmartStandIn.StartNewAsync();
        var closed = gone.BaseUrl;
        await gone.DisposeAsync();
        connectors.Set(Walmart(channel, walmart) with { BaseUrl = closed });
        server.Time.Advance(OrderPolling.BackOffMin);
        Assert.Equal(0, await Polling.PollDueAsync(CancellationToken.None));
        var unreachable = await CursorAsync(channel);
        Assert.Equal(((int?)null, 2), (unreachable.LastErrorStatus, unreachable.FailuresInARow));
        Assert.Equal(server.Time.GetUtcNow() + (2 * OrderPolling.BackOffMin), unreachable.NextPollAt);
        Assert.Equal(refused.Cursor, unreachable.Cursor);

        // Put right, the connector reads from where it stood, and the failures are cleared.
        connectors.Set(Walmart(channel, walmart));
        server.Time.Advance(2 * OrderPolling.BackOffMin);
        Assert.Equal(1, await Polling.PollDueAsync(CancellationToken.None));
        var recovered = await CursorAsync(channel);
        Assert.Equal(((int?)null, (string?)null, 0), (recovered.LastErrorStatus, recovered.LastErrorBody, recovered.FailuresInARow));
        Assert.Equal(2, await AllocatedAsync(n));
    }

    [Fact]
    public async Task A_polled_order_intake_refuses_is_recorded_in_the_audit_and_not_read_again_and_again()
    {
        await SeedAsync("walmart");
        await using var walmart = await WalmartStandIn.StartNewAsync();
        var channel = Api.NewId("wm");
        connectors.Set(Walmart(channel, walmart));
        // A SKU Stockroom does not know and no listing maps: intake refuses the order (422), as it would a webhook's.
        var id = walmart.AddOrder(Api.NewId("NOPE"), server.Time.GetUtcNow().AddMinutes(-10));

        Assert.Equal(1, await Polling.PollDueAsync(CancellationToken.None));
        var refused = Assert.Single(await DeliveriesAsync(id));
        Assert.Equal("refused", refused.GetProperty("outcome").GetString(), ignoreCase: true);
        Assert.Equal(422, refused.GetProperty("status").GetInt32());
        await Client.Send(HttpMethod.Get, $"/v1/orders/walmart:{id}").Problem(HttpStatusCode.NotFound);

        // The refusal is not a failure of the poll: the cursor moves past the order, and later sweeps neither read nor record it again.
        var cursor = await CursorAsync(channel);
        Assert.Equal((0, (int?)null), (cursor.FailuresInARow, cursor.LastErrorStatus));
        for (var sweep = 0; sweep < 3; sweep++)
        {
            NextInterval();
            Assert.Equal(0, await Polling.PollDueAsync(CancellationToken.None));
        }

        Assert.Single(await DeliveriesAsync(id));
        Assert.Empty(walmart.Violations);
    }

    /// <summary>The intake audit's rows of one marketplace order, read through <c>GET /v1/intake/deliveries</c>.</summary>
    private async Task<List<JsonElement>> DeliveriesAsync(string marketplaceOrderId)
    {
        var rows = new List<JsonElement>();
        var after = "";
        for (var page = 0; page < 100; page++)
        {
            var answer = await Client.Send(HttpMethod.Get, $"/v1/intake/deliveries?channel=walmart&limit=1000{after}").Expect(HttpStatusCode.OK);
            rows.AddRange(answer.GetProperty("data").EnumerateArray()
                .Where(d => d.TryGetProperty("marketplaceOrderId", out var m) && m.GetString() == marketplaceOrderId));
            if (!answer.TryGetProperty("next", out var next) || next.ValueKind != JsonValueKind.String)
            {
                break;
            }

            after = $"&after={Uri.EscapeDataString(next.GetString()!)}";
        }

        return rows;
    }

    /// <summary>Puts a cursor back as a crash before its write would have left it, and makes the connector due.</summary>
    private async Task RewindAsync(string channel, string cursor)
    {
        await using var write = await server.Store.BeginWriteAsync(CancellationToken.None);
        await using var command = write.Command("UPDATE connector_poll_cursors SET cursor = @cursor, next_poll_at = @now, lease_owner = NULL, lease_until = NULL WHERE channel_id = @channel")
            .With("@cursor", cursor).With("@now", server.Time.GetUtcNow()).With("@channel", channel);
        Assert.Equal(1, await write.ExecuteAsync(command, CancellationToken.None));
        await write.CommitAsync(CancellationToken.None);
    }
}

public sealed class OrderPollingTests_Sqlite(PollingSqliteServer server) : OrderPollingTests(server, server.Connectors), IClassFixture<PollingSqliteServer>;

public sealed class OrderPollingTests_Postgres(PollingPostgresServer server) : OrderPollingTests(server, server.Connectors), IClassFixture<PollingPostgresServer>;
