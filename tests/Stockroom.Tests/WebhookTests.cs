using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stockroom.Core;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>A subscriber on loopback that records what it receives and can be told to fail or to redirect elsewhere.</summary>
public sealed class Subscriber : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _hits;

    private Subscriber(WebApplication app) => _app = app;

    public ConcurrentQueue<(long Delivery, string Signature, string Type, string Body)> Received { get; } = new();

    /// <summary>What arrived, in the order it was sent (deliveries go out concurrently).</summary>
    public List<(long Delivery, string Signature, string Type, string Body)> InOrder() => [.. Received.OrderBy(r => r.Delivery)];

    public int FailuresLeft { get; set; }

    /// <summary>Answer 302 with this location.</summary>
    public string? RedirectTo { get; set; }

    /// <summary>Requests that reached the subscriber, answered or not.</summary>
    public int Hits => Volatile.Read(ref _hits);

    public string Url => $"{_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()}/hooks";

    public int Port => new Uri(Url).Port;

    public static async Task<Subscriber> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var subscriber = new Subscriber(app);
        app.MapPost("/hooks", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref subscriber._hits);
            if (subscriber.RedirectTo is { } location)
            {
                return Results.Redirect(location);
            }

            if (subscriber.FailuresLeft > 0)
            {
                subscriber.FailuresLeft--;
                return Results.StatusCode(500);
            }

            using var reader = new StreamReader(request.Body);
            subscriber.Received.Enqueue((long.Parse(request.Headers["Stockroom-Delivery"].ToString(), System.Globalization.CultureInfo.InvariantCulture),
                request.Headers["Stockroom-Signature"].ToString(), request.Headers["Stockroom-Event"].ToString(), await reader.ReadToEndAsync()));
            return Results.Ok();
        });
        await app.StartAsync();
        return subscriber;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public abstract class WebhookTests(StockroomServer server)
{
    private const string Secret = "whsec-0123456789abcdef";

    private HttpClient Client => server.Client;

    private Task<int> Dispatch() => server.Service<WebhookDispatcher>().DeliverDueAsync(CancellationToken.None);

    /// <summary>Queues deliveries straight into the outbox, as the ledger's reactions do: one event of the type per payload.</summary>
    private async Task EnqueueAsync(string eventType, int count)
    {
        await using var write = await server.Store.BeginWriteAsync(CancellationToken.None);
        // One event at a time, so that the deliveries of different subscribers interleave in the outbox as real events do.
        for (var i = 0; i < count; i++)
        {
            await write.EnqueueDeliveriesAsync(eventType, [$$"""{"type":"{{eventType}}","n":{{i}}}"""], CancellationToken.None);
        }

        await write.CommitAsync(CancellationToken.None);
    }

    private async Task<List<JsonElement>> DeliveriesAsync(string webhook) =>
        [.. (await Client.Send(HttpMethod.Get, $"/v1/webhooks/{webhook}/deliveries?limit={Limits.PageSizeMax}").Expect(HttpStatusCode.OK))
            .GetProperty("deliveries").EnumerateArray()];

    private async Task<string> SubscribeAsync(Subscriber subscriber, string eventType)
    {
        var id = Api.NewId("wh");
        await Client.Post("/v1/webhooks", new { id, url = subscriber.Url, secret = Secret, events = new[] { eventType } }).Expect(HttpStatusCode.Created);
        return id;
    }

    private static void AssertSigned(string signature, string body)
    {
        var parts = signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var t = long.Parse(parts["t"]);
        Assert.Equal(signature, WebhookDispatcher.Signature(Secret, t, body));
    }

    [Fact]
    public async Task Subscribers_receive_signed_alerts_and_a_sell_out_exactly_once()
    {
        await using var subscriber = await Subscriber.StartAsync();
        var n = await Client.SeedAsync(storeOnHand: 5, warehouseOnHand: 0);
        await Client.Put("/v1/rules/low-stock", new { sku = n.Sku, threshold = 3 }).Expect(HttpStatusCode.Created);
        await Client.Post("/v1/webhooks", new
        {
            id = Api.NewId("wh"),
            url = subscriber.Url,
            secret = Secret,
            events = new[] { "stock.low", "stock.soldOut", "stock.backInStock", "shortage.detected" },
        }).Expect(HttpStatusCode.Created);

        async Task<string> Hold(long quantity, HttpStatusCode status = HttpStatusCode.Created) =>
            (await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity, location = n.Store } } })
                .Expect(status)).ValueKind == JsonValueKind.Undefined ? "" : "";

        var first = (await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 3, location = n.Store } } })
            .Expect(HttpStatusCode.Created)).GetProperty("id").GetString();
        await Hold(2);
        for (var i = 0; i < 3; i++)
        {
            await Hold(1, HttpStatusCode.Conflict);
        }

        await Client.Send(HttpMethod.Delete, $"/v1/reservations/{first}").Expect(HttpStatusCode.OK);
        // The POS counts one lamp: two are held online, one is short.
        await Client.Post("/v1/supply/sync", new { source = "pos", asOf = "2026-11-22T08:59:00Z", lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", quantity = 1 } } })
            .Expect(HttpStatusCode.OK);

        // The background worker may send some of them first; either way each is sent once.
        await ReservationApiTests.Eventually(async () =>
        {
            await Dispatch();
            return subscriber.Received.Count >= 5;
        });
        var received = subscriber.InOrder();
        Assert.Equal(["stock.low", "stock.soldOut", "stock.backInStock", "stock.soldOut", "shortage.detected"], received.Select(r => r.Type));
        foreach (var (_, signature, _, body) in received)
        {
            AssertSigned(signature, body);
        }

        var shortage = JsonDocument.Parse(received[^1].Body).RootElement.GetProperty("data");
        Assert.Equal((n.Store, 1L), (shortage.GetProperty("location").GetString(), shortage.Long("shortage")));
    }

    [Fact]
    public async Task A_failing_subscriber_is_retried_with_back_off_and_the_log_shows_it()
    {
        await using var subscriber = await Subscriber.StartAsync();
        subscriber.FailuresLeft = 2;
        var n = await Client.SeedAsync(storeOnHand: 1, warehouseOnHand: 0);
        var id = Api.NewId("wh");
        await Client.Post("/v1/webhooks", new { id, url = subscriber.Url, secret = Secret, events = new[] { "stock.soldOut" } }).Expect(HttpStatusCode.Created);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } }).Expect(HttpStatusCode.Created);

        async Task<JsonElement> Delivery() =>
            (await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}/deliveries").Expect(HttpStatusCode.OK)).GetProperty("deliveries")[0];
        async Task AttemptsReach(int attempts) => await ReservationApiTests.Eventually(async () =>
        {
            await Dispatch();
            return (await Delivery()).GetProperty("attempts").GetInt32() >= attempts;
        });

        await AttemptsReach(1);
        Assert.Equal(("pending", 500), ((await Delivery()).GetProperty("status").GetString(), (await Delivery()).GetProperty("lastStatus").GetInt32()));
        await Dispatch();
        Assert.Equal(1, (await Delivery()).GetProperty("attempts").GetInt32());
        server.Time.Advance(TimeSpan.FromSeconds(2));
        await AttemptsReach(2);
        server.Time.Advance(TimeSpan.FromSeconds(4));
        await AttemptsReach(3);
        Assert.Single(subscriber.Received);

        var log = await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}/deliveries").Expect(HttpStatusCode.OK);
        var delivery = Assert.Single(log.GetProperty("deliveries").EnumerateArray());
        Assert.Equal(("delivered", 3), (delivery.GetProperty("status").GetString(), delivery.GetProperty("attempts").GetInt32()));
    }

    [Fact]
    public async Task Subscriptions_are_checked_and_never_show_their_secret()
    {
        await Client.Post("/v1/webhooks", new { id = "bad-1", url = "ftp://example.invalid/x", secret = Secret, events = new[] { "stock.low" } }).Problem(HttpStatusCode.BadRequest);
        await Client.Post("/v1/webhooks", new { id = "bad-2", url = "http://127.0.0.1:9/x", secret = "short", events = new[] { "stock.low" } }).Problem(HttpStatusCode.BadRequest);
        await Client.Post("/v1/webhooks", new { id = "bad-3", url = "http://127.0.0.1:9/x", secret = Secret, events = new[] { "item.upserted" } }).Problem(HttpStatusCode.BadRequest);
        var id = Api.NewId("wh");
        var created = await Client.Post("/v1/webhooks", new { id, url = "http://127.0.0.1:9/x", secret = Secret, events = new[] { "stock.low" } }).Expect(HttpStatusCode.Created);
        Assert.False(created.TryGetProperty("secret", out _));
        await Client.Post("/v1/webhooks", new { id, url = "http://127.0.0.1:9/other", secret = Secret, events = new[] { "stock.low" } }).Problem(HttpStatusCode.Conflict);
        await Client.Send(HttpMethod.Delete, $"/v1/webhooks/{id}").Expect(HttpStatusCode.NoContent);
        await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_redirect_is_a_failed_delivery_and_is_never_followed()
    {
        await using var elsewhere = await Subscriber.StartAsync();
        await using var redirecting = await Subscriber.StartAsync();
        redirecting.RedirectTo = elsewhere.Url;
        var id = await SubscribeAsync(redirecting, "shortage.detected");
        await EnqueueAsync("shortage.detected", 1);

        await ReservationApiTests.Eventually(async () =>
        {
            await Dispatch();
            return (await DeliveriesAsync(id)).Single().GetProperty("attempts").GetInt32() >= 1;
        });
        var delivery = (await DeliveriesAsync(id)).Single();
        Assert.Equal(("pending", 302), (delivery.GetProperty("status").GetString(), delivery.GetProperty("lastStatus").GetInt32()));
        Assert.Equal("the subscriber answered 302, a redirect; redirects are never followed", delivery.GetProperty("lastError").GetString());
        Assert.Equal((1, 0), (redirecting.Hits, elsewhere.Hits));
    }
}

public sealed class WebhookTests_Sqlite(SqliteServer server) : WebhookTests(server), IClassFixture<SqliteServer>;

public sealed class WebhookTests_Postgres(PostgresServerFixture server) : WebhookTests(server), IClassFixture<PostgresServerFixture>;
