using System.Data.Common;
using System.Text.Json;
using Stockroom.Core.Insights;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>The read side of demand history, valuation and transfers.</summary>
public abstract partial class SqlStore
{
    internal const string CostColumns = "sku, quantity, value, average_cost, cogs";

    internal static CostLayer ReadCost(DbDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetDecimal(2), r.GetDecimal(3), r.GetDecimal(4));

    internal const string TransferColumns = "id, from_location, to_location, eta, status, lines, created_at, received_at";

    internal static Transfer ReadTransfer(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.Nullable<DateOnly>(3), Sql.Parse<TransferStatus>(r.GetString(4)),
        JsonSerializer.Deserialize<List<TransferLine>>(r.GetString(5), Sql.LinesJson)!, r.GetFieldValue<DateTimeOffset>(6), r.Nullable<DateTimeOffset>(7));

    public async Task<IReadOnlyList<DemandDay>> ReadDemandAsync(IReadOnlyCollection<string> skus, IReadOnlyCollection<string>? locations, DateOnly first, DateOnly last,
        CancellationToken cancellationToken) =>
        skus.Count == 0 || locations is { Count: 0 } ? [] : await QueryAsync($"""
            SELECT day, sku, location_id, shipped, lost FROM demand_days
            WHERE sku IN ({TextList("@skus")}){(locations is null ? "" : $" AND location_id IN ({TextList("@locations")})")} AND day >= @from AND day <= @to
            ORDER BY sku, location_id, day
            """, c =>
            {
                BindTextList(c.With("@from", first).With("@to", last), "@skus", skus);
                if (locations is not null)
                {
                    BindTextList(c, "@locations", locations);
                }
            }, r => new DemandDay(r.GetFieldValue<DateOnly>(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4)), cancellationToken);

    public async Task<IReadOnlyList<CostLayer>> ReadCostsAsync(string? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {CostColumns} FROM sku_costs WHERE sku > @after ORDER BY sku LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), ReadCost, cancellationToken);

    public async Task<IReadOnlyDictionary<string, long>> ReadOnHandTotalsAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken) =>
        skus.Count == 0 ? new Dictionary<string, long>(StringComparer.Ordinal) : (await QueryAsync(
            $"SELECT sku, CAST(SUM(on_hand) AS BIGINT) FROM positions WHERE sku IN ({TextList("@skus")}) GROUP BY sku",
            c => BindTextList(c, "@skus", skus), r => (Sku: r.GetString(0), OnHand: r.GetInt64(1)), cancellationToken))
            .ToDictionary(t => t.Sku, t => t.OnHand, StringComparer.Ordinal);

    public async Task<Transfer?> GetTransferAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {TransferColumns} FROM transfers WHERE id = @id", c => c.With("@id", id), ReadTransfer, cancellationToken)).SingleOrDefault();
}
