namespace Stockroom.Client;

/// <summary>
/// <c>pending → active | partial | backordered → confirmed | released | expired | declined</c>.
/// The first four are open: their units are held. The rest are final.
/// </summary>
public enum ReservationStatus
{
    Pending,
    Active,
    Partial,
    Backordered,
    Confirmed,
    Released,
    Expired,
    Declined,
}

/// <summary>
/// The body of <c>POST /v1/reservations</c>: a hold on units for a cart or checkout, idempotent by
/// <see cref="Id"/> — sending the same request again answers the same reservation.
/// </summary>
public sealed record ReservationRequest
{
    public required string Id { get; init; }

    public required string Channel { get; init; }

    public required IReadOnlyList<ReservationLineRequest> Lines { get; init; }

    public string? CustomerId { get; init; }

    /// <summary>Higher first: for backorders filled by arriving supply, and for VIP safety stock.</summary>
    public int? Priority { get; init; }

    /// <summary>How long the hold lasts unless confirmed by an order; left out, the channel's or the server's default.</summary>
    public int? ExpiresInSeconds { get; init; }

    /// <summary>Hold what there is rather than refuse when a line falls short.</summary>
    public bool? AllowPartial { get; init; }

    /// <summary>Backorder what there is not, for items that may be backordered.</summary>
    public bool? AllowBackorder { get; init; }
}

/// <summary>A line to hold: from one location, from a group, or (neither) from the channel's group.</summary>
public sealed record ReservationLineRequest
{
    public required string Sku { get; init; }

    public required long Quantity { get; init; }

    public string? Location { get; init; }

    public string? Group { get; init; }
}

/// <summary>A hold on units, until an order confirms it, it is released, or it expires.</summary>
public sealed record Reservation
{
    public string Id { get; init; } = "";

    public string Channel { get; init; } = "";

    public string? CustomerId { get; init; }

    public int Priority { get; init; }

    public ReservationStatus Status { get; init; }

    public bool AllowPartial { get; init; }

    public bool AllowBackorder { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The order that confirmed it, once one has.</summary>
    public string? OrderId { get; init; }

    public IReadOnlyList<ReservationLine> Lines { get; init; } = [];

    /// <summary>For a pending (on-request) reservation: when the seller's answer is due.</summary>
    public DateTimeOffset? AcceptBy { get; init; }
}

/// <summary>What a line asked for, what is held where, and what waits for supply or the seller's word.</summary>
public sealed record ReservationLine
{
    public int Line { get; init; }

    public string Sku { get; init; } = "";

    public long Requested { get; init; }

    public long Reserved { get; init; }

    public long Backordered { get; init; }

    public string? Location { get; init; }

    public string? Group { get; init; }

    public IReadOnlyList<Allocation> Allocations { get; init; } = [];

    public string? BackorderLocation { get; init; }

    /// <summary>When inbound supply known today covers the backordered units.</summary>
    public DateOnly? PromiseDate { get; init; }

    /// <summary>Units promised on the seller's word when they accepted an on-request hold without the counted stock.</summary>
    public long SellerConfirmed { get; init; }

    public string? SellerConfirmedLocation { get; init; }
}

/// <summary>Units held at one location.</summary>
public sealed record Allocation
{
    public string Location { get; init; } = "";

    public long Quantity { get; init; }

    public DateOnly? PromiseDate { get; init; }
}

/// <summary>Which reservations to list; every filter left out lists them all.</summary>
public sealed record ReservationFilter
{
    public ReservationStatus? Status { get; init; }

    public string? Channel { get; init; }

    public string? Sku { get; init; }
}

/// <summary><c>/v1/reservations</c>: holds on units for carts and checkouts.</summary>
public sealed class ReservationsClient
{
    private readonly StockroomTransport _transport;

    internal ReservationsClient(StockroomTransport transport) => _transport = transport;

    /// <summary>
    /// Holds units, idempotently by the request's id (sent as <c>Idempotency-Key</c> too), so a
    /// request whose answer was lost can be sent again as it is. Not enough stock without
    /// <c>allowPartial</c> throws <see cref="InsufficientStockException"/> with the shortage per line;
    /// the same id with a different body throws <see cref="IdempotencyConflictException"/>.
    /// </summary>
    public async Task<Reservation> CreateAsync(ReservationRequest reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        return (await _transport.SendAsync<Reservation>(HttpMethod.Post, "v1/reservations", reservation, null, reservation.Id, cancellationToken)
            .ConfigureAwait(false)).Value;
    }

    public Task<Reservation> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync<Reservation>(Paths.Of("v1/reservations", id), cancellationToken);

    public Task<Page<Reservation>> GetPageAsync(ReservationFilter? filter = null, string? after = null, int? limit = null,
        CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<Reservation>(Paths.Query("v1/reservations", ("status", Paths.Member(filter?.Status)), ("channel", filter?.Channel),
            ("sku", filter?.Sku), ("after", after), ("limit", Paths.Text(limit))), null, cancellationToken);

    public IAsyncEnumerable<Reservation> ListAsync(ReservationFilter? filter = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetPageAsync(filter, after, pageSize, token), null, cancellationToken);

    /// <summary>
    /// Releases a reservation and gives its units back. Idempotent: one already released, expired or
    /// declined is answered as it is; one confirmed by an order is a <see cref="ConflictException"/>.
    /// </summary>
    public async Task<Reservation> ReleaseAsync(string id, CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync<Reservation>(HttpMethod.Delete, Paths.Of("v1/reservations", id), null, null, null, cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>The seller accepts a pending (on-request) reservation: its units are held now, or backordered if allowed.</summary>
    public async Task<Reservation> AcceptAsync(string id, CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync<Reservation>(HttpMethod.Post, Paths.Of("v1/reservations", id, "accept"), null, null, null, cancellationToken)
            .ConfigureAwait(false)).Value;

    /// <summary>The seller declines a pending (on-request) reservation.</summary>
    public async Task<Reservation> DeclineAsync(string id, CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync<Reservation>(HttpMethod.Post, Paths.Of("v1/reservations", id, "decline"), null, null, null, cancellationToken)
            .ConfigureAwait(false)).Value;
}
