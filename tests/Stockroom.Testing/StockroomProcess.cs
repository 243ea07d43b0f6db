using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Stockroom.Storage;

namespace Stockroom.Testing;

/// <summary>
/// The real <c>stockroom</c> executable as its own operating-system process, on a loopback port:
/// what several servers behind a load balancer, a server stopped by its supervisor, or one lost to
/// a power cut are. It can be stopped with SIGTERM, killed with SIGKILL and started again on the
/// same database. Its output is drained so that a full pipe never blocks it; the last lines are
/// kept for failure messages, and all of it is appended to <see cref="LogPath"/> when one is given.
/// </summary>
public sealed class StockroomProcess(string connectionString) : IStockroomServer
{
    /// <summary>How long a start (migrations, expiry sweep, Kestrel) may take before it counts as a failure to start.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>How long <c>stockroom verify</c> may take.</summary>
    public static readonly TimeSpan VerifyTimeout = TimeSpan.FromMinutes(5);

    /// <summary>How long the process may take to die after SIGKILL.</summary>
    public static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(30);

    private const int TailLinesMax = 60;

    private readonly Queue<string> _tail = new();
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _process;
    private HttpClient? _client;

    /// <summary>The executable built next to the calling assembly (its project references src/Stockroom).</summary>
    public static string DefaultExecutable => Path.Combine(AppContext.BaseDirectory, "stockroom");

    public string Executable { get; init; } = DefaultExecutable;

    public string ConnectionString => connectionString;

    public StoreKind Kind => StoreFactory.IsPostgres(connectionString) ? StoreKind.Postgres : StoreKind.Sqlite;

    /// <summary>The port every start listens on; by default each start takes a free one.</summary>
    public int? Port { get; init; }

    /// <summary>Command-line settings after the defaults, which they override (a later setting wins): log levels, keys, limits.</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    /// <summary>Environment variables the server starts with, beside the test's own: the OTEL_* variables, say.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>A file the server's output is appended to, with a line at each start and kill; none by default.</summary>
    public string? LogPath { get; init; }

    /// <summary>Where the server and <c>stockroom verify</c> run.</summary>
    public string WorkingDirectory { get; init; } = Path.GetTempPath();

    /// <summary>Where the running server listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1:1");

    /// <summary>A client for the running server; a new one at each start.</summary>
    public HttpClient Client => _client ?? throw new InvalidOperationException("The server has not been started.");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The operating system's id of the process.</summary>
    public int Id => Current.Id;

    /// <summary>The exit code, once the process has exited by itself (see <see cref="WaitForExitAsync"/>).</summary>
    public int ExitCode => Current.ExitCode;

    private Process Current => _process ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>Starts a server on this database and returns once it answers <c>/health/ready</c>.</summary>
    public static async Task<StockroomProcess> StartAsync(string connectionString, int? port = null, params string[] settings)
    {
        var server = new StockroomProcess(connectionString) { Port = port, Settings = settings };
        try
        {
            await server.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>
    /// Starts the server (again, after <see cref="Kill"/> or an exit) and waits until <c>/health/ready</c>
    /// answers 200; fails with its last output if it exits first or is not ready within <see cref="StartTimeout"/>.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The server is already running.");
        }

        if (!File.Exists(Executable))
        {
            throw new FileNotFoundException("The server executable was not found; build src/Stockroom first.", Executable);
        }

        _process?.Dispose();
        _process = null;
        var port = Port ?? FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        _client?.Dispose();
        // The process under test is another system: the test process's own trace context (an
        // unsampled activity, when other tests' servers listen in it) is not sent to it, or its
        // parent-based sampler would follow that and drop the requests' spans.
        _client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory,
        };
        foreach (var argument in (string[])["--urls", $"http://127.0.0.1:{port}", "--ConnectionStrings:Stockroom", connectionString,
                     "--Logging:LogLevel:Default", "Warning", "--Stockroom:Webhooks:AllowPrivateNetworks", "true", .. Settings])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in EnvironmentVariables)
        {
            start.Environment[name] = value;
        }

        Append($"--- start on {BaseAddress} at {DateTimeOffset.UtcNow:O}");
        var process = Process.Start(start) ?? throw new StockroomProcessException($"{Executable} did not start.");
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
                throw new StockroomProcessException($"The server exited with code {process.ExitCode} while starting.\n{Tail()}");
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
        throw new StockroomProcessException($"The server was not ready within {StartTimeout.TotalSeconds} s.\n{Tail()}");
    }

    /// <summary>SIGTERM, as a supervisor stops a service: the server drains and exits by itself (see <see cref="WaitForExitAsync"/>).</summary>
    public async Task TerminateAsync()
    {
        using var term = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]);
        await term.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit; cancelled if it is still running after <paramref name="within"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        await Current.WaitForExitAsync(timeout.Token);
    }

    /// <summary>
    /// SIGKILL: no shutdown hooks, no draining, no flushing — as a power cut is to the process. Returns
    /// once the process is reaped, so that a start that follows never races the old one for the database.
    /// Does nothing if it is not running; a process that already exited is only reaped.
    /// </summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }

        var killed = !_process.HasExited;
        if (killed)
        {
            _process.Kill(entireProcessTree: true);
        }

        if (!_process.WaitForExit(KillTimeout))
        {
            throw new StockroomProcessException($"The server did not exit within {KillTimeout.TotalSeconds} s of SIGKILL.");
        }

        // The overload without a timeout also waits for the last of its output.
        _process.WaitForExit();
        Append(killed ? $"--- killed at {DateTimeOffset.UtcNow:O}" : $"--- exited with code {_process.ExitCode}");
        _process.Dispose();
        _process = null;
    }

    /// <summary>
    /// Runs <c>stockroom verify</c> over the same database as a process of its own; returns its exit
    /// code and output. Fails if it does not finish within <see cref="VerifyTimeout"/>.
    /// </summary>
    public async Task<(int ExitCode, string Output)> VerifyLedgerAsync(CancellationToken cancellationToken = default)
    {
        var (exitCode, output, error) = await RunAsync(Executable, ["verify", "--connection", connectionString], WorkingDirectory, VerifyTimeout, cancellationToken: cancellationToken);
        return (exitCode, output + error);
    }

    /// <summary>
    /// Runs the executable once with <paramref name="arguments"/> (a verb, a question, or a server
    /// start expected to fail) and returns its exit code, standard output and standard error.
    /// Fails if it does not finish within <paramref name="within"/>.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string executable, IEnumerable<string> arguments, string workingDirectory,
        TimeSpan within, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Spectre.Console draws no live progress when it is not on a terminal; tables and verdicts still print.
        start.Environment["TERM"] = "dumb";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new StockroomProcessException($"{executable} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(within);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new StockroomProcessException($"{executable} {string.Join(' ', arguments)} did not finish within {within.TotalSeconds} s.");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>The last lines the server wrote, for a failure message.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            var where = LogPath is null ? "" : $" (full log: {LogPath})";
            return $"Last server output{where}:\n{string.Join('\n', _tail)}";
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

            if (LogPath is not null)
            {
                File.AppendAllText(LogPath, line + "\n");
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _client?.Dispose();
        _probe.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A server process that would not start, would not die, or whose <c>stockroom verify</c> would not finish.</summary>
public sealed class StockroomProcessException(string message) : Exception(message);
