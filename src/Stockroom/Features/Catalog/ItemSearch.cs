using System.Globalization;
using Stockroom.Core.Catalog;
using Stockroom.Storage;

namespace Stockroom.Features.Catalog;

/// <summary>The columns the items list sorts by.</summary>
public enum ItemOrder
{
    Sku,
    Name,
    Updated,
}

/// <summary>
/// A search of the catalog for the admin list: text found in the SKU or the name (ignoring case),
/// optionally one status or one parent's variants, in one order, after a cursor.
/// </summary>
public sealed record ItemSearch(string? Text, ItemStatus? Status, string? Parent, ItemOrder Order, bool Descending, string? After, int Limit);

/// <summary>
/// Searching and paging the catalog, which can hold hundreds of thousands of SKUs: each page is read
/// with a keyset (the sort value and the SKU of the last row), never an offset, so that the last
/// page costs what the first does.
/// </summary>
public static class ItemSearches
{
    public static async Task<IReadOnlyList<Item>> SearchItemsAsync(this IStockStore store, ItemSearch search, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(search);
        var where = new List<string>();
        if (search.Text is not null)
        {
            where.Add(@"(LOWER(sku) LIKE @pattern ESCAPE '\' OR LOWER(name) LIKE @pattern ESCAPE '\')");
        }

        if (search.Status is not null)
        {
            where.Add("status = @status");
        }

        if (search.Parent is not null)
        {
            where.Add("parent_sku = @parent");
        }

        // The name is sorted without regard to case; the parameter goes through the same LOWER as the column, so both stores compare alike.
        var key = search.Order switch
        {
            ItemOrder.Name => "LOWER(name)",
            ItemOrder.Updated => "updated_at",
            _ => null,
        };
        var after = Cursor(search);
        var comparison = search.Descending ? "<" : ">";
        if (after is not null)
        {
            where.Add(key is null ? $"sku {comparison} @afterSku"
                : search.Order == ItemOrder.Name ? $"({key}, sku) {comparison} (LOWER(@afterKey), @afterSku)"
                : $"({key}, sku) {comparison} (@afterKey, @afterSku)");
        }

        var direction = search.Descending ? "DESC" : "ASC";
        var order = key is null ? $"sku {direction}" : $"{key} {direction}, sku {direction}";
        var sql = $"SELECT {CatalogRows.ItemColumns} FROM items {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} ORDER BY {order} LIMIT @limit";
        return await store.QueryAsync(sql, c =>
        {
            c.With("@limit", search.Limit);
            if (search.Text is not null)
            {
                c.With("@pattern", $"%{Escape(search.Text.ToLowerInvariant())}%");
            }

            if (search.Status is { } status)
            {
                c.With("@status", Sql.Text(status));
            }

            if (search.Parent is not null)
            {
                c.With("@parent", search.Parent);
            }

            if (after is { } cursor)
            {
                c.With("@afterSku", cursor.Sku);
                if (cursor.Key is not null)
                {
                    c.With("@afterKey", cursor.Key);
                }
            }
        }, CatalogRows.ReadItem, cancellationToken);
    }

    /// <summary>The cursor of the page after the one ending with <paramref name="last"/>.</summary>
    public static string NextCursor(ItemOrder order, Item last)
    {
        ArgumentNullException.ThrowIfNull(last);
        return order switch
        {
            ItemOrder.Name => $"{last.Name}|{last.Sku}",
            ItemOrder.Updated => $"{last.UpdatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{last.Sku}",
            _ => last.Sku,
        };
    }

    // SKUs never contain '|', so the SKU is what follows the last one; a name may contain it.
    private static (object? Key, string Sku)? Cursor(ItemSearch search)
    {
        if (search.After is not { Length: > 0 } after)
        {
            return null;
        }

        if (search.Order == ItemOrder.Sku)
        {
            return (null, after);
        }

        var bar = after.LastIndexOf('|');
        if (bar < 0)
        {
            return null;
        }

        var (value, sku) = (after[..bar], after[(bar + 1)..]);
        if (search.Order == ItemOrder.Name)
        {
            return (value, sku);
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? (new DateTimeOffset(ticks, TimeSpan.Zero), sku)
            : null;
    }

    private static string Escape(string text) => text.Replace(@"\", @"\\", StringComparison.Ordinal)
        .Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    /// <summary>How many variants each of these items has; items without any are left out.</summary>
    public static async Task<IReadOnlyDictionary<string, int>> CountVariantsAsync(this IStockStore store, IReadOnlyCollection<string> skus,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(skus);
        if (skus.Count == 0)
        {
            return new Dictionary<string, int>(StringComparer.Ordinal);
        }

        var rows = await store.QueryAsync(
            $"SELECT parent_sku, COUNT(*) FROM items WHERE parent_sku IN ({store.Dialect.TextList("@skus")}) GROUP BY parent_sku",
            c => store.Dialect.BindTextList(c, "@skus", skus), r => (Sku: r.GetString(0), Count: Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture)),
            cancellationToken);
        return rows.ToDictionary(r => r.Sku, r => r.Count, StringComparer.Ordinal);
    }
}
