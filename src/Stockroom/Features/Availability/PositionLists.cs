using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Availability;

/// <summary>The orders the positions list pages through in the store, each along an index.</summary>
public enum PositionOrder
{
    /// <summary>By SKU, then location: the primary key.</summary>
    Sku,

    /// <summary>By location, then SKU: <c>positions_by_location</c>.</summary>
    Location,
}

/// <summary>
/// Positions paged with a keyset along an index, in either direction: a page deep in the list costs
/// what the first one does, where OFFSET paging would read and throw away every row before it.
/// </summary>
public static class PositionLists
{
    // Above every identifier (they are ASCII), as the start of a descending walk.
    private const string Highest = "\uffff";

    /// <summary>
    /// Positions whose SKU starts with <paramref name="skuPrefix"/>, at these locations (null: all), in
    /// <paramref name="order"/>, after the key <paramref name="after"/> in that order.
    /// </summary>
    public static async Task<IReadOnlyList<Position>> ListPositionsAsync(this IStockStore store, string? skuPrefix, IReadOnlyCollection<string>? locations,
        PositionOrder order, bool descending, PositionKey? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var (first, second) = order == PositionOrder.Sku ? ("sku", "location_id") : ("location_id", "sku");
        var (firstAfter, secondAfter) = order == PositionOrder.Sku ? ("@sku", "@location") : ("@location", "@sku");
        var (compare, direction) = descending ? ("<", " DESC") : (">", "");
        // The keyset as one row-value comparison, which both engines walk as a range of the index;
        // spelled as "a > x OR (a = x AND b > y)", PostgreSQL reads the index from the start of the
        // prefix and filters, so a page 90% in read 90% of the rows. The prefix range is left out when
        // there is none, so that it never draws the planner to the primary key when the order is by location.
        var sql = $"""
            SELECT {Sql.PositionColumns} FROM positions
            WHERE ({first}, {second}) {compare} ({firstAfter}, {secondAfter})
              {(skuPrefix is null ? "" : "AND sku >= @prefix AND sku < @prefixEnd")}
              {(locations is null ? "" : $"AND location_id IN ({store.Dialect.TextList("@locations")})")}
            ORDER BY {first}{direction}, {second}{direction} LIMIT @limit
            """;
        if (order == PositionOrder.Sku && skuPrefix is not null && after is null)
        {
            // The first page starts at the prefix itself: the index range then begins there, not at the first SKU there is.
            after = descending ? new PositionKey(skuPrefix + Highest, "") : new PositionKey(skuPrefix, "");
        }

        var start = descending ? Highest : "";
        return await store.QueryAsync(sql, c =>
        {
            // A prefix is the range [prefix, prefix + the highest character): it uses the key's index.
            c.With("@prefix", skuPrefix ?? "").With("@prefixEnd", (skuPrefix ?? "") + Highest)
                .With("@sku", after?.Sku ?? start).With("@location", after?.Location ?? start).With("@limit", limit);
            if (locations is not null)
            {
                store.Dialect.BindTextList(c, "@locations", locations);
            }
        }, Sql.ReadPosition, cancellationToken);
    }
}
