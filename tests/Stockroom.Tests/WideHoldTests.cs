using System.Net;
using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Features.Reservations;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// One caller cannot stall the writer: a hold that may lock more than <see cref="Limits.HoldPositionsMax"/>
/// positions is refused before it waits, and a one-unit hold overtakes the wide holds queued before it.
/// </summary>
public abstract class WideHoldTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private const int Stores = 200;

    /// <summary>Lines that, each over the whole chain, weigh exactly the most one hold may.</summary>
    private const int LinesAtTheBound = Limits.HoldPositionsMax / Stores;

    private sealed record Chain(string Group, string Channel, string FirstStore, IReadOnlyList<string> Skus, string CartSku);

    /// <summary>A chain of 200 stores sold from by one channel, SKUs with plenty at the first store, and one more for carts.</summary>
    private async Task<Chain> ChainAsync(int skuCount)
    {
        var prefix = Api.NewId("chain");
        var stores = Enumerable.Range(0, Stores).Select(i => $"{prefix}-{i}").ToList();
        foreach (var store in stores)
        {
            await Client.Put($"/v1/locations/{store}", new { name = store, type = "store", canShip = true, canPickup = true }).Expect(HttpStatusCode.Created);
        }

        await Client.Put($"/v1/groups/{prefix}", new { name = "Every store", locations = stores }).Expect(HttpStatusCode.Created);
        await Client.Put($"/v1/channels/{prefix}", new { name = "Web", group = prefix }).Expect(HttpStatusCode.Created);
        var skus = Enumerable.Range(0, skuCount).Select(i => $"{prefix}-SKU-{i}").ToList();
        var cart = $"{prefix}-CART";
        foreach (var sku in skus.Append(cart))
        {
            await Client.Put($"/v1/items/{sku}", new { name = sku }).Expect(HttpStatusCode.Created);
        }

        await Client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = StockroomServer.Start.AddMinutes(-1),
            lines = skus.Append(cart).Select(sku => new { sku, location = stores[0], type = "onHand", quantity = 1_000 }).ToArray(),
        }).Expect(HttpStatusCode.OK);
        return new Chain(prefix, prefix, stores[0], skus, cart);
    }

    [Fact]
    public async Task A_hold_over_more_positions_than_the_bound_is_refused_before_it_waits_and_changes_nothing()
    {
        var chain = await ChainAsync(LinesAtTheBound + 1);
        var head = await Client.LedgerHeadAsync();
        var problem = await Client.Post("/v1/reservations", new
        {
            id = Api.NewId("too-wide"),
            channel = chain.Channel,
            lines = chain.Skus.Select(sku => new { sku, quantity = 1 }).ToArray(),
        }).Problem(HttpStatusCode.UnprocessableEntity);
        var message = problem.GetProperty("errors").GetProperty("lines")[0].GetString()!;
        Assert.Contains($"{(LinesAtTheBound + 1) * Stores:N0} positions", message, StringComparison.Ordinal);
        Assert.Contains($"{Limits.HoldPositionsMax:N0}", message, StringComparison.Ordinal);
        Assert.Equal(head, await Client.LedgerHeadAsync());

        // At the bound it is held, and one line naming a store weighs one position whatever the chain.
        await Client.Post("/v1/reservations", new
        {
            id = Api.NewId("at-bound"),
            channel = chain.Channel,
            lines = chain.Skus.Take(LinesAtTheBound).Select(sku => new { sku, quantity = 1 }).ToArray(),
        }).Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_one_unit_hold_is_answered_while_wide_holds_queued_before_it_still_wait()
    {
        var chain = await ChainAsync(LinesAtTheBound);
        var writer = server.Service<HoldWriter>();
        const int WideHolds = 8;
        // Each wide hold asks over a group of its own (the same stores under another name), so
        // that no two weigh as one: a wide batch takes two of them, and the eight need four.
        var stores = (await Client.Send(HttpMethod.Get, $"/v1/groups/{chain.Group}").Expect(HttpStatusCode.OK)).GetProperty("locations");
        for (var i = 0; i < WideHolds; i++)
        {
            await Client.Put($"/v1/groups/{chain.Group}-{i}", new { name = $"Every store {i}", locations = stores }).Expect(HttpStatusCode.Created);
        }

        var wide = Enumerable.Range(0, WideHolds).Select(i => writer.SubmitAsync(new HoldSubmission(
            new ReservationTerms(Api.NewId($"wide-{i}"), chain.Channel, null, 0, null, false, false),
            [.. chain.Skus.Select(sku => new HoldLineRequest(sku, 1, null, $"{chain.Group}-{i}"))], $"wide-{i}"), CancellationToken.None)).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var doneAt = new System.Collections.Concurrent.ConcurrentBag<double>();
        foreach (var w in wide)
        {
            _ = w.ContinueWith(_ => doneAt.Add(clock.Elapsed.TotalMilliseconds), TaskScheduler.Default);
        }

        // Every wide hold is queued (a batch of two may already be in flight) before the cart asks.
        while (writer.QueueDepth + wide.Count(w => w.IsCompleted) < WideHolds - 2)
        {
            await Task.Delay(1);
        }

        // The cart's SKU is one no wide hold locks: it waits for no row of theirs, only (on SQLite,
        // whose writes take turns) for the wide batch in flight.
        var cartAt = clock.Elapsed.TotalMilliseconds;
        var cart = await writer.SubmitAsync(new HoldSubmission(
            new ReservationTerms(Api.NewId("cart"), chain.Channel, null, 0, null, false, false),
            [new HoldLineRequest(chain.CartSku, 1, chain.FirstStore, null)], "cart"), CancellationToken.None);
        var wideAnsweredBeforeTheCart = wide.Count(w => w.IsCompleted);

        Assert.IsType<HoldResult.Created>(cart);
        // At most the wide batch in flight when it asked, and the one before it, went first.
        Assert.True(wideAnsweredBeforeTheCart <= WideHolds / 2,
            $"{wideAnsweredBeforeTheCart} of {WideHolds} wide holds were answered before a one-unit hold queued after them: "
            + $"cart asked at {cartAt:F0} ms, answered at {clock.Elapsed.TotalMilliseconds:F0}; wide answered at " + string.Join(", ", doneAt.Order().Select(d => d.ToString("F0"))));
        Assert.All(await Task.WhenAll(wide), result => Assert.IsType<HoldResult.Created>(result));
        Assert.Equal(WideHolds, (await Client.AvailabilityAsync(chain.Skus[0], $"location={chain.FirstStore}")).Long("reserved"));
        Assert.Equal(1, (await Client.AvailabilityAsync(chain.CartSku, $"location={chain.FirstStore}")).Long("reserved"));
    }
}

public sealed class WideHoldTests_Sqlite(SqliteServer server) : WideHoldTests(server), IClassFixture<SqliteServer>;

public sealed class WideHoldTests_Postgres(PostgresServerFixture server) : WideHoldTests(server), IClassFixture<PostgresServerFixture>;
