using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Features.Keys;
using Stockroom.Features.Reservations;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Orders;

public sealed record OrderLineRequest(string? Sku, long? Quantity, string? Location);

public sealed record CreateOrderRequest(string? Id, string? Channel, string? ReservationId, List<OrderLineRequest>? Lines);

/// <summary>
/// Turns demand into an order allocated at locations: by consuming a reservation (its held units
/// move from reserved to allocated, any not ordered are released; units the seller confirmed on
/// their word become order lines that are allocated nowhere), or by holding now.
/// </summary>
public static class CreateOrder
{
    public static async Task<Results<Created<Order>, ProblemHttpResult>> Handle(
        CreateOrderRequest request, IStockStore store, HttpResponse httpResponse, ClaimsPrincipal user, CancellationToken cancellationToken,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey = null)
    {
        var (id, mismatch) = IdempotencyKeys.Resolve(request.Id, idempotencyKey);
        if (mismatch is not null)
        {
            return mismatch;
        }

        request = request with { Id = id };
        var validation = Validate(request);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var caller = Caller.Of(user);
        if (caller.RefusesChannel(request.Channel) is { } refused)
        {
            return refused;
        }

        var hash = Idempotency.Hash(request);
        // Holding now needs the catalog; it is read before any lock is taken.
        var resolver = request.ReservationId is null
            ? await HoldResolver.LoadAsync(store, [request.Channel!], [.. request.Lines!.Select(ToHoldLine)], cancellationToken)
            : null;

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var write = await store.BeginWriteAsync(cancellationToken);
                if (await write.FindOrderAsync(request.Id!, forUpdate: false, cancellationToken) is { } existing)
                {
                    return Replay(existing);
                }

                var (order, problem) = resolver is null
                    ? await FromReservationAsync(write, request, caller, cancellationToken)
                    : await HoldNowAsync(write, request, resolver, cancellationToken);
                if (problem is not null)
                {
                    // A concurrent request with this id may have committed while this one waited for
                    // the reservation's or the positions' locks, and left the state this refusal was
                    // decided from (a confirmed reservation, fewer units): its order is the answer.
                    return await write.FindOrderAsync(request.Id!, forUpdate: false, cancellationToken) is { } winner ? Replay(winner) : problem;
                }

                await write.InsertOrderAsync(new StoredOrder(order!, hash), cancellationToken);
                write.Record("order.created", order);
                await write.CommitAsync(cancellationToken);
                httpResponse.Headers["Idempotent-Replayed"] = "false";
                return TypedResults.Created($"/v1/orders/{order!.Id}", order);
            }
            catch (Exception exception) when (attempt < Writes.AttemptsMax && store.IsTransient(exception))
            {
                // A concurrent request with the same id won the insert (the next attempt replays it),
                // or the database broke a deadlock with another writer.
            }
        }

        Results<Created<Order>, ProblemHttpResult> Replay(StoredOrder existing)
        {
            httpResponse.Headers["Idempotent-Replayed"] = "true";
            return existing.RequestHash == hash
                ? TypedResults.Created($"/v1/orders/{request.Id}", existing.Order)
                : Problems.IdempotencyClash(request.Id!);
        }
    }

    private static HoldLineRequest ToHoldLine(OrderLineRequest line) => new(line.Sku!, line.Quantity!.Value, line.Location, null);

    private static async Task<(Order?, ProblemHttpResult?)> FromReservationAsync(IStockWrite write, CreateOrderRequest request, Caller caller,
        CancellationToken cancellationToken)
    {
        var id = request.ReservationId!;
        var found = await write.FindReservationsAsync([id], forUpdate: true, cancellationToken);
        if (!found.TryGetValue(id, out var stored) || !caller.Sees(stored.Reservation.Channel))
        {
            return (null, Problems.Unprocessable(new Dictionary<string, string[]> { ["reservationId"] = [$"there is no reservation '{id}'"] },
                "An order consumes an existing reservation."));
        }

        // The core reads the hold as of now: one past its time is expired even before the sweep records it.
        var asked = request.Lines?.Select(l => new HoldTake(l.Sku!, l.Quantity!.Value, l.Location)).ToList();
        switch (ReservationLifecycle.Consume(stored.Reservation, request.Id!, request.Channel!, asked, write.Now))
        {
            case ReservationTransition.Illegal illegal:
                return (null, Problems.Conflict(illegal.Code, illegal.Title, illegal.Reason));
            case ReservationTransition.Unresolvable misplaced:
                return (null, Problems.Unprocessable(misplaced.Errors.ToDictionary(), "An order from a reservation takes its units where they are held. Nothing was changed."));
            case ReservationTransition.Overdrawn overdrawn:
                return (null, Problems.Conflict("insufficient-stock", "The order asks for more than the reservation holds.",
                    "Nothing was changed. Order at most what is held, or order without a reservation.", overdrawn.Errors.ToDictionary()));
            case ReservationTransition.Applied consumed:
                var locked = await write.LockPositionsAsync([.. consumed.Effects.Select(e => e.Key)], cancellationToken);
                var working = new Dictionary<PositionKey, Position>(locked);
                ReservationLifecycle.Apply(working, consumed.Effects);
                await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
                await write.UpdateReservationsAsync([consumed.Reservation], cancellationToken);
                write.Record(consumed.EventType, consumed.Reservation);
                return (consumed.Order, null);
            default:
                throw new InvariantViolationException("consuming a reservation is applied or refused with a reason");
        }
    }

    private static async Task<(Order?, ProblemHttpResult?)> HoldNowAsync(IStockWrite write, CreateOrderRequest request, HoldResolver resolver, CancellationToken cancellationToken)
    {
        var (lines, errors) = resolver.Resolve(request.Channel!, [.. request.Lines!.Select(ToHoldLine)]);
        if (errors is not null)
        {
            return (null, Problems.Unprocessable(errors.ToDictionary(), "The order refers to something that cannot be allocated. Nothing was changed."));
        }

        var locked = await write.LockPositionsAsync(ResolvedLine.Positions(lines!), cancellationToken);
        var working = new Dictionary<PositionKey, Position>(locked);
        var (orderLines, shortage) = Allocate(resolver, lines!, working);
        if (shortage is not null)
        {
            return (null, shortage);
        }

        await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
        return (new Order(request.Id!, request.Channel!, null, OrderStatus.Allocated, write.Now, write.Now, null, null, null, orderLines!), null);
    }

    /// <summary>
    /// Allocates every unit of <paramref name="lines"/> in <paramref name="working"/> (positions the
    /// caller has locked), as order lines numbered from 0; or the shortage, with nothing allocated.
    /// </summary>
    internal static (IReadOnlyList<OrderLine>? Lines, ProblemHttpResult? Shortage) Allocate(HoldResolver resolver, IReadOnlyList<ResolvedLine> lines,
        Dictionary<PositionKey, Position> working)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        var decision = Holds.Decide(new HoldRequest([.. lines.Select(l => l.Line)], AllowPartial: false, DemandKind.Allocated), working,
            position => resolver.SafetyStock.For(position));
        if (decision is HoldDecision.Refused refused)
        {
            return (null, CreateReservation.Shortage(refused.Lines));
        }

        return ([.. ((HoldDecision.Held)decision).Lines
            .SelectMany(l => l.Allocations.Select(a => (l.Sku, a)))
            .Select((h, i) => new OrderLine(i, h.Sku, h.a.Location, h.a.Quantity, 0))], null);
    }

    private static Validation Validate(CreateOrderRequest request)
    {
        var validation = new Validation();
        validation.Identifier("id", request.Id);
        validation.Identifier("channel", request.Channel);
        validation.Identifier("reservationId", request.ReservationId, required: false);
        if (request.ReservationId is null || request.Lines is { Count: > 0 })
        {
            OrderLines.ValidateCount(validation, request.Lines?.Count);
        }

        for (var i = 0; i < (request.Lines?.Count ?? 0); i++)
        {
            var line = request.Lines![i];
            if (!validation.DemandLine($"lines[{i}]", line, line?.Sku, line?.Quantity))
            {
                continue;
            }

            validation.Identifier($"lines[{i}].location", line.Location, required: false);
        }

        return validation;
    }
}
