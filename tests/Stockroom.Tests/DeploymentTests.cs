using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Stockroom.Testing;
using YamlDotNet.RepresentationModel;

namespace Stockroom.Tests;

/// <summary>The repository's own files: found from the test's folder upwards.</summary>
internal static class Repository
{
    public static string Root
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Stockroom.slnx")))
            {
                folder = folder.Parent;
            }

            return folder?.FullName ?? throw new InvalidOperationException("Stockroom.slnx was not found above the test's folder.");
        }
    }

    public static string Read(string path) => File.ReadAllText(Path.Combine(Root, path));

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>An executable on PATH, or null.</summary>
    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
}

/// <summary>
/// The container files, tested as far as this machine can without a container engine: the compose
/// file is checked by Compose itself, the Dockerfile's paths against the repository, and the
/// published server is started with the compose file's own environment (its database host swapped
/// for the test's PostgreSQL) and must become ready and pass its health check verb.
/// </summary>
public sealed partial class DeploymentTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(3);

    private static YamlMappingNode Compose()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Repository.Read("compose.yaml")));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }

        return (YamlMappingNode)node;
    }

    private static string[] Sequence(YamlNode node) => [.. ((YamlSequenceNode)node).Children.Select(c => ((YamlScalarNode)c).Value!)];

    /// <summary>A service's environment, with <c>${NAME:-default}</c> resolved as Compose does when NAME is unset.</summary>
    private static Dictionary<string, string> Environment(YamlMappingNode compose, string service) =>
        Map(compose, "services", service, "environment").Children.ToDictionary(
            e => ((YamlScalarNode)e.Key).Value!,
            e => Interpolation().Replace(((YamlScalarNode)e.Value).Value!, m => System.Environment.GetEnvironmentVariable(m.Groups[1].Value) ?? m.Groups[2].Value),
            StringComparer.Ordinal);

    [GeneratedRegex(@"\$\{(\w+)(?::?-([^}]*))?\}")]
    private static partial Regex Interpolation();

    [Fact]
    public async Task The_compose_file_is_valid_compose()
    {
        // `docker compose` (the plugin) where it is installed, else Debian's docker-compose: both validate without an engine.
        var compose = Path.Combine(Repository.Root, "compose.yaml");
        (string Tool, string[] Arguments)? check = null;
        if (Repository.Which("docker") is { } docker
            && (await StockroomProcess.RunAsync(docker, ["compose", "version"], Repository.Root, ToolTimeout)).ExitCode == 0)
        {
            check = (docker, ["compose", "-f", compose, "config", "-q"]);
        }
        else if (Repository.Which("docker-compose") is { } dockerCompose)
        {
            check = (dockerCompose, ["-f", compose, "config", "-q"]);
        }

        if (check is not { } found)
        {
            Assert.False(Repository.InCi, "neither docker compose nor docker-compose is installed");
            Assert.Skip("neither docker compose nor docker-compose is installed (apt-get install docker-compose)");
            return;
        }

        var (exit, output, error) = await StockroomProcess.RunAsync(found.Tool, found.Arguments, Repository.Root, ToolTimeout);
        Assert.True(exit == 0, $"{found.Tool} {string.Join(' ', found.Arguments)} exited {exit}:\n{output}{error}");
    }

    [Fact]
    public void The_compose_file_starts_stockroom_on_a_healthy_postgres_and_checks_its_health()
    {
        var compose = Compose();
        YamlNode Child(YamlMappingNode map, string key) => map.Children[new YamlScalarNode(key)];
        Assert.Contains("pg_isready", string.Join(' ', Sequence(Child(Map(compose, "services", "postgres", "healthcheck"), "test"))), StringComparison.Ordinal);
        Assert.Equal("service_healthy", ((YamlScalarNode)Child(Map(compose, "services", "stockroom", "depends_on", "postgres"), "condition")).Value);
        Assert.Equal(["CMD", "/app/stockroom", "healthcheck"], Sequence(Child(Map(compose, "services", "stockroom", "healthcheck"), "test")));

        // The connection string names the postgres service, and the user, password and database it creates.
        var database = Environment(compose, "postgres");
        var connection = new NpgsqlConnectionStringBuilder(Environment(compose, "stockroom")["ConnectionStrings__Stockroom"]);
        Assert.Equal(("postgres", database["POSTGRES_USER"], database["POSTGRES_PASSWORD"], database["POSTGRES_DB"]),
            (connection.Host, connection.Username, connection.Password, connection.Database));
    }

    [Fact]
    public void The_dockerfile_publishes_the_server_and_runs_it_unprivileged()
    {
        var dockerfile = Repository.Read("Dockerfile").Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal(2, dockerfile.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime", dockerfile);
        Assert.Contains("USER $APP_UID", dockerfile);
        Assert.Contains("ENTRYPOINT [\"/app/stockroom\"]", dockerfile);
        Assert.Contains(dockerfile, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.EndsWith("CMD [\"/app/stockroom\", \"healthcheck\"]", StringComparison.Ordinal));
        // Every file the build stage copies from the context is there, and none of it is excluded by .dockerignore.
        var ignored = Repository.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#').ToList();
        foreach (var copy in dockerfile.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[1..^1])
            {
                Assert.True(File.Exists(Path.Combine(Repository.Root, source)) || Directory.Exists(Path.Combine(Repository.Root, source)), $"{copy}: {source} is not in the repository");
                Assert.DoesNotContain(ignored, pattern => source.StartsWith(pattern.TrimEnd('/'), StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task The_published_server_starts_with_the_compose_settings_and_passes_its_health_check()
    {
        // Published from what the test run built, in the same configuration: a publish, without a second build.
        var configuration = typeof(DeploymentTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var published = Path.Combine(Path.GetTempPath(), $"stockroom-published-{Guid.NewGuid():N}");
        var (exit, output, error) = await StockroomProcess.RunAsync("dotnet",
            ["publish", Path.Combine(Repository.Root, "src", "Stockroom", "Stockroom.csproj"), "--no-build", "-c", configuration, "-o", published, "--nologo"],
            Repository.Root, ToolTimeout);
        Assert.True(exit == 0, $"dotnet publish exited {exit}:\n{output}{error}");
        var executable = Path.Combine(published, "stockroom");
        Assert.True(File.Exists(executable), "the published folder has the stockroom executable the image runs");

        // The compose service's environment, on the test's PostgreSQL. It listens on loopback only
        // (ASPNETCORE_URLS wins over the ports the image opens on every address); the verb reads the same port.
        var environment = Environment(Compose(), "stockroom");
        var test = new NpgsqlConnectionStringBuilder(await PostgresServer.CreateDatabaseAsync());
        environment["ConnectionStrings__Stockroom"] = new NpgsqlConnectionStringBuilder(environment["ConnectionStrings__Stockroom"])
        {
            Host = test.Host, Port = test.Port, Username = test.Username, Password = test.Password, Database = test.Database,
        }.ConnectionString;
        var port = StockroomProcess.FreePort();
        environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";

        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = published };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var lines = new ConcurrentQueue<string>();
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, e) => { if (e.Data is { } line) { lines.Enqueue(line); } };
        server.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { lines.Enqueue("stderr: " + line); } };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = Stopwatch.GetTimestamp() + (long)(StockroomProcess.StartTimeout.TotalSeconds * Stopwatch.Frequency);
            var ready = false;
            while (!ready && !server.HasExited && Stopwatch.GetTimestamp() < deadline)
            {
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{port}/health/ready");
                    ready = response.StatusCode == HttpStatusCode.OK;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }

                if (!ready)
                {
                    await Task.Delay(100);
                }
            }

            Assert.True(ready, $"the published server was not ready:\n{string.Join('\n', lines)}");

            // The container's health check: the verb with the container's environment, and against a port where nothing listens.
            var (healthy, said, _) = await StockroomProcess.RunAsync(executable, ["healthcheck"], published, ToolTimeout, environment);
            Assert.True(healthy == 0, said);
            Assert.Contains($"http://127.0.0.1:{port}/health/ready: 200", said, StringComparison.Ordinal);
            var (down, _, _) = await StockroomProcess.RunAsync(executable, ["healthcheck", "--url", $"http://127.0.0.1:{StockroomProcess.FreePort()}/health/ready"],
                published, ToolTimeout, environment);
            Assert.Equal(1, down);

            // Compose asks for JSON logs: every line the server wrote is one JSON object.
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind);
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(published, recursive: true);
        }
    }
}

