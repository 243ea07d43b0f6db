using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Stockroom.Bench;

/// <summary>What the Medusa peer run printed (bench/peers/medusa/flash-sale.js, its PEER-RESULT line).</summary>
public sealed record PeerResult(
    string Locking, int Pool, double Seconds, long Successes, long Refusals, long Errors,
    double HoldsPerSecond, double RefusalsPerSecond, double P50, double P99, long Oversold, string? FirstError);

/// <summary>
/// Section <c>peer</c> (issue 19, item 5): Medusa v2's inventory module (npm @medusajs/inventory
/// 2.21.2, its core-flows checkout steps and the PostgreSQL locking provider) and Stockroom under
/// the same flash sale, one after the other on the same PostgreSQL server, each on a fresh
/// database, in the same run. Medusa runs in its own Node process, in-process calls to its
/// module with no HTTP in front; Stockroom is measured over HTTP as in the flash-sale table, so
/// the comparison leans Medusa's way, not ours.
/// </summary>
public static class Peer
{
    public static readonly int[] ClientCounts = [64, 256];

    /// <summary>
    /// At Medusa's ~100 requests/s on this machine, 4,000 measured requests (plus the warm-up) keep
    /// each Medusa run under a minute, and are still enough for a p99 of 40 samples.
    /// </summary>
    public const int Requests = 4_000;

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Runs the section, writing its table through <paramref name="line"/>; returns the units oversold on either side.</summary>
    public static async Task<long> RunAsync(Action<string> line)
    {
        var folder = Path.Combine(Databases.RepositoryRoot(), "bench", "peers", "medusa");
        await EnsureInstalledAsync(folder);

        line("");
        line($"### Peer: Medusa v2's inventory module under the same flash sale (10 hot SKUs at dc-1, one-unit holds, {Requests:N0} requests after a warm-up, half can succeed)");
        line("");
        line("| system | clients | holds/s | refusals/s | p50 ms | p99 ms | oversold |");
        line("|---|---:|---:|---:|---:|---:|---:|");
        var oversold = 0L;
        var notes = new List<string>();
        foreach (var clients in ClientCounts)
        {
            // Idle connections left in Npgsql's pools by earlier sections would count against
            // PostgreSQL's max_connections, which Medusa's pool (clients + items) comes close to.
            NpgsqlConnection.ClearAllPools();
            var medusa = await MedusaAsync(folder, await Databases.PostgresAsync(), clients, Requests);
            NpgsqlConnection.ClearAllPools();
            var ours = await Scenarios.FlashSaleAsync(await Databases.PostgresAsync(), clients, Requests);
            oversold += medusa.Oversold + ours.Oversold;

            line(Invariant($"| Stockroom (batching writer, over HTTP) | {clients} | {ours.HoldsPerSecond:F0} | {ours.Load.Refusals / ours.Load.Seconds:F0} | {ours.Load.Latency.P50:F2} | {ours.Load.Latency.P99:F2} | {ours.Oversold} |"));
            line(Invariant($"| Medusa v2 inventory 2.21.2 (core-flows steps, locking-{medusa.Locking}, pool {medusa.Pool}) | {clients} | {medusa.HoldsPerSecond:F0} | {medusa.RefusalsPerSecond:F0} | {medusa.P50:F2} | {medusa.P99:F2} | {medusa.Oversold} |"));
            line(Invariant($"| **Stockroom / Medusa** | {clients} | **{ours.HoldsPerSecond / Math.Max(0.01, medusa.HoldsPerSecond):F1}×** | {ours.Load.Refusals / ours.Load.Seconds / Math.Max(0.01, medusa.RefusalsPerSecond):F1}× | | | |"));
            if (medusa.Errors > 0)
            {
                notes.Add(Invariant($"Medusa at {clients} clients: {medusa.Errors} holds failed with neither a hold nor a refusal (first: {medusa.FirstError})."));
            }
        }

        foreach (var note in notes)
        {
            line("");
            line(note);
        }

        return oversold;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>`npm ci` from the committed lock file, once: node_modules is not committed.</summary>
    private static async Task EnsureInstalledAsync(string folder)
    {
        foreach (var tool in new[] { "node", "npm" })
        {
            var (code, _, _) = await RunAsync(tool, ["--version"], folder, TimeSpan.FromSeconds(30));
            if (code != 0)
            {
                throw new InvalidOperationException($"bench section `peer` needs {tool} (Node 20 or later with npm) on PATH: `{tool} --version` exited {code}.");
            }
        }

        if (Directory.Exists(Path.Combine(folder, "node_modules", "@medusajs", "inventory")))
        {
            return;
        }

        Console.Error.WriteLine($"peer: npm ci in {folder}");
        var (exit, _, error) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], folder, InstallTimeout);
        if (exit != 0)
        {
            throw new InvalidOperationException($"bench section `peer`: `npm ci` in {folder} exited {exit}:\n{Tail(error)}");
        }
    }

    private static async Task<PeerResult> MedusaAsync(string folder, string connection, int clients, int requests)
    {
        var builder = new NpgsqlConnectionStringBuilder(connection);
        var credentials = Uri.EscapeDataString(builder.Username ?? "postgres")
            + (string.IsNullOrEmpty(builder.Password) ? "" : ":" + Uri.EscapeDataString(builder.Password));
        var url = $"postgres://{credentials}@{builder.Host}:{builder.Port}/{Uri.EscapeDataString(builder.Database ?? "postgres")}";
        var seconds = (int)RunTimeout.TotalSeconds;
        var (exit, output, error) = await RunAsync("node",
            ["flash-sale.js", "--db", url, "--clients", $"{clients}", "--requests", $"{requests}", "--seconds", $"{seconds}"],
            folder, RunTimeout + TimeSpan.FromSeconds(30));
        var result = output.Split('\n').LastOrDefault(l => l.StartsWith("PEER-RESULT ", StringComparison.Ordinal));
        if (exit != 0 || result is null)
        {
            throw new InvalidOperationException($"bench section `peer`: the Medusa run at {clients} clients exited {exit} without a result:\n{Tail(error)}");
        }

        var json = JsonDocument.Parse(result["PEER-RESULT ".Length..]).RootElement;
        return new PeerResult(
            json.GetProperty("locking").GetString()!, json.GetProperty("pool").GetInt32(), json.GetProperty("seconds").GetDouble(),
            json.GetProperty("successes").GetInt64(), json.GetProperty("refusals").GetInt64(), json.GetProperty("errors").GetInt64(),
            json.GetProperty("holdsPerSecond").GetDouble(), json.GetProperty("refusalsPerSecond").GetDouble(),
            json.GetProperty("p50").GetDouble(), json.GetProperty("p99").GetDouble(), json.GetProperty("oversold").GetInt64(),
            json.GetProperty("firstError").GetString());
    }

    /// <summary>Runs a tool to completion or until <paramref name="timeout"/>, after which it and its children are killed.</summary>
    private static async Task<(int Exit, string Output, string Error)> RunAsync(string file, string[] arguments, string folder, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Medusa's logger prints at info level to stdout unless told otherwise.
        start.Environment["LOG_LEVEL"] = "error";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"bench section `peer` needs {file} (Node 20 or later with npm) on PATH: {e.Message}", e);
        }

        using (process)
        {
            var output = new StringBuilder();
            var error = new StringBuilder();
            process.OutputDataReceived += (_, e) => Append(output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(error, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timer = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(timer.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"bench section `peer`: `{file} {string.Join(' ', arguments)}` did not finish within {timeout.TotalMinutes:F0} minutes.\n{Tail(error.ToString())}");
            }

            // The exit event can come before the last lines are read; WaitForExit() drains them.
            process.WaitForExit();
            return (process.ExitCode, output.ToString(), error.ToString());
        }
    }

    private static void Append(StringBuilder text, string? data)
    {
        if (data is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(data);
        }
    }

    private static string Tail(string text) => text.Length <= 4_000 ? text : text[^4_000..];
}
