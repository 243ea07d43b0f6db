using System.Net.Http.Headers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Stockroom.Features.Keys;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Who may do what: every scope and channel binding against every kind of endpoint, spelled out
/// as a table; keys created through the API; 401 for no key or a bad one, 403 for a key that
/// may not. A refused request changes nothing.
/// </summary>
public abstract class KeysAndScopesTests(StockroomServer server)
{
    private static readonly string[] Callers = ["none", "bad", "read", "inventory", "reservations", "admin", "web-a", "web-b"];

    private HttpClient As(string caller)
    {
        var client = new HttpClient { BaseAddress = server.Client.BaseAddress };
        var key = caller switch
        {
            "none" => null,
            "bad" => "k-not-a-key-0123456789",
            "read" => MatrixKeys.Read,
            "inventory" => MatrixKeys.Inventory,
            "reservations" => MatrixKeys.Reservations,
            "admin" => MatrixKeys.Admin,
            "web-a" => MatrixKeys.WebA,
            "web-b" => MatrixKeys.WebB,
            _ => caller,
        };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>A network whose group serves channel web-a; web-b sells from the warehouse alone.</summary>
    private async Task<Network> SeedAsync()
    {
        using var admin = As("admin");
        var network = await admin.SeedAsync();
        var onlyWarehouse = Api.NewId("g");
        await admin.Put($"/v1/groups/{onlyWarehouse}", new { name = "Warehouse only", locations = new[] { network.Warehouse } }).Expect(HttpStatusCode.Created);
        await admin.Put("/v1/channels/web-a", new { name = "Web A", group = network.Group }).Expect(HttpStatusCode.OK, HttpStatusCode.Created);
        await admin.Put("/v1/channels/web-b", new { name = "Web B", group = onlyWarehouse }).Expect(HttpStatusCode.OK, HttpStatusCode.Created);
        return network;
    }

    private static Dictionary<string, Func<HttpClient, Network, Task<HttpResponseMessage>>> Requests => new()
    {
        ["GET item"] = (c, n) => c.Send(HttpMethod.Get, $"/v1/items/{n.Sku}"),
        ["PUT item"] = (c, n) => c.Put($"/v1/items/{Api.NewId("SKU")}", new { name = "New" }),
        ["PUT location"] = (c, n) => c.Put($"/v1/locations/{Api.NewId("loc")}", new { name = "New", type = "store" }),
        ["POST supply adjust"] = (c, n) => c.Post("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = 1, reason = "count" } } }),
        ["PUT safety rule"] = (c, n) => c.Put("/v1/rules/safety-stock", new { sku = n.Sku, units = 1 }),
        ["GET availability web-a"] = (c, n) => c.Send(HttpMethod.Get, $"/v1/availability/{n.Sku}?channel=web-a"),
        ["GET availability at the store"] = (c, n) => c.Send(HttpMethod.Get, $"/v1/availability/{n.Sku}?location={n.Store}"),
        ["POST availability query web-a"] = (c, n) => c.Post("/v1/availability/query", new { skus = new[] { n.Sku }, channel = "web-a" }),
        ["POST reservation web-a"] = (c, n) => c.Post("/v1/reservations", new { id = Api.NewId("r"), channel = "web-a", lines = new[] { new { sku = n.Sku, quantity = 1 } } }),
        ["GET reservations web-a"] = (c, n) => c.Send(HttpMethod.Get, "/v1/reservations?channel=web-a"),
        ["POST order web-a"] = (c, n) => c.Post("/v1/orders", new { id = Api.NewId("o"), channel = "web-a", lines = new[] { new { sku = n.Sku, quantity = 1 } } }),
        ["GET allocations"] = (c, n) => c.Send(HttpMethod.Get, "/v1/allocations"),
        ["GET events"] = (c, n) => c.Send(HttpMethod.Get, "/v1/events?limit=1"),
        ["POST webhook"] = (c, n) => c.Post("/v1/webhooks", new { id = Api.NewId("wh"), url = "http://127.0.0.1:9/hook", events = new[] { "stock.low" }, secret = "0123456789abcdef" }),
        ["GET keys"] = (c, n) => c.Send(HttpMethod.Get, "/v1/keys"),
        ["GET channel feed web-a"] = (c, n) => c.Send(HttpMethod.Get, "/v1/channels/web-a/feed"),
        ["GET valuation"] = (c, n) => c.Send(HttpMethod.Get, "/v1/valuation"),
        ["GET replenishment"] = (c, n) => c.Send(HttpMethod.Get, $"/v1/insights/replenishment?location={n.Store}"),
        ["POST transfer"] = (c, n) => c.Post("/v1/transfers",
            new { id = Api.NewId("t"), from = n.Warehouse, to = n.Store, eta = "2026-11-25", lines = new[] { new { sku = n.Sku, quantity = 1 } } }),
    };

    // Columns: none, bad, read, inventory, reservations, admin, web-a, web-b. "ok" is any answer that is not 401 or 403.
    public static TheoryData<string, string> Matrix => new()
    {
        { "GET item", "401 401 ok ok ok ok ok ok" },
        { "PUT item", "401 401 403 ok 403 ok 403 403" },
        { "PUT location", "401 401 403 403 403 ok 403 403" },
        { "POST supply adjust", "401 401 403 ok 403 ok 403 403" },
        { "PUT safety rule", "401 401 403 ok 403 ok 403 403" },
        { "GET availability web-a", "401 401 ok ok ok ok ok 403" },
        { "GET availability at the store", "401 401 ok ok ok ok ok 403" },
        { "POST availability query web-a", "401 401 ok ok ok ok ok 403" },
        { "POST reservation web-a", "401 401 403 403 ok ok ok 403" },
        { "GET reservations web-a", "401 401 ok ok ok ok ok 403" },
        { "POST order web-a", "401 401 403 403 ok ok ok 403" },
        { "GET allocations", "401 401 ok ok ok ok 403 403" },
        { "GET events", "401 401 ok ok ok ok 403 403" },
        { "POST webhook", "401 401 403 403 403 ok 403 403" },
        { "GET keys", "401 401 403 403 403 ok 403 403" },
        { "GET channel feed web-a", "401 401 ok ok ok ok ok 403" },
        { "GET valuation", "401 401 ok ok ok ok 403 403" },
        { "GET replenishment", "401 401 ok ok ok ok 403 403" },
        { "POST transfer", "401 401 403 ok 403 ok 403 403" },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_key_may_do_what_its_scopes_and_channel_allow_and_nothing_else(string request, string expected)
    {
        var network = await SeedAsync();
        using var admin = As("admin");
        var outcomes = expected.Split(' ');
        Assert.Equal(Callers.Length, outcomes.Length);
        for (var i = 0; i < Callers.Length; i++)
        {
            using var client = As(Callers[i]);
            var head = await admin.LedgerHeadAsync();
            using var response = await Requests[request](client, network);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (outcomes[i] == "ok")
            {
                Assert.True(status is not (401 or 403) && status < 500, $"{request} as {Callers[i]}: expected to be let through, got {status}: {body}");
                continue;
            }

            Assert.True(outcomes[i] == status.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{request} as {Callers[i]}: expected {outcomes[i]}, got {status}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (status == 401)
            {
                Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            }

            Assert.Equal(head, await admin.LedgerHeadAsync());
        }
    }

    [Fact]
    public async Task A_channel_key_cannot_touch_another_channels_reservation()
    {
        var network = await SeedAsync();
        using var webA = As("web-a");
        using var webB = As("web-b");
        var id = Api.NewId("r");
        await webA.Post("/v1/reservations", new { id, channel = "web-a", lines = new[] { new { sku = network.Sku, quantity = 2 } } }).Expect(HttpStatusCode.Created);

        // Named by id, another channel's reservation is answered as an unknown one (issue 15).
        await webB.Send(HttpMethod.Get, $"/v1/reservations/{id}").Problem(HttpStatusCode.NotFound);
        await webB.Send(HttpMethod.Delete, $"/v1/reservations/{id}").Problem(HttpStatusCode.NotFound);
        await webB.Send(HttpMethod.Get, "/v1/reservations?channel=web-a").Problem(HttpStatusCode.Forbidden);
        await webB.Post($"/v1/orders", new { id = Api.NewId("o"), channel = "web-a", reservationId = id, lines = new[] { new { sku = network.Sku, quantity = 2 } } })
            .Problem(HttpStatusCode.Forbidden);
        var still = await webA.Send(HttpMethod.Get, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("active", still.GetProperty("status").GetString());

        // Its own list shows its own channel only, without asking.
        var mine = await webA.Send(HttpMethod.Get, "/v1/reservations").Expect(HttpStatusCode.OK);
        Assert.All(mine.GetProperty("data").EnumerateArray(), r => Assert.Equal("web-a", r.GetProperty("channel").GetString()));
        await webA.Send(HttpMethod.Delete, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_key_created_through_the_api_is_shown_once_stored_as_a_digest_and_stops_working_when_revoked()
    {
        var network = await SeedAsync();
        using var admin = As("admin");
        var id = Api.NewId("key");
        var body = new { id, name = "POS connector", scopes = new[] { "inventory:write" } };
        var created = await admin.Post("/v1/keys", body).Expect(HttpStatusCode.Created);
        var secret = created.GetProperty("key").GetString()!;
        Assert.StartsWith("sr_", secret, StringComparison.Ordinal);
        Assert.Equal(secret[..8], created.GetProperty("prefix").GetString());

        // A replay answers the key without its secret; a different body under the same id is a clash.
        var replay = await admin.Post("/v1/keys", body).Expect(HttpStatusCode.OK);
        Assert.False(replay.TryGetProperty("key", out var shown) && shown.ValueKind == System.Text.Json.JsonValueKind.String);
        await admin.Post("/v1/keys", new { id, scopes = new[] { "admin" } }).Problem(HttpStatusCode.Conflict);
        var listed = await admin.Send(HttpMethod.Get, "/v1/keys").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(secret, listed.ToString(), StringComparison.Ordinal);

        // What the store keeps is the SHA-256 digest, never the key.
        var stored = (await server.Store.ListApiKeysAsync(CancellationToken.None)).Single(k => k.Id == id);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), stored.KeyHash);

        using var pos = As(secret);
        await pos.Post("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = network.Sku, location = network.Store, type = "onHand", delta = 5, reason = "received" } } })
            .Expect(HttpStatusCode.OK);
        await pos.Put($"/v1/locations/{Api.NewId("loc")}", new { name = "New", type = "store" }).Problem(HttpStatusCode.Forbidden);

        await admin.Send(HttpMethod.Delete, $"/v1/keys/{id}").Expect(HttpStatusCode.NoContent);
        await pos.Send(HttpMethod.Get, $"/v1/items/{network.Sku}").Problem(HttpStatusCode.Unauthorized);
        await admin.Send(HttpMethod.Delete, $"/v1/keys/{id}").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_key_can_be_bound_only_to_a_channel_that_exists_and_then_acts_only_for_it()
    {
        var network = await SeedAsync();
        using var admin = As("admin");
        await admin.Post("/v1/keys", new { id = Api.NewId("key"), scopes = new[] { "reservations:write" }, channel = "no-such-channel" })
            .Problem(HttpStatusCode.UnprocessableEntity);
        await admin.Post("/v1/keys", new { id = Api.NewId("key"), scopes = new[] { "superuser" } }).Problem(HttpStatusCode.BadRequest);

        var created = await admin.Post("/v1/keys", new { id = Api.NewId("key"), scopes = new[] { "reservations:write" }, channel = "web-b" })
            .Expect(HttpStatusCode.Created);
        using var marketplace = As(created.GetProperty("key").GetString()!);
        await marketplace.Post("/v1/reservations", new { id = Api.NewId("r"), channel = "web-b", lines = new[] { new { sku = network.Sku, quantity = 1 } } })
            .Expect(HttpStatusCode.Created);
        await marketplace.Post("/v1/reservations", new { id = Api.NewId("r"), channel = "web-a", lines = new[] { new { sku = network.Sku, quantity = 1 } } })
            .Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_malformed_authorization_header_is_a_401()
    {
        using var client = new HttpClient { BaseAddress = server.Client.BaseAddress };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Basic dXNlcjpwYXNz");
        await client.Send(HttpMethod.Get, "/v1/events").Problem(HttpStatusCode.Unauthorized);
        client.DefaultRequestHeaders.Remove("Authorization");
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + new string('x', 10_000));
        await client.Send(HttpMethod.Get, "/v1/events").Problem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Health_metrics_and_the_api_description_stay_open()
    {
        using var anonymous = As("none");
        await anonymous.Send(HttpMethod.Get, "/health/live").Expect(HttpStatusCode.OK);
        await anonymous.Send(HttpMethod.Get, "/openapi/v1.json").Expect(HttpStatusCode.OK);
        using var metrics = await anonymous.Send(HttpMethod.Get, "/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }
}

public sealed class KeysAndScopesTests_Sqlite(KeyedMatrixSqliteServer server) : KeysAndScopesTests(server), IClassFixture<KeyedMatrixSqliteServer>;

public sealed class KeysAndScopesTests_Postgres(KeyedMatrixPostgresServer server) : KeysAndScopesTests(server), IClassFixture<KeyedMatrixPostgresServer>;
