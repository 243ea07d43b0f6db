using Stockroom.Core.Ledger;
using Stockroom.Storage;

namespace Stockroom.Features.Ledger;

/// <summary>
/// The ledger searched as the admin page asks: by event type and by text in the event's data (an
/// order id, a SKU, a reference), newest first, looking through a bounded window of sequences per
/// page so that a search for something rare never reads the whole ledger in one request.
/// </summary>
public static class LedgerSearch
{
    /// <summary>Events one page looks through at most, matched or not.</summary>
    public const long ScanWindow = 20_000;

    /// <summary>
    /// Events before <paramref name="before"/> and at or after <c>before − ScanWindow</c> that match,
    /// newest first, at most <paramref name="limit"/>. Both stores match the text with <c>LIKE</c>,
    /// its wildcards escaped.
    /// </summary>
    public static async Task<IReadOnlyList<LedgerEvent>> SearchEventsAsync(this IStockStore store, string? type, string? text, long before, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var pattern = text is null ? null
            : "%" + text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";
        return await store.QueryAsync("""
            SELECT sequence, type, at, data, previous_hash, hash FROM events
            WHERE sequence < @before AND sequence >= @floor
              AND (@type IS NULL OR type = @type) AND (@pattern IS NULL OR data LIKE @pattern ESCAPE '\')
            ORDER BY sequence DESC LIMIT @limit
            """,
            c => c.With("@before", before).With("@floor", before - ScanWindow).WithText("@type", type).WithText("@pattern", pattern).With("@limit", limit),
            r => new LedgerEvent(r.GetInt64(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3), r.GetString(4), r.GetString(5)),
            cancellationToken);
    }
}
