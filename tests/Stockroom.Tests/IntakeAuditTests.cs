using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// The audit trail of marketplace deliveries (GET /v1/intake/deliveries): every delivery to intake
/// is kept with what became of it and why, one row per order of a list, refusals included, and a
/// recorded refusal moves no stock.
/// </summary>
public abstract class IntakeAuditTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private Task<Network> SeedAsync(string format) => IntakeFixtures.SeedAsync(Client, format);

    /// <summary>Every delivery listed with <paramref name="query"/>, page after page.</summary>
    internal static async Task<List<JsonElement>> DeliveriesAsync(HttpClient client, string query = "")
    {
        var rows = new List<JsonElement>();
        string? after = null;
        do
        {
            var page = await client.Send(HttpMethod.Get, $"/v1/intake/deliveries?limit=1000{query}{(after is null ? "" : $"&after={after}")}").Expect(HttpStatusCode.OK);
            rows.AddRange(page.GetProperty("data").EnumerateArray());
            after = Text(page, "next");
        }
        while (after is not null);
        return rows;
    }

    private async Task<JsonElement> LastAsync(string marketplaceId) =>
        (await DeliveriesAsync(Client)).Last(d => Text(d, "marketplaceOrderId") == marketplaceId);

    private static (string?, string?, int) Row(JsonElement d) => (Text(d, "orderId"), Text(d, "outcome"), d.GetProperty("status").GetInt32());

    /// <summary>A string property; null when it is null or left out (the API leaves nulls out).</summary>
    internal static string? Text(JsonElement d, string name) => d.TryGetProperty(name, out var value) ? value.GetString() : null;

    [Fact]
    public async Task Each_outcome_is_recorded_with_its_reason()
    {
        var n = await SeedAsync("shopify");
        var (partly, partlyId) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", partly).Expect(HttpStatusCode.Created);
        var row = await LastAsync(partlyId);
        Assert.Equal(($"shopify:{partlyId}", "partlyMapped", 201), Row(row));
        Assert.Equal(("shopify", "shopify"), (row.GetProperty("channel").GetString(), row.GetProperty("format").GetString()));
        Assert.Contains("line_items[2]: a gift card is not stock", Text(row, "reason"), StringComparison.Ordinal);

        // The same order again takes nothing more, and is told apart from the first delivery.
        await Client.Post("/v1/intake/shopify", partly).Expect(HttpStatusCode.Created);
        Assert.Equal(($"shopify:{partlyId}", "replayed", 201), Row(await LastAsync(partlyId)));

        var (whole, wholeId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", whole).Expect(HttpStatusCode.Created);
        row = await LastAsync(wholeId);
        Assert.Equal(($"shopify:{wholeId}", "allocated", 201), Row(row));
        Assert.Null(Text(row, "reason"));

        const string Cancel = "\"cancelled_at\": \"2026-11-22T09:00:00-05:00\"";
        await Client.Post("/v1/intake/shopify", whole.Replace("\"cancelled_at\": null", Cancel, StringComparison.Ordinal)).Expect(HttpStatusCode.OK);
        Assert.Equal(($"shopify:{wholeId}", "cancelled", 200), Row(await LastAsync(wholeId)));

        var (never, neverId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", never.Replace("\"cancelled_at\": null", Cancel, StringComparison.Ordinal)).Expect(HttpStatusCode.OK);
        Assert.Equal(($"shopify:{neverId}", "nothingOwed", 200), Row(await LastAsync(neverId)));

        var (invalid, invalidId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", invalid.Replace("\"quantity\": 1,", "\"quantity\": 0,", StringComparison.Ordinal)).Problem(HttpStatusCode.BadRequest);
        row = await LastAsync(invalidId);
        Assert.Equal(($"shopify:{invalidId}", "refused", 400), Row(row));
        Assert.Contains("line_items[0].quantity", Text(row, "reason"), StringComparison.Ordinal);

        await Client.Post("/v1/intake/google", "{}").Problem(HttpStatusCode.Gone);
        row = (await DeliveriesAsync(Client, "&channel=google")).Last();
        Assert.Equal((null, "retired", 410), Row(row));
        Assert.Contains("no longer taken", Text(row, "reason"), StringComparison.Ordinal);
        Assert.All(await DeliveriesAsync(Client), d => Assert.True((Text(d, "reason")?.Length ?? 0) <= 500));
    }

    [Fact]
    public async Task A_list_payload_gives_one_row_per_order()
    {
        var n = await SeedAsync("walmart");
        var (body, first) = IntakeFixtures.Fixture("walmart-list.json", n.Sku, "1796277083022");
        var second = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture);
        body = body.Replace("1796277083023", second, StringComparison.Ordinal)
            .Replace("\n      ]\n    }\n  }\n}", ",\n        { \"purchaseOrderId\": \"W-bad\", \"orderLines\": [] }\n      ]\n    }\n  }\n}", StringComparison.Ordinal);
        var before = (await DeliveriesAsync(Client)).Count;
        await Client.Post("/v1/intake/walmart", body).Expect(HttpStatusCode.OK);

        var rows = (await DeliveriesAsync(Client)).Skip(before).ToList();
        Assert.Equal([first, second, "W-bad"], rows.Select(r => Text(r, "marketplaceOrderId")));
        Assert.Equal(($"walmart:{first}", "partlyMapped", 201), Row(rows[0]));
        Assert.Equal(("walmart:W-bad", "refused", 400), Row(rows[2]));
        Assert.Contains("orderLines", Text(rows[2], "reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_delivery_changes_no_stock_yet_is_listed()
    {
        var n = await SeedAsync("shopify");
        var (body, id) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        var stock = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        var head = await Client.LedgerHeadAsync();
        using var response = await Client.Post("/v1/intake/shopify", body.Replace("\"quantity\": 1,", "\"quantity\": 500,", StringComparison.Ordinal));
        var problem = await response.Json();
        Assert.True((int)response.StatusCode >= 400, problem.ToString());
        var after = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}");
        Assert.Equal((stock.Long("onHand"), stock.Long("allocated"), stock.Long("available")), (after.Long("onHand"), after.Long("allocated"), after.Long("available")));
        Assert.Equal(head, await Client.LedgerHeadAsync());

        var row = Assert.Single(await DeliveriesAsync(Client, "&outcome=refused&channel=shopify"), d => Text(d, "marketplaceOrderId") == id);
        Assert.Equal(($"shopify:{id}", "refused", problem.GetProperty("status").GetInt32()), Row(row));
        Assert.True(row.GetProperty("status").GetInt32() >= 400);
        Assert.Contains(problem.GetProperty("title").GetString()!, Text(row, "reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filters_and_paging()
    {
        var n = await SeedAsync("shopify");
        for (var i = 0; i < 3; i++)
        {
            var (body, _) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
            await Client.Post("/v1/intake/shopify", body.Replace("\"quantity\": 1,", "\"quantity\": 0,", StringComparison.Ordinal)).Problem(HttpStatusCode.BadRequest);
        }

        await Client.Post("/v1/intake/google", "{}").Problem(HttpStatusCode.Gone);
        var refused = await DeliveriesAsync(Client, "&outcome=refused&channel=shopify");
        Assert.True(refused.Count >= 3);
        Assert.All(refused, d => Assert.Equal(("shopify", "refused"), (d.GetProperty("channel").GetString(), d.GetProperty("outcome").GetString())));
        Assert.DoesNotContain(await DeliveriesAsync(Client, "&channel=shopify"), d => d.GetProperty("outcome").GetString() == "retired");

        // One at a time, in id order, each page's next the cursor of the one after.
        var ids = new List<long>();
        string? after = null;
        do
        {
            var page = await Client.Send(HttpMethod.Get, $"/v1/intake/deliveries?outcome=refused&channel=shopify&limit=1{(after is null ? "" : $"&after={after}")}")
                .Expect(HttpStatusCode.OK);
            ids.AddRange(page.GetProperty("data").EnumerateArray().Select(d => d.Long("id")));
            after = Text(page, "next");
        }
        while (after is not null);
        Assert.Equal(refused.Select(d => d.Long("id")), ids);
        Assert.Equal(ids.Order(), ids);
    }

    [Theory]
    [InlineData("outcome=bogus", "outcome")]
    [InlineData("outcome=1", "outcome")]
    [InlineData("after=abc", "after")]
    [InlineData("after=-1", "after")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("channel=not%20a%20channel", "channel")]
    public async Task Bad_filters_are_400_problems(string query, string field)
    {
        var problem = await Client.Send(HttpMethod.Get, $"/v1/intake/deliveries?{query}").Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }
}

public sealed class IntakeAuditTests_Sqlite(SqliteServer server) : IntakeAuditTests(server), IClassFixture<SqliteServer>;

public sealed class IntakeAuditTests_Postgres(PostgresServerFixture server) : IntakeAuditTests(server), IClassFixture<PostgresServerFixture>;

/// <summary>A key bound to a channel sees only that channel's deliveries (its own server: creating keys ends open mode).</summary>
public abstract class IntakeAuditKeysTests(StockroomServer server)
{
    private HttpClient As(string key)
    {
        var client = new HttpClient { BaseAddress = server.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task A_channel_bound_key_sees_only_its_channel()
    {
        var n = await server.Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        foreach (var format in new[] { "shopify", "walmart" })
        {
            await server.Client.Put($"/v1/channels/{format}", new { name = format, group = n.Group }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        }

        var adminKey = (await server.Client.Post("/v1/keys", new { id = Api.NewId("key"), scopes = new[] { "admin" } }).Expect(HttpStatusCode.Created))
            .GetProperty("key").GetString()!;
        using var admin = As(adminKey);
        var channelKey = (await admin.Post("/v1/keys", new { id = Api.NewId("key"), scopes = new[] { "reservations:write" }, channel = "walmart" })
            .Expect(HttpStatusCode.Created)).GetProperty("key").GetString()!;
        using var walmart = As(channelKey);

        await admin.Post("/v1/intake/shopify", IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508").Body).Expect(HttpStatusCode.Created);
        await walmart.Post("/v1/intake/walmart", IntakeFixtures.Fixture("walmart.json", n.Sku, "1796277083022").Body).Expect(HttpStatusCode.Created);
        // A channel key delivering another channel's order is refused, and that is kept too.
        await walmart.Post("/v1/intake/shopify", IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508").Body).Problem(HttpStatusCode.Forbidden);

        var all = await IntakeAuditTests.DeliveriesAsync(admin);
        Assert.Equal(["allocated", "refused"], all.Where(d => d.GetProperty("channel").GetString() == "shopify").Select(d => d.GetProperty("outcome").GetString()));
        Assert.Equal(403, all[^1].GetProperty("status").GetInt32());
        var seen = await IntakeAuditTests.DeliveriesAsync(walmart);
        Assert.Equal(["walmart"], seen.Select(d => d.GetProperty("channel").GetString()));
        await walmart.Send(HttpMethod.Get, "/v1/intake/deliveries?channel=shopify").Problem(HttpStatusCode.Forbidden);
        await server.Client.Send(HttpMethod.Get, "/v1/intake/deliveries").Problem(HttpStatusCode.Unauthorized);

        // Refused before the handler runs, and kept all the same: no key, and a key that may only read.
        await server.Client.Post("/v1/intake/shopify", "{}").Problem(HttpStatusCode.Unauthorized);
        var readKey = (await admin.Post("/v1/keys", new { id = Api.NewId("key"), scopes = new[] { "read" } }).Expect(HttpStatusCode.Created))
            .GetProperty("key").GetString()!;
        using var reader = As(readKey);
        await reader.Post("/v1/intake/walmart", "{}").Problem(HttpStatusCode.Forbidden);
        var door = (await IntakeAuditTests.DeliveriesAsync(admin)).TakeLast(2);
        Assert.Equal(new (string?, string?, int)[] { ("shopify", "unauthenticated", 401), ("walmart", "refused", 403) },
            door.Select(d => (IntakeAuditTests.Text(d, "channel"), IntakeAuditTests.Text(d, "outcome"), d.GetProperty("status").GetInt32())));
    }
}

public sealed class IntakeAuditKeysTests_Sqlite(SqliteServer server) : IntakeAuditKeysTests(server), IClassFixture<SqliteServer>;

public sealed class IntakeAuditKeysTests_Postgres(PostgresServerFixture server) : IntakeAuditKeysTests(server), IClassFixture<PostgresServerFixture>;
