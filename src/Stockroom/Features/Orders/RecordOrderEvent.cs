using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Orders;

/// <summary>Units an event applies to: a SKU, at one of the order's locations when it has several.</summary>
public sealed record OrderEventLineRequest(string? Sku, long? Quantity, string? Location = null);

public sealed record OrderEventRequest(string? Id, OrderEventType? Type, List<OrderEventLineRequest>? Lines, string? TrackingNumber);

/// <summary>
/// Moves an order through fulfilment. Each event is idempotent by its own id; an event the
/// order's state does not allow is a 409 and changes nothing.
/// </summary>
public static class RecordOrderEvent
{
    public static async Task<Results<Ok<Order>, ProblemHttpResult>> Handle(
        string id, OrderEventRequest request, IStockStore store, HttpResponse httpResponse, ClaimsPrincipal user, CancellationToken cancellationToken,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey = null)
    {
        var (eventId, mismatch) = IdempotencyKeys.Resolve(request.Id, idempotencyKey);
        if (mismatch is not null)
        {
            return mismatch;
        }

        request = request with { Id = eventId };
        var validation = Validate(id, request);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        // An order's channel never changes, so it is checked before the write, replays included.
        var caller = Caller.Of(user);
        if (caller.Channel is not null && await store.GetOrderAsync(id, cancellationToken) is { } order && !caller.Sees(order.Channel))
        {
            return Problems.NotFound("order", id);
        }

        var outcome = await Idempotency.RunAsync<Order>(store, "order.event", $"{id}/{request.Id}", Idempotency.Hash(request),
            write => ApplyAsync(write, id, request, cancellationToken), cancellationToken);
        return Idempotency.ToResult(outcome, request.Id!, httpResponse);
    }

    private static async Task<(Order?, ProblemHttpResult?)> ApplyAsync(IStockWrite write, string id, OrderEventRequest request, CancellationToken cancellationToken)
    {
        if (await write.FindOrderAsync(id, forUpdate: true, cancellationToken) is not { } stored)
        {
            return (null, Problems.NotFound("order", id));
        }

        var lines = request.Lines?.Select(l => new OrderEventLine(l.Sku!, l.Quantity!.Value, l.Location)).ToList();
        var transition = OrderLifecycle.Decide(stored.Order, request.Type!.Value, lines, request.TrackingNumber, write.Now);
        if (transition is OrderTransition.Illegal illegal)
        {
            return (null, Problems.Conflict("illegal-transition", "The order cannot take this event now.", $"{illegal.Reason}. Nothing was changed."));
        }

        var applied = (OrderTransition.Applied)transition;
        var locked = await write.LockPositionsAsync([.. applied.Effects.Select(e => e.Key)], cancellationToken);
        var working = new Dictionary<PositionKey, Position>(locked);
        long alreadyCounted = 0;
        foreach (var effect in applied.Effects)
        {
            var (after, counted) = OrderLifecycle.Apply(working[effect.Key], effect);
            working[effect.Key] = after;
            alreadyCounted += counted;
        }

        await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))],
            Movement(request.Type.Value, id, applied.Effects), cancellationToken);
        await write.UpdateOrderAsync(applied.Order, cancellationToken);
        var type = System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(request.Type.Value.ToString());
        write.Record($"order.{type}", new { eventId = request.Id, order = applied.Order, alreadyCounted,
            sellerConfirmed = applied.Effects.Sum(e => e.SellerConfirmed) });
        return (applied.Order, null);
    }

    /// <summary>
    /// The journal's cause for an event's stock effects (events without effects write none), with
    /// what a shipment or a return moved, for the books: the order's own units, not the positions'
    /// deltas, which a count may already have taken.
    /// </summary>
    private static StockMovement Movement(OrderEventType type, string orderId, IReadOnlyList<PositionEffect> effects) => type switch
    {
        OrderEventType.Shipped => new StockMovement(MovementKind.Shipped, orderId, orderId) { Units = Units(effects) },
        OrderEventType.Cancelled => new StockMovement(MovementKind.Cancelled, orderId, orderId),
        OrderEventType.Returned => new StockMovement(MovementKind.Returned, orderId, orderId) { Units = Units(effects) },
        _ => new StockMovement(MovementKind.Adjusted, orderId, orderId),
    };

    private static List<MovedUnits> Units(IReadOnlyList<PositionEffect> effects) =>
        [.. effects.Select(e => new MovedUnits(e.Key, e.OnHandDelta, e.SellerConfirmed))];

    private static Validation Validate(string id, OrderEventRequest request)
    {
        var validation = new Validation();
        validation.Identifier("orderId", id);
        validation.Identifier("id", request.Id);
        validation.Required("type", request.Type);
        validation.Text("trackingNumber", request.TrackingNumber, Limits.ReferenceLengthMax, required: false);
        if (request.Lines is { Count: > Limits.DemandLinesMax })
        {
            validation.Add("lines", $"must have at most {Limits.DemandLinesMax} lines");
        }

        for (var i = 0; i < (request.Lines?.Count ?? 0); i++)
        {
            var line = request.Lines![i];
            if (validation.DemandLine($"lines[{i}]", line, line?.Sku, line?.Quantity))
            {
                validation.Identifier($"lines[{i}].location", line.Location, required: false);
            }
        }

        return validation;
    }
}
