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

/// <summary>
/// A subscriber on loopback that records what it receives and can be told to fail, to hang until
/// the request is given up, or to redirect elsewhere.
/// </summary>
public sealed class Subscriber : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private int _hits;
    private int _hanging;
    private int _abandoned;

    private Subscriber(WebApplication app) => _app = app;

    public ConcurrentQueue<(long Delivery, string Signature, string Type, string Body)> Received { get; } = new();

    /// <summary>Every header of each delivery received, with its body as sent.</summary>
    public ConcurrentQueue<(IReadOnlyDictionary<string, string> Headers, string Body)> Messages { get; } = new();

    /// <summary>What arrived, in the order it was sent (deliveries go out concurrently).</summary>
    public List<(long Delivery, string Signature, string Type, string Body)> InOrder() => [.. Received.OrderBy(r => r.Delivery)];

    public int FailuresLeft { get; set; }

    /// <summary>Never answer: hold each request until the sender gives it up.</summary>
    public bool Hang { get; set; }

    /// <summary>Answer 302 with this location.</summary>
    public string? RedirectTo { get; set; }

    /// <summary>Requests that reached the subscriber, answered or not.</summary>
    public int Hits => Volatile.Read(ref _hits);

    /// <summary>Requests held without an answer right now.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    /// <summary>Held requests the sender gave up on.</summary>
    public int Abandoned => Volatile.Read(ref _abandoned);

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
            if (subscriber.Hang)
            {
                Interlocked.Increment(ref subscriber._hanging);
                using var held = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted, subscriber._stopping.Token);
                try
                {
                    await Task.Delay(Timeout.Infinite, held.Token);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Decrement(ref subscriber._hanging);
                    if (request.HttpContext.RequestAborted.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref subscriber._abandoned);
                    }
                }

                return Results.StatusCode(503);
            }

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
            var body = await reader.ReadToEndAsync();
            subscriber.Messages.Enqueue((request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal), body));
            subscriber.Received.Enqueue((long.Parse(request.Headers["Stockroom-Delivery"].ToString(), System.Globalization.CultureInfo.InvariantCulture),
                request.Headers["Stockroom-Signature"].ToString(), request.Headers["Stockroom-Event"].ToString(), body));
            return Results.Ok();
        });
        await app.StartAsync();
        return subscriber;
    }

    public async ValueTask DisposeAsync()
    {
        // Held requests are let go first; the host would otherwise wait out its shutdown timeout for them.
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
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
            .GetProperty("data").EnumerateArray()];

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
            (await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}/deliveries").Expect(HttpStatusCode.OK)).GetProperty("data")[0];
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
        var delivery = Assert.Single(log.GetProperty("data").EnumerateArray());
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
    public async Task A_hung_subscriber_holds_only_its_own_slots_while_a_healthy_one_gets_every_delivery()
    {
        await using var hung = await Subscriber.StartAsync();
        hung.Hang = true;
        await using var healthy = await Subscriber.StartAsync();
        var hungId = await SubscribeAsync(hung, "stock.backInStock");
        var healthyId = await SubscribeAsync(healthy, "stock.backInStock");
        // More than a claim takes, so that the healthy subscriber's deliveries need claims made while the hung one's are in flight.
        const int count = 2 * WebhookDispatcher.ClaimMax;
        await EnqueueAsync("stock.backInStock", count);

        await ReservationApiTests.Eventually(async () =>
        {
            await Dispatch();
            return hung.Hanging == WebhookDispatcher.InFlightPerSubscriberMax
                && (await DeliveriesAsync(healthyId)).Count(d => d.GetProperty("status").GetString() == "delivered") == count;
        });

        // Every healthy delivery arrived while the hung subscriber's first requests were still held, none given up.
        Assert.Equal(count, healthy.Received.Select(r => r.Delivery).Distinct().Count());
        Assert.Equal((WebhookDispatcher.InFlightPerSubscriberMax, WebhookDispatcher.InFlightPerSubscriberMax, 0), (hung.Hits, hung.Hanging, hung.Abandoned));
        Assert.All(await DeliveriesAsync(hungId), d => Assert.Equal(("pending", 0), (d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32())));

        // Past the timeout the hung sends are given up and recorded as failures; the next ones take their slots.
        server.Time.Advance(WebhookDispatcher.Timeout);
        await ReservationApiTests.Eventually(async () =>
            (await DeliveriesAsync(hungId)).Count(d => d.GetProperty("attempts").GetInt32() == 1) == WebhookDispatcher.InFlightPerSubscriberMax);
        var timedOut = (await DeliveriesAsync(hungId)).Where(d => d.GetProperty("attempts").GetInt32() == 1).ToList();
        Assert.All(timedOut, d => Assert.Equal("the subscriber did not answer within 10 s", d.GetProperty("lastError").GetString()));
        await ReservationApiTests.Eventually(() => Task.FromResult(hung.Abandoned == WebhookDispatcher.InFlightPerSubscriberMax));
    }

    [Fact]
    public async Task A_subscriber_failing_every_attempt_is_disabled_gets_nothing_new_and_resumes_when_enabled()
    {
        await using var subscriber = await Subscriber.StartAsync();
        subscriber.FailuresLeft = int.MaxValue;
        var id = await SubscribeAsync(subscriber, "reservation.expired");
        var now = server.Time.GetUtcNow();
        const int count = WebhookHealth.ConsecutiveFailuresMax;
        await EnqueueAsync("reservation.expired", count);

        async Task<JsonElement> Webhook() => await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}").Expect(HttpStatusCode.OK);
        await ReservationApiTests.Eventually(async () =>
        {
            await Dispatch();
            return (await Webhook()).TryGetProperty("disabledAt", out _);
        });
        await server.Service<WebhookDispatcher>().IdleAsync();
        var disabled = await Webhook();
        Assert.Equal(now, disabled.GetProperty("disabledAt").GetDateTimeOffset());
        Assert.Equal($"{count} delivery attempts in a row failed; the last: the subscriber answered 500", disabled.GetProperty("disabledReason").GetString());
        Assert.Equal(count, subscriber.Hits);

        // Disabled: a new event queues nothing for it, and what it has pending is not tried, however long it waits.
        await EnqueueAsync("reservation.expired", 1);
        server.Time.Advance(WebhookDispatcher.Backoff(1));
        await Dispatch();
        await server.Service<WebhookDispatcher>().IdleAsync();
        var pending = await DeliveriesAsync(id);
        Assert.Equal(count, pending.Count);
        Assert.All(pending, d => Assert.Equal(("pending", 1), (d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32())));
        Assert.Equal(count, subscriber.Hits);

        subscriber.FailuresLeft = 0;
        var enabled = await Client.Post($"/v1/webhooks/{id}/enable", new { }).Expect(HttpStatusCode.OK);
        Assert.False(enabled.TryGetProperty("disabledAt", out _));
        Assert.False(enabled.TryGetProperty("disabledReason", out _));
        await ReservationApiTests.Eventually(async () =>
        {
            await Dispatch();
            return subscriber.Received.Count >= count;
        });
        await server.Service<WebhookDispatcher>().IdleAsync();
        Assert.All(await DeliveriesAsync(id), d => Assert.Equal(("delivered", 2), (d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32())));
        await Client.Post("/v1/webhooks/wh-unknown/enable", new { }).Problem(HttpStatusCode.NotFound);
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
