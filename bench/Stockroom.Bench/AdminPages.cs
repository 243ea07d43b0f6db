using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Stockroom.Core.Catalog;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Features.Availability;
using Stockroom.Features.Catalog;
using Stockroom.Features.Ledger;
using Stockroom.Features.Reservations;
using Stockroom.Features.Supply;
using Stockroom.Storage;

namespace Stockroom.Bench;

/// <summary>p50, p95 and the slowest of a set of timings, in milliseconds.</summary>
public sealed record Timing(double P50, double P95, double Max)
{
    public static Timing Of(double[] milliseconds)
    {
        Array.Sort(milliseconds);
        double At(double q) => milliseconds[Math.Min(milliseconds.Length - 1, (int)(q * milliseconds.Length))];
        return new(At(0.50), At(0.95), milliseconds[^1]);
    }

    public string Cells => string.Create(CultureInfo.InvariantCulture, $"{P50:F1} | {P95:F1} | {Max:F1}");
}

/// <summary>
/// The admin pages with 100,000 positions (25,000 SKUs × 4 locations; a tenth of that in quick
/// mode) and some ledger history: each page fetched over HTTP from the server, one request at a time,
/// after a warm-up. In the same run, two reads the pages rely on against a naive way of doing the
/// same: a deep page of positions by keyset against OFFSET, and a SKU's stock-over-time chart from
/// its indexed history against a scan of the whole ledger.
/// </summary>
public static class AdminPages
{
    private const int Locations = 4;
    private const string ItemSku = "SKU-000100";

    public static async Task RunAsync(bool quick, Action<string> line)
    {
        var skus = quick ? 2_500 : 25_000;
        var requests = quick ? 10 : 100;
        line("");
        line($"### Admin pages: {skus:N0} SKUs × {Locations} locations ({skus * Locations:N0} positions), each page GET {requests} times over HTTP, one at a time");
        line("");
        line("| store | page | p50 ms | p95 ms | max ms |");
        line("|---|---|---:|---:|---:|");
        var baselines = new List<string>();
        foreach (var (name, connection) in new[] { ("PostgreSQL", await Databases.PostgresAsync()), ("SQLite", Databases.Sqlite()) })
        {
            baselines.AddRange(await RunOneAsync(name, connection, skus, requests, line));
        }

        line("");
        line($"Naive baselines in the same run ({requests} reads each, straight against the store):");
        line("");
        line("| store | read | ours p50 ms | ours p95 ms | naive p50 ms | naive p95 ms | naive / ours (p50) |");
        line("|---|---|---:|---:|---:|---:|---:|");
        foreach (var row in baselines)
        {
            line(row);
        }
    }

    private static async Task<IReadOnlyList<string>> RunOneAsync(string name, string connection, int skuCount, int requests, Action<string> line)
    {
        var (app, http) = await Scenarios.StartAsync(connection, 8);
        await using var _ = app;
        using var __ = http;
        var store = app.Services.GetRequiredService<IStockStore>();
        var locations = Enumerable.Range(0, Locations).Select(i => $"loc-{i}").ToArray();
        foreach (var id in locations)
        {
            await Scenarios.Ok(http.PutAsJsonAsync($"/v1/locations/{id}", new { name = id, type = "store", canShip = true, canPickup = true }));
        }

        await Scenarios.Ok(http.PutAsJsonAsync("/v1/groups/all", new { name = "All", locations }));
        await Scenarios.Ok(http.PutAsJsonAsync("/v1/channels/web", new { name = "Web", group = "all", buffer = new { percent = 10 } }));

        // The catalogue and stock as the reads section loads them: items in one transaction, supply through the snapshot path.
        var names = Enumerable.Range(0, skuCount).Select(i => $"SKU-{i:D6}").ToArray();
        await using (var write = await store.BeginWriteAsync(CancellationToken.None))
        {
            foreach (var sku in names)
            {
                await write.UpsertItemAsync(new Item(sku, sku, null, ItemStatus.Active, StockPolicy.Reserve, null, false, null, null, 10m, 4m, write.Now, write.Now), CancellationToken.None);
            }

            await write.CommitAsync(CancellationToken.None);
        }

        var lines = names.SelectMany((sku, i) => locations.Select((location, j) => new SyncLine(sku, location, SupplyType.OnHand, (i * 7 + j) % 50, null, null))).ToList();
        foreach (var chunk in lines.Chunk(100_000))
        {
            var (_, problem) = await SyncSupply.ApplyAsync(new SyncRequest("bench", DateTimeOffset.UtcNow.AddMinutes(-1), [.. chunk]), store, new HoldWriterOptions(), CancellationToken.None);
            if (problem is not null)
            {
                throw new InvalidOperationException(problem.ProblemDetails.Detail);
            }
        }

        await SeedHistoryAsync(http, names);

        var deep = names[(int)(skuCount * 0.9)];
        var deepCursor = $"{names[(int)(skuCount * 0.9) - 1]}|{locations[^1]}";
        var pages = new (string Label, string Path)[]
        {
            ("dashboard `/admin`", "/admin"),
            ("positions, first page", "/admin/positions"),
            ("positions searched `?sku=SKU-0123`", "/admin/positions?sku=SKU-0123"),
            ($"positions deep in the cursor (from `{deep}`, 90% in)", $"/admin/positions?after={Uri.EscapeDataString(deepCursor)}"),
            ("positions by location, descending", "/admin/positions?sort=location&dir=desc"),
            ("positions `?sku=SKU-012` sorted by available", "/admin/positions?sku=SKU-012&sort=available&dir=desc"),
            ($"item page `/admin/items/{ItemSku}`", $"/admin/items/{ItemSku}"),
            ("reservations", "/admin/reservations?status=active"),
            ("ledger", "/admin/ledger"),
            ("intake", "/admin/intake"),
        };
        foreach (var (label, path) in pages)
        {
            var timing = await TimeAsync(requests, async () =>
            {
                using var response = await http.GetAsync(path);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
                }

                await response.Content.ReadAsByteArrayAsync();
            });
            line($"| {name} | {label} | {timing.Cells} |");
        }

