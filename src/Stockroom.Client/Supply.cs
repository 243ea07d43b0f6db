namespace Stockroom.Client;

/// <summary>The kinds of supply a system of record reports.</summary>
public enum SupplyType
{
    OnHand,
    InTransit,
    PurchaseOrder,
}

/// <summary>
/// The body of <c>POST /v1/supply/sync</c>: absolute quantities from a system of record, true as of
/// <see cref="AsOf"/>. A snapshot sent in several requests carries the same <see cref="SnapshotId"/> in each.
/// </summary>
public sealed record SupplySnapshot
{
    /// <summary>The system of record, e.g. <c>erp</c> or <c>pos-store-1</c>.</summary>
    public required string Source { get; init; }

    public required DateTimeOffset AsOf { get; init; }

    public required IReadOnlyList<SupplyCount> Lines { get; init; }

    public string? SnapshotId { get; init; }
}

/// <summary>One absolute quantity: on hand, or inbound (in transit, on a purchase order) due on <see cref="Eta"/>.</summary>
public sealed record SupplyCount
{
    public required string Sku { get; init; }

    public required string Location { get; init; }

    public SupplyType Type { get; init; } = SupplyType.OnHand;

    public required long Quantity { get; init; }

    public DateOnly? Eta { get; init; }

    /// <summary>The PO or shipment number that tells inbound lots at one position apart.</summary>
    public string? Reference { get; init; }
}

/// <summary>The body of <c>POST /v1/supply/adjust</c>: relative changes, applied once per <see cref="Id"/>, all lines or none.</summary>
public sealed record SupplyAdjustment
{
    public required string Id { get; init; }

    public required IReadOnlyList<SupplyChange> Lines { get; init; }

    /// <summary>The system of record the adjustment comes from, whose next snapshot replaces an inbound lot it opens.</summary>
    public string? Source { get; init; }
}

/// <summary>A relative change at a position: a receipt, a correction, damage. Removing more than is there is refused.</summary>
public sealed record SupplyChange
{
    public required string Sku { get; init; }

    public required string Location { get; init; }

    public SupplyType Type { get; init; } = SupplyType.OnHand;

    public required long Delta { get; init; }

    public required string Reason { get; init; }

    /// <summary>For receipts: the cost that feeds the weighted-average valuation.</summary>
    public decimal? UnitCost { get; init; }

    public DateOnly? Eta { get; init; }

    public string? Reference { get; init; }
}

/// <summary>A position as it stands after a supply change.</summary>
public sealed record StockPosition
{
    public string Sku { get; init; } = "";

    public string Location { get; init; } = "";

    public long OnHand { get; init; }

    public long Reserved { get; init; }

    public long Allocated { get; init; }

    public long Backordered { get; init; }
}

/// <summary>Supply on its way to a location: a transfer in transit or a purchase order.</summary>
public sealed record InboundLot
{
    public string Sku { get; init; } = "";

    public string Location { get; init; } = "";

    public SupplyType Type { get; init; }

    public string? Reference { get; init; }

    public long Quantity { get; init; }

    public DateOnly? Eta { get; init; }
}

/// <summary>Units at a position by which a count was brought forward.</summary>
public sealed record UnitsAtPosition
{
    public string Sku { get; init; } = "";

    public string Location { get; init; } = "";

    public long Units { get; init; }
}

/// <summary>What a snapshot did: the positions and lots it set, and the demand it kept on top of the count.</summary>
public sealed record SyncResult
{
    public string Source { get; init; } = "";

    public DateTimeOffset AsOf { get; init; }

    public int Lines { get; init; }

    public IReadOnlyList<StockPosition> Positions { get; init; } = [];

    public IReadOnlyList<InboundLot> Inbound { get; init; } = [];

    /// <summary>Reservations whose backorders the arriving supply filled.</summary>
    public IReadOnlyList<string> BackordersFilled { get; init; } = [];

    /// <summary>Units of orders the source had acknowledged by its count and still allocated then, added back to on-hand.</summary>
    public IReadOnlyList<UnitsAtPosition> SeenBySource { get; init; } = [];

    public IReadOnlyList<string> ReservationsResourced { get; init; } = [];

