using System.Globalization;
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
        OrderStatus? wanted = null;
        if (status is not null)
        {
            if (Enum.TryParse<OrderStatus>(status, ignoreCase: true, out var parsed) && !int.TryParse(status, out _))
            {
                wanted = parsed;
            }
            else
            {
                validation.Add("status", $"must be one of {string.Join(", ", Enum.GetNames<OrderStatus>().Select(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName))}");
            }
        }

        DateTimeOffset? since = null;
        if (createdAfter is not null)
        {
            // The same rule as timestamps in bodies: RFC 3339 with an offset, never a guessed zone.
            var hasOffset = createdAfter.Length > 10 && (createdAfter.EndsWith('Z') || createdAfter.EndsWith('z') || createdAfter[^6] is '+' or '-');
            if (hasOffset && DateTimeOffset.TryParse(createdAfter, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                since = parsed.ToUniversalTime();
            }
            else
            {
                validation.Add("createdAfter", "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-22T10:00:00Z");
            }
        }

        validation.Identifier("channel", channel, required: false);
        validation.Identifier("sku", sku, required: false);
        validation.Identifier("location", location, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        // A key bound to a channel lists that channel's orders only, as with reservations.
        var caller = Caller.Of(user);
        if (caller.RefusesChannel(channel ?? caller.Channel) is { } refused)
        {
            return refused;
        }

        channel ??= caller.Channel;
        var page = await store.ListOrdersAsync(new OrderFilter(wanted, channel, sku, location, since, after, size), cancellationToken);
        return TypedResults.Ok(Paging.Page(page, size, o => o.Id));
    }
}
