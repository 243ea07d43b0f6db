using System.Net;
using System.Net.Http.Headers;
using Stockroom.Features.Keys;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Keys that are not in force are limited per client address (issue 18): past the burst, the
/// address gets 429 with Retry-After and its keys are no longer looked up, while keys known to be
/// in force carry on. The fixture allows a burst of five and six a minute.
/// </summary>
public abstract class FailedAuthenticationTests(StockroomServer server)
{
    private KeyRing Keys => server.Service<KeyRing>();

    private HttpClient As(string key)
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private const int FloodSize = 300;

    private static string RandomKey() => ApiKeyFormat.NewKey();

    /// <summary>Each test starts with this address's bucket full, whatever ran before it.</summary>
    private void Recover() => server.Time.Advance(TimeSpan.FromMinutes(1));

    [Fact]
    public async Task A_marketplace_delivery_refused_for_its_address_is_kept_in_the_intake_trail_as_the_429_it_got()
    {
        Recover();
        using var admin = As(MatrixKeys.Admin);
        var head = (await admin.Send(HttpMethod.Get, "/v1/intake/deliveries?outcome=unauthenticated&limit=1000").Expect(HttpStatusCode.OK))
            .GetProperty("data").GetArrayLength();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < FailedAuthLimits.Burst + 1; i++)
        {
            using var flood = As(RandomKey());
            using var response = await flood.Send(HttpMethod.Post, "/v1/intake/shopify", new { id = 9001 + i, line_items = Array.Empty<object>() });
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, FailedAuthLimits.Burst), HttpStatusCode.TooManyRequests], statuses);
        var trail = (await admin.Send(HttpMethod.Get, "/v1/intake/deliveries?outcome=unauthenticated&limit=1000").Expect(HttpStatusCode.OK))
            .GetProperty("data").EnumerateArray().Skip(head).Select(d => d.GetProperty("status").GetInt32()).ToList();
        Assert.Equal([.. Enumerable.Repeat(401, FailedAuthLimits.Burst), 429], trail);
    }

    [Fact]
    public async Task A_flood_of_random_keys_is_refused_without_lookups_past_the_burst_and_keys_in_force_carry_on()
    {
        Recover();
        using var admin = As(MatrixKeys.Admin);
        var known = await admin.Post("/v1/keys", new { id = Api.NewId("key"), scopes = new[] { "read" } }).Expect(HttpStatusCode.Created);
        var unseen = await admin.Post("/v1/keys", new { id = Api.NewId("key"), scopes = new[] { "read" } }).Expect(HttpStatusCode.Created);
        using var knownClient = As(known.GetProperty("key").GetString()!);
        await knownClient.Send(HttpMethod.Get, "/v1/items?limit=1").Expect(HttpStatusCode.OK);

        // Many at once, as a flood comes: tokens are taken before lookups, so no more than the burst gets through to the store.
        var lookups = Keys.StoreLookups;
        var answers = await Task.WhenAll(Enumerable.Range(0, FloodSize).Select(async _ =>
        {
            using var flood = As(RandomKey());
            using var response = await flood.Send(HttpMethod.Get, "/v1/items?limit=1");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
                Assert.Equal(429, (await response.Json()).GetProperty("status").GetInt32());
            }

            return response.StatusCode;
        }));

        Assert.Equal(FailedAuthLimits.Burst, answers.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(FloodSize - FailedAuthLimits.Burst, answers.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(lookups + FailedAuthLimits.Burst, Keys.StoreLookups);

        // Keys known to be in force are not slowed: configured ones, and one remembered from a moment ago.
        using var configured = As(MatrixKeys.Read);
        await configured.Send(HttpMethod.Get, "/v1/items?limit=1").Expect(HttpStatusCode.OK);
        await knownClient.Send(HttpMethod.Get, "/v1/items?limit=1").Expect(HttpStatusCode.OK);

        // A key in force that this server has not seen lately cannot be told from a guess without a lookup: it waits like one.
        using var unseenClient = As(unseen.GetProperty("key").GetString()!);
        await unseenClient.Send(HttpMethod.Get, "/v1/items?limit=1").Problem(HttpStatusCode.TooManyRequests);
        Assert.Equal(lookups + FailedAuthLimits.Burst, Keys.StoreLookups);

        // Once tokens have come back, it is looked up and let in, and gives its token back.
        server.Time.Advance(TimeSpan.FromSeconds(60.0 / FailedAuthLimits.PerMinute));
        await unseenClient.Send(HttpMethod.Get, "/v1/items?limit=1").Expect(HttpStatusCode.OK);
        using var stillOne = As(RandomKey());
        await stillOne.Send(HttpMethod.Get, "/v1/items?limit=1").Problem(HttpStatusCode.Unauthorized);
        await stillOne.Send(HttpMethod.Get, "/v1/items?limit=1").Problem(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Keys_not_in_force_posted_to_the_sign_in_form_count_against_the_address_too()
    {
        Recover();
        for (var i = 0; i < FailedAuthLimits.Burst; i++)
        {
            using var wrong = await AdminSession.PostAsync(server.BaseAddress, RandomKey());
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("not valid", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var lookups = Keys.StoreLookups;
        using var refused = await AdminSession.PostAsync(server.BaseAddress, RandomKey());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(lookups, Keys.StoreLookups);

        // Bearer keys from the same address share the bucket; configured keys still sign in.
        using var flood = As(RandomKey());
        await flood.Send(HttpMethod.Get, "/v1/items?limit=1").Problem(HttpStatusCode.TooManyRequests);
        await AdminSession.SignInAsync(server.BaseAddress, MatrixKeys.Read);
    }

    [Fact]
    public async Task Endpoints_that_need_no_key_answer_a_limited_address_without_looking_its_key_up()
    {
        Recover();
        for (var i = 0; i <= FailedAuthLimits.Burst; i++)
        {
            using var flood = As(RandomKey());
            using var _ = await flood.Send(HttpMethod.Get, "/v1/items?limit=1");
        }

        var lookups = Keys.StoreLookups;
        using var health = As(RandomKey());
        using var live = await health.Send(HttpMethod.Get, "/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(lookups, Keys.StoreLookups);
    }
}

public sealed class FailedAuthenticationTests_Sqlite(FailedAuthLimitedSqliteServer server) : FailedAuthenticationTests(server), IClassFixture<FailedAuthLimitedSqliteServer>;

public sealed class FailedAuthenticationTests_Postgres(FailedAuthLimitedPostgresServer server) : FailedAuthenticationTests(server), IClassFixture<FailedAuthLimitedPostgresServer>;

/// <summary>How client addresses are grouped and counted, with fake time.</summary>
public sealed class FailedAuthenticationBucketTests
{
    [Fact]
    public void Ipv6_addresses_are_counted_by_their_64_bit_prefix_and_mapped_ipv4_as_ipv4()
    {
        Assert.Equal(FailedAuthentication.Partition(IPAddress.Parse("2001:db8:1:2:aaaa::1")), FailedAuthentication.Partition(IPAddress.Parse("2001:db8:1:2:bbbb::2")));
        Assert.NotEqual(FailedAuthentication.Partition(IPAddress.Parse("2001:db8:1:2::1")), FailedAuthentication.Partition(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.Equal("10.0.0.1", FailedAuthentication.Partition(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.Equal("unknown", FailedAuthentication.Partition(null));
    }

    [Fact]
    public void A_bucket_refills_at_its_rate_and_a_refund_gives_a_token_back()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var limit = new FailedAuthentication(perMinute: 6, burst: 2, time);
        var address = IPAddress.Loopback;
        Assert.True(limit.TryTake(address, out _));
        Assert.True(limit.TryTake(address, out _));
        Assert.False(limit.TryTake(address, out var retryAfter));
        Assert.Equal(10, retryAfter);
        Assert.True(limit.TryTake(IPAddress.Parse("192.0.2.7"), out _));

        limit.Refund(address);
        Assert.True(limit.TryTake(address, out _));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limit.TryTake(address, out _));
        Assert.False(limit.TryTake(address, out _));
    }

    [Fact]
    public void Past_the_tracked_address_limit_new_addresses_share_one_bucket_until_recovered_ones_are_forgotten()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var limit = new FailedAuthentication(perMinute: 60, burst: 1, time);
        for (var i = 0; i < FailedAuthentication.AddressesMax; i++)
        {
            Assert.True(limit.TryTake(new IPAddress(i + 1L), out _));
        }

        // Every tracked address has spent its token: newcomers share the overflow bucket, which holds one.
        Assert.True(limit.TryTake(IPAddress.Parse("198.51.100.1"), out _));
        Assert.False(limit.TryTake(IPAddress.Parse("198.51.100.2"), out _));

        // Once the tracked ones have refilled they are forgotten, and a newcomer has a bucket of its own again.
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(limit.TryTake(IPAddress.Parse("198.51.100.3"), out _));
        Assert.False(limit.TryTake(IPAddress.Parse("198.51.100.3"), out _));
        Assert.True(limit.TryTake(IPAddress.Parse("198.51.100.4"), out _));
    }
}
