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
    DateTimeOffset UpdatedAt);
