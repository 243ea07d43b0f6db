using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>Stopping the server answers every hold it took: none lost, none applied without an answer.</summary>
public sealed class ShutdownTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    [Fact]
    public async Task Holds_in_flight_at_shutdown_are_finished_and_answered()
    {
        var n = await server.Client.SeedAsync(storeOnHand: 500, warehouseOnHand: 0);
        using var burst = new HttpClient { BaseAddress = server.Client.BaseAddress };
        var holds = Enumerable.Range(0, 300).Select(async _ =>
        {
            try
            {
                using var response = await burst.Post("/v1/reservations", new { id = Api.NewId("sd"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } });
                return (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return 0; // refused at the door: the server had stopped listening, nothing was taken
            }
        }).ToList();

        await server.RestartAsync(TimeSpan.Zero);
        var outcomes = await Task.WhenAll(holds);
        Assert.DoesNotContain(outcomes, s => s == (int)HttpStatusCode.InternalServerError);
        var reserved = (await server.Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("reserved");
        Assert.Equal(outcomes.Count(s => s == (int)HttpStatusCode.Created), reserved);
    }
}
