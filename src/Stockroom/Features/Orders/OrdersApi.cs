using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Demand;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Orders;

public static class OrdersApi
{
    public static RouteGroupBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/orders").WithTags("Orders");
        group.MapPost("/", CreateOrder.Handle).RequireScope(Scopes.ReservationsWrite).WithName("CreateOrder")
            .WithSummary("Allocate an order at locations, consuming a reservation or holding now; idempotent by id.");
        group.MapGet("/", List).RequireScope(Scopes.Read).WithName("ListOrders")
            .WithSummary("List orders by status, channel, SKU, location or creation time, in id order, a page at a time.");
        group.MapGet("/{id}", Get).RequireScope(Scopes.Read).WithName("GetOrder").WithSummary("Read one order with its lines and POS times.");
        group.MapPost("/{id}/events", RecordOrderEvent.Handle).RequireScope(Scopes.InventoryWrite).WithName("RecordOrderEvent")
            .WithSummary("Move an order through picked, packed, shipped, cancelled, returned; record POS hand-over.");
        return group;
    }

    public static async Task<Results<Ok<Order>, ProblemHttpResult>> Get(string id, IStockStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var found = await Problems.FindAsync("id", id, "order", () => store.GetOrderAsync(id, cancellationToken));
        return found.Result is Ok<Order> { Value: { } order } && !Caller.Of(user).Sees(order.Channel) ? Problems.NotFound("order", id) : found;
    }

    public static async Task<Results<Ok<Page<Order>>, ProblemHttpResult>> List(
        IStockStore store, ClaimsPrincipal user, CancellationToken cancellationToken,
        string? status = null, string? channel = null, string? sku = null, string? location = null, string? createdAfter = null,
        string? after = null, int? limit = null)
    {
        var (validation, size) = Paging.Validate(after, limit);
        var wanted = validation.Member<OrderStatus>("status", status);
        // The same rule as timestamps in bodies.
        var since = StockroomJson.ParseTimestamp(createdAfter);
        if (createdAfter is not null && since is null)
        {
            validation.Add("createdAfter", StockroomJson.TimestampRule);
        }

        validation.Identifier("channel", channel, required: false);
        validation.Identifier("sku", sku, required: false);
        validation.Identifier("location", location, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        // A key bound to a channel lists that channel's orders only, as with reservations.
        (channel, var refused) = Caller.Of(user).ListScope(channel);
        if (refused is not null)
        {
            return refused;
        }

        var page = await store.ListOrdersAsync(new OrderFilter(wanted, channel, sku, location, since, after, size), cancellationToken);
        return TypedResults.Ok(Paging.Page(page, size, o => o.Id));
    }
}
