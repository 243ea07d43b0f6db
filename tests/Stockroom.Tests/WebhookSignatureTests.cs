using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>The Standard Webhooks signature, checked against the specification's published test vector.</summary>
public sealed class StandardWebhooksVectorTests
{
    [Fact]
    public void Signing_reproduces_the_specifications_test_vector()
    {
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            StandardWebhooks.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}"""));
    }

    [Fact]
    public void A_secret_without_the_prefix_is_its_own_utf8_bytes()
    {
        const string secret = "whsec-0123456789abcdef";
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes("msg_1.5.{}")));
        Assert.Equal($"v1,{expected}", StandardWebhooks.Sign(secret, "msg_1", 5, "{}"));
        Assert.False(StandardWebhooks.IsWellFormed("whsec_not base64!"));
        Assert.True(StandardWebhooks.IsWellFormed(secret));
    }
}

/// <summary>
/// A delivery carries the event's id and sequence in its body, and both signatures: Stockroom's own
/// and the Standard Webhooks headers, each verifiable by the subscriber with the secret it registered.
/// </summary>
public abstract class WebhookSignatureTests(StockroomServer server)
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private HttpClient Client => server.Client;

    [Fact]
    public async Task A_delivery_verifies_under_both_signatures_and_names_its_event()
    {
        await using var subscriber = await Subscriber.StartAsync();
        var n = await Client.SeedAsync(storeOnHand: 2, warehouseOnHand: 0);
        await Client.Post("/v1/webhooks", new { id = Api.NewId("wh"), url = subscriber.Url, secret = Secret, events = new[] { "stock.soldOut" } })
            .Expect(HttpStatusCode.Created);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 2, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        await ReservationApiTests.Eventually(async () =>
        {
            await server.Service<WebhookDispatcher>().DeliverDueAsync(CancellationToken.None);
            return !subscriber.Messages.IsEmpty;
        });

        var (headers, body) = Assert.Single(subscriber.Messages);
        var payload = JsonDocument.Parse(body).RootElement;
        var sequence = payload.Long("sequence");
        Assert.Equal($"evt_{sequence}", payload.GetProperty("id").GetString());
        Assert.Equal("stock.soldOut", payload.GetProperty("type").GetString());

        // Stockroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret as UTF-8, t.body)>.
        var own = headers["stockroom-signature"].Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var t = long.Parse(own["t"], CultureInfo.InvariantCulture);
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{t}.{body}"))), own["v1"]);

        // Standard Webhooks: the key is the base64 after whsec_; the content is id.timestamp.body.
        Assert.Equal(payload.GetProperty("id").GetString(), headers["webhook-id"]);
        Assert.Equal(t.ToString(CultureInfo.InvariantCulture), headers["webhook-timestamp"]);
        var key = Convert.FromBase64String(Secret["whsec_".Length..]);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{headers["webhook-id"]}.{headers["webhook-timestamp"]}.{body}")));
        Assert.Equal($"v1,{expected}", headers["webhook-signature"]);
    }

    [Fact]
    public async Task A_retried_delivery_keeps_the_id_of_its_event()
    {
        await using var subscriber = await Subscriber.StartAsync();
        subscriber.FailuresLeft = 1;
        var n = await Client.SeedAsync(storeOnHand: 1, warehouseOnHand: 0);
        await Client.Post("/v1/webhooks", new { id = Api.NewId("wh"), url = subscriber.Url, secret = Secret, events = new[] { "stock.soldOut" } })
            .Expect(HttpStatusCode.Created);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        await ReservationApiTests.Eventually(async () =>
        {
            server.Time.Advance(TimeSpan.FromSeconds(2));
            await server.Service<WebhookDispatcher>().DeliverDueAsync(CancellationToken.None);
            return !subscriber.Messages.IsEmpty;
        });

        var (headers, body) = Assert.Single(subscriber.Messages);
        Assert.Equal(0, subscriber.FailuresLeft);
        Assert.True(subscriber.Hits >= 2, $"{subscriber.Hits} attempts");
        Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString(), headers["webhook-id"]);
        Assert.StartsWith("evt_", headers["webhook-id"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_whsec_secret_that_is_not_base64_is_refused()
    {
        var problem = await Client.Post("/v1/webhooks", new { id = Api.NewId("wh"), url = "http://127.0.0.1:9/hooks", secret = "whsec_not*base64*at*all", events = new[] { "stock.low" } })
            .Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("secret", out _));
    }
}

public sealed class WebhookSignatureTests_Sqlite(SqliteServer server) : WebhookSignatureTests(server), IClassFixture<SqliteServer>;

public sealed class WebhookSignatureTests_Postgres(PostgresServerFixture server) : WebhookSignatureTests(server), IClassFixture<PostgresServerFixture>;
