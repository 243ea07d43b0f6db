using System.Diagnostics;

namespace Stockroom.Bench;

public sealed record Percentiles(double P50, double P99, double P999, double Max = 0)
{
    /// <summary>Exact percentiles of the recorded latencies (ms), by sorting them.</summary>
    public static Percentiles Of(double[] latencies)
    {
        if (latencies.Length == 0)
        {
            return new(0, 0, 0);
        }

        Array.Sort(latencies);
        double At(double q) => latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
        return new(At(0.50), At(0.99), At(0.999), latencies[^1]);
    }
}

public sealed record LoadResult(double Seconds, long Successes, long Refusals, Percentiles Latency)
{
    public double PerSecond => (Successes + Refusals) / Seconds;
}

/// <summary>Load generators: closed loop (N clients back to back) for throughput, open loop (a fixed schedule) for latency.</summary>
public static class Load
{
    /// <summary><paramref name="clients"/> workers send <paramref name="count"/> requests back to back; the request returns success or refusal.</summary>
    public static async Task<LoadResult> ClosedAsync(int clients, int count, Func<int, Task<bool>> request)
    {
        var latencies = new double[count];
        long successes = 0, refusals = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await request(i);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Interlocked.Increment(ref ok ? ref successes : ref refusals);
            }
        }));
        return new LoadResult(clock.Elapsed.TotalSeconds, successes, refusals, Percentiles.Of(latencies));
    }

    /// <summary>
    /// Requests at a fixed rate whatever the answers do, each timed from when it was due, not when
    /// it was sent: a server that stalls shows its stall in the latency instead of hiding it.
    /// </summary>
    public static async Task<(double Achieved, Percentiles Latency)> OpenAsync(double perSecond, TimeSpan duration, Func<int, Task<bool>> request)
    {
        var count = (int)(perSecond * duration.TotalSeconds);
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            var index = i;
            inFlight.Add(Task.Run(async () =>
            {
                await request(index);
                latencies[index] = (clock.Elapsed - due).TotalMilliseconds;
            }));
        }

        await Task.WhenAll(inFlight);
        return (count / clock.Elapsed.TotalSeconds, Percentiles.Of(latencies));
    }
}