        var rows = new List<string>();
        var after = new PositionKey(names[(int)(skuCount * 0.9) - 1], locations[^1]);
        var offset = ((int)(skuCount * 0.9) * Locations);
        var keyset = await TimeAsync(requests, () => store.ListPositionsAsync(null, null, PositionOrder.Sku, false, after, 200, CancellationToken.None));
        var offsetPaging = await TimeAsync(requests, () => store.QueryAsync(
            $"SELECT {Sql.PositionColumns} FROM positions ORDER BY sku, location_id LIMIT 200 OFFSET @offset",
            c => c.With("@offset", offset), Sql.ReadPosition, CancellationToken.None));
        rows.Add(Row(name, $"positions page at row {offset:N0}: keyset vs OFFSET", keyset, offsetPaging));

        var history = await TimeAsync(requests, async () =>
        {
            var positions = (await store.SearchPositionsAsync(ItemSku, null, null, 500, CancellationToken.None)).TakeWhile(p => p.Key.Sku == ItemSku).ToList();
            var changes = await store.ReadPositionHistoryAsync(ItemSku, PositionHistoryReads.ChangesMax, CancellationToken.None);
            return PositionHistoryReads.Walk(positions, new Dictionary<string, long>(), changes, DateTimeOffset.UtcNow);
        });
        var scan = await TimeAsync(Math.Max(3, requests / 10), () => NaiveHistoryAsync(store, ItemSku));
        rows.Add(Row(name, $"stock-over-time chart of {ItemSku}: indexed history vs full ledger scan", history, scan));
        await app.StopAsync();
        return rows;
    }

    /// <summary>Holds, orders (some shipped) and receipts, on the page's item and elsewhere, so the charts and lists have something to show.</summary>
    private static async Task SeedHistoryAsync(HttpClient http, string[] names)
    {
        await Scenarios.Ok(http.PostAsJsonAsync("/v1/supply/adjust", new
        {
            id = "bench-receipt",
            lines = Enumerable.Range(0, Locations).Select(j => new { sku = ItemSku, location = $"loc-{j}", type = "onHand", delta = 1_000, reason = "receipt", unitCost = 4m }).ToArray(),
        }));
        var random = new Random(11);
        for (var i = 0; i < 300; i++)
        {
            var sku = i % 2 == 0 ? ItemSku : names[random.Next(names.Length)];
            using var response = await http.PostAsJsonAsync("/v1/reservations", new { id = $"bench-hold-{i}", channel = "web", lines = new[] { new { sku, quantity = 1 } } });
            if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.Conflict)
            {
                throw new InvalidOperationException($"hold {i}: {(int)response.StatusCode}");
            }
        }

        for (var i = 0; i < 60; i++)
        {
            await Scenarios.Ok(http.PostAsJsonAsync("/v1/orders", new { id = $"bench-order-{i}", channel = "web", lines = new[] { new { sku = ItemSku, quantity = 1, location = $"loc-{i % Locations}" } } }));
            if (i % 2 == 0)
            {
                await Scenarios.Ok(http.PostAsJsonAsync($"/v1/orders/bench-order-{i}/events", new { id = $"bench-ship-{i}", type = "shipped" }));
            }
        }
    }

    /// <summary>
    /// The naive chart: every positions.changed event of the ledger read and parsed, keeping the
    /// SKU's deltas, summed from the start. It is what the chart would cost without a history by SKU.
    /// </summary>
    private static async Task<(int Points, long OnHand)> NaiveHistoryAsync(IStockStore store, string sku)
    {
        var points = 0;
        long onHand = 0, after = 0;
        while (true)
        {
            var events = await store.ReadEventsAsync(after, 1_000, CancellationToken.None);
            if (events.Count == 0)
            {
                return (points, onHand);
            }

            foreach (var e in events.Where(e => e.Type == LedgerReplay.PositionsChanged))
            {
                var mine = LedgerReplay.ChangesOf(e.Data).Where(c => c.Sku == sku).ToList();
                if (mine.Count > 0)
                {
                    onHand += mine.Sum(c => c.OnHand);
                    points++;
                }
            }

            after = events[^1].Sequence;
        }
    }

    private static string Row(string store, string read, Timing ours, Timing naive) => string.Create(CultureInfo.InvariantCulture,
        $"| {store} | {read} | {ours.P50:F2} | {ours.P95:F2} | {naive.P50:F2} | {naive.P95:F2} | {naive.P50 / Math.Max(0.001, ours.P50):F0}× |");

    private static async Task<Timing> TimeAsync<T>(int count, Func<Task<T>> read)
    {
        for (var i = 0; i < 3; i++)
        {
            await read();
        }

        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await read();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return Timing.Of(times);
    }

    private static Task<Timing> TimeAsync(int count, Func<Task> read) => TimeAsync(count, async () =>
    {
        await read();
        return 0;
    });
}
