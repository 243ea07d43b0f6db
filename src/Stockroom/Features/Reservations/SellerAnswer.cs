using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
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
        var keys = resolver?.Resolve(known.Channel, requests).Lines?.SelectMany(l => l.Line.Sources.Select(s => new PositionKey(l.Line.Sku, s.Location))).ToList() ?? [];

        return await Writes.RetryAsync<Results<Ok<Reservation>, ProblemHttpResult>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            // The reservation, then its positions: the one lock order (LockStage).
            var reservation = (await write.FindReservationsAsync([id], forUpdate: true, cancellationToken))[id].Reservation.AsOf(write.Now);
            var locked = await write.LockPositionsAsync(keys, cancellationToken);
            var answered = accept ? ReservationStatus.Active : ReservationStatus.Declined;
            if (reservation.Status != ReservationStatus.Pending)
            {
                var repeat = accept ? reservation.Status is ReservationStatus.Active or ReservationStatus.Partial or ReservationStatus.Backordered
                    : reservation.Status == answered;
                return repeat ? TypedResults.Ok(reservation) : Problems.Conflict("illegal-transition", "The reservation is not waiting for an answer.",
                    $"Reservation '{id}' is {Name(reservation.Status)}; only a pending reservation can be accepted or declined.");
            }

            if (!accept)
            {
                var declined = reservation with { Status = ReservationStatus.Declined, UpdatedAt = write.Now };
                await write.UpdateReservationsAsync([declined], cancellationToken);
                write.Record("reservation.declined", declined);
                await write.CommitAsync(cancellationToken);
                return TypedResults.Ok(declined);
            }

            var (lines, errors) = resolver!.Resolve(reservation.Channel, requests);
            if (errors is not null)
            {
                return Problems.Unprocessable(errors.ToDictionary(), "The reservation can no longer be held as asked. It stays pending.");
            }

            var working = new Dictionary<PositionKey, Position>(locked);
            var terms = ReservationTerms.Of(reservation);
            var (made, shortage) = ReservationMaker.Make(terms, lines!, resolver, working, write.Now, options.DefaultHoldSeconds, sellerAccepted: true,
                createdAt: reservation.CreatedAt);
            if (made is null)
            {
                return CreateReservation.Shortage(shortage!);
            }

            var accepted = made with { AcceptBy = reservation.AcceptBy };
            if (accepted.Status == ReservationStatus.Backordered)
            {
                var inbound = (await write.ReadInboundAsync([.. accepted.Backorders().Select(b => new PositionKey(b.Sku, b.Location))], cancellationToken)).ToLookup(l => l.Key);
                accepted = ReservationMaker.WithBackorderDates(accepted,
                    key => new Core.Availability.PositionSupply(working[key], [.. inbound[key]], resolver.SafetyStock.For(working[key])),
                    resolver, DateOnly.FromDateTime(write.Now.UtcDateTime));
            }

            await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
            await write.UpdateReservationsAsync([accepted], cancellationToken);
            write.Record("reservation.accepted", accepted);
            await write.CommitAsync(cancellationToken);
            return TypedResults.Ok(accepted);
        });
    }

    private static string Name(ReservationStatus status) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(status.ToString());
}
