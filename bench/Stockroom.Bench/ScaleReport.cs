using System.Diagnostics;
using System.Text;

namespace Stockroom.Bench;

/// <summary>Replaces the generated section of a document (between the bench markers) with a new report.</summary>
public static class Generated
{
    public static void Replace(string path, string report)
    {
        var text = File.ReadAllText(path);
        const string begin = "<!-- bench:begin -->", end = "<!-- bench:end -->";
        var generated = $"{begin}\n{report}{end}";
        text = text.Contains(begin, StringComparison.Ordinal)
            ? text[..text.IndexOf(begin, StringComparison.Ordinal)] + generated + text[(text.IndexOf(end, StringComparison.Ordinal) + end.Length)..]
            : text + "\n" + generated + "\n";
        File.WriteAllText(path, text);
    }
}

/// <summary>The scale-out table of docs/scaling.md: 1, 2 and 3 processes, the same load, where the CPU went.</summary>
public static class ScaleReport
{
    public static async Task<int> RunAsync(bool write, bool quick)
    {
        Stockroom.Testing.PostgresServer.Durable = true;
        var started = Stopwatch.GetTimestamp();
        var report = new StringBuilder();
        void Line(string text)
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        }

        // quick: a smoke run that the scenario works end to end; its figures mean nothing.
        var (clients, holds, skus, locations, reads) = quick ? (64, 2_000, 200, 20, 2_000) : (256, 30_000, 10_000, 20, 30_000);
        Line($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}; " +
            "PostgreSQL with fsync and synchronous_commit on. Servers, database and load generator share the machine.");
        Line("");
        Line($"Holds: {clients} clients, {holds:N0} one-unit holds on 10 SKUs with ample stock, round-robin over the processes. " +
            $"Reads: 64 clients, {reads:N0} single availability reads over a 20-location channel, {skus:N0} SKUs × {locations} locations. " +
            "CPU in cores (1.00 = one core busy throughout), from /proc.");
        Line("");
        Line("| processes | holds/s | holds p99 ms | servers CPU | PostgreSQL CPU | load generator CPU | reads/s | reads p99 ms | servers CPU | PostgreSQL CPU | load generator CPU | oversold |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        long oversold = 0;
        foreach (var processes in new[] { 1, 2, 3 })
        {
            var result = await Scale.RunAsync(processes, clients, holds, skus, locations, reads);
            oversold += result.Oversold;
            Line(Scale.Row(result));
        }

        Line("");
        Line($"Run took {Stopwatch.GetElapsedTime(started).TotalMinutes:F1} minutes.");
        if (write)
        {
            Generated.Replace(Path.Combine(Databases.RepositoryRoot(), "docs", "scaling.md"), report.ToString());
        }

        return oversold == 0 ? 0 : 1;
    }
}
