using System.Net;
using System.Net.Http.Headers;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>Each key has its own budget of requests; over it, 429 with Retry-After, and the other keys carry on.</summary>
public sealed class RateLimitTests(RateLimitedServer server) : IClassFixture<RateLimitedServer>
{
    private HttpClient As(string key)
    {
        var client = new HttpClient { BaseAddress = server.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task A_key_over_its_budget_gets_429_with_retry_after_and_other_keys_are_not_slowed()
    {
        using var read = As(MatrixKeys.Read);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        // A burst of three, then one a second: ten at once cannot all pass.
        for (var i = 0; i < 10; i++)
        {
            var response = await read.Send(HttpMethod.Get, "/v1/items?limit=1");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited ??= response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 3, 5);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");
        var problem = await limited.Json();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        limited.Dispose();

        using var admin = As(MatrixKeys.Admin);
        await admin.Send(HttpMethod.Get, "/v1/items?limit=1").Expect(HttpStatusCode.OK);
    }
}

/// <summary>A server with no key runs open; the first key created through the API closes it.</summary>
public sealed class OpenModeTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    [Fact]
    public async Task Running_open_every_request_is_let_in_until_the_first_key_exists()
    {
        using var anonymous = new HttpClient { BaseAddress = server.Client.BaseAddress };
        await anonymous.Send(HttpMethod.Get, "/v1/events?limit=1").Expect(HttpStatusCode.OK);

        var created = await anonymous.Post("/v1/keys", new { id = "operator", scopes = new[] { "admin" } }).Expect(HttpStatusCode.Created);
        await anonymous.Send(HttpMethod.Get, "/v1/events?limit=1").Problem(HttpStatusCode.Unauthorized);

        using var operatorClient = new HttpClient { BaseAddress = server.Client.BaseAddress };
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.GetProperty("key").GetString());
        await operatorClient.Send(HttpMethod.Get, "/v1/events?limit=1").Expect(HttpStatusCode.OK);

        // Revoking the last key opens the server again, as it was before any key existed.
        await operatorClient.Send(HttpMethod.Delete, "/v1/keys/operator").Expect(HttpStatusCode.NoContent);
        await anonymous.Send(HttpMethod.Get, "/v1/events?limit=1").Expect(HttpStatusCode.OK);
    }
}
