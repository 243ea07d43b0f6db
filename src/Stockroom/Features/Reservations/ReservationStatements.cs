using System.Data.Common;
using System.Text.Json;
using Stockroom.Core.Demand;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>A reservation with the digest of the request that made it, for idempotent replays.</summary>
public sealed record StoredReservation(Reservation Reservation, string RequestHash);

/// <summary>Which reservations to list; null filters match everything.</summary>
public sealed record ReservationFilter(ReservationStatus? Status, string? Channel, string? Sku, string? After, int Limit);

/// <summary>
/// Reservations: one row each, their lines kept as JSON in it, and one <c>reservation_lines</c>
/// row per line so that reservations can be found by SKU.
/// </summary>
public static class ReservationStatements
{
    public const string Columns =
        "id, channel_id, customer_id, priority, status, allow_partial, allow_backorder, request_hash, created_at, expires_at, updated_at, order_id, lines, accept_by";

    public static StoredReservation Read(DbDataReader r) => new(
        new Reservation(r.GetString(0), r.GetString(1), r.NullableString(2), r.GetInt32(3), Sql.Parse<ReservationStatus>(r.GetString(4)),
            r.GetBoolean(5), r.GetBoolean(6), r.GetFieldValue<DateTimeOffset>(8), r.GetFieldValue<DateTimeOffset>(9),
            r.GetFieldValue<DateTimeOffset>(10), r.NullableString(11),
            JsonSerializer.Deserialize<List<ReservationLine>>(r.GetString(12), Sql.RowJson)!, r.Nullable<DateTimeOffset>(13)),
        r.GetString(7));

    private static object?[] Row(StoredReservation stored)
    {
        var r = stored.Reservation;
        return [r.Id, r.Channel, r.CustomerId, r.Priority, Sql.Text(r.Status), r.AllowPartial, r.AllowBackorder, stored.RequestHash,
            r.CreatedAt, r.ExpiresAt, r.UpdatedAt, r.OrderId, JsonSerializer.Serialize(r.Lines, Sql.RowJson), r.AcceptBy];
    }

    /// <summary>Reads reservations by id; with <paramref name="forUpdate"/>, locks them (in id order) until the transaction ends.</summary>
    public static async Task<IReadOnlyDictionary<string, StoredReservation>> FindReservationsAsync(this IStockWrite write, IReadOnlyCollection<string> ids,
        bool forUpdate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return new Dictionary<string, StoredReservation>();
        }

        if (forUpdate)
        {
            write.Locking(LockStage.Reservations, ids);
        }

