using System.Net;
using System.Text.Json;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// A subscriber failing for a day, few attempts though it took: on a server whose workers do not
/// tick, so that the clock can move on by hours and each delivery pass is the test's own.
/// </summary>
public abstract class WebhookHealthTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private async Task DispatchAsync()
    {
        var dispatcher = server.Service<WebhookDispatcher>();
        await dispatcher.DeliverDueAsync(CancellationToken.None);
        await dispatcher.IdleAsync();
    }

    [Fact]
    public async Task A_subscriber_whose_every_attempt_fails_for_a_day_is_disabled_however_few_the_attempts()
    {
        await using var subscriber = await Subscriber.StartAsync();
        subscriber.FailuresLeft = int.MaxValue;
        var id = Api.NewId("wh");
        await Client.Post("/v1/webhooks", new { id, url = subscriber.Url, secret = "whsec-0123456789abcdef", events = new[] { "stock.low" } })
            .Expect(HttpStatusCode.Created);
        await using (var write = await server.Store.BeginWriteAsync(CancellationToken.None))
        {
            await write.EnqueueDeliveriesAsync("stock.low", ["""{"type":"stock.low"}"""], CancellationToken.None);
            await write.CommitAsync(CancellationToken.None);
        }

        async Task<JsonElement> Webhook() => await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}").Expect(HttpStatusCode.OK);
        var since = server.Time.GetUtcNow();
        await DispatchAsync();
        server.Time.Advance(WebhookHealth.FailingForMax - TimeSpan.FromMinutes(1));
        await DispatchAsync();
        Assert.Equal(2, subscriber.Hits);
        Assert.False((await Webhook()).TryGetProperty("disabledAt", out _));

        server.Time.Advance(TimeSpan.FromMinutes(1));
        await DispatchAsync();
        var disabled = await Webhook();
        Assert.Equal(since + WebhookHealth.FailingForMax, disabled.GetProperty("disabledAt").GetDateTimeOffset());
        Assert.Equal("every delivery attempt failed for 24 hours (3 attempts); the last: the subscriber answered 500", disabled.GetProperty("disabledReason").GetString());
        var listed = (await Client.Send(HttpMethod.Get, "/v1/webhooks").Expect(HttpStatusCode.OK)).GetProperty("data").EnumerateArray().Single(w => w.GetProperty("id").GetString() == id);
        Assert.Equal(disabled.GetProperty("disabledReason").GetString(), listed.GetProperty("disabledReason").GetString());

        server.Time.Advance(WebhookDispatcher.BackoffMax);
        await DispatchAsync();
        Assert.Equal(3, subscriber.Hits);
    }
}

public sealed class WebhookHealthTests_Sqlite(DaysPassSqliteServer server) : WebhookHealthTests(server), IClassFixture<DaysPassSqliteServer>;

public sealed class WebhookHealthTests_Postgres(DaysPassPostgresServer server) : WebhookHealthTests(server), IClassFixture<DaysPassPostgresServer>;
