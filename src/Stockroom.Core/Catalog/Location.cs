namespace Stockroom.Core.Catalog;

public enum LocationType
{
    Store,
    Warehouse,
    Dc,
    Supplier,
}

/// <summary>
/// A place that holds stock. <c>Priority</c> orders locations when a group-level hold is sourced
/// (higher first); an inactive location keeps its stock but promises none of it.
/// <c>LeadTimeDays</c> is how long an order from here takes to reach the customer.
/// </summary>
public sealed record Location(
    string Id,
    string Name,
    LocationType Type,
    bool CanShip,
    bool CanPickup,
    double? Latitude,
    double? Longitude,
    int Priority,
    bool Active,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int? LeadTimeDays = null)
{
    /// <summary>The date units shipped from here on <paramref name="ready"/> reach the customer.</summary>
    public DateOnly PromiseDate(DateOnly ready) => ready.AddDays(LeadTimeDays ?? 0);
}
