using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Stockroom.CrashTest;

/// <summary>
/// The real <c>stockroom</c> executable as a separate OS process: started on a free loopback port,
/// killed with SIGKILL, started again on the same database. Its console output is appended to a
/// log file, and the last lines are kept for failure messages.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>How long a start (migrations, expiry sweep, Kestrel) may take before it counts as a failure to start.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>How long <c>stockroom verify</c> may take.</summary>
    public static readonly TimeSpan VerifyTimeout = TimeSpan.FromMinutes(5);

    private const int TailLinesMax = 60;

    private readonly string _assembly;
    private readonly string _connectionString;
    private readonly string _folder;
    private readonly string _logPath;
    private readonly Queue<string> _tail = new();
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _process;

    public ServerProcess(string assembly, string connectionString, string folder)
    {
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"The server assembly was not found; build src/Stockroom first.", assembly);
        }

        _assembly = assembly;
        _connectionString = connectionString;
        _folder = folder;
        _logPath = Path.Combine(folder, "server.log");
    }

    /// <summary>Where the running server listens, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1:1");

    public string LogPath => _logPath;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the server and waits until <c>/health/ready</c> answers 200; fails with its output otherwise.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The server is already running.");
        }

        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        foreach (var argument in new[]
        {
            _assembly, "--urls", BaseAddress.ToString().TrimEnd('/'), "--ConnectionStrings:Stockroom", _connectionString,
            "--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:Stockroom", "Information",
        })
        {
            start.ArgumentList.Add(argument);
        }

        Append($"--- start on {BaseAddress} at {DateTimeOffset.UtcNow:O}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new CrashCheckException($"The server exited with code {process.ExitCode} while starting.\n{Tail()}");
            }

            try
            {
                using var response = await _probe.GetAsync(new Uri(BaseAddress, "/health/ready"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(50, cancellationToken);
        }

        Kill();
        throw new CrashCheckException($"The server was not ready within {StartTimeout.TotalSeconds} s.\n{Tail()}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no draining, no flushing — as a power cut is to the process.</summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        // Kill only signals; the exit is reaped here so the next start never races the old process for the database.
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            throw new CrashCheckException("The server did not exit within 30 s of SIGKILL.");
        }

        _process.WaitForExit();
        Append($"--- killed at {DateTimeOffset.UtcNow:O}");
        _process.Dispose();
        _process = null;
    }

    /// <summary>Runs <c>stockroom verify</c> against the same database as a process of its own; returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> VerifyAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        foreach (var argument in new[] { _assembly, "verify", "--connection", _connectionString })
        {
            start.ArgumentList.Add(argument);
        }

        // Spectre.Console draws no live progress when it is not on a terminal; the table and verdict still print.
        start.Environment["TERM"] = "dumb";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(VerifyTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new CrashCheckException($"stockroom verify did not finish within {VerifyTimeout.TotalMinutes} minutes.");
        }

        return (process.ExitCode, (await output) + (await error));
    }

    /// <summary>The last lines the server wrote, for a failure message.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return $"Last server output (full log: {_logPath}):\n{string.Join('\n', _tail)}";
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > TailLinesMax)
            {
                _tail.Dequeue();
            }

            File.AppendAllText(_logPath, line + "\n");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _probe.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A broken promise the harness found, or a server or database that would not come back.</summary>
public sealed class CrashCheckException(string message) : Exception(message);
