namespace Stockroom.Core.Catalog;

/// <summary>The set of locations that serve one kind of promise, e.g. <c>ship-to-home</c>.</summary>
public sealed record DistributionGroup(
    string Id,
    string Name,
    IReadOnlyList<string> Locations,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
