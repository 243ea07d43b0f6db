using System.Net;
using System.Net.Http.Json;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// Strong ETags on catalog and rule resources: GET and PUT carry the same tag for the same stored
/// resource; If-None-Match on GET is a 304; If-Match and If-None-Match on PUT and DELETE are checked
/// in the write, 412 when they fail, and nothing changes then.
/// </summary>
public abstract class ETagTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? ifMatch = null, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return await Client.SendAsync(request);
    }

    private static string Tag(HttpResponseMessage response)
    {
        var tag = response.Headers.ETag;
        Assert.NotNull(tag);
        Assert.False(tag.IsWeak);
        return tag.Tag;
    }

    /// <summary>Each catalog resource: its path and two different bodies.</summary>
    private async Task<List<(string Path, object First, object Second)>> ResourcesAsync()
    {
        var n = await Client.SeedAsync();
        return
        [
            ($"/v1/items/{Api.NewId("SKU")}", new { name = "Lamp" }, new { name = "Lamp XL" }),
            ($"/v1/locations/{Api.NewId("loc")}", new { name = "Shop", type = "store", canShip = true, canPickup = true },
                new { name = "Shop 2", type = "store", canShip = true, canPickup = false }),
            ($"/v1/groups/{Api.NewId("g")}", new { name = "Stores", locations = new[] { n.Store } }, new { name = "Stores", locations = new[] { n.Store, n.Warehouse } }),
            ($"/v1/channels/{Api.NewId("c")}", new { name = "Web", group = n.Group }, new { name = "Web 2", group = n.Group }),
        ];
    }

    [Fact]
    public async Task Get_and_put_carry_the_same_strong_tag_and_if_none_match_is_a_304()
    {
        foreach (var (path, first, second) in await ResourcesAsync())
        {
            using var created = await SendAsync(HttpMethod.Put, path, first);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var tag = Tag(created);
            using (var read = await SendAsync(HttpMethod.Get, path))
            {
                Assert.Equal(tag, Tag(read));
            }

            using (var unchanged = await SendAsync(HttpMethod.Get, path, ifNoneMatch: tag))
            {
                Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
                Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());
            }

            using var replaced = await SendAsync(HttpMethod.Put, path, second);
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            Assert.NotEqual(tag, Tag(replaced));
            using var changed = await SendAsync(HttpMethod.Get, path, ifNoneMatch: tag);
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.Equal(Tag(replaced), Tag(changed));
        }
    }

    [Fact]
    public async Task If_match_with_a_stale_tag_is_a_412_that_changes_nothing()
    {
        foreach (var (path, first, second) in await ResourcesAsync())
        {
            // If-Match on what does not exist: there is no version to match, not even *.
            await SendAsync(HttpMethod.Put, path, first, ifMatch: "*").Problem(HttpStatusCode.PreconditionFailed);
            using var missing = await SendAsync(HttpMethod.Get, path);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

            using var created = await SendAsync(HttpMethod.Put, path, first, ifNoneMatch: "*");
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var tag = Tag(created);
            await SendAsync(HttpMethod.Put, path, second, ifNoneMatch: "*").Problem(HttpStatusCode.PreconditionFailed);

            var head = await Client.LedgerHeadAsync();
            var problem = await SendAsync(HttpMethod.Put, path, second, ifMatch: "\"0000000000000000\"").Problem(HttpStatusCode.PreconditionFailed);
            Assert.Equal("urn:stockroom:problem:precondition-failed", problem.GetProperty("type").GetString());
            Assert.Equal(head, await Client.LedgerHeadAsync());
            using (var still = await SendAsync(HttpMethod.Get, path))
            {
                Assert.Equal(tag, Tag(still));
            }

            // A weak tag never matches If-Match; the current tag among others, or *, does.
            await SendAsync(HttpMethod.Put, path, second, ifMatch: $"W/{tag}").Problem(HttpStatusCode.PreconditionFailed);
            using var updated = await SendAsync(HttpMethod.Put, path, second, ifMatch: $"\"stale\", {tag}");
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            using var any = await SendAsync(HttpMethod.Put, path, first, ifMatch: "*");
            Assert.Equal(HttpStatusCode.OK, any.StatusCode);
            await SendAsync(HttpMethod.Put, path, first, ifMatch: "not a tag").Problem(HttpStatusCode.BadRequest);
        }
    }

    [Fact]
    public async Task Two_writes_with_the_same_if_match_race_and_only_one_wins()
    {
        var sku = Api.NewId("SKU");
        using var created = await SendAsync(HttpMethod.Put, $"/v1/items/{sku}", new { name = "Lamp" });
        var tag = Tag(created);
        for (var round = 0; round < 5; round++)
        {
            var writes = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                SendAsync(HttpMethod.Put, $"/v1/items/{sku}", new { name = $"Lamp {round}.{i}" }, ifMatch: tag)));
            Assert.Single(writes, w => w.StatusCode == HttpStatusCode.OK);
            Assert.All(writes.Where(w => w.StatusCode != HttpStatusCode.OK), w => Assert.Equal(HttpStatusCode.PreconditionFailed, w.StatusCode));
            var winner = writes.Single(w => w.StatusCode == HttpStatusCode.OK);
            tag = Tag(winner);
            using var read = await SendAsync(HttpMethod.Get, $"/v1/items/{sku}");
            Assert.Equal(tag, Tag(read));
            foreach (var write in writes)
            {
                write.Dispose();
            }
        }
    }

    [Fact]
    public async Task Concurrent_creates_with_if_none_match_star_make_one_resource()
    {
        var n = await Client.SeedAsync();
        for (var round = 0; round < 3; round++)
        {
            var sku = Api.NewId("SKU");
            var items = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => SendAsync(HttpMethod.Put, $"/v1/items/{sku}", new { name = $"Lamp {i}" }, ifNoneMatch: "*")));
            Assert.Single(items, w => w.StatusCode == HttpStatusCode.Created);
            Assert.All(items.Where(w => w.StatusCode != HttpStatusCode.Created), w => Assert.Equal(HttpStatusCode.PreconditionFailed, w.StatusCode));

            var rules = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                SendAsync(HttpMethod.Put, "/v1/rules/low-stock", new { sku = n.Sku, location = n.Store, group = n.Group, threshold = 1 + i + (10 * round) }, ifNoneMatch: "*")));
            Assert.Single(rules, w => w.StatusCode == HttpStatusCode.Created);
            Assert.All(rules.Where(w => w.StatusCode != HttpStatusCode.Created), w => Assert.Equal(HttpStatusCode.PreconditionFailed, w.StatusCode));
            await Client.Send(HttpMethod.Delete, $"/v1/rules/low-stock?sku={n.Sku}&location={n.Store}&group={n.Group}").Expect(HttpStatusCode.OK);
            foreach (var response in items.Concat(rules))
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Rules_carry_tags_on_put_and_check_if_match_on_put_and_delete()
    {
        var n = await Client.SeedAsync();
        foreach (var (path, first, second, query) in new (string, object, object, string)[]
        {
            ("/v1/rules/safety-stock", new { sku = n.Sku, location = n.Store, units = 1 }, new { sku = n.Sku, location = n.Store, units = 2 }, $"sku={n.Sku}&location={n.Store}"),
            ("/v1/rules/low-stock", new { sku = n.Sku, group = n.Group, threshold = 2 }, new { sku = n.Sku, group = n.Group, threshold = 3 }, $"sku={n.Sku}&group={n.Group}"),
        })
        {
            using var created = await SendAsync(HttpMethod.Put, path, first, ifNoneMatch: "*");
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var tag = Tag(created);
            await SendAsync(HttpMethod.Put, path, second, ifNoneMatch: "*").Problem(HttpStatusCode.PreconditionFailed);
            using var replaced = await SendAsync(HttpMethod.Put, path, second, ifMatch: tag);
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            var current = Tag(replaced);
            Assert.NotEqual(tag, current);

            await SendAsync(HttpMethod.Delete, $"{path}?{query}", ifMatch: tag).Problem(HttpStatusCode.PreconditionFailed);
            var rules = await Client.Send(HttpMethod.Get, $"{path}?sku={n.Sku}").Expect(HttpStatusCode.OK);
            Assert.Single(rules.GetProperty("data").EnumerateArray());
            await SendAsync(HttpMethod.Delete, $"{path}?{query}", ifMatch: current).Expect(HttpStatusCode.OK);
            await SendAsync(HttpMethod.Delete, $"{path}?{query}", ifMatch: "*").Problem(HttpStatusCode.PreconditionFailed);
        }
    }
}

public sealed class ETagTests_Sqlite(SqliteServer server) : ETagTests(server), IClassFixture<SqliteServer>;

public sealed class ETagTests_Postgres(PostgresServerFixture server) : ETagTests(server), IClassFixture<PostgresServerFixture>;
