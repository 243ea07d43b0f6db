using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// What an integrator does with docs/openapi.json, done with the tools they would use (pinned in
/// clients/typescript/package-lock.json): Redocly's lint finds no error, openapi-typescript
/// generates a client, and a small program typed against it compiles and runs against a live
/// server. Needs Node.js 20.19 or later and the npm registry for the first install; in CI it never skips.
/// </summary>
public sealed class TypeScriptClientTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    private static readonly string Folder = Path.Combine(OpenApiContractTests.RepositoryRoot(), "clients", "typescript");

    [Fact]
    public async Task The_document_lints_clean_and_a_generated_client_holds_reads_the_shortage_and_releases()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        if ((await RunAsync("node", ["--version"], cancellationToken, allowFailure: true)).ExitCode != 0)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "Node.js is needed for the TypeScript client checks and is not on the PATH");
            Assert.Skip("Node.js is not on the PATH: the TypeScript client checks need it.");
        }

        await InstallAsync(cancellationToken);
        var lint = await RunAsync(Tool("redocly"), ["lint", "../../docs/openapi.json", "--config", "redocly.yaml", "--format", "stylish"], cancellationToken);
        Assert.Contains("Woohoo! Your API description is valid.", lint.Output, StringComparison.Ordinal);
        await RunAsync(Tool("openapi-typescript"), ["../../docs/openapi.json", "--output", "src/schema.d.ts"], cancellationToken);
        await RunAsync(Tool("tsc"), ["--project", "tsconfig.json"], cancellationToken);

        var n = await server.Client.SeedAsync(storeOnHand: 3, warehouseOnHand: 2);
        var run = await RunAsync("node", ["dist/example.js"], cancellationToken, environment: new Dictionary<string, string>
        {
            ["STOCKROOM_URL"] = server.BaseAddress.ToString().TrimEnd('/'),
            ["STOCKROOM_CHANNEL"] = n.Channel,
            ["STOCKROOM_SKU"] = n.Sku,
        });
        var answer = JsonDocument.Parse(run.Output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("active", answer.GetProperty("held").GetProperty("status").GetString());
        Assert.Equal("urn:stockroom:problem:insufficient-stock", answer.GetProperty("refused").GetProperty("type").GetString());
        Assert.Equal(n.Sku, answer.GetProperty("refused").GetProperty("sku").GetString());
        Assert.Equal(1_000_000_000, answer.GetProperty("refused").GetProperty("requested").GetInt64());
        // Five on hand over the channel's group, one of them held by the program's first reservation.
        Assert.Equal(4, answer.GetProperty("refused").GetProperty("available").GetInt64());
        Assert.Equal("released", answer.GetProperty("released").GetProperty("status").GetString());
    }

    private static string Tool(string name) => Path.Combine(Folder, "node_modules", ".bin", name);

    /// <summary><c>npm ci</c> once: again only when the lock file is newer than the installed tree.</summary>
    private static async Task InstallAsync(CancellationToken cancellationToken)
    {
        var installed = new FileInfo(Path.Combine(Folder, "node_modules", ".package-lock.json"));
        if (installed.Exists && installed.LastWriteTimeUtc >= File.GetLastWriteTimeUtc(Path.Combine(Folder, "package-lock.json")))
        {
            return;
        }

        await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], cancellationToken);
    }

    private sealed record Completed(int ExitCode, string Output);

    private static async Task<Completed> RunAsync(string file, string[] arguments, CancellationToken cancellationToken, bool allowFailure = false,
        Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Redocly's usage telemetry and update check would reach beyond the package registry.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        }
        catch (System.ComponentModel.Win32Exception) when (allowFailure)
        {
            return new Completed(-1, $"{file} is not on the PATH");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(8));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var text = new StringBuilder().Append(await output).Append(await errors).ToString();
            Assert.True(allowFailure || process.ExitCode == 0, $"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{text}");
            return new Completed(process.ExitCode, text);
        }
    }
}
