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
using Stockroom.Storage.Demand;

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
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey = null)
    {
        request = request with { Id = request.Id ?? idempotencyKey };
        var validation = Validate(request);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        if (Caller.Of(user).RefusesChannel(request.Channel) is { } refused)
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
                    httpResponse.Headers["Idempotent-Replayed"] = "true";
                    return existing.RequestHash == hash
                        ? TypedResults.Created($"/v1/orders/{request.Id}", existing.Order)
                        : Problems.IdempotencyClash(request.Id!);
                }

                var (order, problem) = resolver is null
                    ? await FromReservationAsync(write, request, cancellationToken)
                    : await HoldNowAsync(write, request, resolver, cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }

                await write.InsertOrderAsync(new StoredOrder(order!, hash), cancellationToken);
                write.Record(new PendingEvent("order.created", write.Now, StockroomJson.Serialize(order)));
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
    }

    private static HoldLineRequest ToHoldLine(OrderLineRequest line) => new(line.Sku!, line.Quantity!.Value, line.Location, null);

    private static async Task<(Order?, ProblemHttpResult?)> FromReservationAsync(IStockWrite write, CreateOrderRequest request, CancellationToken cancellationToken)
    {
        var id = request.ReservationId!;
        var found = await write.FindReservationsAsync([id], forUpdate: true, cancellationToken);
        if (!found.TryGetValue(id, out var stored))
        {
            return (null, Problems.Unprocessable(new Dictionary<string, string[]> { ["reservationId"] = [$"there is no reservation '{id}'"] },
                "An order consumes an existing reservation."));
        }

        var reservation = stored.Reservation;
        if (reservation.Status is not (ReservationStatus.Active or ReservationStatus.Partial))
        {
            return (null, Problems.Conflict("illegal-transition", $"The reservation is {Name(reservation.Status)}.",
                $"Only an active or partial reservation can become an order; '{id}' is {Name(reservation.Status)}."));
        }

        // What to order of each SKU: the lines asked for, or everything held.
        var holds = reservation.Holds().ToList();
        var promised = Promised(reservation);
        var wanted = request.Lines is { Count: > 0 } lines
            ? lines.GroupBy(l => l.Sku!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity!.Value), StringComparer.Ordinal)
            : new Dictionary<string, long>(promised, StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (sku, quantity) in wanted)
        {
            var held = promised.GetValueOrDefault(sku);
            if (quantity > held)
            {
                errors[$"lines[{request.Lines!.FindIndex(l => l.Sku == sku)}].quantity"] = [$"requested {quantity}; the reservation holds {held}"];
            }
        }

        if (errors.Count > 0)
        {
            return (null, Problems.Conflict("insufficient-stock", "The order asks for more than the reservation holds.",
                "Nothing was changed. Order at most what is held, or order without a reservation.", errors));
        }

        var locked = await write.LockPositionsAsync([.. holds.Select(h => new PositionKey(h.Sku, h.Allocation.Location))], cancellationToken);
        var working = new Dictionary<PositionKey, Position>(locked);
        var orderLines = new List<OrderLine>();
        foreach (var (sku, allocation) in holds)
        {
            var key = new PositionKey(sku, allocation.Location);
            var take = Math.Min(wanted.GetValueOrDefault(sku), allocation.Quantity);
            if (take > 0)
            {
                working[key] = Holds.Consume(working[key], take);
                wanted[sku] -= take;
                orderLines.Add(new OrderLine(orderLines.Count, sku, allocation.Location, take, 0));
            }

            if (allocation.Quantity > take)
            {
                working[key] = Holds.Release(working[key], allocation.Quantity - take, DemandKind.Reserved);
            }
        }

        orderLines.AddRange(SellerConfirmedLines(reservation, wanted, orderLines.Count));
        var order = new Order(request.Id!, request.Channel!, id, OrderStatus.Allocated, write.Now, write.Now, null, null, null, orderLines);
        await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
        var confirmed = reservation with { Status = ReservationStatus.Confirmed, OrderId = order.Id, UpdatedAt = write.Now };
        await write.UpdateReservationsAsync([confirmed], cancellationToken);
        write.Record(new PendingEvent("reservation.confirmed", write.Now, StockroomJson.Serialize(confirmed)));
        return (order, null);
    }

    /// <summary>What a reservation promises of each SKU: units held, and units on the seller's word.</summary>
    private static Dictionary<string, long> Promised(Reservation reservation) =>
        reservation.Holds().Select(h => (h.Sku, h.Allocation.Quantity)).Concat(reservation.SellerConfirmations().Select(c => (c.Sku, c.Quantity)))
            .GroupBy(p => p.Item1, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Item2), StringComparer.Ordinal);

    /// <summary>
    /// The order lines for what is still <paramref name="wanted"/> once held units are taken: units
    /// the seller confirmed on their word, at the location they are fulfilled from. Held units go
    /// first, so an order for less than was promised leaves out units the seller would have had to find.
    /// </summary>
    private static List<OrderLine> SellerConfirmedLines(Reservation reservation, Dictionary<string, long> wanted, int firstLine)
    {
        var lines = new List<OrderLine>();
        foreach (var (sku, location, quantity) in reservation.SellerConfirmations())
        {
            var take = Math.Min(wanted.GetValueOrDefault(sku), quantity);
            if (take > 0)
            {
                wanted[sku] -= take;
                lines.Add(new OrderLine(firstLine + lines.Count, sku, location, take, 0, SellerConfirmed: take));
            }
        }

        Invariant.Require(wanted.Values.All(v => v == 0), "every unit ordered from a reservation was held or confirmed by the seller");
        return lines;
    }

    private static async Task<(Order?, ProblemHttpResult?)> HoldNowAsync(IStockWrite write, CreateOrderRequest request, HoldResolver resolver, CancellationToken cancellationToken)
    {
        var (lines, errors) = resolver.Resolve(request.Channel!, [.. request.Lines!.Select(ToHoldLine)]);
        if (errors is not null)
        {
            return (null, Problems.Unprocessable(errors.ToDictionary(), "The order refers to something that cannot be allocated. Nothing was changed."));
        }

        var locked = await write.LockPositionsAsync([.. lines!.SelectMany(l => l.Line.Sources.Select(s => new PositionKey(l.Line.Sku, s.Location)))], cancellationToken);
        var working = new Dictionary<PositionKey, Position>(locked);
        var decision = Holds.Decide(new HoldRequest([.. lines!.Select(l => l.Line)], AllowPartial: false, DemandKind.Allocated), working,
            position => resolver.SafetyStock.For(position));
        if (decision is HoldDecision.Refused refused)
        {
            return (null, CreateReservation.Shortage(refused.Lines));
        }

        var orderLines = ((HoldDecision.Held)decision).Lines
            .SelectMany(l => l.Allocations.Select(a => (l.Sku, a)))
            .Select((h, i) => new OrderLine(i, h.Sku, h.a.Location, h.a.Quantity, 0))
            .ToList();
        await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
        return (new Order(request.Id!, request.Channel!, null, OrderStatus.Allocated, write.Now, write.Now, null, null, null, orderLines), null);
    }

    private static string Name(ReservationStatus status) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

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
            if (request.ReservationId is not null && line.Location is not null)
            {
                validation.Add($"lines[{i}].location", "comes from the reservation's holds; leave it out");
            }
        }

        return validation;
    }
}
