using System.Data.Common;
using Stockroom.Core.Demand;
using Stockroom.Storage;

namespace Stockroom.Features.Orders;

/// <summary>An order with the digest of the request that made it, for idempotent replays.</summary>
public sealed record StoredOrder(Order Order, string RequestHash);

/// <summary>Which orders to list, in id order after <c>After</c>; null filters match everything.</summary>
public sealed record OrderFilter(OrderStatus? Status, string? Channel, string? Sku, string? Location, DateTimeOffset? CreatedAfter, string? After, int Limit);

/// <summary>Units allocated for an open order at a location that its POS or ERP does not know of yet (none on the seller's word).</summary>
public sealed record WaitingAllocation(string OrderId, string Channel, string Sku, string Location, long Quantity,
    DateTimeOffset AllocatedAt, DateTimeOffset? SentToPosAt);

/// <summary>Orders: one row each and one row per line.</summary>
public static class OrderStatements
{
    public const string Columns =
        "id, channel_id, reservation_id, status, request_hash, created_at, updated_at, sent_to_pos_at, pos_acknowledged_at, tracking_number";

    public const string LineColumns = "line, sku, location_id, quantity, returned, shipped, cancelled, seller_confirmed";

    /// <summary>Order statuses whose open lines hold allocated units, for SQL <c>IN</c> lists.</summary>
    public const string OpenStatuses = "'allocated', 'picked', 'packed', 'partiallyShipped'";

