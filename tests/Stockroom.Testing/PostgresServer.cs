using System.Diagnostics;
using Npgsql;

namespace Stockroom.Testing;

/// <summary>
/// A real, throwaway PostgreSQL server for the whole test run: initdb and pg_ctl from the
/// machine's PostgreSQL binaries, in a temporary folder, on a free loopback port, run as the
/// <c>postgres</c> user when the tests run as root. Set <c>STOCKROOM_TEST_POSTGRES</c> to a
/// connection string to use an existing server instead. There is no skipping: if PostgreSQL
/// cannot start, the PostgreSQL tests fail and say why.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Started = new(StartAsync);
    private static string? _dataDirectory;
    private static string? _pgCtl;
    private static string? _startOptions;
    private static bool _asRoot;

    /// <summary>
    /// Tests trade durability for speed (no fsync); benchmarks set this before the first use to
    /// measure PostgreSQL as production runs it, with synchronous commit and fsync on.
    /// </summary>
    public static bool Durable { get; set; }

    /// <summary>
    /// Benchmarks set this before the first use to have <c>pg_stat_statements</c> loaded (where the
    /// server's package ships it), tracking nothing until a profile turns it on
    /// (<c>pg_stat_statements.track</c>), so that the figures measured meanwhile pay nothing for it.
    /// </summary>
    public static bool LoadStatementStatistics { get; set; }

    /// <summary>A connection string to the server's maintenance database.</summary>
    public static Task<string> AdminConnectionStringAsync() => Started.Value;

    /// <summary>A new empty database, one per test class, so classes never see each other's rows.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"stockroom_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("STOCKROOM_TEST_POSTGRES") is { Length: > 0 } given)
        {
            return given;
        }

        var bin = FindBinaries();
        _pgCtl = Path.Combine(bin, "pg_ctl");
        var folder = Path.Combine(Path.GetTempPath(), $"stockroom-pg-{Guid.NewGuid():N}");
        _dataDirectory = Path.Combine(folder, "data");
        Directory.CreateDirectory(folder);
        var asRoot = _asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // initdb refuses to run as root; the data folder must belong to the postgres user.
            await RunAsync("chown", ["-R", "postgres:postgres", folder], asPostgres: false);
        }

        var port = StockroomProcess.FreePort();
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", _dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], asRoot);
        var statements = LoadStatementStatistics && File.Exists(Path.Combine(bin, "..", "lib", "pg_stat_statements.so"));
        if (statements)
        {
            // In the configuration file, not on the command line: ALTER SYSTEM, which a profile uses to turn tracking on, overrides only the file.
            await File.AppendAllTextAsync(Path.Combine(_dataDirectory, "postgresql.conf"), "\npg_stat_statements.track = none\n");
        }

        var options = _startOptions = $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=300"
            + (Durable ? " -c synchronous_commit=on" : " -c fsync=off -c full_page_writes=off")
            + (statements ? " -c shared_preload_libraries=pg_stat_statements" : "");
        await PgCtlStartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(asRoot);
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Maximum Pool Size=200;Timeout=30;Command Timeout=60";
    }

    /// <summary>
    /// Whether <see cref="StopImmediatelyAsync"/> and <see cref="StartAgainAsync"/> can be used: only
    /// for the server this fixture started, not for one given in <c>STOCKROOM_TEST_POSTGRES</c>.
    /// </summary>
    public static async Task<bool> CanRestartAsync()
    {
        await AdminConnectionStringAsync();
        return _pgCtl is not null;
    }

    /// <summary>
    /// Stops the server the way a crash would: <c>pg_ctl stop -m immediate</c> kills every backend
    /// without a checkpoint, and the next start replays the write-ahead log. For the crash harness;
    /// nothing else may use the server meanwhile.
    /// </summary>
    public static async Task StopImmediatelyAsync()
    {
        await RequireRestartableAsync();
        await RunAsync(_pgCtl!, ["stop", "-m", "immediate", "-w", "-D", _dataDirectory!], _asRoot);
    }

    /// <summary>Starts the server again after <see cref="StopImmediatelyAsync"/>, on the same port and data.</summary>
    public static async Task StartAgainAsync()
    {
        await RequireRestartableAsync();
        await PgCtlStartAsync();
    }

    private static async Task RequireRestartableAsync()
    {
        if (!await CanRestartAsync())
        {
            throw new InvalidOperationException("Only a PostgreSQL server started by this fixture can be stopped and started again.");
        }
    }

    private static Task PgCtlStartAsync() => RunAsync(_pgCtl!,
        ["start", "-w", "-t", "60", "-D", _dataDirectory!, "-l", Path.Combine(Path.GetDirectoryName(_dataDirectory)!, "server.log"), "-o", _startOptions!], _asRoot);

    private static void Stop(bool asRoot)
    {
        try
        {
            RunAsync(_pgCtl!, ["stop", "-m", "immediate", "-D", _dataDirectory!], asRoot).GetAwaiter().GetResult();
            // A run leaves a database per test class: removing them can take longer than the test
            // host gives its exit (xunit forces a failing exit code past about ten seconds). The
            // removal is left to a process of its own, which outlives this one.
            System.Diagnostics.Process.Start("rm", ["-rf", Path.GetDirectoryName(_dataDirectory)!])?.Dispose();
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // The process is exiting; a leftover temp folder is not worth failing the run over.
        }
    }

    private static string FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            : Enumerable.Empty<string>();
        foreach (var candidate in versions.Select(v => Path.Combine(v, "bin")).Append("/usr/local/bin").Append("/usr/bin"))
        {
            if (File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "pg_ctl")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL binaries (initdb, pg_ctl) were not found. Install them (apt-get install -y postgresql) or set STOCKROOM_TEST_POSTGRES.");
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres)
        {
            foreach (var part in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(part);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }
}
