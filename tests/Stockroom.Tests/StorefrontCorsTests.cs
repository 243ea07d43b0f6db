using System.Net;
using System.Net.Http.Json;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Configured storefront origins may read availability from a browser (preflight and simple
/// requests, with Authorization allowed); other origins and other endpoints get no CORS fields.
/// </summary>
public abstract class StorefrontCorsTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    protected async Task<HttpResponseMessage> PreflightAsync(string path, string origin, string method, string headers = "authorization,content-type")
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return await Client.SendAsync(request);
    }

    protected async Task<HttpResponseMessage> FromAsync(string origin, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Origin", origin);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await Client.SendAsync(request);
    }

    protected static string? AllowedOrigin(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;

    [Fact]
    public async Task An_allowed_origin_may_preflight_and_read_availability()
    {
        var n = await Client.SeedAsync();
        foreach (var (path, method) in new[] { ($"/v1/availability/{n.Sku}?channel={n.Channel}", "GET"), ("/v1/availability/query", "POST") })
        {
            using var preflight = await PreflightAsync(path, StorefrontOrigins.Shop, method);
            Assert.True(preflight.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK, $"{path}: {(int)preflight.StatusCode}");
            Assert.Equal(StorefrontOrigins.Shop, AllowedOrigin(preflight));
            var allowedHeaders = string.Join(",", preflight.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
            Assert.Contains("authorization", allowedHeaders, StringComparison.Ordinal);
            Assert.Contains(method, string.Join(",", preflight.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
            Assert.False(preflight.Headers.Contains("Access-Control-Allow-Credentials"));
        }

        using var read = await FromAsync(StorefrontOrigins.Shop, HttpMethod.Get, $"/v1/availability/{n.Sku}?channel={n.Channel}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(StorefrontOrigins.Shop, AllowedOrigin(read));
        using var query = await FromAsync(StorefrontOrigins.Shop, HttpMethod.Post, "/v1/availability/query", new { skus = new[] { n.Sku }, channel = n.Channel });
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        Assert.Equal(StorefrontOrigins.Shop, AllowedOrigin(query));
    }

    [Fact]
    public async Task Another_origin_gets_no_cors_fields_and_the_request_itself_is_unchanged()
    {
        var n = await Client.SeedAsync();
        using var preflight = await PreflightAsync($"/v1/availability/{n.Sku}?channel={n.Channel}", StorefrontOrigins.Other, "GET");
        Assert.Null(AllowedOrigin(preflight));
        using var read = await FromAsync(StorefrontOrigins.Other, HttpMethod.Get, $"/v1/availability/{n.Sku}?channel={n.Channel}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Null(AllowedOrigin(read));
    }

    [Fact]
    public async Task Endpoints_other_than_availability_answer_no_cors_fields()
    {
        var n = await Client.SeedAsync();
        using var items = await FromAsync(StorefrontOrigins.Shop, HttpMethod.Get, $"/v1/items/{n.Sku}");
        Assert.Equal(HttpStatusCode.OK, items.StatusCode);
        Assert.Null(AllowedOrigin(items));
        using var preflight = await PreflightAsync($"/v1/items/{n.Sku}", StorefrontOrigins.Shop, "PUT");
        Assert.Null(AllowedOrigin(preflight));
        using var events = await FromAsync(StorefrontOrigins.Shop, HttpMethod.Get, "/v1/events?limit=1");
        Assert.Null(AllowedOrigin(events));
        await AssertReservationsAsync(n);
    }

    /// <summary>Reservations are open to the origins only where the fixture allows writes.</summary>
    protected virtual async Task AssertReservationsAsync(Network n)
    {
        using var preflight = await PreflightAsync("/v1/reservations", StorefrontOrigins.Shop, "POST", "authorization,content-type,idempotency-key");
        Assert.Null(AllowedOrigin(preflight));
        using var hold = await FromAsync(StorefrontOrigins.Shop, HttpMethod.Post, "/v1/reservations",
            new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } });
        Assert.Equal(HttpStatusCode.Created, hold.StatusCode);
        Assert.Null(AllowedOrigin(hold));
    }
}

public sealed class StorefrontCorsTests_Sqlite(CorsSqliteServer server) : StorefrontCorsTests(server), IClassFixture<CorsSqliteServer>;

public sealed class StorefrontCorsTests_Postgres(CorsPostgresServer server) : StorefrontCorsTests(server), IClassFixture<CorsPostgresServer>;

/// <summary>With <c>Stockroom:Cors:AllowWrites</c>, the same origins may also create, read and release reservations.</summary>
public abstract class StorefrontCorsWritesTests(StockroomServer server) : StorefrontCorsTests(server)
{
    protected override async Task AssertReservationsAsync(Network n)
    {
        using var preflight = await PreflightAsync("/v1/reservations", StorefrontOrigins.Shop, "POST", "authorization,content-type,idempotency-key");
        Assert.Equal(StorefrontOrigins.Shop, AllowedOrigin(preflight));
        Assert.Contains("idempotency-key", string.Join(",", preflight.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant(), StringComparison.Ordinal);
        var id = Api.NewId("r");
        using var hold = await FromAsync(StorefrontOrigins.Shop, HttpMethod.Post, "/v1/reservations",
            new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } });
        Assert.Equal(HttpStatusCode.Created, hold.StatusCode);
        Assert.Equal(StorefrontOrigins.Shop, AllowedOrigin(hold));
        using var release = await PreflightAsync($"/v1/reservations/{id}", StorefrontOrigins.Shop, "DELETE");
        Assert.Equal(StorefrontOrigins.Shop, AllowedOrigin(release));
        using var refused = await PreflightAsync("/v1/reservations", StorefrontOrigins.Other, "POST");
        Assert.Null(AllowedOrigin(refused));
        // The seller's answers are not a storefront's to give.
        using var accept = await PreflightAsync($"/v1/reservations/{id}/accept", StorefrontOrigins.Shop, "POST");
        Assert.Null(AllowedOrigin(accept));
    }
}

public sealed class StorefrontCorsWritesTests_Sqlite(CorsWritesSqliteServer server) : StorefrontCorsWritesTests(server), IClassFixture<CorsWritesSqliteServer>;

public sealed class StorefrontCorsWritesTests_Postgres(CorsWritesPostgresServer server) : StorefrontCorsWritesTests(server), IClassFixture<CorsWritesPostgresServer>;

/// <summary>No origin configured: no CORS at all, even for availability.</summary>
public sealed class NoCorsTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    [Fact]
    public async Task Without_origins_availability_answers_no_cors_fields()
    {
        var n = await server.Client.SeedAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/availability/{n.Sku}?channel={n.Channel}");
        request.Headers.Add("Origin", StorefrontOrigins.Shop);
        using var read = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.False(read.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
