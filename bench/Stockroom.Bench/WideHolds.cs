using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace Stockroom.Bench;

public sealed record WideResult(string Design, Percentiles Carts, double CartsPerSecond, double WideHoldsPerSecond, long PeakMegabytes, long Oversold)
{
    public string Row(string store) => string.Create(CultureInfo.InvariantCulture,
        $"| {store} | {Design} | {CartsPerSecond:F0} | {Carts.P50:F1} | {Carts.P99:F1} | {Carts.Max:F1} | {WideHoldsPerSecond:F1} | {PeakMegabytes:N0} | {Oversold} |");
}

/// <summary>
/// One caller holding wide — twenty clients sending holds of ten lines over a whole chain of
/// stores, each at the most positions one hold may weigh — while carts hold one unit at a store on
/// a fixed schedule. Measured: how long the carts wait. The baseline is the same writer with one
/// lane and batches bounded only by their count, as it was before holds had a weight.
/// </summary>
public static class WideHolds
{
    /// <summary>
    /// The stated bound on the carts' p99 with two lanes while wide holds run; the run fails above it.
    /// On PostgreSQL a cart's batch waits for no wide batch's rows. SQLite's writes take turns, so a
    /// cart waits for the one wide batch in flight whatever the lanes (200–500 ms at 10,000
    /// positions here): its bound allows for one such batch and no more.
    /// </summary>
    public static double CartP99MsMax(string store) => store == "SQLite" ? 1_000 : 500;

    private const int WideClients = 20;
    private const int WideLines = 10;
    private const double CartsPerSecond = 50;

    public static readonly string[] OneLane = ["--Stockroom:Writer:WideFrom", $"{int.MaxValue}", "--Stockroom:Writer:BatchPositionsMax", $"{int.MaxValue}", "--Stockroom:Writer:NarrowWriters", "1"];

    public static async Task<WideResult> RunAsync(string connection, string design, int stores, TimeSpan duration, params string[] settings)
    {
        var (app, http) = await Scenarios.StartAsync(connection, WideClients + 64, settings);
        await using var _ = app;
        using var __ = http;
        var ids = Enumerable.Range(0, stores).Select(i => $"store-{i:D4}").ToArray();
        foreach (var id in ids)
        {
            await Scenarios.Ok(http.PutAsJsonAsync($"/v1/locations/{id}", new { name = id, type = "store", canShip = true, canPickup = true }));
        }

        await Scenarios.Ok(http.PutAsJsonAsync("/v1/groups/chain", new { name = "Every store", locations = ids }));
        await Scenarios.Ok(http.PutAsJsonAsync("/v1/channels/web", new { name = "Web", group = "chain" }));
        var skus = Enumerable.Range(0, WideLines).Select(i => $"WIDE-{i}").Append("CART").ToArray();
        foreach (var sku in skus)
        {
            await Scenarios.Ok(http.PutAsJsonAsync($"/v1/items/{sku}", new { name = sku }));
        }

        const long Units = 1_000_000;
        await Scenarios.Ok(http.PostAsJsonAsync("/v1/supply/sync", new
        {
            source = "bench",
            asOf = DateTimeOffset.UtcNow.AddMinutes(-1),
            lines = skus.Select(sku => new { sku, location = ids[0], type = "onHand", quantity = Units }).ToArray(),
        }));

        using var stop = new CancellationTokenSource();
        long wideHeld = 0;
        var clock = Stopwatch.StartNew();
        var wide = Enumerable.Range(0, WideClients).Select(client => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                using var response = await http.PostAsJsonAsync("/v1/reservations", new
                {
                    id = $"wide-{client}-{i}",
                    channel = "web",
                    lines = skus.Take(WideLines).Select(sku => new { sku, quantity = 1 }).ToArray(),
                }, CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    throw new InvalidOperationException($"wide hold: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }

                Interlocked.Increment(ref wideHeld);
            }
        })).ToList();

        // Memory sampled through the run: the wide holds are what would grow it.
        var peak = 0L;
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
                await Task.Delay(100, CancellationToken.None);
            }
        });

        // The wide clients fill the writer first, as a caller gone wrong would.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (achieved, carts) = await Load.OpenAsync(CartsPerSecond, duration, async i =>
        {
            using var response = await http.PostAsJsonAsync("/v1/reservations", new
            {
                id = $"cart-{i}",
                channel = "web",
                lines = new[] { new { sku = "CART", quantity = 1, location = ids[0] } },
            });
            return response.StatusCode == HttpStatusCode.Created ? true : throw new InvalidOperationException($"cart: {(int)response.StatusCode}");
        });
        await stop.CancelAsync();
        await Task.WhenAll([.. wide, sampling]);
        var seconds = clock.Elapsed.TotalSeconds;

        var cartCount = (long)(CartsPerSecond * duration.TotalSeconds);
        long oversold = 0;
        foreach (var sku in skus)
        {
            var atp = await http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/v1/availability/{sku}?location={ids[0]}");
            var reserved = atp.GetProperty("reserved").GetInt64();
            oversold += Math.Max(0, reserved - atp.GetProperty("onHand").GetInt64())
                + Math.Abs(reserved - (sku == "CART" ? cartCount : Interlocked.Read(ref wideHeld)));
        }

        await app.StopAsync();
        return new WideResult(design, carts, achieved, wideHeld / seconds, peak >> 20, oversold);
    }
}
