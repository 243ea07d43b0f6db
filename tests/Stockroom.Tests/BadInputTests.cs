using System.Net;
using System.Text;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>Every refusal is problem+json naming what is wrong, and leaves the ledger untouched.</summary>
public abstract class BadInputTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private async Task<Network> Refused(Func<Network, Task<HttpResponseMessage>> call, HttpStatusCode status, string? field = null)
    {
        var network = await Client.SeedAsync(storeOnHand: 10);
        var head = await Client.LedgerHeadAsync();
        var problem = await call(network).Problem(status);
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors name '{field}': {problem}");
        }

        Assert.Equal(head, await Client.LedgerHeadAsync());
        Assert.Equal(10, (await Client.AvailabilityAsync(network.Sku, $"location={network.Store}")).Long("onHand"));
        return network;
    }

    private static string Sync(Network n, string quantity) =>
        $$"""{"source":"pos","asOf":"2026-11-22T08:00:00Z","lines":[{"sku":"{{n.Sku}}","location":"{{n.Store}}","type":"onHand","quantity":{{quantity}}}]}""";

    [Fact]
    public Task Negative_quantity_is_refused() =>
        Refused(n => Client.Post("/v1/supply/sync", Sync(n, "-1")), HttpStatusCode.BadRequest, "lines[0].quantity");

    [Fact]
    public Task Fractional_quantity_is_refused() =>
        Refused(n => Client.Post("/v1/supply/sync", Sync(n, "1.5")), HttpStatusCode.BadRequest, "lines[0].quantity");

    [Fact]
    public Task Quantity_above_a_billion_is_refused() =>
        Refused(n => Client.Post("/v1/supply/sync", Sync(n, "1000000001")), HttpStatusCode.BadRequest, "lines[0].quantity");

    [Fact]
    public Task Quantity_beyond_any_integer_is_refused() =>
        Refused(n => Client.Post("/v1/supply/sync", Sync(n, "99999999999999999999999")), HttpStatusCode.BadRequest, "lines[0].quantity");

    [Fact]
    public Task Quantity_as_a_string_is_refused() =>
        Refused(n => Client.Post("/v1/supply/sync", Sync(n, "\"5\"")), HttpStatusCode.BadRequest, "lines[0].quantity");

    [Fact]
    public Task Malformed_json_is_refused() =>
        Refused(n => Client.Post("/v1/supply/sync", Sync(n, "5")[..^3]), HttpStatusCode.BadRequest);

    [Fact]
    public Task Unknown_field_is_refused() =>
        Refused(n => Client.Post("/v1/supply/sync", Sync(n, "5").Replace("\"quantity\"", "\"quantitiy\"", StringComparison.Ordinal)),
            HttpStatusCode.BadRequest, "lines[0].quantitiy");

    [Fact]
    public Task Unknown_type_is_refused() =>
        Refused(n => Client.Post("/v1/supply/sync", Sync(n, "5").Replace("onHand", "onhand-ish", StringComparison.Ordinal)),
            HttpStatusCode.BadRequest, "lines[0].type");

    [Fact]
    public Task Unknown_sku_is_refused_naming_the_line() =>
        Refused(n => Client.Post("/v1/supply/sync", new
        {
            source = "pos",
            asOf = "2026-11-22T08:00:00Z",
            lines = new[]
            {
                new { sku = n.Sku, location = n.Store, type = "onHand", quantity = 3 },
                new { sku = "NO-SUCH-SKU", location = n.Store, type = "onHand", quantity = 1 },
            },
        }), HttpStatusCode.UnprocessableEntity, "lines[1].sku");

    [Fact]
    public Task Unknown_location_in_an_adjustment_is_refused() =>
        Refused(n => Client.Post("/v1/supply/adjust", new
        {
            id = Api.NewId("adj"),
            lines = new[] { new { sku = n.Sku, location = "nowhere", type = "onHand", delta = 1, reason = "count" } },
        }), HttpStatusCode.UnprocessableEntity, "lines[0].location");

    [Fact]
    public Task Bad_identifier_in_a_body_is_refused() =>
        Refused(n => Client.Post("/v1/supply/adjust", new
        {
            id = "has spaces",
            lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = 1, reason = "count" } },
        }), HttpStatusCode.BadRequest, "id");

    [Fact]
    public Task Timestamp_without_offset_is_refused() =>
        Refused(n => Client.Post("/v1/supply/sync", Sync(n, "5").Replace("08:00:00Z", "08:00:00", StringComparison.Ordinal)),
            HttpStatusCode.BadRequest, "asOf");

    [Fact]
    public Task Empty_lines_are_refused() =>
        Refused(_ => Client.Post("/v1/supply/sync", """{"source":"pos","asOf":"2026-11-22T08:00:00Z","lines":[]}"""), HttpStatusCode.BadRequest, "lines");

    [Fact]
    public Task Body_over_one_mebibyte_is_refused_with_413() =>
        Refused(async n =>
        {
            // As curl does for large bodies, ask first: the server refuses before the upload.
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/supply/sync")
            {
                Content = new StringContent(Sync(n, "5").Replace("\"pos\"", $"\"{new string('x', 1_100_000)}\"", StringComparison.Ordinal), Encoding.UTF8, "application/json"),
            };
            request.Headers.ExpectContinue = true;
            return await Client.SendAsync(request);
        }, HttpStatusCode.RequestEntityTooLarge);

    [Fact]
    public Task Missing_body_is_refused() =>
        Refused(_ => Client.Send(HttpMethod.Post, "/v1/supply/sync"), HttpStatusCode.BadRequest);

    [Fact]
    public Task Invalid_utf8_is_refused() =>
        Refused(async n =>
        {
            var bytes = Encoding.UTF8.GetBytes(Sync(n, "5").Replace("pos", "p\u00ffs", StringComparison.Ordinal)).ToList();
            var at = bytes.IndexOf(0xC3);
            bytes[at] = 0xFF;
            using var content = new ByteArrayContent([.. bytes]);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return await Client.PostAsync("/v1/supply/sync", content);
        }, HttpStatusCode.BadRequest);

    [Fact]
    public Task Bad_identifier_in_a_path_is_refused() =>
        Refused(_ => Client.Put("/v1/items/lamp%20one", new { name = "x" }), HttpStatusCode.BadRequest, "sku");

    [Fact]
    public async Task Unknown_route_is_problem_json()
    {
        await Client.Send(HttpMethod.Get, "/v1/nothing-here").Problem(HttpStatusCode.NotFound);
    }
}

public sealed class BadInputTests_Sqlite(SqliteServer server) : BadInputTests(server), IClassFixture<SqliteServer>;

public sealed class BadInputTests_Postgres(PostgresServerFixture server) : BadInputTests(server), IClassFixture<PostgresServerFixture>;
