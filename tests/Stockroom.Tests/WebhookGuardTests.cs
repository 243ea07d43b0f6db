using System.Net;
using System.Text.Json;
using Stockroom.Core;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// The webhook target rules with private networks not allowed, as in production: refusals at
/// registration, and the connect-time check against a made-up network that answers a
/// public-looking name with a private address (DNS rebinding). Nothing here leaves the machine.
/// </summary>
public abstract class WebhookGuardTests(StockroomServer server)
{
    private const string Secret = "whsec-0123456789abcdef";

    private HttpClient Client => server.Client;

    private FakeWebhookNetwork Network => (FakeWebhookNetwork)server.Service<IWebhookNetwork>();

    private async Task<string> SubscribeAsync(string url, string eventType)
    {
        var id = Api.NewId("wh");
        await Client.Post("/v1/webhooks", new { id, url, secret = Secret, events = new[] { eventType } }).Expect(HttpStatusCode.Created);
        return id;
    }

    private async Task EnqueueAsync(string eventType)
    {
        await using var write = await server.Store.BeginWriteAsync(CancellationToken.None);
        await write.EnqueueDeliveriesAsync(eventType, ["""{"type":"test"}"""], CancellationToken.None);
        await write.CommitAsync(CancellationToken.None);
    }

    private async Task<JsonElement> AttemptedDeliveryAsync(string webhook)
    {
        JsonElement delivery = default;
        await ReservationApiTests.Eventually(async () =>
        {
            await server.Service<WebhookDispatcher>().DeliverDueAsync(CancellationToken.None);
            var log = await Client.Send(HttpMethod.Get, $"/v1/webhooks/{webhook}/deliveries").Expect(HttpStatusCode.OK);
            delivery = log.GetProperty("data")[0];
            return delivery.GetProperty("attempts").GetInt32() >= 1;
        });
        return delivery;
    }