/// <summary>The configuration reference lists every setting the code reads, so that it stays complete as settings are added.</summary>
public sealed partial class ConfigurationReferenceTests
{
    [GeneratedRegex(@"Stockroom:[A-Z][A-Za-z]*(?::[A-Z][A-Za-z]*)*")]
    private static partial Regex StockroomKey();

    [GeneratedRegex(@"""((?:STOCKROOM|ASPNETCORE|OTEL)_[A-Z_]*[A-Z])")]
    private static partial Regex Variable();

    [GeneratedRegex(@"GetConnectionString\(""(\w+)""\)")]
    private static partial Regex ConnectionString();

    /// <summary><c>GetSection("Stockroom:X").Get&lt;T&gt;()</c> or <c>GetSection(T.Section).Get&lt;List&lt;T&gt;&gt;()</c>.</summary>
    [GeneratedRegex(@"GetSection\((?:""(?<section>[^""]+)""|(?<constant>\w+)\.Section)\)\s*\.Get<(?<list>List<)?(?<type>\w+)>?>")]
    private static partial Regex BoundSection();

    /// <summary>Every setting name the server's source reads: literal keys, environment variables, and each property of the options classes bound to a section.</summary>
    private static SortedSet<string> SettingsRead()
    {
        var types = typeof(StockroomApp).Assembly.GetTypes();
        var settings = new SortedSet<string>(StringComparer.Ordinal);
        var bound = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            settings.UnionWith(StockroomKey().Matches(text).Select(m => m.Value));
            settings.UnionWith(Variable().Matches(text).Select(m => m.Groups[1].Value));
            settings.UnionWith(ConnectionString().Matches(text).Select(m => $"ConnectionStrings:{m.Groups[1].Value}"));
            foreach (Match match in BoundSection().Matches(text))
            {
                var section = match.Groups["section"].Success
                    ? match.Groups["section"].Value
                    : (string)types.Single(t => t.Name == match.Groups["constant"].Value).GetField("Section")!.GetValue(null)!;
                var options = types.Single(t => t.Name == match.Groups["type"].Value);
                foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
                {
                    settings.Add(match.Groups["list"].Success ? $"{section}:<n>:{property.Name}" : $"{section}:{property.Name}");
                }

                bound++;
            }
        }

        // The scan must have found the sections it exists for: the writer, reads, rate limits, keys and webhooks at least.
        Assert.True(bound >= 6, $"only {bound} bound sections found");
        return settings;
    }

    [Fact]
    public void Every_setting_the_code_reads_is_in_the_configuration_reference()
    {
        var reference = Repository.Read("docs/configuration.md");
        var settings = SettingsRead();
        Assert.Contains("Stockroom:Writer:DefaultHoldSeconds", settings);
        Assert.Contains("Stockroom:ApiKeys:<n>:Scopes", settings);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", settings);
        var missing = settings.Where(s => !reference.Contains($"`{s}", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"docs/configuration.md does not list: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_readme_points_operators_at_the_reference_and_the_container_files()
    {
        var readme = Repository.Read("README.md");
        foreach (var link in new[] { "docs/configuration.md", "Dockerfile", "compose.yaml" })
        {
            Assert.Contains($"]({link})", readme, StringComparison.Ordinal);
        }
    }
}
