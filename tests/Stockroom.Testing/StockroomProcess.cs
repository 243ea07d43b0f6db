using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Stockroom.Testing;

/// <summary>
/// The real <c>stockroom</c> executable as its own operating-system process, on a free loopback
/// port: what several servers behind a load balancer, or a server stopped by its supervisor, are.
/// </summary>
public sealed class StockroomProcess : IAsyncDisposable
{
    private readonly Process _process;

    private StockroomProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(1) };
        // Its output is drained so that a full pipe never blocks it.
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "stockroom");

    /// <summary>Starts a server on this database and returns once it answers <c>/health/ready</c>.</summary>
    public static async Task<StockroomProcess> StartAsync(string connectionString, int? port = null, params string[] settings)
    {
        var chosen = port ?? FreePort();
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in (string[])["--urls", $"http://127.0.0.1:{chosen}", "--ConnectionStrings:Stockroom", connectionString,
                     "--Logging:LogLevel:Default", "Warning", .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        var server = new StockroomProcess(Process.Start(start)!, chosen);
        await server.WaitUntilReadyAsync();
        return server;
    }

    private async Task WaitUntilReadyAsync()
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server stopped while starting (exit code {_process.ExitCode})");
            }

            try
            {
                using var ready = await Client.GetAsync("/health/ready");
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

        throw new TimeoutException("the server did not become ready within 60 s");
    }

    /// <summary>SIGTERM, as a supervisor stops a service.</summary>
    public async Task TerminateAsync()
    {
        using var term = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await term.WaitForExitAsync();
    }

    public async Task WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Runs a command-line verb of the executable (e.g. verify) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunVerbAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
