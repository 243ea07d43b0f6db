using Npgsql;
using Stockroom.CrashTest;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// A few cycles of the crash harness on each store: the real server as its own process, killed with
/// SIGKILL under load (and PostgreSQL stopped immediately), restarted, every unanswered request
/// retried, every acknowledged write checked. Long runs: <c>tools/Stockroom.CrashTest</c>.
/// </summary>
[Collection(nameof(CrashTests))]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Cycles = 3;

    [Fact]
    public async Task Sqlite_server_killed_at_random_moments_loses_and_repeats_no_acknowledged_write()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"stockroom-crash-{Guid.NewGuid():N}");
        var report = await CrashHarness.RunAsync(new CrashOptions
        {
            Store = CrashStore.Sqlite,
            ConnectionString = $"Data Source={Path.Combine(folder, "crash.db")}",
            Cycles = Cycles,
            Seed = Random.Shared.Next(),
            WorkFolder = folder,
            TimeLimit = TimeSpan.FromMinutes(5),
        }, cancellationToken: TestContext.Current.CancellationToken);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(Cycles, report.ServerKills);
    }

    [Fact]
    public async Task Postgres_server_and_database_crashed_at_random_moments_lose_and_repeat_no_acknowledged_write()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var restartable = await PostgresServer.CanRestartAsync();
        try
        {
            var report = await CrashHarness.RunAsync(new CrashOptions
            {
                Store = CrashStore.Postgres,
                ConnectionString = database,
                Cycles = Cycles,
                Seed = Random.Shared.Next(),
                StopDatabaseImmediately = restartable ? PostgresServer.StopImmediatelyAsync : null,
                StartDatabase = restartable ? PostgresServer.StartAgainAsync : null,
                TimeLimit = TimeSpan.FromMinutes(5),
            }, cancellationToken: TestContext.Current.CancellationToken);
            output.WriteLine(report.ToString());
            Assert.True(report.Passed, report.ToString());
            // The first three cycles take one of each crash: server, database and server, database alone.
            Assert.Equal(restartable ? (2, 2) : (Cycles, 0), (report.ServerKills, report.DatabaseShutdowns));
        }
        finally
        {
            // Connections pooled in this process before the database restarted are dead; later users get fresh ones.
            NpgsqlConnection.ClearAllPools();
        }
    }
}

/// <summary>
/// The crash tests stop and start the PostgreSQL server every other test shares, so they run alone,
/// after the tests that run in parallel.
/// </summary>
[CollectionDefinition(nameof(CrashTests), DisableParallelization = true)]
public sealed class CrashTestsCollection;
