using System.Data.Common;
using Stockroom.Core;
using Stockroom.Core.Supply;
using Stockroom.Features.Orders;
using Stockroom.Storage;

namespace Stockroom.Features.Supply;

/// <summary>See <see cref="SupplyStatements.CountBasisAsync"/>.</summary>
public readonly record struct CountBasis(long SeenBySource, long MovedSince);

/// <summary>Inbound lots, the sources' snapshot watermarks, and what a late count is brought forward by.</summary>
public static class SupplyStatements
{
    public const string InboundColumns = "sku, location_id, type, reference, quantity, eta, source, snapshot_id";

    public static InboundSupply ReadInbound(DbDataReader r) =>
        new(new PositionKey(r.GetString(0), r.GetString(1)), Sql.Parse<SupplyType>(r.GetString(2)), r.GetString(3), r.GetInt64(4), r.Nullable<DateOnly>(5),
            r.NullableString(6), r.NullableString(7));

    /// <summary>Reads the inbound lots of locked positions.</summary>
    public static async Task<IReadOnlyList<InboundSupply>> ReadInboundAsync(this IStockWrite write, IReadOnlyCollection<PositionKey> keys,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (keys.Count == 0)
        {
            return [];
        }

        await using var command = write.Command($"""
            SELECT {InboundColumns} FROM inbound_supply
            WHERE (sku, location_id) IN (SELECT k.sku, k.location_id FROM ({write.Dialect.KeyList("@keys")}) k)
            ORDER BY sku, location_id, type, reference
            """);
        write.Dialect.BindKeyList(command, "@keys", [.. keys.Distinct()]);
        return await command.ListAsync(ReadInbound, cancellationToken);
    }

    /// <summary>Sets inbound lots of locked positions to their quantity; a lot of zero is removed.</summary>
    public static async Task SetInboundAsync(this IStockWrite write, IReadOnlyCollection<InboundSupply> lots, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(lots);
        foreach (var lot in lots)
        {
            Invariant.Require(lot.Type != SupplyType.OnHand, "on-hand is a position, not an inbound lot");
            Invariant.Require(lot.Quantity >= 0, "an inbound lot is never negative");
            Invariant.Require(write.Holds(LockStage.Positions, LockKeys.Of(lot.Key)), $"position {lot.Key} is locked before its inbound changes");
            await using var command = lot.Quantity == 0
                ? write.Command("DELETE FROM inbound_supply WHERE sku = @sku AND location_id = @location AND type = @type AND reference = @reference")
                : write.Command("""
                    INSERT INTO inbound_supply (sku, location_id, type, reference, quantity, eta, source, snapshot_id, updated_at)
                    VALUES (@sku, @location, @type, @reference, @quantity, @eta, @source, @snapshot, @now)
                    ON CONFLICT (sku, location_id, type, reference) DO UPDATE SET
                        quantity = excluded.quantity, eta = excluded.eta, source = excluded.source, snapshot_id = excluded.snapshot_id,
                        updated_at = excluded.updated_at
                    """).With("@quantity", lot.Quantity).With("@eta", lot.Eta).WithText("@source", lot.Source).WithText("@snapshot", lot.SnapshotId)
                    .With("@now", write.Now);
            command.With("@sku", lot.Key.Sku).With("@location", lot.Key.Location)
                .With("@type", Sql.Text(lot.Type)).With("@reference", lot.Reference);
            await write.ExecuteAsync(command, cancellationToken);
        }
    }

    /// <summary>Locks and reads the last snapshot time of a source at these locations.</summary>
    public static async Task<IReadOnlyDictionary<string, DateTimeOffset>> LockWatermarksAsync(this IStockWrite write, string source,
        IReadOnlyCollection<string> locations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        write.Locking(LockStage.Watermarks, locations.Select(l => source + '\0' + l));
        await using var command = write.Command(
            $"SELECT location_id, as_of FROM supply_watermarks WHERE source = @source AND location_id IN ({write.Dialect.TextList("@locations")}) ORDER BY location_id{write.Dialect.ForUpdate}")
            .With("@source", source);
        write.Dialect.BindTextList(command, "@locations", locations);
        return (await command.ListAsync(r => (r.GetString(0), r.GetFieldValue<DateTimeOffset>(1)), cancellationToken))
            .ToDictionary(w => w.Item1, w => w.Item2, StringComparer.Ordinal);
    }

