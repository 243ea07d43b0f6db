using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Demand;
using Stockroom.Core.Supply;
using Stockroom.Features.Keys;
using Stockroom.Features.Supply;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>
/// The seller's answer to an on-request hold. Accepting holds the units now (or backorders them
/// if the request allowed it) and starts the payment window; declining ends the hold. Answering
/// twice the same way is harmless; answering a hold that is no longer pending is a 409.
/// </summary>
public static class SellerAnswer
{
    public static Task<Results<Ok<Reservation>, ProblemHttpResult>> Accept(string id, IStockStore store, HoldWriterOptions options, ClaimsPrincipal user,
        CancellationToken cancellationToken) =>
        AnswerAsync(id, store, accept: true, options, user, cancellationToken);

    public static Task<Results<Ok<Reservation>, ProblemHttpResult>> Decline(string id, IStockStore store, HoldWriterOptions options, ClaimsPrincipal user,
        CancellationToken cancellationToken) =>
        AnswerAsync(id, store, accept: false, options, user, cancellationToken);

    private static async Task<Results<Ok<Reservation>, ProblemHttpResult>> AnswerAsync(string id, IStockStore store, bool accept,
        HoldWriterOptions options, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        if (!validation.Identifier("id", id))
        {
            return validation.Problem();
        }

        var known = (await store.GetReservationsAsync([id], cancellationToken)).GetValueOrDefault(id)?.Reservation;
        if (known is null || !Caller.Of(user).Sees(known.Channel))
        {
            return Problems.NotFound("reservation", id);
        }

        // The catalog is read before any lock, as on every write path.
        var requests = known.Lines.Select(HoldLineRequest.From).ToList();
        var resolver = accept ? await HoldResolver.LoadAsync(store, [known.Channel], requests, cancellationToken) : null;
        var keys = resolver?.Resolve(known.Channel, requests).Lines is { } lines ? ResolvedLine.Positions(lines) : [];

        return await Writes.RetryAsync<Results<Ok<Reservation>, ProblemHttpResult>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            // The reservation, then its positions: the one lock order (LockStage).
            var reservation = (await write.FindReservationsAsync([id], forUpdate: true, cancellationToken))[id].Reservation;
            var locked = await write.LockPositionsAsync(keys, cancellationToken);
            var working = new Dictionary<PositionKey, Position>(locked);
            var transition = resolver is not null
                ? ReservationLifecycle.Accept(reservation, resolver, working, write.Now, options.DefaultHoldSeconds)
                : ReservationLifecycle.Decline(reservation, write.Now);
            switch (transition)
            {
                case ReservationTransition.Unchanged unchanged:
                    return TypedResults.Ok(unchanged.Reservation);
                case ReservationTransition.Illegal illegal:
                    return Problems.Conflict(illegal.Code, illegal.Title, illegal.Reason);
                case ReservationTransition.Unresolvable unresolvable:
                    return Problems.Unprocessable(unresolvable.Errors.ToDictionary(), "The reservation can no longer be held as asked. It stays pending.");
                case ReservationTransition.Refused refused:
                    return CreateReservation.Shortage(refused.Lines);
            }

            var applied = (ReservationTransition.Applied)transition;
            var answered = applied.Reservation;
            if (answered.Status == ReservationStatus.Backordered)
            {
                var inbound = await write.ReadInboundAsync(ReservationLifecycle.BackorderPositions([answered]), cancellationToken);
                answered = ReservationLifecycle.DateBackorders(answered, working, inbound, resolver!, write.Now);
            }

            // A declined hold held nothing, so only an accepted one writes positions.
            if (resolver is not null)
            {
                await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
            }

            await write.UpdateReservationsAsync([answered], cancellationToken);
            write.Record(applied.EventType, answered);
            await write.CommitAsync(cancellationToken);
            return TypedResults.Ok(answered);
        });
    }
}
