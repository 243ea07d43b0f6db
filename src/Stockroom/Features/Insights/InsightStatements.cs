using System.Data.Common;
using Stockroom.Core;
using Stockroom.Core.Insights;
using Stockroom.Storage;

namespace Stockroom.Features.Insights;

/// <summary>Demand history (shipped and lost units per day) and valuation at weighted average cost.</summary>
public static class InsightStatements
{
    private const string CostColumns = "sku, quantity, value, average_cost, cogs";

    private static CostLayer ReadCost(DbDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetDecimal(2), r.GetDecimal(3), r.GetDecimal(4));

    /// <summary>Adds shipped and lost units to the demand history, day by day.</summary>
    public static void AddDemandLater(this IStockWrite write, IReadOnlyCollection<DemandDay> days)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(days);
        // Summed per row and written in key order, so that two writers adding to the same days
        // take the rows' locks in one order; each row is added to, never overwritten. Queued for
        // the commit: nothing in the transaction reads demand back.
        var rows = days.GroupBy(d => (d.Sku, d.Location, d.Day))
            .Select(g => new DemandDay(g.Key.Day, g.Key.Sku, g.Key.Location, g.Sum(d => d.Shipped), g.Sum(d => d.Lost)))
            .Where(d => d.Shipped > 0 || d.Lost > 0)
            .OrderBy(d => d.Sku, StringComparer.Ordinal).ThenBy(d => d.Location, StringComparer.Ordinal).ThenBy(d => d.Day);
        foreach (var day in rows)
        {
            Invariant.Require(day.Shipped >= 0 && day.Lost >= 0, "demand is only ever added");
            write.Later(write.Command("""
                INSERT INTO demand_days (sku, location_id, day, shipped, lost) VALUES (@sku, @location, @day, @shipped, @lost)
                ON CONFLICT (sku, location_id, day) DO UPDATE SET
                    shipped = demand_days.shipped + excluded.shipped, lost = demand_days.lost + excluded.lost
                """).With("@sku", day.Sku).With("@location", day.Location).With("@day", day.Day)
                .With("@shipped", day.Shipped).With("@lost", day.Lost));
        }
    }

    /// <summary>
    /// Locks the valuations of these SKUs (creating empty ones as needed), in SKU order, and reads
    /// them: after the positions a write locks, before the ledger head.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, CostLayer>> LockCostsAsync(this IStockWrite write, IReadOnlyCollection<string> skus,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var sorted = skus.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (sorted.Count == 0)
        {
            return new Dictionary<string, CostLayer>(StringComparer.Ordinal);
        }

        write.Locking(LockStage.Costs, sorted);
        // As with positions: create the missing rows so there is something to lock, then lock in key order.
        await using (var insert = write.Command($"""
            INSERT INTO sku_costs (sku, quantity, value, average_cost, cogs, updated_at)
            SELECT s.value, 0, @zero, @zero, @zero, @now FROM ({write.Dialect.TextList("@skus")}) s WHERE true
            ON CONFLICT (sku) DO NOTHING
            """).With("@zero", 0m).With("@now", write.Now))
        {
            write.Dialect.BindTextList(insert, "@skus", sorted);
            await write.ExecuteAsync(insert, cancellationToken);
        }

        await using var select = write.Command($"""
            SELECT {CostColumns} FROM sku_costs WHERE sku IN ({write.Dialect.TextList("@skus")}) ORDER BY sku{write.Dialect.ForUpdate}
            """);
        write.Dialect.BindTextList(select, "@skus", sorted);
        var layers = (await select.ListAsync(ReadCost, cancellationToken)).ToDictionary(c => c.Sku, StringComparer.Ordinal);
        Invariant.Require(layers.Count == sorted.Count, "every valuation asked for is locked");
        return layers;
    }

    /// <summary>Writes valuations locked in this transaction.</summary>
    public static async Task WriteCostsAsync(this IStockWrite write, IReadOnlyCollection<CostLayer> layers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers)
        {
            Invariant.Require(write.Holds(LockStage.Costs, layer.Sku), $"the valuation of '{layer.Sku}' is locked before it is written");
            Invariant.Require(layer.Quantity >= 0 && layer.Value >= 0 && layer.Cogs >= 0, $"the valuation of '{layer.Sku}' stays non-negative");
            await using var command = write.Command("""
                UPDATE sku_costs SET quantity = @quantity, value = @value, average_cost = @average, cogs = @cogs, updated_at = @now WHERE sku = @sku
                """).With("@quantity", layer.Quantity).With("@value", layer.Value).With("@average", layer.AverageCost)
                .With("@cogs", layer.Cogs).With("@now", write.Now).With("@sku", layer.Sku);
            Invariant.Require(await write.ExecuteAsync(command, cancellationToken) == 1, $"the valuation of '{layer.Sku}' exists when written");
        }
    }

    /// <summary>Demand history of these SKUs at these locations (null: all), day by day from <paramref name="first"/> to <paramref name="last"/> inclusive.</summary>
    public static async Task<IReadOnlyList<DemandDay>> ReadDemandAsync(this IStockStore store, IReadOnlyCollection<string> skus,
        IReadOnlyCollection<string>? locations, DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dialect = store.Dialect;
        return skus.Count == 0 || locations is { Count: 0 } ? [] : await store.QueryAsync($"""
            SELECT day, sku, location_id, shipped, lost FROM demand_days
            WHERE sku IN ({dialect.TextList("@skus")}){(locations is null ? "" : $" AND location_id IN ({dialect.TextList("@locations")})")} AND day >= @from AND day <= @to
            ORDER BY sku, location_id, day
            """, c =>
            {
                dialect.BindTextList(c.With("@from", first).With("@to", last), "@skus", skus);
                if (locations is not null)
                {
                    dialect.BindTextList(c, "@locations", locations);
                }
            }, r => new DemandDay(r.GetFieldValue<DateOnly>(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4)), cancellationToken);
    }

    /// <summary>One SKU's valuation, or null when it was never valued.</summary>
    public static async Task<CostLayer?> ReadCostAsync(this IStockStore store, string sku, CancellationToken cancellationToken) =>
        (await store.QueryAsync($"SELECT {CostColumns} FROM sku_costs WHERE sku = @sku", c => c.With("@sku", sku), ReadCost, cancellationToken)).SingleOrDefault();

    /// <summary>Valuations at weighted average cost, in SKU order, after <paramref name="after"/>.</summary>
    public static async Task<IReadOnlyList<CostLayer>> ReadCostsAsync(this IStockStore store, string? after, int limit, CancellationToken cancellationToken) =>
        await store.QueryAsync($"SELECT {CostColumns} FROM sku_costs WHERE sku > @after ORDER BY sku LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), ReadCost, cancellationToken);
}
