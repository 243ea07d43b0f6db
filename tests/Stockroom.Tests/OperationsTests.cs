using System.Net;
using Stockroom.Core.Ledger;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class OperationsTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Every_change_is_an_event_chained_to_the_one_before()
    {
        await Client.SeedAsync();
        var page = await Client.Send(HttpMethod.Get, "/v1/events?after=0&limit=1000").Expect(HttpStatusCode.OK);
        var previous = LedgerChain.Genesis;
        long sequence = 0;
        foreach (var entry in page.GetProperty("data").EnumerateArray())
        {
            Assert.Equal(++sequence, entry.Long("sequence"));
            var recomputed = LedgerChain.ComputeHash(sequence, entry.GetProperty("type").GetString()!, entry.GetProperty("at").GetDateTimeOffset(),
                entry.GetProperty("data").GetRawText(), previous);
            Assert.Equal(previous, entry.GetProperty("previousHash").GetString());
            Assert.Equal(recomputed, entry.GetProperty("hash").GetString());
            previous = recomputed;
        }

        Assert.True(sequence >= 6, "the seed made at least six changes");
        var types = page.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "location.upserted", "item.upserted", "group.upserted", "channel.upserted", "supply.synced" }, types);
    }

    [Fact]
    public async Task Metrics_count_holds_by_outcome_in_prometheus_text()
    {
        var n = await Client.SeedAsync(storeOnHand: 1, warehouseOnHand: 0);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } }).Expect(HttpStatusCode.Created);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } }).Expect(HttpStatusCode.Conflict);
        using var response = await Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("stockroom_holds_total{", text, StringComparison.Ordinal);
        Assert.Contains("outcome=\"held\"", text, StringComparison.Ordinal);
        Assert.Contains("stockroom_writer_batch_size", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_openapi_and_reference_ui_are_served()
    {
        await Client.Send(HttpMethod.Get, "/health/live").Expect(HttpStatusCode.OK);
        await Client.Send(HttpMethod.Get, "/health/ready").Expect(HttpStatusCode.OK);
        var openApi = await Client.Send(HttpMethod.Get, "/openapi/v1.json").Expect(HttpStatusCode.OK);
        var paths = openApi.GetProperty("paths");
        foreach (var path in new[] { "/v1/items/{sku}", "/v1/supply/sync", "/v1/supply/adjust", "/v1/availability/{sku}", "/v1/events" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }

        using var scalar = await Client.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        Assert.Contains("text/html", scalar.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
    }
}

public sealed class OperationsTests_Sqlite(SqliteServer server) : OperationsTests(server), IClassFixture<SqliteServer>;

public sealed class OperationsTests_Postgres(PostgresServerFixture server) : OperationsTests(server), IClassFixture<PostgresServerFixture>;
