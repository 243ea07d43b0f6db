namespace Stockroom.Core.Catalog;

/// <summary>Whether an item may be sold. Draft items are never available nor holdable.</summary>
public enum ItemStatus
{
    Active,
    Draft,
    Discontinued,
}

/// <summary>
/// How holds on an item are decided: <c>Reserve</c> confirms at once or refuses; <c>OnRequest</c>
/// waits for the seller's answer; <c>Auto</c> confirms while stock suffices and asks otherwise.
/// </summary>
public enum StockPolicy
{
    Reserve,
    OnRequest,
    Auto,
}

/// <summary>A sellable SKU. Variants name their parent and carry their distinguishing attributes.</summary>
public sealed record Item(
    string Sku,
    string Name,
    string? Description,
    ItemStatus Status,
    StockPolicy Policy,
    int? AcceptWithinSeconds,
    bool Backorderable,
    string? ParentSku,
    IReadOnlyDictionary<string, string>? Attributes,
    decimal? Price,
    decimal? UnitCost,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Draft items are not ready for sale: never available, never holdable.</summary>
    public bool CanBeSold() => Status != ItemStatus.Draft;
}
