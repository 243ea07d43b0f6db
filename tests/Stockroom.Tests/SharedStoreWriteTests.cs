using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Stockroom.Features.Reservations;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// Two servers on one store, each writing as if it were alone: a writer chains onto the ledger
/// head its own last commit left (in one round trip on PostgreSQL) and must notice when the other
/// moved it; a sold-out refusal decided without the writer must still give a hold the other
/// server made its reservation back.
/// </summary>
public abstract class SharedStoreWriteTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private static Task<HttpResponseMessage> HoldAsync(HttpClient client, Network n, string id) =>
        client.Post("/v1/reservations", new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } });

    [Fact]
    public async Task Writes_alternating_between_two_servers_chain_one_whole_ledger()
    {
        var n = await Client.SeedAsync(storeOnHand: 100, warehouseOnHand: 0);
        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            // Each server's head is stale at nearly every write: the other moved it since.
            for (var i = 0; i < 20; i++)
            {
                var client = i % 2 == 0 ? Client : otherClient;
                await HoldAsync(client, n, Api.NewId("alt")).Expect(HttpStatusCode.Created);
                await client.Post("/v1/supply/adjust", new
                {
                    id = Api.NewId("adj"),
                    lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = 1, reason = "found" } },
                }).Expect(HttpStatusCode.OK);
            }

            // And at once from both: neither loses an event nor chains onto the other's.
            var racing = Enumerable.Range(0, 40).Select(i => HoldAsync(i % 2 == 0 ? Client : otherClient, n, Api.NewId("race")).Expect(HttpStatusCode.Created));
            await Task.WhenAll(racing);

            var atp = await Client.AvailabilityAsync(n.Sku, $"location={n.Store}&consistency=strong");
            Assert.Equal((120L, 60L), (atp.Long("onHand"), atp.Long("reserved")));
            var (exit, output) = await server.VerifyLedgerAsync();
            Assert.True(exit == 0, output);
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_burst_of_sold_out_refusals_gives_each_retried_winner_from_the_other_server_its_hold()
    {
        var n = await Client.SeedAsync(storeOnHand: 5, warehouseOnHand: 0);
        var winners = Enumerable.Range(0, 5).Select(_ => Api.NewId("winner")).ToList();
        foreach (var id in winners)
        {
            await HoldAsync(Client, n, id).Expect(HttpStatusCode.Created);
        }

        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            // The other server learns the SKU is sold out, then meets new holds and the winners' retries at once.
            await HoldAsync(otherClient, n, Api.NewId("late")).Expect(HttpStatusCode.Conflict);
            var writer = other.Services.GetRequiredService<HoldWriter>();
            var fast = writer.Statistics.SoldOutFastRefusals;
            var burst = Enumerable.Range(0, 60).Select(i => i % 12 == 0
                ? (Id: winners[i / 12], Winner: true)
                : (Id: Api.NewId("late"), Winner: false)).ToList();
            var answers = await Task.WhenAll(burst.Select(async b =>
            {
                using var response = await HoldAsync(otherClient, n, b.Id);
                return (b.Winner, response.StatusCode, Replayed: response.Headers.TryGetValues("Idempotent-Replayed", out var v) ? v.Single() : null);
            }));

            Assert.All(answers.Where(a => a.Winner), a => Assert.Equal((HttpStatusCode.Created, "true"), (a.StatusCode, a.Replayed)));
            Assert.All(answers.Where(a => !a.Winner), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
            // The new ones were refused before the writer, sharing look-ups of their ids.
            Assert.Equal(fast + 55, writer.Statistics.SoldOutFastRefusals);
            var atp = await otherClient.AvailabilityAsync(n.Sku, $"location={n.Store}");
            Assert.Equal((0L, 5L), (atp.Long("available"), atp.Long("reserved")));
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }
    }
}

public sealed class SharedStoreWriteTests_Sqlite(SqliteServer server) : SharedStoreWriteTests(server), IClassFixture<SqliteServer>;

public sealed class SharedStoreWriteTests_Postgres(PostgresServerFixture server) : SharedStoreWriteTests(server), IClassFixture<PostgresServerFixture>;
