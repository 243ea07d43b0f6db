using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// The real executable, as an operating system runs it: on SIGTERM it stops taking requests,
/// finishes the holds it took, and exits 0.
/// </summary>
public sealed class SigtermTests
{
    [Fact]
    public async Task On_sigterm_the_server_finishes_the_holds_it_took_and_exits_zero()
    {
        var database = $"Data Source={Path.Combine(Path.GetTempPath(), $"stockroom-sigterm-{Guid.NewGuid():N}.db")}";
        var port = StockroomProcess.FreePort();
        int[] outcomes;
        Network n;
        await using (var server = await StockroomProcess.StartAsync(database, port))
        {
            n = await server.Client.SeedAsync(storeOnHand: 1_000, warehouseOnHand: 0);
            var holds = Enumerable.Range(0, 300).Select(async _ =>
            {
                try
                {
                    using var response = await server.Client.Post("/v1/reservations",
                        new { id = Api.NewId("term"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } });
                    return (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return 0; // the server had stopped listening: nothing was taken
                }
            }).ToList();

            await server.TerminateAsync();
            outcomes = await Task.WhenAll(holds);
            await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, server.ExitCode);
        }

        Assert.DoesNotContain(outcomes, s => s == (int)HttpStatusCode.InternalServerError);

        // Started again on the same file: every 201 is there, and nothing else.
        await using var again = await StockroomProcess.StartAsync(database, port);
        var reserved = (await again.Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("reserved");
        Assert.Equal(outcomes.Count(s => s == (int)HttpStatusCode.Created), reserved);
    }
}
