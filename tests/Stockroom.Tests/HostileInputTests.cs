using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// The hostile-input corpus (<see cref="HostileCorpus"/>) against a real server: every case is
/// refused with its own 4xx as problem+json, and leaves the ledger, the seeded stock and the
/// webhook subscriptions exactly as they were. One network is seeded per store and shared by
/// every case, so the whole corpus runs in seconds.
/// </summary>
public abstract class HostileInputTests(StockroomServer server)
{
    private static readonly ConditionalWeakTable<StockroomServer, Task<HostileWorld>> Worlds = [];

    private HttpClient Client => server.Client;

    public static TheoryData<string> Cases => [.. HostileCorpus.All.Select(c => c.Name)];

    [Fact]
    public void The_corpus_has_at_least_two_hundred_distinct_cases()
    {
        Assert.True(HostileCorpus.All.Count >= 200, $"the corpus has {HostileCorpus.All.Count} cases");
        Assert.Equal(HostileCorpus.All.Count, HostileCorpus.All.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_request_is_refused_and_changes_nothing(string name)
    {
        var hostile = HostileCorpus.ByName[name];
        var world = await Worlds.GetValue(server, s => HostileWorld.SeedAsync(s.Client));
        var before = await SnapshotAsync(world);

        using (var request = hostile.Build(world))
        using (var response = await Client.SendAsync(request))
        {
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)hostile.Status;
            Assert.True((int)response.StatusCode == status, $"{name}: expected {status}, got {(int)response.StatusCode}: {Cut(text)}");
            if (hostile.ByKestrel)
            {
                // Kestrel answers these itself, before routing, middleware or any handler: nothing could have been written.
                Assert.Equal(0, text.Length);
                Assert.Equal(before, await SnapshotAsync(world));
                return;
            }

            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                $"{name}: expected application/problem+json, got '{response.Content.Headers.ContentType}': {Cut(text)}");
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.True(problem.TryGetProperty("status", out var echoed) && echoed.GetInt32() == status, $"{name}: status in the body: {Cut(text)}");
            foreach (var member in new[] { "type", "title", "detail" })
            {
                Assert.True(problem.TryGetProperty(member, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0,
                    $"{name}: the problem has no '{member}': {Cut(text)}");
            }

            if (hostile.Field is { } field)
            {
                Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var messages) && messages.GetArrayLength() > 0,
                    $"{name}: errors should name '{field}': {Cut(text)}");
            }
        }

        Assert.Equal(before, await SnapshotAsync(world));
    }

    /// <summary>What a refused request must not touch: the ledger's tip, the seeded stock, the subscriptions.</summary>
    private async Task<string> SnapshotAsync(HostileWorld world)
    {
        var head = await Client.LedgerHeadAsync();
        var tip = await Client.Send(HttpMethod.Get, $"/v1/events?after={head - 1}&limit=1").Expect(HttpStatusCode.OK);
        var hash = tip.GetProperty("data")[0].GetProperty("hash").GetString();
        var atStore = await Client.AvailabilityAsync(world.Network.Sku, $"location={world.Network.Store}");
        var overChannel = await Client.AvailabilityAsync(world.Network.Sku, $"channel={world.Network.Channel}");
        var hooks = await Client.Send(HttpMethod.Get, "/v1/webhooks").Expect(HttpStatusCode.OK);
        var keys = await Client.Send(HttpMethod.Get, "/v1/keys").Expect(HttpStatusCode.OK);
        return $"ledger {head} {hash}\nstore {atStore}\nchannel {overChannel}\nwebhooks {hooks}\nkeys {keys}";
    }

    private static string Cut(string text) => text.Length > 600 ? $"{text[..600]}…" : text;
}

// With the webhook target rules on, as in production, so that the corpus's private and loopback URLs are refused.
public sealed class HostileInputTests_Sqlite(GuardedSqliteServer server) : HostileInputTests(server), IClassFixture<GuardedSqliteServer>;

public sealed class HostileInputTests_Postgres(GuardedPostgresServer server) : HostileInputTests(server), IClassFixture<GuardedPostgresServer>;

/// <summary>
/// The state the corpus is aimed at: a stocked network, a draft and an on-request item, and
/// reservations, orders, an adjustment, a webhook and a marketplace order in every state a
/// hostile request might try to move them out of.
/// </summary>
public sealed record HostileWorld(Network Network)
{
    public const string Draft = "draft-1";
    public const string OnRequest = "onreq-1";

    /// <summary>Replaces the corpus's placeholders with this world's identifiers.</summary>
    public string Fill(string text) => text
        .Replace("$SKU", Network.Sku, StringComparison.Ordinal)
        .Replace("$STORE", Network.Store, StringComparison.Ordinal)
        .Replace("$WH", Network.Warehouse, StringComparison.Ordinal)
        .Replace("$GROUP", Network.Group, StringComparison.Ordinal)
        .Replace("$CHANNEL", Network.Channel, StringComparison.Ordinal);

    public static async Task<HostileWorld> SeedAsync(HttpClient client)
    {
        var n = await client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        await client.Put($"/v1/items/{Draft}", new { name = "Prototype", status = "draft" }).Expect(HttpStatusCode.Created);
        await client.Put($"/v1/items/{OnRequest}", new { name = "Made to order", policy = "onRequest", acceptWithinSeconds = 3600 }).Expect(HttpStatusCode.Created);
        await client.Post("/v1/supply/adjust", new
        {
            id = "adj-seen",
            lines = new[] { new { sku = OnRequest, location = n.Store, type = "onHand", delta = 5, reason = "count" } },
        }).Expect(HttpStatusCode.OK);

        await Hold(client, n, "hold-active", n.Sku);
        await Hold(client, n, "hold-released", n.Sku);
        await client.Send(HttpMethod.Delete, "/v1/reservations/hold-released").Expect(HttpStatusCode.OK);
        await Hold(client, n, "hold-confirmed", n.Sku);
        await client.Post("/v1/orders", new { id = "order-from-hold", channel = n.Channel, reservationId = "hold-confirmed" }).Expect(HttpStatusCode.Created);
        await Hold(client, n, "hold-declined", OnRequest);
        await client.Post("/v1/reservations/hold-declined/decline", new { }).Expect(HttpStatusCode.OK);

        await Order(client, n, "order-open", "evt-seen", "picked");
        await Order(client, n, "order-cancelled", "evt-cancel", "cancelled");
        await Order(client, n, "order-shipped", "evt-ship", "shipped");

        await client.Post("/v1/webhooks", new { id = "hook-seen", url = "https://hooks.example.com/hook", events = new[] { "stock.low" }, secret = "0123456789abcdef" })
            .Expect(HttpStatusCode.Created);
        await client.Put("/v1/channels/shopify", new { name = "Shopify", group = n.Group }).Expect(HttpStatusCode.Created);
        await client.Post("/v1/intake/shopify", new { id = 9001, line_items = new[] { new { sku = n.Sku, quantity = 1 } } }).Expect(HttpStatusCode.Created);
        return new HostileWorld(n);
    }

    private static Task<JsonElement> Hold(HttpClient client, Network n, string id, string sku) =>
        client.Post("/v1/reservations", new { id, channel = n.Channel, expiresInSeconds = 3600, lines = new[] { new { sku, quantity = 1 } } })
            .Expect(HttpStatusCode.Created);

    private static async Task Order(HttpClient client, Network n, string id, string eventId, string type)
    {
        await client.Post("/v1/orders", new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } }).Expect(HttpStatusCode.Created);
        await client.Post($"/v1/orders/{id}/events", new { id = eventId, type }).Expect(HttpStatusCode.OK);
    }
}
