namespace Stockroom.Client;

/// <summary>
/// <c>allocated → picked → packed → shipped → returned</c>, or <c>cancelled</c> before it ships;
/// <c>partiallyShipped</c> while some lines have shipped or been cancelled and others are open.
/// </summary>
public enum OrderStatus
{
    Allocated,
    Picked,
    Packed,
    PartiallyShipped,
    Shipped,
    Cancelled,
    Returned,
}

public enum OrderEventType
{
    Picked,
    Packed,
    Shipped,
    Cancelled,
    Returned,
    SentToPos,
    PosAcknowledged,
}

/// <summary>
/// The body of <c>POST /v1/orders</c>, idempotent by <see cref="Id"/>: it consumes the reservation
/// <see cref="ReservationId"/> (of the same channel), or holds <see cref="Lines"/> now.
/// </summary>
public sealed record OrderRequest
{
    public required string Id { get; init; }

    public required string Channel { get; init; }

    public string? ReservationId { get; init; }

    public IReadOnlyList<OrderLineRequest>? Lines { get; init; }
}

public sealed record OrderLineRequest
{
    public required string Sku { get; init; }

    public required long Quantity { get; init; }

    public string? Location { get; init; }
}

/// <summary>Demand allocated at locations, on its way through fulfilment.</summary>
public sealed record Order
{
    public string Id { get; init; } = "";

    public string Channel { get; init; } = "";

    public string? ReservationId { get; init; }

    public OrderStatus Status { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the order was handed to the location's POS or ERP.</summary>
    public DateTimeOffset? SentToPosAt { get; init; }

    public DateTimeOffset? PosAcknowledgedAt { get; init; }

    public string? TrackingNumber { get; init; }

    public IReadOnlyList<OrderLine> Lines { get; init; } = [];
}

/// <summary>Units of one SKU an order has at one location, and how many shipped, were cancelled, and came back.</summary>
public sealed record OrderLine
{
    public int Line { get; init; }

    public string Sku { get; init; } = "";

    public string Location { get; init; } = "";

    public long Quantity { get; init; }

    public long Shipped { get; init; }

    public long Cancelled { get; init; }

    public long Returned { get; init; }

    public long SellerConfirmed { get; init; }
}

/// <summary>
/// The body of <c>POST /v1/orders/{id}/events</c>, idempotent by <see cref="Id"/>. <c>shipped</c>,
/// <c>cancelled</c> and <c>returned</c> take <see cref="Lines"/> for part of the order; without, they apply to all of it.
/// </summary>
public sealed record OrderEvent
{
    public required string Id { get; init; }

    public required OrderEventType Type { get; init; }

    public IReadOnlyList<OrderEventLine>? Lines { get; init; }

    public string? TrackingNumber { get; init; }
}

public sealed record OrderEventLine
{
    public required string Sku { get; init; }

    public required long Quantity { get; init; }

    /// <summary>One of the order's locations, when it has the SKU at several.</summary>
    public string? Location { get; init; }
}

/// <summary>Which orders to list; every filter left out lists them all.</summary>
public sealed record OrderFilter
{
    public OrderStatus? Status { get; init; }

    public string? Channel { get; init; }

    public string? Sku { get; init; }

    public string? Location { get; init; }

    public DateTimeOffset? CreatedAfter { get; init; }
}

/// <summary>Units held for orders the POS or ERP does not know yet, per location and in total.</summary>
public sealed record AllocationsReport
{
    public long TotalUnits { get; init; }

    public int Orders { get; init; }

    public IReadOnlyList<LocationAllocations> Locations { get; init; } = [];

    /// <summary>True when there were more order lines than one report reads.</summary>
    public bool Truncated { get; init; }
}

public sealed record LocationAllocations
{
    public string Location { get; init; } = "";

    public long Units { get; init; }

    public DateTimeOffset OldestAllocatedAt { get; init; }

    public IReadOnlyList<WaitingOrder> Orders { get; init; } = [];
}

/// <summary>One order's units at a location that its POS or ERP does not know of yet.</summary>
public sealed record WaitingOrder
{
    public string OrderId { get; init; } = "";

    public string Channel { get; init; } = "";

    public long Units { get; init; }

    public IReadOnlyList<WaitingLine> Lines { get; init; } = [];

    public DateTimeOffset AllocatedAt { get; init; }

    public DateTimeOffset? SentToPosAt { get; init; }

    public long WaitingSeconds { get; init; }
}

public sealed record WaitingLine
{
    public string Sku { get; init; } = "";

    public long Quantity { get; init; }
}

/// <summary><c>/v1/orders</c>: demand allocated at locations, through fulfilment.</summary>
public sealed class OrdersClient
{
    private readonly StockroomTransport _transport;

    internal OrdersClient(StockroomTransport transport) => _transport = transport;

    /// <summary>
    /// Allocates an order, consuming its reservation or holding now; idempotent by the request's id
    /// (sent as <c>Idempotency-Key</c> too). Holding now without enough stock throws <see cref="InsufficientStockException"/>.
    /// </summary>
    public async Task<Order> CreateAsync(OrderRequest order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        return (await _transport.SendAsync<Order>(HttpMethod.Post, "v1/orders", order, null, order.Id, cancellationToken).ConfigureAwait(false)).Value;
    }

    public Task<Order> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync<Order>(Paths.Of("v1/orders", id), cancellationToken);

    public Task<Page<Order>> GetPageAsync(OrderFilter? filter = null, string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<Order>(Paths.Query("v1/orders", ("status", Paths.Member(filter?.Status)), ("channel", filter?.Channel), ("sku", filter?.Sku),
            ("location", filter?.Location), ("createdAfter", Paths.Text(filter?.CreatedAfter)), ("after", after), ("limit", Paths.Text(limit))), null,
            cancellationToken);

    public IAsyncEnumerable<Order> ListAsync(OrderFilter? filter = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetPageAsync(filter, after, pageSize, token), null, cancellationToken);

    /// <summary>
    /// Moves an order on: picked, packed, shipped (on-hand goes down), cancelled (the allocation is
    /// freed), returned (restocked), or its hand-over to the POS. An event the order's state does not
    /// allow throws <see cref="ConflictException"/> and changes nothing.
    /// </summary>
    public async Task<Order> RecordEventAsync(string orderId, OrderEvent orderEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orderEvent);
        return (await _transport.SendAsync<Order>(HttpMethod.Post, Paths.Of("v1/orders", orderId, "events"), orderEvent, null, null, cancellationToken)
            .ConfigureAwait(false)).Value;
    }
}

/// <summary><c>/v1/allocations</c>: units held for orders the POS or ERP has not acknowledged.</summary>
public sealed class AllocationsClient
{
    private readonly StockroomTransport _transport;

    internal AllocationsClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Per location (or at one), oldest first.</summary>
    public Task<AllocationsReport> GetAsync(string? location = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync<AllocationsReport>(Paths.Query("v1/allocations", ("location", location)), cancellationToken);
}
