using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// <c>Idempotency-Key</c> on every write that creates something: the id when the body has none, and
/// equal to it when both are given (409 otherwise, nothing changed).
/// </summary>
public abstract class IdempotencyKeyTests(StockroomServer server)
{
    private readonly HttpClient _client = Keyed(server);

    private static HttpClient Keyed(StockroomServer server)
    {
        // Keys are configured: creating one through the API does not close a server other tests run open on.
        var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MatrixKeys.Admin);
        return client;
    }

    private async Task<HttpResponseMessage> PostAsync(string path, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await _client.SendAsync(request);
    }

    /// <summary>The creating writes, each as (path, the body without an id, the path that reads what it made).</summary>
    private async Task<List<(string Name, string Path, Func<string?, object> Body, Func<string, string?> Read)>> WritesAsync()
    {
        var n = await _client.SeedAsync();
        var order = Api.NewId("o");
        await _client.Post("/v1/orders", new { id = order, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        return
        [
            ("reservation", "/v1/reservations", id => new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } }, id => $"/v1/reservations/{id}"),
            ("order", "/v1/orders", id => new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } }, id => $"/v1/orders/{id}"),
            ("order event", $"/v1/orders/{order}/events", id => new { id, type = "picked" }, _ => null),
            ("adjustment", "/v1/supply/adjust", id => new { id, lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = 1, reason = "found" } } }, _ => null),
            ("transfer", "/v1/transfers", id => new { id, from = n.Warehouse, to = n.Store, eta = "2026-12-01", lines = new[] { new { sku = n.Sku, quantity = 1 } } },
                id => $"/v1/transfers/{id}"),
            ("webhook", "/v1/webhooks", id => new { id, url = "http://127.0.0.1:9/hooks", events = new[] { "stock.low" }, secret = "0123456789abcdef0123" },
                id => $"/v1/webhooks/{id}"),
            ("key", "/v1/keys", id => new { id, scopes = new[] { "read" } }, _ => null),
        ];
    }

    [Fact]
    public async Task The_header_is_the_id_when_the_body_has_none_and_a_repeat_is_replayed()
    {
        foreach (var (name, path, body, read) in await WritesAsync())
        {
            var key = Api.NewId("idem");
            using var first = await PostAsync(path, body(null), key);
            Assert.True(first.IsSuccessStatusCode, $"{name}: {(int)first.StatusCode} {await first.Content.ReadAsStringAsync()}");
            if (read(key) is { } location)
            {
                var made = await _client.Send(HttpMethod.Get, location).Expect(HttpStatusCode.OK);
                Assert.Equal(key, made.GetProperty("id").GetString());
            }

            // The same request under the header again, or with the id in the body instead, is the same request.
            using var again = await PostAsync(path, body(null), key);
            Assert.True(again.IsSuccessStatusCode, $"{name} again: {(int)again.StatusCode}");
            using var inBody = await PostAsync(path, body(key), key);
            Assert.True(inBody.IsSuccessStatusCode, $"{name} with both: {(int)inBody.StatusCode}");
        }
    }

    [Fact]
    public async Task A_header_that_differs_from_the_body_id_is_a_409_that_changes_nothing()
    {
        foreach (var (name, path, body, read) in await WritesAsync())
        {
            var id = Api.NewId("body");
            var head = await _client.LedgerHeadAsync();
            using var response = await PostAsync(path, body(id), Api.NewId("header"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{name}: {(int)response.StatusCode} {text}");
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal("urn:stockroom:problem:idempotency-key-mismatch", problem.GetProperty("type").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), name);
            Assert.Equal(head, await _client.LedgerHeadAsync());
            if (read(id) is { } location)
            {
                await _client.Send(HttpMethod.Get, location).Problem(HttpStatusCode.NotFound);
            }
        }
    }

    [Fact]
    public async Task A_header_that_is_not_an_identifier_is_a_400_and_neither_is_the_existing_400()
    {
        foreach (var (name, path, body, _) in await WritesAsync())
        {
            using var bad = await PostAsync(path, body(null), "not an id");
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)bad.StatusCode}");
            Assert.True(JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), name);

            using var neither = await PostAsync(path, body(null), null);
            Assert.True(neither.StatusCode == HttpStatusCode.BadRequest, $"{name} without an id: {(int)neither.StatusCode}");
            Assert.True(JsonDocument.Parse(await neither.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("id", out _), name);
        }
    }
}

public sealed class IdempotencyKeyTests_Sqlite(KeyedMatrixSqliteServer server) : IdempotencyKeyTests(server), IClassFixture<KeyedMatrixSqliteServer>;

public sealed class IdempotencyKeyTests_Postgres(KeyedMatrixPostgresServer server) : IdempotencyKeyTests(server), IClassFixture<KeyedMatrixPostgresServer>;