    [Theory]
    [InlineData("http://10.0.0.5/h", "the target resolves to a private address 10.0.0.5")]
    [InlineData("http://0x7f000001/h", "the target resolves to a loopback address 127.0.0.1")]
    [InlineData("http://2852039166/latest/meta-data/", "the target resolves to a link-local address 169.254.169.254")]
    [InlineData("http://[::ffff:10.0.0.5]/h", "the target resolves to a private address ::ffff:10.0.0.5")]
    [InlineData("http://[fd12::1]/h", "the target resolves to a unique-local address fd12::1")]
    public async Task A_literal_private_address_in_any_notation_is_refused_at_registration_saying_how_to_allow_it(string url, string reason)
    {
        var id = Api.NewId("wh");
        var problem = await Client.Post("/v1/webhooks", new { id, url, secret = Secret, events = new[] { "stock.low" } }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal($"{reason}; set Stockroom:Webhooks:AllowPrivateNetworks=true to allow it", problem.GetProperty("errors").GetProperty("url")[0].GetString());
        await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Credentials_in_the_url_are_refused_at_registration()
    {
        var problem = await Client.Post("/v1/webhooks", new { id = Api.NewId("wh"), url = "https://user:pw@hooks.example.com/h", secret = Secret, events = new[] { "stock.low" } })
            .Problem(HttpStatusCode.BadRequest);
        Assert.Equal("must not carry a user name or password", problem.GetProperty("errors").GetProperty("url")[0].GetString());
    }

    [Theory]
    [InlineData("10.0.0.5", "a private address 10.0.0.5")]
    [InlineData("169.254.169.254", "a link-local address 169.254.169.254")]
    [InlineData("::1", "a loopback address ::1")]
    [InlineData("::ffff:127.0.0.1", "a loopback address ::ffff:127.0.0.1")]
    public async Task A_public_looking_name_resolving_to_a_private_address_fails_delivery_without_connecting(string address, string what)
    {
        var host = $"{Guid.NewGuid():N}.hooks.example.com";
        Network.Map(host, IPAddress.Parse(address));
        var id = await SubscribeAsync($"https://{host}/h", "stock.soldOut");
        await EnqueueAsync("stock.soldOut");

        var delivery = await AttemptedDeliveryAsync(id);
        Assert.Equal($"the target resolves to {what}; set Stockroom:Webhooks:AllowPrivateNetworks=true to allow it", delivery.GetProperty("lastError").GetString());
        Assert.False(delivery.TryGetProperty("lastStatus", out _));
        Assert.Contains(host, Network.Resolved);
        Assert.DoesNotContain(Network.Connected, e => e.Address.Equals(IPAddress.Parse(address)) || e.Address.Equals(IPAddress.Parse(address).MapToIPv4()));
    }

    [Fact]
    public async Task A_name_resolving_to_a_public_and_a_private_address_is_refused_whole()
    {
        var host = $"{Guid.NewGuid():N}.hooks.example.com";
        Network.Map(host, IPAddress.Parse("93.184.215.14"), IPAddress.Parse("192.168.0.10"));
        var id = await SubscribeAsync($"http://{host}/h", "stock.backInStock");
        await EnqueueAsync("stock.backInStock");

        var delivery = await AttemptedDeliveryAsync(id);
        Assert.StartsWith("the target resolves to a private address 192.168.0.10", delivery.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Network.Connected, e => e.Address.Equals(IPAddress.Parse("93.184.215.14")));
    }

    [Fact]
    public async Task A_name_resolving_to_a_public_address_is_delivered_to_that_address()
    {
        await using var subscriber = await Subscriber.StartAsync();
        var host = $"{Guid.NewGuid():N}.hooks.example.com";
        var address = IPAddress.Parse("93.184.216.34");
        Network.Map(host, address);
        // The made-up network carries the connection to the loopback subscriber; the rules saw only the public address.
        Network.LoopbackPort = subscriber.Port;
        var id = await SubscribeAsync($"http://{host}:8080/hooks", "availability.changed");
        await EnqueueAsync("availability.changed");

        var delivery = await AttemptedDeliveryAsync(id);
        Assert.Equal(("delivered", 200), (delivery.GetProperty("status").GetString(), delivery.GetProperty("lastStatus").GetInt32()));
        Assert.Contains(new IPEndPoint(address, 8080), Network.Connected);
        Assert.Single(subscriber.Received);
    }
}

public sealed class WebhookGuardTests_Sqlite(GuardedSqliteServer server) : WebhookGuardTests(server), IClassFixture<GuardedSqliteServer>;

public sealed class WebhookGuardTests_Postgres(GuardedPostgresServer server) : WebhookGuardTests(server), IClassFixture<GuardedPostgresServer>;

/// <summary>The pure rules: which addresses are public, and when a failing subscriber is disabled.</summary>
public sealed class WebhookRulesTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.0.1", "private")]
    [InlineData("100.64.0.1", "shared (CGNAT)")]
    [InlineData("100.127.255.255", "shared (CGNAT)")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("::ffff:192.168.1.1", "private")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fdff::1", "unique-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("ff05::2", "multicast")]
    [InlineData("64:ff9b::a00:5", "private")]
    [InlineData("2002:a9fe:a9fe::", "link-local")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("::127.0.0.1", "reserved")]
    public void Non_public_addresses_are_classified(string address, string kind) =>
        Assert.Equal(kind, WebhookTargets.Classify(IPAddress.Parse(address)).Kind);

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("172.32.0.1")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    public void Public_addresses_are_allowed_with_private_networks_refused(string address) =>
        Assert.Null(WebhookTargets.Refuse(IPAddress.Parse(address), allowPrivateNetworks: false));

    [Theory]
    [InlineData("127.0.0.1", null)]
    [InlineData("10.0.0.5", null)]
    [InlineData("0.0.0.0", "the target resolves to an unspecified address 0.0.0.0")]
    [InlineData("224.0.0.1", "the target resolves to a multicast address 224.0.0.1")]
    public void Allowing_private_networks_still_refuses_what_is_never_a_subscriber(string address, string? reason) =>
        Assert.Equal(reason, WebhookTargets.Refuse(IPAddress.Parse(address), allowPrivateNetworks: true));

    [Fact]
    public void A_subscriber_is_disabled_after_too_many_failures_in_a_row_or_a_day_of_failing()
    {
        var since = StockroomServer.Start;
        Assert.Null(WebhookHealth.DisableReason(WebhookHealth.ConsecutiveFailuresMax - 1, since, since + TimeSpan.FromHours(23), "the subscriber answered 500"));
        Assert.Equal($"{WebhookHealth.ConsecutiveFailuresMax} delivery attempts in a row failed; the last: the subscriber answered 500",
            WebhookHealth.DisableReason(WebhookHealth.ConsecutiveFailuresMax, since, since, "the subscriber answered 500"));
        Assert.Equal("every delivery attempt failed for 24 hours (12 attempts); the last: the subscriber answered 503",
            WebhookHealth.DisableReason(12, since, since + WebhookHealth.FailingForMax, "the subscriber answered 503"));
    }
}
