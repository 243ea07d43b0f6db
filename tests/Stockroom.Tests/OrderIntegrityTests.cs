using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Stockroom.Features.Reservations;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Issue 15, items 4, 5, 6 and 8: an order consumes only its own channel's hold, a hold past its
/// time is expired to every decision before the sweep records it, concurrent twins of a write
/// replay the winner, and orders can be listed and may repeat their hold's location.
/// </summary>
public abstract class OrderIntegrityTests(StockroomServer server)
{
    private HttpClient Client => As(MatrixKeys.Admin);

    private HttpClient As(string key)
    {
        var client = new HttpClient { BaseAddress = server.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A network with the two channels the matrix keys are bound to selling from its group.</summary>
    private async Task<Network> SeedAsync(long storeOnHand = 10, long warehouseOnHand = 25)
    {
        using var admin = Client;
        var n = await admin.SeedAsync(storeOnHand, warehouseOnHand);
        await admin.Put("/v1/channels/web-a", new { name = "Web A", group = n.Group }).Expect(HttpStatusCode.OK, HttpStatusCode.Created);
        await admin.Put("/v1/channels/web-b", new { name = "Web B", group = n.Group }).Expect(HttpStatusCode.OK, HttpStatusCode.Created);
        return n;
    }

    private static async Task<string> HoldAsync(HttpClient client, string channel, string sku, long quantity, string location, int? expiresInSeconds = null)
    {
        var id = Api.NewId("r");
        await client.Post("/v1/reservations", new { id, channel, expiresInSeconds, lines = new[] { new { sku, quantity, location } } }).Expect(HttpStatusCode.Created);
        return id;
    }

    private async Task<(long OnHand, long Reserved, long Allocated)> At(string sku, string location)
    {
        using var admin = Client;
        var t = await admin.AvailabilityAsync(sku, $"location={location}");
        return (t.Long("onHand"), t.Long("reserved"), t.Long("allocated"));
    }

    private async Task<string> StatusOf(string reservation)
    {
        using var admin = Client;
        return (await admin.Send(HttpMethod.Get, $"/v1/reservations/{reservation}").Expect(HttpStatusCode.OK)).GetProperty("status").GetString()!;
    }

    [Fact]
    public async Task Bug_15_4_an_order_consumes_only_a_reservation_of_its_own_channel_and_a_channel_key_cannot_tell_anothers_ids_exist()
    {
        var n = await SeedAsync();
        using var admin = Client;
        using var webA = As(MatrixKeys.WebA);
        using var webB = As(MatrixKeys.WebB);
        var theirs = await HoldAsync(webB, "web-b", n.Sku, 2, n.Store);
        var before = (await At(n.Sku, n.Store), await admin.LedgerHeadAsync());

        // An unbound key hears why: the hold is another channel's.
        var mismatch = await admin.Post("/v1/orders", new { id = Api.NewId("o"), channel = "web-a", reservationId = theirs }).Problem(HttpStatusCode.Conflict);
        Assert.EndsWith("channel-mismatch", mismatch.GetProperty("type").GetString(), StringComparison.Ordinal);

        // A key bound to web-a gets what it would get for an id nobody uses.
        var unknown = Api.NewId("r");
        var stolen = await webA.Post("/v1/orders", new { id = Api.NewId("o"), channel = "web-a", reservationId = theirs }).Problem(HttpStatusCode.UnprocessableEntity);
        var none = await webA.Post("/v1/orders", new { id = Api.NewId("o"), channel = "web-a", reservationId = unknown }).Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(Shape(none, unknown), Shape(stolen, theirs));
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/v1/reservations/{0}"), (HttpMethod.Delete, "/v1/reservations/{0}"), (HttpMethod.Post, "/v1/reservations/{0}/accept") })
        {
            var theirsAnswer = await webA.Send(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, theirs)).Problem(HttpStatusCode.NotFound);
            var unknownAnswer = await webA.Send(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, unknown)).Problem(HttpStatusCode.NotFound);
            Assert.Equal(Shape(unknownAnswer, unknown), Shape(theirsAnswer, theirs));
        }

        Assert.Equal(before, (await At(n.Sku, n.Store), await admin.LedgerHeadAsync()));
        Assert.Equal("active", await StatusOf(theirs));

        // Its own channel orders it; the order is then as unknown to web-a as the hold was.
        var order = Api.NewId("o");
        await webB.Post("/v1/orders", new { id = order, channel = "web-b", reservationId = theirs }).Expect(HttpStatusCode.Created);
        await webA.Send(HttpMethod.Get, $"/v1/orders/{order}").Problem(HttpStatusCode.NotFound);
        await webA.Send(HttpMethod.Get, $"/v1/orders/{Api.NewId("o")}").Problem(HttpStatusCode.NotFound);
        await webB.Send(HttpMethod.Get, $"/v1/orders/{order}").Expect(HttpStatusCode.OK);
        Assert.Equal((10L, 0L, 2L), await At(n.Sku, n.Store));
        await server.AssertLedgerVerifiesAsync();
    }

