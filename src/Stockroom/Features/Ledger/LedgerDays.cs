using Stockroom.Core.Ledger;
using Stockroom.Storage;

namespace Stockroom.Features.Ledger;

/// <summary>Reads of the ledger by time and by type, bounded for pages that show "today".</summary>
public static class LedgerDays
{
    /// <summary>
    /// The first sequence recorded at or after <paramref name="at"/> (the head + 1 when none is), found by
    /// halving the range of sequences: a few dozen key lookups, where a filter on the unindexed time would
    /// read every event. Times follow sequences up to the few milliseconds two writers' clocks may
    /// differ by, which is finer than any page that shows a day needs.
    /// </summary>
    public static async Task<long> FirstSequenceAtOrAfterAsync(this IStockStore store, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var head = (await store.ReadLedgerHeadAsync(cancellationToken)).Sequence;
        await using var connection = await store.OpenReadAsync(cancellationToken);
        long low = 1, high = head + 1;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            await using var command = connection.Command(null, "SELECT at FROM events WHERE sequence >= @sequence ORDER BY sequence LIMIT 1")
                .With("@sequence", middle);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var found = await reader.ReadAsync(cancellationToken) ? reader.GetFieldValue<DateTimeOffset>(0) : (DateTimeOffset?)null;
            if (found is { } moment && moment < at)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>Events of one type from <paramref name="fromSequence"/> on, newest first, along <c>events_by_type</c>.</summary>
    public static async Task<IReadOnlyList<LedgerEvent>> ReadEventsOfTypeAsync(this IStockStore store, string type, long fromSequence, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.QueryAsync("""
            SELECT sequence, type, at, data, previous_hash, hash FROM events
            WHERE type = @type AND sequence >= @from ORDER BY sequence DESC LIMIT @limit
            """, c => c.With("@type", type).With("@from", fromSequence).With("@limit", limit),
            r => new LedgerEvent(r.GetInt64(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3), r.GetString(4), r.GetString(5)),
            cancellationToken);
    }
}
