using System.Net;
using System.Net.Sockets;
using Npgsql;
using Stockroom.Cli;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// The executable as an operator meets it: questions answered without starting anything, and a
/// start that cannot succeed told in one line with an exit code a supervisor can act on.
/// </summary>
public sealed class OperatorCliTests : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(2);

    private const string GoodKey = "operator-cli-key-0123456789";

    private readonly string _folder = Directory.CreateTempSubdirectory("stockroom-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<(int ExitCode, string Output, string Error)> Run(params string[] arguments) =>
        StockroomProcess.RunAsync(StockroomProcess.DefaultExecutable, arguments, _folder, Within);

    /// <summary>A start that failed: one line on standard error, no stack trace anywhere.</summary>
    private static string OneLine((int ExitCode, string Output, string Error) run)
    {
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on standard error, got:\n{run.Error}");
        Assert.StartsWith("stockroom: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", run.Output + run.Error, StringComparison.Ordinal);
        return lines[0];
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--urls", "http://127.0.0.1:1", "--help")]
    public async Task Help_prints_and_exits_without_listening_or_creating_a_database(params string[] arguments)
    {
        var run = await Run(arguments);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
        Assert.Contains("--urls", run.Output, StringComparison.Ordinal);
        Assert.Contains("import", run.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public async Task Version_prints_and_exits()
    {
        var run = await Run("--version");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.Output.Trim());
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public async Task A_port_in_use_ends_with_one_line_and_exit_code_unavailable()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var run = await Run("--urls", $"http://127.0.0.1:{port}");
        Assert.Equal(ServerStart.ExitUnavailable, run.ExitCode);
        Assert.Contains("address already in use", OneLine(run), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_shorter_than_sixteen_characters_ends_with_one_line_before_the_store_is_touched()
    {
        var run = await Run("--urls", "http://127.0.0.1:0", "--Stockroom:ApiKeys:0:Key", "too-short", "--Stockroom:ApiKeys:0:Scopes", "admin");
        Assert.Equal(ServerStart.ExitSettings, run.ExitCode);
        Assert.Contains("Stockroom:ApiKeys:0:Key must be at least 16 characters", OneLine(run), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "stockroom.db")));
    }

    [Theory]
    [InlineData("--Stockroom:RateLimit:FailedAuthBurst", "0", "Stockroom:RateLimit:RequestsPerSecond, :Burst, :FailedAuthPerMinute and :FailedAuthBurst must be positive")]
    [InlineData("--Stockroom:DataProtection:Certificate", "no-such-certificate.pfx", "Stockroom:DataProtection:Certificate: cannot read 'no-such-certificate.pfx'")]
    [InlineData("--Stockroom:Cors:Origins:0", "https://shop.example.com/cart", "Stockroom:Cors:Origins: 'https://shop.example.com/cart' is not an origin")]
    public async Task A_failed_authentication_limit_or_a_certificate_it_cannot_use_ends_with_one_line_before_the_store_is_touched(string setting, string value, string expected)
    {
        var run = await Run("--urls", "http://127.0.0.1:0", setting, value);
        Assert.Equal(ServerStart.ExitSettings, run.ExitCode);
        Assert.Contains(expected, OneLine(run), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "stockroom.db")));
    }

    [Theory]
    [InlineData("Data Source=stockroom.db;Colour=blue", "ConnectionStrings:Stockroom is not a connection string")]
    [InlineData("Host=127.0.0.1;Username=stockroom;Databse=typo", "ConnectionStrings:Stockroom is not a connection string")]
    public async Task A_connection_string_with_a_wrong_keyword_ends_with_one_line_naming_the_setting(string connectionString, string expected)
    {
        var run = await Run("--urls", "http://127.0.0.1:0", "--ConnectionStrings:Stockroom", connectionString);
        Assert.Equal(ServerStart.ExitSettings, run.ExitCode);
        Assert.Contains(expected, OneLine(run), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sqlite_file_that_cannot_be_opened_ends_with_one_line()
    {
        var run = await Run("--urls", "http://127.0.0.1:0", "--ConnectionStrings:Stockroom", $"Data Source={Path.Combine(_folder, "no-such-folder", "x.db")}");
        Assert.Equal(ServerStart.ExitUnavailable, run.ExitCode);
        Assert.Contains("the store cannot be reached", OneLine(run), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_postgres_database_that_does_not_exist_ends_with_one_line()
    {
        var admin = new NpgsqlConnectionStringBuilder(await PostgresServer.AdminConnectionStringAsync()) { Database = $"missing_{Guid.NewGuid():N}" };
        var run = await Run("--urls", "http://127.0.0.1:0", "--ConnectionStrings:Stockroom", admin.ConnectionString);
        Assert.Equal(ServerStart.ExitUnavailable, run.ExitCode);
        Assert.Contains("does not exist", OneLine(run), StringComparison.Ordinal);
    }

    [Fact]
    public async Task By_default_the_framework_logs_no_line_per_request_and_Stockroom_logs_its_own_events()
    {
        var log = Path.Combine(_folder, "server.log");
        await using (var server = new StockroomProcess($"Data Source={Path.Combine(_folder, "quiet.db")}")
        {
            // The fixture quiets everything; this puts the shipped defaults back.
            Settings = ["--Logging:LogLevel:Default", "Information"],
            LogPath = log,
        })
        {
            await server.StartAsync();
            for (var i = 0; i < 20; i++)
            {
                using var response = await server.Client.GetAsync(new Uri($"/v1/items/NO-SUCH-{i}", UriKind.Relative));
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }
        }

        var text = await File.ReadAllTextAsync(log);
        Assert.Contains("Stockroom[1]", text, StringComparison.Ordinal);
        Assert.Contains("Now listening on", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Request starting", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Microsoft.AspNetCore.Routing", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_through_a_secured_server_sends_the_key_from_the_option_or_the_environment()
    {
        await using var server = await StockroomProcess.StartAsync($"Data Source={Path.Combine(_folder, "secured.db")}", null,
            "--Stockroom:ApiKeys:0:Key", GoodKey, "--Stockroom:ApiKeys:0:Scopes", "admin");
        var first = Path.Combine(_folder, "first.csv");
        await File.WriteAllTextAsync(first, "id,name,type,canShip,canPickup\nstore-a,Harbour,store,true,true\n");
        var second = Path.Combine(_folder, "second.csv");
        await File.WriteAllTextAsync(second, "id,name,type,canShip,canPickup\nstore-b,Quay,store,true,true\n");
        var address = server.BaseAddress.ToString();

        var refused = await Run("import", "locations", first, "--server", address);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("401", refused.Output, StringComparison.Ordinal);

        Assert.Equal(0, (await Run("import", "locations", first, "--server", address, "--api-key", GoodKey)).ExitCode);
        var fromEnvironment = await StockroomProcess.RunAsync(StockroomProcess.DefaultExecutable, ["import", "locations", second, "--server", address], _folder, Within,
            new Dictionary<string, string> { [ServerTarget.ApiKeyVariable] = GoodKey });
        Assert.Equal(0, fromEnvironment.ExitCode);

        server.Client.DefaultRequestHeaders.Authorization = new("Bearer", GoodKey);
        foreach (var id in new[] { "store-a", "store-b" })
        {
            using var read = await server.Client.GetAsync(new Uri($"/v1/locations/{id}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
    }
}