    private static StoredOrder Read(DbDataReader r) => new(
        new Order(r.GetString(0), r.GetString(1), r.NullableString(2), Sql.Parse<OrderStatus>(r.GetString(3)),
            r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6), r.Nullable<DateTimeOffset>(7), r.Nullable<DateTimeOffset>(8),
            r.NullableString(9), []),
        r.GetString(4));

    private static OrderLine ReadLine(DbDataReader r) =>
        new(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7));

    /// <summary>Reads an order with its lines; with <paramref name="forUpdate"/>, locks it until the transaction ends.</summary>
    public static async Task<StoredOrder?> FindOrderAsync(this IStockWrite write, string id, bool forUpdate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (forUpdate)
        {
            write.Locking(LockStage.Orders, [id]);
        }

        StoredOrder? stored;
        await using (var command = write.Command($"SELECT {Columns} FROM orders WHERE id = @id{(forUpdate ? write.Dialect.ForUpdate : "")}").With("@id", id))
        {
            stored = (await command.ListAsync(Read, cancellationToken)).SingleOrDefault();
        }

        if (stored is null)
        {
            return null;
        }

        await using var lines = write.Command($"SELECT {LineColumns} FROM order_lines WHERE order_id = @id ORDER BY line").With("@id", id);
        return stored with { Order = stored.Order with { Lines = await lines.ListAsync(ReadLine, cancellationToken) } };
    }

    public static async Task InsertOrderAsync(this IStockWrite write, StoredOrder order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(order);
        var o = order.Order;
        await write.InsertRowsAsync("orders", Columns,
            [[o.Id, o.Channel, o.ReservationId, Sql.Text(o.Status), order.RequestHash, o.CreatedAt, o.UpdatedAt, o.SentToPosAt, o.PosAcknowledgedAt, o.TrackingNumber]],
            cancellationToken);
        await write.InsertOrderLinesAsync(o.Id, o.Lines, cancellationToken);
    }

    /// <summary>Lines of an order; an order revised by a later marketplace version gains lines after its own.</summary>
    public static async Task InsertOrderLinesAsync(this IStockWrite write, string orderId, IReadOnlyList<OrderLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count > 0)
        {
            await write.InsertRowsAsync("order_lines", $"order_id, {LineColumns}",
                [.. lines.Select(l => new object?[] { orderId, l.Line, l.Sku, l.Location, l.Quantity, l.Returned, l.Shipped, l.Cancelled, l.SellerConfirmed })],
                cancellationToken);
        }
    }

    public static async Task UpdateOrderAsync(this IStockWrite write, Order order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(order);
        await using (var command = write.Command("""
            UPDATE orders SET status = @status, updated_at = @updatedAt, sent_to_pos_at = @sent, pos_acknowledged_at = @acknowledged,
                tracking_number = @tracking
            WHERE id = @id
            """)
            .With("@status", Sql.Text(order.Status)).With("@updatedAt", order.UpdatedAt).With("@sent", order.SentToPosAt)
            .With("@acknowledged", order.PosAcknowledgedAt).With("@tracking", order.TrackingNumber).With("@id", order.Id))
        {
            Core.Invariant.Require(await write.ExecuteAsync(command, cancellationToken) == 1, $"order {order.Id} exists when updated");
        }

        foreach (var line in order.Lines)
        {
            await using var command = write.Command("UPDATE order_lines SET returned = @returned, shipped = @shipped, cancelled = @cancelled WHERE order_id = @id AND line = @line")
                .With("@returned", line.Returned).With("@shipped", line.Shipped).With("@cancelled", line.Cancelled).With("@id", order.Id).With("@line", line.Line);
            await write.ExecuteAsync(command, cancellationToken);
        }
    }

    public static async Task<Order?> GetOrderAsync(this IStockStore store, string id, CancellationToken cancellationToken) =>
        (await store.ListOrdersAsync("o.id = @id", c => c.With("@id", id), 1, cancellationToken)).SingleOrDefault();

    /// <summary>Orders with their lines, in id order; see <see cref="OrderFilter"/>.</summary>
    public static Task<IReadOnlyList<Order>> ListOrdersAsync(this IStockStore store, OrderFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var createdAfter = filter.CreatedAfter is null ? "" : "AND o.created_at > @createdAfter";
        return store.ListOrdersAsync($"""
            o.id > @after {createdAfter}
              AND (@status IS NULL OR o.status = @status)
              AND (@channel IS NULL OR o.channel_id = @channel)
              AND (@sku IS NULL OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku = @sku))
              AND (@location IS NULL OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.location_id = @location))
            """, c =>
            {
                c.With("@after", filter.After ?? "").WithText("@status", filter.Status is { } status ? Sql.Text(status) : null)
                    .WithText("@channel", filter.Channel).WithText("@sku", filter.Sku).WithText("@location", filter.Location);
                if (filter.CreatedAfter is { } after)
                {
                    c.With("@createdAfter", after);
                }
            }, filter.Limit, cancellationToken);
    }

    /// <summary>
    /// Open orders with a line for <paramref name="sku"/>, in id order: found through the lines' index by
    /// SKU, so that a SKU's page costs its own orders and not a walk over every order.
    /// </summary>
    public static Task<IReadOnlyList<Order>> ListOpenOrdersOfSkuAsync(this IStockStore store, string sku, int limit, CancellationToken cancellationToken) =>
        store.ListOrdersAsync($"o.id IN (SELECT l.order_id FROM order_lines l WHERE l.sku = @sku) AND o.status IN ({OpenStatuses})",
            c => c.With("@sku", sku), limit, cancellationToken);

    private static async Task<IReadOnlyList<Order>> ListOrdersAsync(this IStockStore store, string filter, Action<DbCommand> bind, int limit,
        CancellationToken cancellationToken)
    {
        var orders = await store.QueryAsync($"SELECT {Columns} FROM orders o WHERE {filter} ORDER BY o.id LIMIT @limit",
            c => bind(c.With("@limit", limit)), Read, cancellationToken);
        if (orders.Count == 0)
        {
            return [];
        }

        // Every line of the page in one round trip; the order's id comes last, after the columns a line reads.
        var lines = (await store.QueryAsync(
                $"SELECT {LineColumns}, order_id FROM order_lines WHERE order_id IN ({store.Dialect.TextList("@ids")}) ORDER BY order_id, line",
                c => store.Dialect.BindTextList(c, "@ids", [.. orders.Select(o => o.Order.Id)]), r => (OrderId: r.GetString(r.FieldCount - 1), Line: ReadLine(r)),
                cancellationToken))
            .ToLookup(l => l.OrderId, l => l.Line, StringComparer.Ordinal);
        return [.. orders.Select(o => o.Order with { Lines = [.. lines[o.Order.Id]] })];
    }

    /// <summary>Lines of open orders their POS or ERP has not acknowledged, oldest first.</summary>
    public static async Task<IReadOnlyList<WaitingAllocation>> ListWaitingAllocationsAsync(this IStockStore store, string? location, int limit,
        CancellationToken cancellationToken) =>
        await store.QueryAsync($"""
            SELECT o.id, o.channel_id, l.sku, l.location_id, l.quantity - l.shipped - l.cancelled, o.created_at, o.sent_to_pos_at
            FROM orders o JOIN order_lines l ON l.order_id = o.id
            WHERE o.status IN ({OpenStatuses}) AND o.pos_acknowledged_at IS NULL AND l.quantity > l.shipped + l.cancelled AND l.seller_confirmed = 0
              AND (@location IS NULL OR l.location_id = @location)
            ORDER BY o.created_at, o.id, l.line LIMIT @limit
            """, c => c.WithText("@location", location).With("@limit", limit),
            r => new WaitingAllocation(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4),
                r.GetFieldValue<DateTimeOffset>(5), r.Nullable<DateTimeOffset>(6)),
            cancellationToken);
}
