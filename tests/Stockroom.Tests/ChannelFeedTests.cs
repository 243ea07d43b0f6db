using System.Net;
using System.Text.Json;
using Stockroom.Features.Channels;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class ChannelFeedTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private async Task<List<(string? Sku, long Available)>> Feed(string channel, long after = 0)
    {
        var page = await Client.Send(HttpMethod.Get, $"/v1/channels/{channel}/feed?after={after}&limit=1000").Expect(HttpStatusCode.OK);
        return [.. page.GetProperty("data").EnumerateArray().Select(u => (u.GetProperty("sku").GetString(), u.Long("available")))];
    }

    private Task Publish() => server.Service<ChannelPublisher>().PublishDueAsync(CancellationToken.None);

    /// <summary>
    /// Publishes until the feed holds <paramref name="count"/> updates: the background worker, woken
    /// by fake time, may hold a channel's turn while this call passes it by.
    /// </summary>
    private async Task<List<(string? Sku, long Available)>> FeedOnceItHas(string channel, int count)
    {
        await ReservationApiTests.Eventually(async () =>
        {
            await Publish();
            return (await Feed(channel)).Count >= count;
        });
        return await Feed(channel);
    }

    private Task<JsonElement> Hold(Network n, long quantity) =>
        Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity } } }).Expect(HttpStatusCode.Created);

    [Fact]
    public async Task An_on_change_channel_publishes_each_changed_sku_once_per_pass()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        Assert.Contains((n.Sku, 10L), await FeedOnceItHas(n.Channel, 1));
        var published = (await Feed(n.Channel)).Count;

        await Hold(n, 1);
        await Hold(n, 2);
        var updates = (await FeedOnceItHas(n.Channel, published + 1)).Skip(published).ToList();
        Assert.Equal([(n.Sku, 7L)], updates);

        // Nothing changed since: nothing goes out.
        await Publish();
        Assert.Equal(published + 1, (await Feed(n.Channel)).Count);
    }

    [Fact]
    public async Task A_slower_cadence_coalesces_many_changes_into_one_update()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var amazon = Api.NewId("amazon");
        await Client.Put($"/v1/channels/{amazon}", new { name = "Amazon", group = n.Group, buffer = new { units = 1 }, publishEverySeconds = 300 })
            .Expect(HttpStatusCode.Created);
        await Hold(n, 1);
        Assert.Equal([(n.Sku, 8L)], await FeedOnceItHas(amazon, 1));

        await Hold(n, 1);
        await Hold(n, 1);
        await Hold(n, 1);
        server.Time.Advance(TimeSpan.FromSeconds(299));
        await Publish();
        Assert.Single(await Feed(amazon));

        server.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([(n.Sku, 8L), (n.Sku, 5L)], await FeedOnceItHas(amazon, 2));
    }

    [Fact]
    public async Task Feed_of_an_unknown_channel_is_404()
    {
        await Client.Send(HttpMethod.Get, "/v1/channels/no-such/feed").Problem(HttpStatusCode.NotFound);
    }
}

public sealed class ChannelFeedTests_Sqlite(SqliteServer server) : ChannelFeedTests(server), IClassFixture<SqliteServer>;

public sealed class ChannelFeedTests_Postgres(PostgresServerFixture server) : ChannelFeedTests(server), IClassFixture<PostgresServerFixture>;
