using Stockroom.Core.Catalog;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;
using Stockroom.Features.Catalog;
using Stockroom.Features.Rules;
using Stockroom.Features.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Availability;

/// <summary>
/// What availability is computed from, for a set of SKUs at a set of locations: the items, their
/// positions (absent ones read as empty), inbound lots and the safety stock rules that apply.
/// </summary>
public sealed record StockSnapshot(
    IReadOnlyDictionary<string, Item> Items,
    IReadOnlyDictionary<PositionKey, Position> Positions,
    ILookup<PositionKey, InboundSupply> Inbound,
    SafetyStockPolicy SafetyStock)
{
    public Position PositionAt(string sku, string location) =>
        Positions.GetValueOrDefault(new PositionKey(sku, location)) ?? Position.Empty(new PositionKey(sku, location));
}

/// <summary>Stock as availability and the admin pages read it: never under a lock, never cached.</summary>
public static class StockReads
{
    /// <summary>
    /// Everything availability needs for these SKUs at these locations: items and stock (positions
    /// and inbound) read fresh in one round trip, the safety stock rules through the catalog cache.
    /// </summary>
    public static async Task<StockSnapshot> ReadStockAsync(this IStockStore store, IReadOnlyCollection<string> skus, IReadOnlyCollection<string> locations,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        // One round trip: the SKUs' items, positions and inbound lots in one command of three
        // statements. Items are read with their stock rather than through the cache, which a
        // listing page's thousand SKUs would mostly miss; the network and rules, few and slow to
        // change, come from the cache.
        var safetyStock = await store.GetCachedSafetyPolicyAsync(skus, locations, cancellationToken);
        var dialect = store.Dialect;
        var sql = $"""
            SELECT {CatalogRows.ItemColumns} FROM items WHERE sku IN ({dialect.TextList("@skus")});
            SELECT {Sql.PositionColumns} FROM positions WHERE sku IN ({dialect.TextList("@skus")}) AND location_id IN ({dialect.TextList("@locations")});
            SELECT {SupplyStatements.InboundColumns} FROM inbound_supply WHERE sku IN ({dialect.TextList("@skus")}) AND location_id IN ({dialect.TextList("@locations")})
                ORDER BY sku, location_id, eta, type, reference;
            """;
        await using var connection = await store.OpenReadAsync(cancellationToken);
        await using var command = connection.Command(null, sql);
        dialect.BindTextList(command, "@skus", skus);
        dialect.BindTextList(command, "@locations", locations);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = await reader.RowsAsync(CatalogRows.ReadItem, cancellationToken);
        var positions = await reader.NextRowsAsync(Sql.ReadPosition, cancellationToken);
        var inbound = await reader.NextRowsAsync(SupplyStatements.ReadInbound, cancellationToken);
        return new StockSnapshot(
            items.ToDictionary(i => i.Sku, StringComparer.Ordinal),
            positions.ToDictionary(p => p.Key),
            inbound.ToLookup(l => l.Key),
            safetyStock);
    }

    /// <summary>Positions whose SKU starts with <paramref name="skuPrefix"/>, at these locations (null: all), in key order.</summary>
    public static async Task<IReadOnlyList<Position>> SearchPositionsAsync(this IStockStore store, string? skuPrefix, IReadOnlyCollection<string>? locations,
        PositionKey? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.QueryAsync($"""
            SELECT {Sql.PositionColumns} FROM positions
            WHERE sku >= @prefix AND sku < @prefixEnd
              AND (sku > @sku OR (sku = @sku AND location_id > @location))
              {(locations is null ? "" : $"AND location_id IN ({store.Dialect.TextList("@locations")})")}
            ORDER BY sku, location_id LIMIT @limit
            """, c =>
            {
                // A prefix is the range [prefix, prefix + the highest character): it uses the key's index.
                c.With("@prefix", skuPrefix ?? "").With("@prefixEnd", (skuPrefix ?? "") + "\uffff")
                    .With("@sku", after?.Sku ?? "").With("@location", after?.Location ?? "").With("@limit", limit);
                if (locations is not null)
                {
                    store.Dialect.BindTextList(c, "@locations", locations);
                }
            }, Sql.ReadPosition, cancellationToken);
    }

    /// <summary>Positions with little or nothing left to promise, or short, for the alerts page.</summary>
    public static async Task<IReadOnlyList<Position>> ListTightPositionsAsync(this IStockStore store, long availableMax, int limit,
        CancellationToken cancellationToken) =>
        await store.QueryAsync($"""
            SELECT {Sql.PositionColumns} FROM positions
            WHERE (on_hand > 0 OR reserved + allocated + backordered > 0)
              AND on_hand - reserved - allocated - backordered <= @max
            ORDER BY on_hand - reserved - allocated - backordered, sku, location_id LIMIT @limit
            """, c => c.With("@max", availableMax).With("@limit", limit), Sql.ReadPosition, cancellationToken);

    /// <summary>On-hand units of each of these SKUs, summed over every location.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> ReadOnHandTotalsAsync(this IStockStore store, IReadOnlyCollection<string> skus,
        CancellationToken cancellationToken) =>
        skus.Count == 0 ? new Dictionary<string, long>(StringComparer.Ordinal) : (await store.QueryAsync(
            $"SELECT sku, CAST(SUM(on_hand) AS BIGINT) FROM positions WHERE sku IN ({store.Dialect.TextList("@skus")}) GROUP BY sku",
            c => store.Dialect.BindTextList(c, "@skus", skus), r => (Sku: r.GetString(0), OnHand: r.GetInt64(1)), cancellationToken))
            .ToDictionary(t => t.Sku, t => t.OnHand, StringComparer.Ordinal);
}
