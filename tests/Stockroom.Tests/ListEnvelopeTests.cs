using System.Net;
using System.Text.Json;
using Stockroom.Features.Channels;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>Every list answers <c>{ data: [...], next: string | null }</c>, and <c>next</c> passed back as <c>after</c> gives the next page.</summary>
public abstract class ListEnvelopeTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    /// <summary>The envelope: an array under data, and next present as a string or null.</summary>
    private static (List<JsonElement> Data, string? Next) Envelope(JsonElement page, string path)
    {
        Assert.True(page.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array, $"{path}: no data array in {page}");
        Assert.True(page.TryGetProperty("next", out var next), $"{path}: no next in {page}");
        Assert.True(next.ValueKind is JsonValueKind.String or JsonValueKind.Null, $"{path}: next is {next.ValueKind}");
        return ([.. data.EnumerateArray()], next.ValueKind == JsonValueKind.String ? next.GetString() : null);
    }

    /// <summary>Reads every page of a list with limit 1, following next; returns all rows.</summary>
    private async Task<List<JsonElement>> AllPagesAsync(string path)
    {
        var rows = new List<JsonElement>();
        string? after = null;
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        for (var page = 0; page < 50; page++)
        {
            var url = $"{path}{separator}limit=1{(after is null ? "" : $"&after={Uri.EscapeDataString(after)}")}";
            var (data, next) = Envelope(await Client.Send(HttpMethod.Get, url).Expect(HttpStatusCode.OK), url);
            rows.AddRange(data);
            if (next is null)
            {
                return rows;
            }

            Assert.Single(data);
            after = next;
        }

        Assert.Fail($"{path}: more than 50 pages");
        return rows;
    }

    [Fact]
    public async Task Every_list_answers_data_and_a_string_next()
    {
        var n = await Client.SeedAsync();
        var reservation = Api.NewId("r");
        await Client.Post("/v1/reservations", new { id = reservation, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } }).Expect(HttpStatusCode.Created);
        await Client.Post("/v1/orders", new { id = Api.NewId("o"), channel = n.Channel, reservationId = reservation }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/safety-stock", new { sku = n.Sku, location = n.Store, units = 1 }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/low-stock", new { sku = n.Sku, threshold = 2 }).Expect(HttpStatusCode.Created);
        var webhook = Api.NewId("wh");
        await Client.Post("/v1/webhooks", new { id = webhook, url = "http://127.0.0.1:9/hooks", events = new[] { "stock.low" }, secret = "0123456789abcdef0123" })
            .Expect(HttpStatusCode.Created);
        await Client.Put($"/v1/channels/{n.Channel}/listings/ext-1", new { sku = n.Sku }).Expect(HttpStatusCode.Created);

        string[] lists =
        [
            "/v1/items", "/v1/locations", "/v1/groups", "/v1/channels", "/v1/reservations", "/v1/orders", "/v1/intake/deliveries",
            "/v1/rules/safety-stock", "/v1/rules/low-stock", "/v1/webhooks", "/v1/keys", "/v1/events", $"/v1/channels/{n.Channel}/feed",
            $"/v1/channels/{n.Channel}/listings", $"/v1/webhooks/{webhook}/deliveries", "/v1/insights/replenishment",
        ];
        foreach (var path in lists)
        {
            Envelope(await Client.Send(HttpMethod.Get, path).Expect(HttpStatusCode.OK), path);
        }

        // The valuation is a report with totals: its page of SKUs stays under items, and next is a string too.
        var valuation = await Client.Send(HttpMethod.Get, "/v1/valuation").Expect(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Array, valuation.GetProperty("items").ValueKind);
        Assert.True(valuation.GetProperty("next").ValueKind is JsonValueKind.String or JsonValueKind.Null);
    }

    [Fact]
    public async Task Rules_page_by_their_selectors_with_an_opaque_cursor()
    {
        var n = await Client.SeedAsync();
        await Client.Put("/v1/rules/safety-stock", new { sku = n.Sku, units = 1 }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/safety-stock", new { sku = n.Sku, location = n.Store, units = 2 }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/safety-stock", new { sku = n.Sku, group = n.Group, percent = 10 }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/low-stock", new { sku = n.Sku, threshold = 2 }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/low-stock", new { sku = n.Sku, location = n.Warehouse, threshold = 3 }).Expect(HttpStatusCode.Created);

        var safety = await AllPagesAsync($"/v1/rules/safety-stock?sku={n.Sku}");
        Assert.Equal(3, safety.Count);
        Assert.Equal(3, safety.Select(r => r.GetRawText()).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(2, (await AllPagesAsync($"/v1/rules/low-stock?sku={n.Sku}")).Count);

        var problem = await Client.Send(HttpMethod.Get, "/v1/rules/safety-stock?after=not~a~cursor~at~all").Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("after", out _));
    }

    [Fact]
    public async Task The_ledger_keeps_events_beside_data_and_pages_by_a_string_sequence()
    {
        await Client.SeedAsync();
        var head = await Client.LedgerHeadAsync();
        var page = await Client.Send(HttpMethod.Get, $"/v1/events?after={head - 3}&limit=2").Expect(HttpStatusCode.OK);
        var (data, next) = Envelope(page, "/v1/events");
        Assert.Equal(2, data.Count);
        // Contract v1's field, deprecated: the same events.
        Assert.Equal(data.Select(e => e.Long("sequence")), page.GetProperty("events").EnumerateArray().Select(e => e.Long("sequence")));
        Assert.Equal(data[^1].Long("sequence").ToString(System.Globalization.CultureInfo.InvariantCulture), next);

        var rest = await Client.Send(HttpMethod.Get, $"/v1/events?after={next}&limit=2").Expect(HttpStatusCode.OK);
        var (last, end) = Envelope(rest, "/v1/events");
        Assert.Equal(head, Assert.Single(last).Long("sequence"));
        Assert.Null(end);
        await Client.Send(HttpMethod.Get, "/v1/events?after=abc").Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_channel_feed_and_a_webhook_log_page_with_string_cursors()
    {
        var n = await Client.SeedAsync();
        var other = Api.NewId("SKU");
        await Client.Put($"/v1/items/{other}", new { name = "Shade" }).Expect(HttpStatusCode.Created);
        await Client.Post("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = other, location = n.Store, type = "onHand", delta = 4, reason = "found" } } })
            .Expect(HttpStatusCode.OK);
        await ReservationApiTests.Eventually(async () =>
        {
            await server.Service<ChannelPublisher>().PublishDueAsync(CancellationToken.None);
            return (await AllPagesAsync($"/v1/channels/{n.Channel}/feed")).Count >= 2;
        });
        var feed = await AllPagesAsync($"/v1/channels/{n.Channel}/feed");
        var skus = feed.Select(u => u.GetProperty("sku").GetString()).ToList();
        Assert.Contains(n.Sku, skus);
        Assert.Contains(other, skus);

        var webhook = Api.NewId("wh");
        await Client.Post("/v1/webhooks", new { id = webhook, url = "http://127.0.0.1:9/hooks", events = new[] { "stock.low" }, secret = "0123456789abcdef0123" })
            .Expect(HttpStatusCode.Created);
        await using (var write = await server.Store.BeginWriteAsync(CancellationToken.None))
        {
            await Features.Webhooks.WebhookStatements.EnqueueDeliveriesAsync(write, "stock.low", ["""{"n":1}""", """{"n":2}""", """{"n":3}"""], CancellationToken.None);
            await write.CommitAsync(CancellationToken.None);
        }

        var log = await AllPagesAsync($"/v1/webhooks/{webhook}/deliveries");
        Assert.Equal(3, log.Count);
        // Newest first: each page's cursor walks back through older deliveries.
        Assert.Equal(log.Select(d => d.Long("id")).OrderDescending(), log.Select(d => d.Long("id")));
    }
}

public sealed class ListEnvelopeTests_Sqlite(SqliteServer server) : ListEnvelopeTests(server), IClassFixture<SqliteServer>;

public sealed class ListEnvelopeTests_Postgres(PostgresServerFixture server) : ListEnvelopeTests(server), IClassFixture<PostgresServerFixture>;
