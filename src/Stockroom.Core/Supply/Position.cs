namespace Stockroom.Core.Supply;

/// <summary>
/// The key of a position. Ordered ordinally by SKU, then location: every writer locks positions
/// in this one global order, which is what keeps concurrent writers free of deadlocks.
/// </summary>
public readonly record struct PositionKey(string Sku, string Location) : IComparable<PositionKey>
{
    public int CompareTo(PositionKey other)
    {
        var bySku = string.CompareOrdinal(Sku, other.Sku);
        return bySku != 0 ? bySku : string.CompareOrdinal(Location, other.Location);
    }

    public static bool operator <(PositionKey left, PositionKey right) => left.CompareTo(right) < 0;
    public static bool operator >(PositionKey left, PositionKey right) => left.CompareTo(right) > 0;
    public static bool operator <=(PositionKey left, PositionKey right) => left.CompareTo(right) <= 0;
    public static bool operator >=(PositionKey left, PositionKey right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Sku}@{Location}";
}

/// <summary>
/// Stock of one SKU at one location: what is physically there and what demand is committed
/// against it. <c>Reserved</c> is held for carts and checkouts; <c>Allocated</c> for orders;
/// <c>Backordered</c> is demand promised from supply still to come, which arriving units fill first.
/// </summary>
public sealed record Position(PositionKey Key, long OnHand, long Reserved, long Allocated, long Backordered = 0)
{
    public static Position Empty(PositionKey key) => new(key, 0, 0, 0);

    /// <summary>Units promised to someone out of what is here: held or allocated.</summary>
    public long Committed => Reserved + Allocated;

    /// <summary>
    /// Committed units above on-hand: demand the stock can no longer cover, typically because a
    /// store sold units that were held online. Zero in a healthy position.
    /// </summary>
    public long Shortage => Math.Max(0, Committed - OnHand);
}

/// <summary>The kinds of supply a system of record reports.</summary>
public enum SupplyType
{
    OnHand,
    InTransit,
    PurchaseOrder,
}

/// <summary>
/// Supply on its way to a location: a transfer in transit or a purchase order. It is not on hand
/// and so not promisable now, but counts from its <c>Eta</c> for promises on later dates. A
/// <c>Reference</c> (PO or shipment number) tells apart several inbound lots at one position.
/// <c>Source</c> is the system of record whose snapshots replace the lot; null for Stockroom's
/// own lots (a transfer in transit), which only a receipt or an adjustment ends. <c>SnapshotId</c>
/// is the snapshot that last set it.
/// </summary>
public sealed record InboundSupply(
    PositionKey Key,
    SupplyType Type,
    string Reference,
    long Quantity,
    DateOnly? Eta,
    string? Source = null,
    string? SnapshotId = null)
{
    /// <summary>The owner of lots recorded before owners were kept: any snapshot of their type replaces them.</summary>
    public const string AnySource = "*";

    public bool ArrivesBy(DateOnly date) => Eta is { } eta && eta <= date;
}