        await using var command = write.Command(
            $"SELECT {Columns} FROM reservations WHERE id IN ({write.Dialect.TextList("@ids")}) ORDER BY id{(forUpdate ? write.Dialect.ForUpdate : "")}");
        write.Dialect.BindTextList(command, "@ids", ids);
        return (await command.ListAsync(Read, cancellationToken)).ToDictionary(r => r.Reservation.Id, StringComparer.Ordinal);
    }

    /// <summary>Queues new reservations and their lines, to be written with the commit (<see cref="IStockWrite.Later"/>).</summary>
    public static void InsertReservationsLater(this IStockWrite write, IReadOnlyCollection<StoredReservation> reservations)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(reservations);
        write.InsertRowsLater("reservations", Columns, [.. reservations.Select(Row)]);
        write.InsertRowsLater("reservation_lines", "reservation_id, line, sku",
            [.. reservations.SelectMany(r => r.Reservation.Lines.Select(l => new object?[] { r.Reservation.Id, l.Line, l.Sku }))]);
    }

    /// <summary>Writes the status, lines and order of reservations read in this transaction.</summary>
    public static async Task UpdateReservationsAsync(this IStockWrite write, IReadOnlyCollection<Reservation> reservations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(reservations);
        foreach (var reservation in reservations)
        {
            await using var command = write.Command("""
                UPDATE reservations SET status = @status, lines = @lines, order_id = @order, expires_at = @expiresAt, updated_at = @updatedAt,
                    accept_by = @acceptBy
                WHERE id = @id
                """).With("@acceptBy", reservation.AcceptBy)
                .With("@status", Sql.Text(reservation.Status)).With("@lines", JsonSerializer.Serialize(reservation.Lines, Sql.RowJson))
                .With("@order", reservation.OrderId).With("@expiresAt", reservation.ExpiresAt).With("@updatedAt", reservation.UpdatedAt)
                .With("@id", reservation.Id);
            Core.Invariant.Require(await write.ExecuteAsync(command, cancellationToken) == 1, $"reservation {reservation.Id} exists when updated");
        }
    }

    /// <summary>
    /// Locks up to <paramref name="limit"/> open reservations whose time ran out, skipping any that
    /// another process is working on, so each expiry happens once.
    /// </summary>
    public static async Task<IReadOnlyList<Reservation>> LockExpiredReservationsAsync(this IStockWrite write, DateTimeOffset now, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command($"""
            SELECT {Columns} FROM reservations
            WHERE status IN ('pending', 'active', 'partial', 'backordered') AND expires_at <= @now
            ORDER BY id LIMIT @limit{write.Dialect.ForUpdateSkipLocked}
            """).With("@now", now).With("@limit", limit);
        var due = (await command.ListAsync(Read, cancellationToken)).Select(r => r.Reservation).ToList();
        // Skipping locked rows never waits, so the order matters only for what is locked next.
        write.Locking(LockStage.Reservations, due.Select(r => r.Id));
        return due;
    }

    public static async Task<IReadOnlyDictionary<string, StoredReservation>> GetReservationsAsync(this IStockStore store, IReadOnlyCollection<string> ids,
        CancellationToken cancellationToken) =>
        ids.Count == 0 ? new Dictionary<string, StoredReservation>() : (await store.QueryAsync(
            $"SELECT {Columns} FROM reservations WHERE id IN ({store.Dialect.TextList("@ids")})",
            c => store.Dialect.BindTextList(c, "@ids", ids), Read, cancellationToken)).ToDictionary(r => r.Reservation.Id, StringComparer.Ordinal);

    public static async Task<IReadOnlyList<Reservation>> ListReservationsAsync(this IStockStore store, ReservationFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(filter);
        var sql = $"""
            SELECT {Columns} FROM reservations r
            WHERE r.id > @after
              AND (@status IS NULL OR r.status = @status)
              AND (@channel IS NULL OR r.channel_id = @channel)
              AND (@sku IS NULL OR EXISTS (SELECT 1 FROM reservation_lines l WHERE l.reservation_id = r.id AND l.sku = @sku))
            ORDER BY r.id LIMIT @limit
            """;
        return [.. (await store.QueryAsync(sql, c => c.With("@after", filter.After ?? "")
                .WithText("@status", filter.Status is { } status ? Sql.Text(status) : null).WithText("@channel", filter.Channel).WithText("@sku", filter.Sku)
                .With("@limit", filter.Limit), Read, cancellationToken))
            .Select(r => r.Reservation)];
    }

    /// <summary>
    /// Reservations in <paramref name="status"/> (every status when null) whose id, customer, order
    /// or one of whose lines' SKU is <paramref name="search"/> (all when null), in id order after
    /// <paramref name="after"/>: the admin page's search, keyset-paged like the API's list.
    /// </summary>
    public static async Task<IReadOnlyList<Reservation>> SearchReservationsAsync(this IStockStore store, ReservationStatus? status, string? search, string? after,
        int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var sql = $"""
            SELECT {Columns} FROM reservations r
            WHERE r.id > @after
              AND (@status IS NULL OR r.status = @status)
              AND (@search IS NULL OR r.id = @search OR r.customer_id = @search OR r.order_id = @search
                OR EXISTS (SELECT 1 FROM reservation_lines l WHERE l.reservation_id = r.id AND l.sku = @search))
            ORDER BY r.id LIMIT @limit
            """;
        return [.. (await store.QueryAsync(sql, c => c.With("@after", after ?? "")
                .WithText("@status", status is { } s ? Sql.Text(s) : null).WithText("@search", search).With("@limit", limit), Read, cancellationToken))
            .Select(r => r.Reservation)];
    }

    /// <summary>Active and partial reservations with a line for one of these SKUs, newest first.</summary>
    public static async Task<IReadOnlyList<Reservation>> GetHoldingReservationsAsync(this IStockStore store, IReadOnlyCollection<string> skus, int limit,
        CancellationToken cancellationToken) =>
        skus.Count == 0 ? [] : [.. (await store.QueryAsync($"""
            SELECT {Columns} FROM reservations r
            WHERE r.status IN ('active', 'partial')
              AND EXISTS (SELECT 1 FROM reservation_lines l WHERE l.reservation_id = r.id AND l.sku IN ({store.Dialect.TextList("@skus")}))
            ORDER BY r.created_at DESC, r.{store.Dialect.ArrivalOrder} DESC LIMIT @limit
            """, c => store.Dialect.BindTextList(c.With("@limit", limit), "@skus", skus), Read, cancellationToken)).Select(r => r.Reservation)];

    /// <summary>Backordered reservations with a line for one of these SKUs: highest priority, then oldest, first.</summary>
    public static async Task<IReadOnlyList<Reservation>> GetBackorderedReservationsAsync(this IStockStore store, IReadOnlyCollection<string> skus, int limit,
        CancellationToken cancellationToken) =>
        skus.Count == 0 ? [] : [.. (await store.QueryAsync($"""
            SELECT {Columns} FROM reservations r
            WHERE r.status = 'backordered'
              AND EXISTS (SELECT 1 FROM reservation_lines l WHERE l.reservation_id = r.id AND l.sku IN ({store.Dialect.TextList("@skus")}))
            ORDER BY r.priority DESC, r.created_at, r.{store.Dialect.ArrivalOrder} LIMIT @limit
            """, c => store.Dialect.BindTextList(c.With("@limit", limit), "@skus", skus), Read, cancellationToken)).Select(r => r.Reservation)];
}
