using System.CommandLine;
using System.Globalization;

namespace Stockroom.Cli;

/// <summary>
/// <c>stockroom healthcheck</c>: asks a running server whether it is ready and exits 0 when it
/// answers 200, 1 otherwise. Container images of the server carry no curl or wget; this lets a
/// container's health check use the executable that is already there.
/// </summary>
public static class HealthCheckCommand
{
    /// <summary>How long the server may take to answer before it counts as unhealthy.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var url = new Option<string?>("--url")
        {
            Description = "What to ask; default: http://127.0.0.1:<first of ASPNETCORE_HTTP_PORTS, else 5000>/health/ready.",
        };
        var command = new Command("healthcheck", "Exit 0 if the server on this machine is ready, 1 if it is not.") { url };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(url), cancellationToken));
        return command;
    }

    /// <summary>The readiness URL of a server started with this environment and no --urls.</summary>
    public static string DefaultTarget()
    {
        var ports = Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS");
        var first = ports?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var port = int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 5000;
        return string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/health/ready");
    }

    public static async Task<int> RunAsync(string? address, CancellationToken cancellationToken)
    {
        var target = address ?? DefaultTarget();
        if (!Uri.TryCreate(target, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            Console.Error.WriteLine($"stockroom healthcheck: '{target}' is not an http(s) URL");
            return 2;
        }

        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(uri, cancellationToken);
            Console.WriteLine($"{target}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"stockroom healthcheck: {target}: {exception.Message}");
            return 1;
        }
    }
}
