using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

public static class ReservationsApi
{
    public static RouteGroupBuilder MapReservationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/reservations").WithTags("Reservations");
        group.MapPost("/", CreateReservation.Handle).RequireScope(Scopes.ReservationsWrite).AllowStorefrontWrites(app).WithName("CreateReservation")
            .WithSummary("Hold units for a cart or checkout; idempotent by id.");
        group.MapGet("/{id}", Get).RequireScope(Scopes.Read).AllowStorefrontWrites(app).WithName("GetReservation").WithSummary("Read one reservation.");
        group.MapGet("/", List).RequireScope(Scopes.Read).WithName("ListReservations").WithSummary("List reservations by status, channel or SKU.");
        group.MapPost("/{id}/accept", SellerAnswer.Accept).RequireScope(Scopes.ReservationsWrite).WithName("AcceptReservation")
            .WithSummary("The seller accepts a pending (on-request) reservation: its units are held now, or backordered if allowed.");
        group.MapPost("/{id}/decline", SellerAnswer.Decline).RequireScope(Scopes.ReservationsWrite).WithName("DeclineReservation")
            .WithSummary("The seller declines a pending (on-request) reservation.");
        group.MapDelete("/{id}", Release).RequireScope(Scopes.ReservationsWrite).AllowStorefrontWrites(app).WithName("ReleaseReservation")
            .WithSummary("Release a reservation and give its units back (cart abandoned, order made elsewhere).");
        return group;
    }

    public static async Task<Results<Ok<Reservation>, ProblemHttpResult>> Get(string id, IStockStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var found = await Problems.FindAsync("id", id, "reservation",
            async () => (await store.GetReservationsAsync([id], cancellationToken)).GetValueOrDefault(id)?.Reservation);
        return found.Result is Ok<Reservation> { Value: { } reservation } && !Caller.Of(user).Sees(reservation.Channel) ? Problems.NotFound("reservation", id) : found;
    }

    /// <summary>The 404 when the reservation belongs to a channel this caller may not act for: to it, the id is unknown.</summary>
    internal static async Task<ProblemHttpResult?> RefusedAsync(string id, IStockStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var caller = Caller.Of(user);
        return caller.Channel is null ? null
            : (await store.GetReservationsAsync([id], cancellationToken)).GetValueOrDefault(id) is { } stored && !caller.Sees(stored.Reservation.Channel)
                ? Problems.NotFound("reservation", id) : null;
    }

    public static async Task<Results<Ok<Page<Reservation>>, ProblemHttpResult>> List(
        IStockStore store, ClaimsPrincipal user, CancellationToken cancellationToken,
        string? status = null, string? channel = null, string? sku = null, string? after = null, int? limit = null)
    {
        var (validation, size) = Paging.Validate(after, limit);
        var wanted = validation.Member<ReservationStatus>("status", status);
        validation.Identifier("channel", channel, required: false);
        validation.Identifier("sku", sku, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        // A key bound to a channel lists that channel's reservations only.
        (channel, var refused) = Caller.Of(user).ListScope(channel);
        if (refused is not null)
        {
            return refused;
        }

        var page = await store.ListReservationsAsync(new ReservationFilter(wanted, channel, sku, after, size), cancellationToken);
        return TypedResults.Ok(Paging.Page(page, size, r => r.Id));
    }

    /// <summary>
    /// Releasing is idempotent: a reservation already released, expired or declined is returned as
    /// it is. One already confirmed by an order cannot be released; cancel the order instead.
    /// </summary>
    public static async Task<Results<Ok<Reservation>, ProblemHttpResult>> Release(string id, IStockStore store, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        if (!validation.Identifier("id", id))
        {
            return validation.Problem();
        }

        if (await RefusedAsync(id, store, user, cancellationToken) is { } refused)
        {
            return refused;
        }

        return await Writes.RetryAsync<Results<Ok<Reservation>, ProblemHttpResult>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            var found = await write.FindReservationsAsync([id], forUpdate: true, cancellationToken);
            if (!found.TryGetValue(id, out var stored))
            {
                return Problems.NotFound("reservation", id);
            }

            switch (ReservationLifecycle.Release(stored.Reservation, write.Now))
            {
                case ReservationTransition.Applied released:
                    await ReleaseHolds.WriteAsync(write, [released], cancellationToken);
                    await write.CommitAsync(cancellationToken);
                    return TypedResults.Ok(released.Reservation);
                case ReservationTransition.Illegal illegal:
                    return Problems.Conflict(illegal.Code, illegal.Title, illegal.Reason);
                case var unchanged:
                    return TypedResults.Ok(((ReservationTransition.Unchanged)unchanged).Reservation);
            }
        });
    }
}
