using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Answers to keyed requests say where the key's budget stands (RateLimit-Limit, -Remaining, -Reset,
/// as in draft-ietf-httpapi-ratelimit-headers); a 429 also carries Retry-After. Running open there is no limit and no header.
/// </summary>
public abstract class RateLimitHeadersTests(StockroomServer server)
{
    private HttpClient As(string key)
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static long Header(HttpResponseMessage response, string name)
    {
        Assert.True(response.Headers.TryGetValues(name, out var values), $"{name} is missing");
        return long.Parse(Assert.Single(values), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Each_answer_counts_down_the_keys_budget_and_the_429_says_when_to_come_back()
    {
        // The fixture's bucket holds three and refills one a second; the fake clock does not move the limiter's, which is real time.
        using var client = As(MatrixKeys.Inventory);
        var seen = new List<(HttpStatusCode Status, long Limit, long Remaining, long Reset)>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.Send(HttpMethod.Get, "/v1/items?limit=1");
            seen.Add((response.StatusCode, Header(response, "RateLimit-Limit"), Header(response, "RateLimit-Remaining"), Header(response, "RateLimit-Reset")));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
                Assert.Equal((long)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, Header(response, "RateLimit-Reset"));
            }
        }

        Assert.All(seen, s => Assert.Equal(3, s.Limit));
        Assert.All(seen, s => Assert.InRange(s.Remaining, 0, 3));
        Assert.All(seen, s => Assert.InRange(s.Reset, 0, 3));
        var passed = seen.Where(s => s.Status == HttpStatusCode.OK).ToList();
        Assert.InRange(passed.Count, 3, 5);
        // The first took one of three: two left, and the bucket is full again a second later.
        Assert.Equal((2L, 1L), (seen[0].Remaining, seen[0].Reset));
        var refused = seen.First(s => s.Status == HttpStatusCode.TooManyRequests);
        Assert.Equal(0, refused.Remaining);
    }

    [Fact]
    public async Task Answers_without_a_key_carry_no_rate_limit_fields()
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        using var refused = await anonymous.Send(HttpMethod.Get, "/v1/items?limit=1");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.False(refused.Headers.Contains("RateLimit-Limit"));
        using var health = await anonymous.Send(HttpMethod.Get, "/health/live");
        Assert.False(health.Headers.Contains("RateLimit-Remaining"));
    }
}

public sealed class RateLimitHeadersTests_Sqlite(RateLimitedServer server) : RateLimitHeadersTests(server), IClassFixture<RateLimitedServer>;

public sealed class RateLimitHeadersTests_Postgres(RateLimitedPostgresServer server) : RateLimitHeadersTests(server), IClassFixture<RateLimitedPostgresServer>;

/// <summary>A server running open has no key to count by: no limit and no RateLimit fields.</summary>
public sealed class OpenServerRateLimitHeadersTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    [Fact]
    public async Task Running_open_no_answer_carries_rate_limit_fields()
    {
        for (var i = 0; i < 3; i++)
        {
            using var response = await server.Client.Send(HttpMethod.Get, "/v1/items?limit=1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("RateLimit-Limit"));
            Assert.False(response.Headers.Contains("RateLimit-Remaining"));
            Assert.False(response.Headers.Contains("RateLimit-Reset"));
        }
    }
}
