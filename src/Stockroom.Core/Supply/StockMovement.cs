namespace Stockroom.Core.Supply;

/// <summary>Why on-hand (or an order's allocation) changed at a position.</summary>
public enum MovementKind
{
    /// <summary>A count from a system of record replaced on-hand.</summary>
    Counted,

    /// <summary>A receipt, write-off, damage or correction sent as a relative change.</summary>
    Adjusted,

    Shipped,

    /// <summary>Allocated units of an order freed before they shipped; on-hand does not change.</summary>
    Cancelled,

    Returned,
    TransferredOut,
    TransferredIn,
}

/// <summary>
/// Units a movement moved at one position, as the write decided them — which may differ from the
/// position's delta (a shipment a count had already taken off moves no on-hand) — with the units
/// on the seller's word, which no position holds, and a receipt's unit cost.
/// </summary>
public readonly record struct MovedUnits(PositionKey Key, long OnHand, long SellerConfirmed = 0, decimal? UnitCost = null);

/// <summary>
/// The cause a write gives its changes of stock; every change of on-hand is journalled with one.
/// A count is the truth as of its own time, so the movements recorded after that time are what
/// a late count must be brought forward by (see <see cref="SupplyDecisions.Count"/>).
/// </summary>
public sealed record StockMovement(MovementKind Kind, string? Reference = null, string? OrderId = null)
{
    /// <summary>Counts replace on-hand; every other movement is replayed onto a count older than it.</summary>
    public bool IsCount => Kind == MovementKind.Counted;

    /// <summary>
    /// What a shipment, a return or an adjustment moved, line by line: what demand history and the
    /// valuation are kept from. Empty for the movements the books do not follow.
    /// </summary>
    public IReadOnlyList<MovedUnits> Units { get; init; } = [];
}
