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
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey = null)
    {
        request = request with { Id = request.Id ?? idempotencyKey };
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

        // Decided against the clock now: a hold past its time is expired even before the sweep records it.
        var reservation = stored.Reservation.AsOf(write.Now);
        if (!string.Equals(reservation.Channel, request.Channel, StringComparison.Ordinal))
        {
            return (null, Problems.Conflict("channel-mismatch", "The reservation belongs to another channel.",
                $"An order consumes only a reservation of its own channel; '{id}' is not channel '{request.Channel}'s. Nothing was changed."));
        }

        if (reservation.Status is not (ReservationStatus.Active or ReservationStatus.Partial))
        {
            return (null, Problems.Conflict("illegal-transition", $"The reservation is {Name(reservation.Status)}.",
                $"Only an active or partial reservation can become an order; '{id}' is {Name(reservation.Status)}."));
        }

        // What to order: the lines asked for, or everything promised. A line may name the location its
        // SKU is held at (integrators echo the hold back); it then takes from that hold only. Held
        // units come first, then units on the seller's word (which become lines of their own), so an
        // order for less than was promised leaves out units the seller would have had to find.
        var holds = reservation.Holds().Select(h => (h.Sku, h.Allocation.Location, h.Allocation.Quantity, OnSellersWord: false))
            .Concat(reservation.SellerConfirmations().Select(c => (c.Sku, c.Location, c.Quantity, OnSellersWord: true)))
            .ToList();
        var asked = request.Lines is { Count: > 0 } given
            ? given.Select((l, i) => (Index: i, Sku: l.Sku!, l.Location, Quantity: l.Quantity!.Value)).ToList()
            : [.. holds.GroupBy(h => h.Sku, StringComparer.Ordinal).Select(g => (Index: -1, Sku: g.Key, Location: (string?)null, Quantity: g.Sum(h => h.Quantity)))];
        var misplaced = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in asked.Where(l => l.Location is not null && !holds.Any(h => h.Sku == l.Sku && h.Location == l.Location)))
        {
            var at = holds.Where(h => h.Sku == line.Sku).Select(h => $"'{h.Location}'").Distinct(StringComparer.Ordinal).ToList();
            misplaced[$"lines[{line.Index}].location"] = [at.Count == 0
                ? $"the reservation holds no '{line.Sku}'"
                : $"the reservation holds '{line.Sku}' at {string.Join(", ", at)}, not at '{line.Location}'; name that location or leave it out"];
        }

        if (misplaced.Count > 0)
        {
            return (null, Problems.Unprocessable(misplaced, "An order from a reservation takes its units where they are held. Nothing was changed."));
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var group in asked.GroupBy(l => (l.Sku, l.Location)).Where(g => g.Key.Location is not null)
                     .Concat(asked.GroupBy(l => (l.Sku, Location: (string?)null))))
        {
            var (sku, location) = group.Key;
            var quantity = group.Sum(l => l.Quantity);
            var held = holds.Where(h => h.Sku == sku && (location is null || h.Location == location)).Sum(h => h.Quantity);
            if (quantity > held)
            {
                errors.TryAdd($"lines[{group.First().Index}].quantity", [$"requested {quantity}{(location is null ? "" : $" at '{location}'")}; the reservation holds {held}"]);
            }
        }

        if (errors.Count > 0)
        {
            return (null, Problems.Conflict("insufficient-stock", "The order asks for more than the reservation holds.",
                "Nothing was changed. Order at most what is held, or order without a reservation.", errors));
        }

        // Lines that name a location take from that hold first; the others from any hold of their SKU, in order.
        var take = new long[holds.Count];
        foreach (var line in asked.Where(l => l.Location is not null).Concat(asked.Where(l => l.Location is null)))
        {
            var left = line.Quantity;
            for (var h = 0; h < holds.Count && left > 0; h++)
            {
                if (holds[h].Sku == line.Sku && (line.Location is null || holds[h].Location == line.Location))
                {
                    var more = Math.Min(left, holds[h].Quantity - take[h]);
                    take[h] += more;
                    left -= more;
                }
            }

            Invariant.Require(left == 0, "an order from a reservation takes no more than it holds");
        }

        var locked = await write.LockPositionsAsync([.. holds.Where(h => !h.OnSellersWord).Select(h => new PositionKey(h.Sku, h.Location))], cancellationToken);
        var working = new Dictionary<PositionKey, Position>(locked);
        var orderLines = new List<OrderLine>();
        for (var h = 0; h < holds.Count; h++)
        {
            var (sku, location, quantity, onSellersWord) = holds[h];
            if (onSellersWord)
            {
                // Allocated nowhere: the seller supplies them from outside counted stock.
                if (take[h] > 0)
                {
                    orderLines.Add(new OrderLine(orderLines.Count, sku, location, take[h], 0, SellerConfirmed: take[h]));
                }

                continue;
            }

            var key = new PositionKey(sku, location);
            if (take[h] > 0)
            {
                working[key] = Holds.Consume(working[key], take[h]);
                orderLines.Add(new OrderLine(orderLines.Count, sku, location, take[h], 0));
            }

            if (quantity > take[h])
            {
                working[key] = Holds.Release(working[key], quantity - take[h], DemandKind.Reserved);
            }
        }

        var order = new Order(request.Id!, request.Channel!, id, OrderStatus.Allocated, write.Now, write.Now, null, null, null, orderLines);
        await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
        var confirmed = reservation with { Status = ReservationStatus.Confirmed, OrderId = order.Id, UpdatedAt = write.Now };
        await write.UpdateReservationsAsync([confirmed], cancellationToken);
        write.Record("reservation.confirmed", confirmed);
        return (order, null);
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
        }

        return validation;
    }
}