    /// <summary>On-hand moved at a position after the count's time, applied on top of it.</summary>
    public IReadOnlyList<UnitsAtPosition> MovedSinceAsOf { get; init; } = [];

    /// <summary>Inbound lots the snapshot listed that another source or a transfer holds under the same reference, left as they are.</summary>
    public IReadOnlyList<InboundLot> LotsHeldElsewhere { get; init; } = [];
}

/// <summary>What an adjustment did.</summary>
public sealed record AdjustResult
{
    public string Id { get; init; } = "";

    public DateTimeOffset At { get; init; }

    public IReadOnlyList<StockPosition> Positions { get; init; } = [];

    public IReadOnlyList<InboundLot> Inbound { get; init; } = [];

    public IReadOnlyList<string> BackordersFilled { get; init; } = [];

    public IReadOnlyList<string> ReservationsResourced { get; init; } = [];
}

public enum TransferStatus
{
    InTransit,
    Received,
}

/// <summary>The body of <c>POST /v1/transfers</c>: on-hand units sent from one location to another, idempotent by <see cref="Id"/>.</summary>
public sealed record TransferRequest
{
    public required string Id { get; init; }

    public required string From { get; init; }

    public required string To { get; init; }

    public DateOnly? Eta { get; init; }

    public required IReadOnlyList<TransferLineRequest> Lines { get; init; }
}

public sealed record TransferLineRequest
{
    public required string Sku { get; init; }

    public required long Quantity { get; init; }
}

/// <summary>Units sent from one location to another: inbound at <see cref="To"/> while in transit, on-hand there once received.</summary>
public sealed record Transfer
{
    public string Id { get; init; } = "";

    public string From { get; init; } = "";

    public string To { get; init; } = "";

    public DateOnly? Eta { get; init; }

    public TransferStatus Status { get; init; }

    public IReadOnlyList<TransferLine> Lines { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ReceivedAt { get; init; }
}

/// <summary>Units of one SKU sent, and how many arrived.</summary>
public sealed record TransferLine
{
    public string Sku { get; init; } = "";

    public long Quantity { get; init; }

    public long Received { get; init; }
}

/// <summary><c>/v1/supply</c>: counts from systems of record, and relative adjustments.</summary>
public sealed class SupplyClient
{
    private readonly StockroomTransport _transport;

    internal SupplyClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Applies a snapshot of absolute quantities; demand the source cannot know of yet is kept on top of it.</summary>
    public async Task<SyncResult> SyncAsync(SupplySnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return (await _transport.SendAsync<SyncResult>(HttpMethod.Post, "v1/supply/sync", snapshot, null, null, cancellationToken).ConfigureAwait(false)).Value;
    }

    /// <summary>Applies relative changes once per id: sending the same adjustment again answers the first result.</summary>
    public async Task<AdjustResult> AdjustAsync(SupplyAdjustment adjustment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adjustment);
        return (await _transport.SendAsync<AdjustResult>(HttpMethod.Post, "v1/supply/adjust", adjustment, null, adjustment.Id, cancellationToken)
            .ConfigureAwait(false)).Value;
    }
}

/// <summary><c>/v1/transfers</c>: units sent between locations.</summary>
public sealed class TransfersClient
{
    private readonly StockroomTransport _transport;

    internal TransfersClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Sends units: they leave <c>from</c>'s on-hand at once. Units promised there never leave (<see cref="ConflictException"/>).</summary>
    public async Task<Transfer> SendAsync(TransferRequest transfer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        return (await _transport.SendAsync<Transfer>(HttpMethod.Post, "v1/transfers", transfer, null, transfer.Id, cancellationToken).ConfigureAwait(false)).Value;
    }

    public Task<Transfer> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync<Transfer>(Paths.Of("v1/transfers", id), cancellationToken);

    /// <summary>Receives a transfer: what is in transit under its id becomes on-hand at its destination. Receiving twice answers the same.</summary>
    public async Task<Transfer> ReceiveAsync(string id, CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync<Transfer>(HttpMethod.Post, Paths.Of("v1/transfers", id, "receive"), null, null, null, cancellationToken).ConfigureAwait(false)).Value;
}
