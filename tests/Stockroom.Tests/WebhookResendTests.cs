using System.Net;
using System.Text.Json;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// <c>POST /v1/webhooks/{id}/deliveries/{delivery}/resend</c>: a failed delivery becomes pending and
/// due for one more attempt; anything else is answered as it is or refused, and changes nothing.
/// The admin page lists the failed delivery from the same store.
/// </summary>
public abstract class WebhookResendTests(StockroomServer server)
{
    private const string Secret = "whsec-0123456789abcdef";

    private HttpClient Client => server.Client;

    private async Task<string> SubscribeAsync()
    {
        var id = Api.NewId("hook");
        await Client.Post("/v1/webhooks", new { id, url = "http://127.0.0.1:9/hooks", secret = Secret, events = new[] { "stock.low" } }).Expect(HttpStatusCode.Created);
        return id;
    }

    /// <summary>Queues one delivery to <paramref name="webhook"/> and records attempts on it as the dispatcher does.</summary>
    private async Task<WebhookDelivery> DeliveryAsync(string webhook, bool delivered, int failures = 1)
    {
        await using (var write = await server.Store.BeginWriteAsync(CancellationToken.None))
        {
            await write.EnqueueDeliveriesAsync("stock.low", ["""{"type":"stock.low"}"""], CancellationToken.None);
            await write.CommitAsync(CancellationToken.None);
        }

        var delivery = (await server.Store.ListDeliveriesAsync(webhook, null, 1, CancellationToken.None)).Single();
        var now = server.Time.GetUtcNow();
        for (var i = 0; i < failures; i++)
        {
            await server.Store.RecordDeliveryAsync(delivery, delivered, delivered ? 200 : 500, delivered ? null : "the subscriber answered 500",
                now + TimeSpan.FromHours(1), now, givenUp: !delivered, CancellationToken.None);
        }

        return (await server.Store.ListDeliveriesAsync(webhook, null, 1, CancellationToken.None)).Single();
    }

    private Task<HttpResponseMessage> Resend(string webhook, object delivery) =>
        Client.Send(HttpMethod.Post, $"/v1/webhooks/{webhook}/deliveries/{delivery}/resend");

    [Fact]
    public async Task A_failed_delivery_is_due_again_once_and_sending_it_again_twice_changes_nothing_more()
    {
        var id = await SubscribeAsync();
        var failed = await DeliveryAsync(id, delivered: false);
        Assert.Equal("failed", failed.Status);

        var page = await Client.GetStringAsync("/admin/webhooks");
        Assert.Contains($"data-delivery=\"{failed.Id}\" data-webhook=\"{id}\" data-status=\"failed\"", page, StringComparison.Ordinal);

        var resent = await Resend(id, failed.Id).Expect(HttpStatusCode.OK);
        Assert.Equal(("pending", 1), (resent.GetProperty("status").GetString(), resent.GetProperty("attempts").GetInt32()));
        Assert.Equal(server.Time.GetUtcNow(), resent.GetProperty("nextAttemptAt").GetDateTimeOffset());
        Assert.Equal("the subscriber answered 500", resent.GetProperty("lastError").GetString());

        // The clock stays put: the worker would otherwise send it, and the answer would be another attempt's.
        var again = await Resend(id, failed.Id).Expect(HttpStatusCode.OK);
        Assert.Equal(resent.GetRawText(), again.GetRawText());
    }

    [Fact]
    public async Task A_delivered_delivery_an_unknown_one_and_a_bad_id_are_refused()
    {
        var id = await SubscribeAsync();
        var delivered = await DeliveryAsync(id, delivered: true);
        var conflict = await Resend(id, delivered.Id).Problem(HttpStatusCode.Conflict);
        Assert.Equal("urn:stockroom:problem:delivered", conflict.GetProperty("type").GetString());
        Assert.Equal("delivered", (await server.Store.ListDeliveriesAsync(id, null, 1, CancellationToken.None)).Single().Status);

        await Resend(id, delivered.Id + 1_000_000).Problem(HttpStatusCode.NotFound);
        await Resend("hook-unknown", delivered.Id).Problem(HttpStatusCode.NotFound);
        var other = await SubscribeAsync();
        await Resend(other, delivered.Id).Problem(HttpStatusCode.NotFound);
        foreach (var bad in new[] { "abc", "-1", "0", "1.5" })
        {
            var problem = await Resend(id, bad).Problem(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("delivery", out _));
        }
    }

    [Fact]
    public async Task A_delivery_of_a_disabled_webhook_waits_until_it_is_enabled()
    {
        var id = await SubscribeAsync();
        var failed = await DeliveryAsync(id, delivered: false, failures: WebhookHealth.ConsecutiveFailuresMax);
        var webhook = await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}").Expect(HttpStatusCode.OK);
        Assert.True(webhook.TryGetProperty("disabledAt", out _));

        var refused = await Resend(id, failed.Id).Problem(HttpStatusCode.Conflict);
        Assert.Equal("urn:stockroom:problem:webhook-disabled", refused.GetProperty("type").GetString());
        Assert.Equal("failed", (await server.Store.ListDeliveriesAsync(id, null, 1, CancellationToken.None)).Single().Status);

        await Client.Post($"/v1/webhooks/{id}/enable", new { }).Expect(HttpStatusCode.OK);
        var resent = await Resend(id, failed.Id).Expect(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.String, resent.GetProperty("status").ValueKind);
        Assert.Equal("pending", resent.GetProperty("status").GetString());
    }
}

public sealed class WebhookResendTests_Sqlite(SqliteServer server) : WebhookResendTests(server), IClassFixture<SqliteServer>;

public sealed class WebhookResendTests_Postgres(PostgresServerFixture server) : WebhookResendTests(server), IClassFixture<PostgresServerFixture>;
