namespace Stockroom.Core.Demand;

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
/// A line of a reservation: what was asked, where it was asked from, and what is held where.
/// Backordered units wait for supply, counted at <c>BackorderLocation</c>; <c>PromiseDate</c> is
/// when inbound supply known today covers them. Seller-confirmed units are promised on the
/// seller's word when they accepted an on-request hold without the counted stock: they are held
/// at no position, and are fulfilled from <c>SellerConfirmedLocation</c>.
/// </summary>
public sealed record ReservationLine(
    int Line,
    string Sku,
    long Requested,
    long Reserved,
    long Backordered,
    string? Location,
    string? Group,
    IReadOnlyList<Allocation> Allocations,
    string? BackorderLocation = null,
    DateOnly? PromiseDate = null,
    long SellerConfirmed = 0,
    string? SellerConfirmedLocation = null);

/// <summary>A hold on units for a cart or a checkout, until it is confirmed by an order, released, or expires.</summary>
public sealed record Reservation(
    string Id,
    string Channel,
    string? CustomerId,
    int Priority,
    ReservationStatus Status,
    bool AllowPartial,
    bool AllowBackorder,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset UpdatedAt,
    string? OrderId,
    IReadOnlyList<ReservationLine> Lines,
    DateTimeOffset? AcceptBy = null)
{
    public bool IsOpen() => Status is ReservationStatus.Pending or ReservationStatus.Active or ReservationStatus.Partial or ReservationStatus.Backordered;

    /// <summary>
    /// The reservation as it stands at <paramref name="now"/>: an open one whose time ran out is
    /// expired, whether or not the expiry sweep has recorded it yet. Every decision on a hold reads
    /// it through this, so that no path acts on a hold in the second before the sweep (issue 15).
    /// </summary>
    public Reservation AsOf(DateTimeOffset now) => IsOpen() && ExpiresAt <= now ? this with { Status = ReservationStatus.Expired } : this;

    /// <summary>Every backordered unit, at the position it is counted at.</summary>
    public IEnumerable<(string Sku, string Location, long Quantity)> Backorders() =>
        Lines.Where(l => l.Backordered > 0).Select(l => (l.Sku, l.BackorderLocation!, l.Backordered));

    /// <summary>Every unit confirmed on the seller's word, at the location it is fulfilled from.</summary>
    public IEnumerable<(string Sku, string Location, long Quantity)> SellerConfirmations() =>
        Lines.Where(l => l.SellerConfirmed > 0).Select(l => (l.Sku, l.SellerConfirmedLocation!, l.SellerConfirmed));

    /// <summary>Every held unit, position by position.</summary>
    public IEnumerable<(string Sku, Allocation Allocation)> Holds() =>
        Lines.SelectMany(line => line.Allocations.Select(a => (line.Sku, a)));
}
