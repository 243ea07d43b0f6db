using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Demand;
using Stockroom.Features.Keys;
using Stockroom.Features.Orders;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Intake;

/// <summary>
/// Marketplace orders in their own formats become one canonical order each, with id
/// <c>{format}:{marketplace order id}</c> in channel <c>{format}</c>, allocated through the normal
/// order path. A webhook delivered twice allocates once: the canonical order is what is compared.
/// </summary>
public static class IntakeApi
{
    public static RouteGroupBuilder MapIntakeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/intake").WithTags("Channel intake");
        group.MapPost("/{format}", Intake).RequireScope(Scopes.ReservationsWrite).WithName("IntakeOrder")
            .WithSummary("Take a marketplace order (shopify, amazon, walmart, google) in its own payload format and allocate it.");
        return group;
    }

    public static async Task<Results<Created<Order>, ProblemHttpResult>> Intake(
        string format, JsonElement payload, IStockStore store, HttpResponse httpResponse, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!MarketplaceOrders.Formats.Contains(format))
        {
            return Problems.NotFound("intake format", format);
        }

        var (order, errors) = MarketplaceOrders.Parse(format, payload);
        if (errors is not null)
        {
            return Problems.Validation(errors, $"The {format} order payload is not valid. Nothing was allocated.");
        }

        var lines = order!.Lines.GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new OrderLineRequest(g.Key, g.Sum(l => l.Quantity), null))
            .ToList();
        return await CreateOrder.Handle(new CreateOrderRequest($"{format}:{order.OrderId}", format, null, lines), store, httpResponse, user, cancellationToken);
    }
}
