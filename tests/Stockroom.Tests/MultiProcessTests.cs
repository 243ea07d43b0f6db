using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>Several Stockroom servers on one PostgreSQL database behave as one.</summary>
public sealed class MultiProcessTests(PostgresServerFixture server) : IClassFixture<PostgresServerFixture>
{
    [Fact]
    public async Task Holds_racing_through_two_servers_never_oversell()
    {
        var n = await server.Client.SeedAsync(storeOnHand: 6, warehouseOnHand: 4);
        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            var clients = new[] { server.Client, otherClient };
            var attempts = Enumerable.Range(0, 300).Select(async i =>
            {
                using var response = await clients[i % 2].Post("/v1/reservations", new
                {
                    id = Api.NewId("race"),
                    channel = n.Channel,
                    lines = new[] { new { sku = n.Sku, quantity = 1 } },
                });
                return response.StatusCode;
            });
            var outcomes = await Task.WhenAll(attempts);
            Assert.Equal(10, outcomes.Count(s => s == HttpStatusCode.Created));
            Assert.Equal(290, outcomes.Count(s => s == HttpStatusCode.Conflict));
            foreach (var client in clients)
            {
                var atp = await client.AvailabilityAsync(n.Sku, $"group={n.Group}");
                Assert.Equal((0L, 10L), (atp.Long("available"), atp.Long("reserved")));
            }
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }
    }

    [Fact]
    public async Task Each_expiry_happens_once_across_servers()
    {
        var n = await server.Client.SeedAsync(storeOnHand: 20, warehouseOnHand: 0);
        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                await server.Client.Post("/v1/reservations", new
                {
                    id = Api.NewId("exp"),
                    channel = n.Channel,
                    expiresInSeconds = 30,
                    lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } },
                }).Expect(HttpStatusCode.Created);
            }

            var head = await server.Client.LedgerHeadAsync();
            server.Time.Advance(TimeSpan.FromSeconds(31));
            await ReservationApiTests.Eventually(async () => (await server.Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("reserved") == 0);
            // Both servers' sweeps ran; each reservation expired exactly once.
            var events = await server.Client.Send(HttpMethod.Get, $"/v1/events?after={head}&limit=1000").Expect(HttpStatusCode.OK);
            Assert.Equal(20, events.GetProperty("data").EnumerateArray().Count(e => e.GetProperty("type").GetString() == "reservation.expired"));
            Assert.Equal(20, (await otherClient.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("available"));
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }
    }
}
