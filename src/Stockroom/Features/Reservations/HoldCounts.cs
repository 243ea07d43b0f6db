using System.Globalization;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>Holds made in one UTC hour: how many, and the units they asked for.</summary>
public sealed record HoldHour(DateTimeOffset Hour, long Holds, long Units);

/// <summary>Holds counted by the hour they were made, for the dashboard.</summary>
public static class HoldCounts
{
    /// <summary>
    /// Holds made since <paramref name="since"/>, per UTC hour that has any, oldest first. Counted in
    /// the store along <c>reservations_by_creation</c>, so a view costs the holds of the window and not
    /// every hold ever made; units are the lines' requested quantities, summed in SQL from the JSON
    /// the lines are kept as (each dialect has its own JSON functions).
    /// </summary>
    public static async Task<IReadOnlyList<HoldHour>> ReadHoldsByHourAsync(this IStockStore store, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var (hour, units) = store.Kind == StoreKind.Postgres
            ? ("to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')",
                "(SELECT CAST(COALESCE(SUM(CAST(l.value ->> 'requested' AS BIGINT)), 0) AS BIGINT) FROM json_array_elements(CAST(r.lines AS json)) l)")
            // SQLite keeps times as ISO 8601 text in UTC: the hour is its first 13 characters.
            : ("substr(r.created_at, 1, 13)",
                "(SELECT COALESCE(SUM(json_extract(l.value, '$.requested')), 0) FROM json_each(r.lines) l)");
        return await store.QueryAsync($"""
            SELECT {hour} AS hour, COUNT(*), CAST(COALESCE(SUM({units}), 0) AS BIGINT) FROM reservations r
            WHERE r.created_at >= @since GROUP BY {hour} ORDER BY 1
            """, c => c.With("@since", since),
            r => new HoldHour(DateTimeOffset.ParseExact(r.GetString(0).Replace('T', ' '), "yyyy-MM-dd HH", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                r.GetInt64(1), r.GetInt64(2)),
            cancellationToken);
    }
}
