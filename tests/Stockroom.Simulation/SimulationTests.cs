using System.Diagnostics;
using Stockroom.Storage;
using Stockroom.Testing;

namespace Stockroom.Simulation;

/// <summary>
/// What a run covers, from the environment: <c>STOCKROOM_SIM_SEED</c> (the first seed; by default
/// one drawn from the clock, printed), <c>STOCKROOM_SIM_SEEDS</c> (how many seeds, counting up
/// from the first) and <c>STOCKROOM_SIM_STEPS</c> (steps per seed). The defaults keep the run
/// short enough for every <c>dotnet test</c>.
/// </summary>
public static class SimulationSettings
{
    public const int SeedsDefault = 2;
    public const int StepsDefault = 1_000;

    /// <summary><c>STOCKROOM_SIM_REPORT</c>: a file each finished seed appends its figures to.</summary>
    public static string? ReportFile => Environment.GetEnvironmentVariable("STOCKROOM_SIM_REPORT") is { Length: > 0 } path ? path : null;

    public static (int FirstSeed, int Seeds, int Steps) Read()
    {
        var first = Number("STOCKROOM_SIM_SEED") ?? Random.Shared.Next(1, int.MaxValue / 2);
        var given = Number("STOCKROOM_SIM_SEED") is not null;
        var seeds = Number("STOCKROOM_SIM_SEEDS") ?? (given ? 1 : SeedsDefault);
        var steps = Number("STOCKROOM_SIM_STEPS") ?? StepsDefault;
        return (first, seeds, steps);
    }

    /// <summary>The one command that runs a seed again, up to the step that failed, on the store it failed on.</summary>
    public static string ReplayCommand(int seed, int steps, StoreKind kind) =>
        $"STOCKROOM_SIM_SEED={seed} STOCKROOM_SIM_STEPS={steps} dotnet test --project tests/Stockroom.Simulation -- --filter-class Stockroom.Simulation.Simulation_{kind}";

    private static int? Number(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.TryParse(text, out var value) && value > 0 ? value : throw new InvalidOperationException($"{name} must be a positive whole number, not '{text}'")
            : null;
}

public abstract class Simulation(ITestOutputHelper output)
{
    protected abstract StockroomServer NewServer();

    [Fact]
    public async Task Random_interleavings_agree_with_the_model_after_every_step()
    {
        var (first, seeds, steps) = SimulationSettings.Read();
        for (var seed = first; seed < first + seeds; seed++)
        {
            if (SimulationSettings.ReportFile is { } report_)
            {
                File.AppendAllText(report_, $"seed {seed}: starting {steps} steps at {DateTime.UtcNow:O}{Environment.NewLine}");
            }

            var server = NewServer();
            await server.InitializeAsync();
            try
            {
                var started = Stopwatch.StartNew();
                var simulator = new Simulator(server, seed, steps);
                output.WriteLine($"seed {seed}: {steps} steps on {server.Kind}");
                await simulator.RunAsync();
                output.WriteLine($"seed {seed}: {steps} steps agreed with the model in {started.Elapsed.TotalSeconds:F1} s ({steps / started.Elapsed.TotalSeconds:F0} steps/s)");
                output.WriteLine(string.Join(Environment.NewLine, simulator.Counts.Select(c => $"  {c.Key,-32} {c.Value,8}")));
                if (SimulationSettings.ReportFile is { } report)
                {
                    // Long runs outlive a terminal: each seed's outcome and where its time went land in a file as it finishes.
                    File.AppendAllText(report, $"seed {seed} on {server.Kind}: {steps} steps agreed in {started.Elapsed}{Environment.NewLine}"
                        + string.Concat(simulator.Counts.Select(c => $"  {c.Key,-32} {c.Value,8}{Environment.NewLine}"))
                        + string.Concat(simulator.Timings.Select(t => $"  time in {t.Key,-24} {t.Value}{Environment.NewLine}")));
                }
            }
            finally
            {
                await server.DisposeAsync();
            }
        }
    }
}

public sealed class Simulation_Sqlite(ITestOutputHelper output) : Simulation(output)
{
    protected override StockroomServer NewServer() => new SqliteServer();
}

public sealed class Simulation_Postgres(ITestOutputHelper output) : Simulation(output)
{
    protected override StockroomServer NewServer() => new PostgresServerFixture();
}