    /// <summary>A problem as the caller reads it, the id it names replaced, without its trace id.</summary>
    private static string Shape(JsonElement problem, string id) =>
        string.Join("|", problem.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value}")).Replace(id, "ID", StringComparison.Ordinal);

    [Fact]
    public async Task Bug_15_5_a_hold_past_expiresAt_is_expired_on_every_path_before_the_sweep_records_it()
    {
        var n = await SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        using var admin = Client;
        // Holds for an order, for a relocation and a backorder, and one waiting for the seller.
        var toOrder = await HoldAsync(admin, n.Channel, n.Sku, 2, n.Store, expiresInSeconds: 10);
        var toRelocate = await HoldAsync(admin, n.Channel, n.Sku, 3, n.Store, expiresInSeconds: 10);
        var onRequest = Api.NewId("SKU");
        await admin.Put($"/v1/items/{onRequest}", new { name = "Made to order", policy = "onRequest", acceptWithinSeconds = 10 }).Expect(HttpStatusCode.Created);
        var backorderable = Api.NewId("SKU");
        await admin.Put($"/v1/items/{backorderable}", new { name = "Back soon", backorderable = true }).Expect(HttpStatusCode.Created);
        await admin.Post("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = onRequest, location = n.Store, type = "onHand", delta = 5, reason = "receipt" } } })
            .Expect(HttpStatusCode.OK);
        var pending = await HoldAsync(admin, n.Channel, onRequest, 1, n.Store);
        Assert.Equal("pending", await StatusOf(pending));
        var backordered = Api.NewId("r");
        await admin.Post("/v1/reservations", new { id = backordered, channel = n.Channel, allowBackorder = true, lines = new[] { new { sku = backorderable, quantity = 2, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        Assert.Equal("backordered", await StatusOf(backordered));

        // Past every one's time (a backorder waits a week at most); the sweep has not run.
        server.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        Assert.Equal("active", await StatusOf(toOrder));
        var head = await admin.LedgerHeadAsync();

        var early = await admin.Post("/v1/orders", new { id = Api.NewId("o"), channel = n.Channel, reservationId = toOrder }).Problem(HttpStatusCode.Conflict);
        var accept = await admin.Post($"/v1/reservations/{pending}/accept", new { }).Problem(HttpStatusCode.Conflict);
        Assert.EndsWith("illegal-transition", accept.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(head, await admin.LedgerHeadAsync());
        Assert.Equal("pending", await StatusOf(pending));

        // A count below what is held at the store moves no expired hold to the warehouse.
        await admin.Post("/v1/supply/sync", new { source = "erp", asOf = "2026-11-29T09:00:00Z", lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", quantity = 1 } } })
            .Expect(HttpStatusCode.OK);
        var relocated = await admin.Send(HttpMethod.Get, $"/v1/reservations/{toRelocate}").Expect(HttpStatusCode.OK);
        Assert.All(relocated.GetProperty("lines")[0].GetProperty("allocations").EnumerateArray(), a => Assert.Equal(n.Store, a.GetProperty("location").GetString()));
        Assert.Equal((0L, 0L, 0L), (await At(n.Sku, n.Warehouse)) with { OnHand = 0 });

        // Arriving units fill no expired backorder.
        var adjusted = await admin.Post("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = backorderable, location = n.Store, type = "onHand", delta = 5, reason = "receipt" } } })
            .Expect(HttpStatusCode.OK);
        Assert.Equal(0, adjusted.GetProperty("backordersFilled").GetArrayLength());
        Assert.Equal("backordered", await StatusOf(backordered));

        // Once swept, ordering the same hold is answered exactly as before the sweep.
        await server.Service<ReservationExpiry>().SweepAsync(CancellationToken.None);
        foreach (var id in new[] { toOrder, toRelocate, pending, backordered })
        {
            Assert.Equal("expired", await StatusOf(id));
        }

        var late = await admin.Post("/v1/orders", new { id = Api.NewId("o"), channel = n.Channel, reservationId = toOrder }).Problem(HttpStatusCode.Conflict);
        Assert.Equal((late.GetProperty("type").GetString(), late.GetProperty("title").GetString(), late.GetProperty("detail").GetString()),
            (early.GetProperty("type").GetString(), early.GetProperty("title").GetString(), early.GetProperty("detail").GetString()));
        Assert.Equal((1L, 0L, 0L), await At(n.Sku, n.Store));
        await server.AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Bug_15_6_the_same_write_sent_twice_at_once_applies_once_and_the_twin_replays_it()
    {
        var n = await SeedAsync(storeOnHand: 1_000, warehouseOnHand: 1_000);
        using var admin = Client;
        const int Rounds = 10;
        for (var round = 0; round < Rounds; round++)
        {
            var hold = Api.NewId("r");
            await Twins("/v1/reservations", new { id = hold, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } });
            var order = Api.NewId("o");
            await Twins("/v1/orders", new { id = order, channel = n.Channel, reservationId = hold });
            await Twins($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = "shipped" });
            var transfer = Api.NewId("t");
            await Twins("/v1/transfers", new { id = transfer, from = n.Warehouse, to = n.Store, eta = "2026-12-01", lines = new[] { new { sku = n.Sku, quantity = 1 } } });
            await Twins($"/v1/transfers/{transfer}/receive", null);
            await Twins("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = 1, reason = "receipt" } } });
        }

        // Per round: one unit shipped from the store, one received there by transfer, one adjusted in.
        Assert.Equal((1_000L + Rounds, 0L, 0L), await At(n.Sku, n.Store));
        Assert.Equal((1_000L - Rounds, 0L, 0L), await At(n.Sku, n.Warehouse));
        await server.AssertLedgerVerifiesAsync();

        async Task Twins(string path, object? body)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Concurrency.SendAsync(admin, path, body)));
            await Concurrency.AssertOneAppliedAndReplaysAsync(admin, path, body, answers);
        }
    }

    [Fact]
    public async Task Bug_15_8_orders_are_listed_and_paged_per_channel_and_may_repeat_their_holds_location()
    {
        var n = await SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        using var admin = Client;
        using var webA = As(MatrixKeys.WebA);
        using var webB = As(MatrixKeys.WebB);

        // Echoing the hold's location is fine; naming another is a 422 on that line, and changes nothing.
        var held = await HoldAsync(webA, "web-a", n.Sku, 3, n.Store);
        var elsewhere = await webA.Post("/v1/orders", new { id = Api.NewId("o"), channel = "web-a", reservationId = held, lines = new[] { new { sku = n.Sku, quantity = 2, location = n.Warehouse } } })
            .Problem(HttpStatusCode.UnprocessableEntity);
        Assert.True(elsewhere.GetProperty("errors").TryGetProperty("lines[0].location", out _), elsewhere.ToString());
        Assert.Equal((10L, 3L, 0L), await At(n.Sku, n.Store));
        var fromHold = Api.NewId("o1");
        var made = await webA.Post("/v1/orders", new { id = fromHold, channel = "web-a", reservationId = held, lines = new[] { new { sku = n.Sku, quantity = 2, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        Assert.Equal((n.Store, 2L), (made.GetProperty("lines")[0].GetProperty("location").GetString(), made.GetProperty("lines")[0].Long("quantity")));
        Assert.Equal((10L, 0L, 2L), await At(n.Sku, n.Store));

        var shippedOrder = Api.NewId("o2");
        await webA.Post("/v1/orders", new { id = shippedOrder, channel = "web-a", lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Warehouse } } }).Expect(HttpStatusCode.Created);
        await admin.Post($"/v1/orders/{shippedOrder}/events", new { id = Api.NewId("e"), type = "shipped" }).Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromMinutes(1));
        var since = server.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        server.Time.Advance(TimeSpan.FromSeconds(1));
        var theirs = Api.NewId("o3");
        await webB.Post("/v1/orders", new { id = theirs, channel = "web-b", lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } }).Expect(HttpStatusCode.Created);

        async Task<List<string>> Ids(HttpClient client, string query) =>
            [.. (await client.Send(HttpMethod.Get, $"/v1/orders?sku={n.Sku}&{query}").Expect(HttpStatusCode.OK)).GetProperty("data").EnumerateArray().Select(o => o.GetProperty("id").GetString()!)];

        Assert.Equal(new[] { fromHold, shippedOrder, theirs }.Order(StringComparer.Ordinal), await Ids(admin, ""));
        Assert.Equal(new[] { fromHold, shippedOrder }.Order(StringComparer.Ordinal), await Ids(admin, "channel=web-a"));
        Assert.Equal([shippedOrder], await Ids(admin, "status=shipped"));
        Assert.Equal([shippedOrder], await Ids(admin, $"location={n.Warehouse}"));
        Assert.Equal([theirs], await Ids(admin, $"createdAfter={since}"));
        var listed = (await admin.Send(HttpMethod.Get, $"/v1/orders?sku={n.Sku}&status=shipped").Expect(HttpStatusCode.OK)).GetProperty("data")[0];
        var read = await admin.Send(HttpMethod.Get, $"/v1/orders/{shippedOrder}").Expect(HttpStatusCode.OK);
        Assert.Equal(read.ToString(), listed.ToString());

        // A channel key lists its own channel's orders, asked or not, and never another's.
        Assert.Equal(new[] { fromHold, shippedOrder }.Order(StringComparer.Ordinal), await Ids(webA, ""));
        Assert.Equal([theirs], await Ids(webB, ""));
        await webB.Send(HttpMethod.Get, "/v1/orders?channel=web-a").Problem(HttpStatusCode.Forbidden);

        // One at a time, by cursor, each order once.
        var paged = new List<string>();
        string? after = null;
        do
        {
            var page = await admin.Send(HttpMethod.Get, $"/v1/orders?sku={n.Sku}&limit=1{(after is null ? "" : $"&after={after}")}").Expect(HttpStatusCode.OK);
            paged.AddRange(page.GetProperty("data").EnumerateArray().Select(o => o.GetProperty("id").GetString()!));
            after = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (after is not null);
        Assert.Equal(new[] { fromHold, shippedOrder, theirs }.Order(StringComparer.Ordinal), paged);

        foreach (var bad in new[] { "status=lost", "status=1", "createdAfter=2026-11-22T10:00:00", "createdAfter=yesterday", "location=a%20b", "limit=0" })
        {
            await admin.Send(HttpMethod.Get, $"/v1/orders?{bad}").Problem(HttpStatusCode.BadRequest);
        }

        await server.AssertLedgerVerifiesAsync();
    }
}

public sealed class OrderIntegrityTests_Sqlite(SweepByHandSqliteServer server) : OrderIntegrityTests(server), IClassFixture<SweepByHandSqliteServer>;

public sealed class OrderIntegrityTests_Postgres(SweepByHandPostgresServer server) : OrderIntegrityTests(server), IClassFixture<SweepByHandPostgresServer>;

/// <summary>Sending a write to several servers at once, and what the answers must then be.</summary>
internal static class Concurrency
{
    public sealed record Answer(HttpStatusCode Status, string? Replayed, string Body);

    public static async Task<Answer> SendAsync(HttpClient client, string path, object? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body is null ? "" : JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request);
        return new Answer(response.StatusCode, response.Headers.TryGetValues("Idempotent-Replayed", out var values) ? values.Single() : null,
            await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Exactly one answer applied the write; every other is what a sequential retry answers now
    /// (status, body, <c>Idempotent-Replayed: true</c>); none is a 5xx; the applied body is the replayed one.
    /// </summary>
    public static async Task AssertOneAppliedAndReplaysAsync(HttpClient client, string path, object? body, IReadOnlyList<Answer> answers)
    {
        Assert.All(answers, a => Assert.True((int)a.Status < 400, $"{path}: {(int)a.Status} {a.Body}"));
        var applied = Assert.Single(answers, a => a.Replayed == "false");
        var retry = await SendAsync(client, path, body);
        Assert.True(retry.Replayed == "true", $"{path}: the retry was not a replay: {(int)retry.Status} {retry.Body}");
        foreach (var twin in answers.Where(a => a != applied))
        {
            Assert.Equal(retry, twin);
        }

        Assert.Equal(JsonDocument.Parse(retry.Body).RootElement.ToString(), JsonDocument.Parse(applied.Body).RootElement.ToString());
    }
}
