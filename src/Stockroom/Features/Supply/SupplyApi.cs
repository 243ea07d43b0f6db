using Stockroom.Core.Supply;
using Stockroom.Features.Keys;

namespace Stockroom.Features.Supply;

/// <summary>A position as it stands after a supply change.</summary>
public sealed record PositionView(string Sku, string Location, long OnHand, long Reserved, long Allocated, long Backordered)
{
    public static PositionView From(Position position)
    {
        ArgumentNullException.ThrowIfNull(position);
        return new(position.Key.Sku, position.Key.Location, position.OnHand, position.Reserved, position.Allocated, position.Backordered);
    }
}

/// <summary>An inbound lot as it stands after a supply change.</summary>
public sealed record InboundView(string Sku, string Location, SupplyType Type, string? Reference, long Quantity, DateOnly? Eta)
{
    public static InboundView From(InboundSupply lot)
    {
        ArgumentNullException.ThrowIfNull(lot);
        return new(lot.Key.Sku, lot.Key.Location, lot.Type, lot.Reference.Length == 0 ? null : lot.Reference, lot.Quantity, lot.Eta);
    }
}

public static class SupplyApi
{
    public static RouteGroupBuilder MapSupplyApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/supply").WithTags("Supply");
        group.MapPost("/sync", SyncSupply.Handle).RequireStoreWideScope(Scopes.InventoryWrite).WithName("SyncSupply")
            .WithSummary("Apply absolute quantities from a system of record (POS, WMS, ERP) as of a time.");
        group.MapPost("/adjust", AdjustSupply.Handle).RequireStoreWideScope(Scopes.InventoryWrite).WithName("AdjustSupply")
            .WithSummary("Apply relative changes (receipts, corrections, damage); idempotent by id.");
        return group;
    }
}