    public static async Task SetWatermarksAsync(this IStockWrite write, string source, IReadOnlyCollection<string> locations, DateTimeOffset asOf,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command($"""
            INSERT INTO supply_watermarks (source, location_id, as_of, updated_at)
            SELECT @source, value, @asOf, @now FROM ({write.Dialect.TextList("@locations")}) l WHERE true
            ON CONFLICT (source, location_id) DO UPDATE SET as_of = excluded.as_of, updated_at = excluded.updated_at
            """).With("@source", source).With("@asOf", asOf).With("@now", write.Now);
        write.Dialect.BindTextList(command, "@locations", locations);
        await write.ExecuteAsync(command, cancellationToken);
    }

    /// <summary>
    /// What a count as of <paramref name="asOf"/> is brought forward by at each of these positions:
    /// units of orders their POS or ERP had acknowledged by then and that were still allocated
    /// then, and the sum of every movement of on-hand but counts recorded after it. Read under the
    /// positions' locks, so that no movement slips in between.
    /// </summary>
    public static async Task<IReadOnlyDictionary<PositionKey, CountBasis>> CountBasisAsync(this IStockWrite write, IReadOnlyCollection<PositionKey> keys,
        DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (keys.Count == 0)
        {
            return new Dictionary<PositionKey, CountBasis>();
        }

        // Seen: units still allocated now to orders acknowledged by asOf, plus the units such
        // orders shipped or cancelled after asOf (still allocated, and so deducted, at asOf).
        // Moved: every change of on-hand recorded after asOf but counts.
        // Each key looks its rows up through the tables' position indexes, one correlated lookup
        // at a time, whatever the planner guesses. As a join, PostgreSQL judged "at > asOf" from
        // statistics gathered before the latest movements and expected one row: it scanned every
        // movement against every key, and a 100,000-line snapshot ran for minutes.
        await using var command = write.Command($"""
            SELECT sku, location_id, seen, moved FROM (
                SELECT k.sku, k.location_id,
                    COALESCE((SELECT SUM(CASE WHEN l.seller_confirmed = 0 THEN l.quantity - l.shipped - l.cancelled ELSE 0 END)
                        FROM order_lines l JOIN orders o ON o.id = l.order_id
                        WHERE l.sku = k.sku AND l.location_id = k.location_id
                            AND o.status IN ({OrderStatements.OpenStatuses}) AND o.pos_acknowledged_at <= @asOf), 0)
                    + COALESCE((SELECT SUM(CASE WHEN o.pos_acknowledged_at <= @asOf THEN -m.allocated ELSE 0 END)
                        FROM stock_movements m LEFT JOIN orders o ON o.id = m.order_id
                        WHERE m.sku = k.sku AND m.location_id = k.location_id AND m.at > @asOf), 0) AS seen,
                    COALESCE((SELECT SUM(CASE WHEN m.kind = 'counted' THEN 0 ELSE m.on_hand END)
                        FROM stock_movements m
                        WHERE m.sku = k.sku AND m.location_id = k.location_id AND m.at > @asOf), 0) AS moved
                FROM ({write.Dialect.KeyList("@keys")}) k
            ) s
            WHERE seen <> 0 OR moved <> 0
            """).With("@asOf", asOf.ToUniversalTime());
        write.Dialect.BindKeyList(command, "@keys", [.. keys.Distinct()]);
        return (await command.ListAsync(r => (Key: new PositionKey(r.GetString(0), r.GetString(1)), Basis: new CountBasis(r.GetInt64(2), r.GetInt64(3))),
                cancellationToken))
            .ToDictionary(s => s.Key, s => s.Basis);
    }
}
