using System.Data.Common;
using System.Text.Json;
using Stockroom.Core;
using Stockroom.Core.Insights;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>The write side of demand history, valuation and transfers.</summary>
internal sealed partial class SqlWrite
{
    private readonly HashSet<string> _lockedCosts = new(StringComparer.Ordinal);

    public async Task AddDemandAsync(IReadOnlyCollection<DemandDay> days, CancellationToken cancellationToken)
    {
        // Summed per row and written in key order, so that two writers adding to the same days
        // take the rows' locks in one order; each row is added to, never overwritten.
        var rows = days.GroupBy(d => (d.Sku, d.Location, d.Day))
            .Select(g => new DemandDay(g.Key.Day, g.Key.Sku, g.Key.Location, g.Sum(d => d.Shipped), g.Sum(d => d.Lost)))
            .Where(d => d.Shipped > 0 || d.Lost > 0)
            .OrderBy(d => d.Sku, StringComparer.Ordinal).ThenBy(d => d.Location, StringComparer.Ordinal).ThenBy(d => d.Day);
        foreach (var day in rows)
        {
            Invariant.Require(day.Shipped >= 0 && day.Lost >= 0, "demand is only ever added");
            await using var command = Command("""
                INSERT INTO demand_days (sku, location_id, day, shipped, lost) VALUES (@sku, @location, @day, @shipped, @lost)
                ON CONFLICT (sku, location_id, day) DO UPDATE SET
                    shipped = demand_days.shipped + excluded.shipped, lost = demand_days.lost + excluded.lost
                """).With("@sku", day.Sku).With("@location", day.Location).With("@day", day.Day)
                .With("@shipped", day.Shipped).With("@lost", day.Lost);
            await ExecuteAsync(command, cancellationToken);
        }
    }

    public async Task<IReadOnlyDictionary<string, CostLayer>> LockCostsAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        var sorted = skus.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (sorted.Count == 0)
        {
            return new Dictionary<string, CostLayer>(StringComparer.Ordinal);
        }

        // As with positions: create the missing rows so there is something to lock, then lock in key order.
        await using (var insert = Command($"""
            INSERT INTO sku_costs (sku, quantity, value, average_cost, cogs, updated_at)
            SELECT s.value, 0, @zero, @zero, @zero, @now FROM ({store.TextList("@skus")}) s WHERE true
            ON CONFLICT (sku) DO NOTHING
            """).With("@zero", 0m).With("@now", Now))
        {
            store.BindTextList(insert, "@skus", sorted);
            await ExecuteAsync(insert, cancellationToken);
        }

        await using var select = Command($"""
            SELECT {SqlStore.CostColumns} FROM sku_costs WHERE sku IN ({store.TextList("@skus")}) ORDER BY sku{store.ForUpdate}
            """);
        store.BindTextList(select, "@skus", sorted);
        var layers = (await select.ListAsync(SqlStore.ReadCost, cancellationToken)).ToDictionary(c => c.Sku, StringComparer.Ordinal);
        Invariant.Require(layers.Count == sorted.Count, "every valuation asked for is locked");
        _lockedCosts.UnionWith(sorted);
        return layers;
    }

    public async Task WriteCostsAsync(IReadOnlyCollection<CostLayer> layers, CancellationToken cancellationToken)
    {
        foreach (var layer in layers)
        {
            Invariant.Require(_lockedCosts.Contains(layer.Sku), $"the valuation of '{layer.Sku}' is locked before it is written");
            Invariant.Require(layer.Quantity >= 0 && layer.Value >= 0 && layer.Cogs >= 0, $"the valuation of '{layer.Sku}' stays non-negative");
            await using var command = Command("""
                UPDATE sku_costs SET quantity = @quantity, value = @value, average_cost = @average, cogs = @cogs, updated_at = @now WHERE sku = @sku
                """).With("@quantity", layer.Quantity).With("@value", layer.Value).With("@average", layer.AverageCost)
                .With("@cogs", layer.Cogs).With("@now", Now).With("@sku", layer.Sku);
            Invariant.Require(await command.ExecuteNonQueryAsync(cancellationToken) == 1, $"the valuation of '{layer.Sku}' exists when written");
        }
    }

    public async Task<Transfer?> FindTransferAsync(string id, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT {SqlStore.TransferColumns} FROM transfers WHERE id = @id{(forUpdate ? store.ForUpdate : "")}").With("@id", id);
        return (await command.ListAsync(SqlStore.ReadTransfer, cancellationToken)).SingleOrDefault();
    }

    public async Task InsertTransferAsync(Transfer transfer, CancellationToken cancellationToken) =>
        await InsertRowsAsync("transfers", SqlStore.TransferColumns,
            [[transfer.Id, transfer.From, transfer.To, transfer.Eta, Sql.Text(transfer.Status), JsonSerializer.Serialize(transfer.Lines, Sql.LinesJson),
                transfer.CreatedAt, transfer.ReceivedAt]], cancellationToken);

    public async Task UpdateTransferAsync(Transfer transfer, CancellationToken cancellationToken)
    {
        await using var command = Command("UPDATE transfers SET status = @status, received_at = @receivedAt, lines = @lines WHERE id = @id")
            .With("@status", Sql.Text(transfer.Status)).With("@receivedAt", transfer.ReceivedAt)
            .With("@lines", JsonSerializer.Serialize(transfer.Lines, Sql.LinesJson)).With("@id", transfer.Id);
        Invariant.Require(await command.ExecuteNonQueryAsync(cancellationToken) == 1, $"transfer {transfer.Id} exists when updated");
    }
}
