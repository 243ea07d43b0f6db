using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Features.Keys;
using Stockroom.Features.Orders;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Allocations;

/// <summary>One order's units at a location that its POS or ERP does not know of yet.</summary>
public sealed record WaitingOrder(string OrderId, string Channel, long Units, IReadOnlyList<WaitingLine> Lines,
    DateTimeOffset AllocatedAt, DateTimeOffset? SentToPosAt, long WaitingSeconds);

public sealed record WaitingLine(string Sku, long Quantity);

public sealed record LocationAllocations(string Location, long Units, DateTimeOffset OldestAllocatedAt, IReadOnlyList<WaitingOrder> Orders);

/// <summary>
/// Units held for online orders that the store's POS or the warehouse's ERP does not know yet,
/// per location and in total. They stay subtracted on top of every snapshot until acknowledged.
/// </summary>
public sealed record AllocationsReport(long TotalUnits, int Orders, IReadOnlyList<LocationAllocations> Locations, bool Truncated);

public static class AllocationsApi
{
    /// <summary>Order lines read for one report at most.</summary>
    public const int LinesMax = 10_000;

    public static RouteGroupBuilder MapAllocationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/allocations").WithTags("Orders");
        group.MapGet("/", Get).RequireStoreWideScope(Scopes.Read).WithName("GetAllocations")
            .WithSummary("Units allocated to orders the POS/ERP has not acknowledged, per location and in total, oldest first.");
        return group;
    }

    public static async Task<Results<Ok<AllocationsReport>, ProblemHttpResult>> Get(
        IStockStore store, TimeProvider time, CancellationToken cancellationToken, string? location = null)
    {
        var validation = new Validation();
        validation.Identifier("location", location, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var lines = await store.ListWaitingAllocationsAsync(location, LinesMax + 1, cancellationToken);
        var truncated = lines.Count > LinesMax;
        var now = time.GetUtcNow();
        var locations = lines.Take(LinesMax)
            .GroupBy(l => l.Location, StringComparer.Ordinal)
            .Select(byLocation =>
            {
                var orders = byLocation.GroupBy(l => l.OrderId, StringComparer.Ordinal).Select(o =>
                {
                    var first = o.First();
                    return new WaitingOrder(first.OrderId, first.Channel, o.Sum(l => l.Quantity), [.. o.Select(l => new WaitingLine(l.Sku, l.Quantity))],
                        first.AllocatedAt, first.SentToPosAt, (long)(now - first.AllocatedAt).TotalSeconds);
                }).ToList();
                return new LocationAllocations(byLocation.Key, orders.Sum(o => o.Units), orders.Min(o => o.AllocatedAt), orders);
            })
            .OrderBy(l => l.OldestAllocatedAt)
            .ToList();
        return TypedResults.Ok(new AllocationsReport(locations.Sum(l => l.Units), locations.Sum(l => l.Orders.Count), locations, truncated));
    }
}
