using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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
        var database = Path.Combine(Path.GetTempPath(), $"stockroom-sigterm-{Guid.NewGuid():N}.db");
        var port = FreePort();
        using var server = Start(database, port);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await WaitUntilReadyAsync(client, server);

        var n = await client.SeedAsync(storeOnHand: 1_000, warehouseOnHand: 0);
        var holds = Enumerable.Range(0, 300).Select(async _ =>
        {
            try
            {
                using var response = await client.Post("/v1/reservations", new { id = Api.NewId("term"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } });
                return (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return 0; // the server had stopped listening: nothing was taken
            }
        }).ToList();

        using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        var outcomes = await Task.WhenAll(holds);
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await server.WaitForExitAsync(exited.Token);
        Assert.Equal(0, server.ExitCode);
        Assert.DoesNotContain(outcomes, s => s == (int)HttpStatusCode.InternalServerError);

        // Started again on the same file: every 201 is there, and nothing else.
        using var again = Start(database, port);
        try
        {
            await WaitUntilReadyAsync(client, again);
            var reserved = (await client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("reserved");
            Assert.Equal(outcomes.Count(s => s == (int)HttpStatusCode.Created), reserved);
        }
        finally
        {
            again.Kill();
            await again.WaitForExitAsync();
        }
    }

    private static Process Start(string database, int port) => Process.Start(new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "stockroom"))
    {
        ArgumentList = { "--urls", $"http://127.0.0.1:{port}", "--ConnectionStrings:Stockroom", $"Data Source={database}", "--Logging:LogLevel:Default", "Warning" },
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        WorkingDirectory = Path.GetTempPath(),
    })!;

    private static async Task WaitUntilReadyAsync(HttpClient client, Process server)
    {
        // Drain its output so that a full pipe never blocks it.
        _ = server.StandardOutput.ReadToEndAsync();
        _ = server.StandardError.ReadToEndAsync();
        for (var attempt = 0; attempt < 300; attempt++)
        {
            Assert.False(server.HasExited, "the server stopped while starting");
            try
            {
                using var ready = await client.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        Assert.Fail("the server did not become ready within 30 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
