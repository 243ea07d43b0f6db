using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Demand;
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
        group.MapGet("/{id}", Get).RequireScope(Scopes.Read).WithName("GetOrder").WithSummary("Read one order with its lines and POS times.");
        group.MapPost("/{id}/events", RecordOrderEvent.Handle).RequireScope(Scopes.InventoryWrite).WithName("RecordOrderEvent")
            .WithSummary("Move an order through picked, packed, shipped, cancelled, returned; record POS hand-over.");
        return group;
    }

    public static async Task<Results<Ok<Order>, ProblemHttpResult>> Get(string id, IStockStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var found = await Problems.FindAsync("id", id, "order", () => store.GetOrderAsync(id, cancellationToken));
        return found.Result is Ok<Order> { Value: { } order } && Caller.Of(user).RefusesChannel(order.Channel) is { } refused ? refused : found;
    }
}
