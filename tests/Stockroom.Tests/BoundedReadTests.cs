using System.Net;
using Stockroom.Core;
using Stockroom.Features.Availability;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Reads cost in proportion to what they cover: one query is bounded in SKUs × locations, wide
/// ones take turns, and paging parameters that would make a negative LIMIT are refused.
/// </summary>
public abstract class BoundedReadTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    /// <summary>Locations enough that a thousand SKUs over them are just past the bound.</summary>
    private const int Locations = (Limits.AvailabilityCellsMax / Limits.BulkSkusMax) + 1;

    private async Task<string> WideGroupAsync()
    {
        var prefix = Api.NewId("wide");
        var ids = Enumerable.Range(0, Locations).Select(i => $"{prefix}-{i}").ToList();
        foreach (var id in ids)
        {
            await Client.Put($"/v1/locations/{id}", new { name = id, type = "store", canShip = true, canPickup = true }).Expect(HttpStatusCode.Created);
        }

        await Client.Put($"/v1/groups/{prefix}", new { name = "Every store", locations = ids }).Expect(HttpStatusCode.Created);
        return prefix;
    }

    private static List<string> Skus(int count) => [.. Enumerable.Range(0, count).Select(i => $"BOUND-{i}")];

    [Fact]
    public async Task A_query_over_more_positions_than_the_bound_is_refused_naming_the_skus_and_what_fits()
    {
        var group = await WideGroupAsync();
        var head = await Client.LedgerHeadAsync();
        var refused = await Client.Post("/v1/availability/query", new { skus = Skus(Limits.BulkSkusMax), group }).Problem(HttpStatusCode.BadRequest);
        var message = refused.GetProperty("errors").GetProperty("skus")[0].GetString()!;
        Assert.Contains($"{Limits.AvailabilityCellsMax:N0}", message, StringComparison.Ordinal);
        Assert.Contains($"ask at most {Limits.AvailabilityCellsMax / Locations:N0} SKUs", message, StringComparison.Ordinal);

        // Just within the bound the query is answered, every SKU in the order asked.
        var fits = Skus(Limits.AvailabilityCellsMax / Locations);
        var answered = await Client.Post("/v1/availability/query", new { skus = fits, group }).Expect(HttpStatusCode.OK);
        Assert.Equal(fits, answered.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("sku").GetString()));
        Assert.Equal(head, await Client.LedgerHeadAsync());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("-9223372036854775808")]
    public async Task The_admin_ledger_refuses_a_page_before_the_first_sequence(string before)
    {
        var problem = await Client.Send(HttpMethod.Get, $"/admin/ledger?before={before}").Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("before", out _));
        using var first = await Client.Send(HttpMethod.Get, "/admin/ledger?before=1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
    }
}

public sealed class BoundedReadTests_Sqlite(SqliteServer server) : BoundedReadTests(server), IClassFixture<SqliteServer>;

public sealed class BoundedReadTests_Postgres(PostgresServerFixture server) : BoundedReadTests(server), IClassFixture<PostgresServerFixture>;

/// <summary>Wide reads take turns; narrow ones never wait behind them.</summary>
public abstract class WideReadTurnTests(StockroomServer server)
{
    [Fact]
    public async Task With_every_turn_taken_a_wide_query_is_told_to_retry_and_a_narrow_one_is_answered()
    {
        var client = server.Client;
        var n = await client.SeedAsync(storeOnHand: 3, warehouseOnHand: 4);
        List<string> locations = [n.Store, n.Warehouse];
        while (locations.Count * Limits.BulkSkusMax < WideReads.CellsFrom)
        {
            var id = Api.NewId("turn");
            await client.Put($"/v1/locations/{id}", new { name = id, type = "store", canShip = true, canPickup = true }).Expect(HttpStatusCode.Created);
            locations.Add(id);
        }

        // A thousand SKUs over these locations: a wide read.
        var wide = new { skus = Enumerable.Range(0, Limits.BulkSkusMax).Select(i => i == 0 ? n.Sku : $"TURN-{i}").ToList(), locations };
        var turn = await server.Service<WideReads>().EnterAsync(WideReads.CellsFrom, CancellationToken.None);
        Assert.True(turn.IsAcquired);
        using (turn)
        {
            var busy = await client.Post("/v1/availability/query", wide);
            Assert.Equal(TimeSpan.FromSeconds(1), busy.Headers.RetryAfter?.Delta);
            await Task.FromResult(busy).Problem(HttpStatusCode.ServiceUnavailable);

            var narrow = await client.Post("/v1/availability/query", new { skus = new[] { n.Sku }, locations }).Expect(HttpStatusCode.OK);
            Assert.Equal(7, narrow.GetProperty("results")[0].Long("available"));
        }

        var answered = await client.Post("/v1/availability/query", wide).Expect(HttpStatusCode.OK);
        Assert.Equal(7, answered.GetProperty("results")[0].Long("available"));
    }
}

public sealed class WideReadTurnTests_Sqlite(OneWideReadSqliteServer server) : WideReadTurnTests(server), IClassFixture<OneWideReadSqliteServer>;

public sealed class WideReadTurnTests_Postgres(OneWideReadPostgresServer server) : WideReadTurnTests(server), IClassFixture<OneWideReadPostgresServer>;
