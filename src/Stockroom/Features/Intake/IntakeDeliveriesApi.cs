using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Intake;

/// <summary>
/// The audit trail of marketplace deliveries, in the order they were recorded (id order), a page
/// at a time: <c>next</c> is the last id of a full page, to pass as <c>after</c>. Id order, like
/// the ledger's sequence, lets a client follow the trail without missing or repeating a row; the
/// admin page shows the newest first.
/// </summary>
public static class IntakeDeliveriesApi
{
    public static async Task<Results<Ok<Page<IntakeDelivery>>, ProblemHttpResult>> List(
        IStockStore store, ClaimsPrincipal user, CancellationToken cancellationToken,
        string? channel = null, string? outcome = null, string? after = null, int? limit = null)
    {
        var validation = new Validation();
        validation.Identifier("channel", channel, required: false);
        var wanted = validation.Member<DeliveryOutcome>("outcome", outcome);
        long cursor = 0;
        if (after is not null && (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out cursor) || cursor < 0))
        {
            validation.Add("after", "must be the id of a delivery, a whole number (the next of the page before)");
        }

        validation.Range("limit", limit, 1, Limits.PageSizeMax, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        // A key bound to a channel sees that channel's deliveries only.
        (channel, var refused) = Caller.Of(user).ListScope(channel);
        if (refused is not null)
        {
            return refused;
        }

        var size = limit ?? Limits.PageSizeDefault;
        var page = await store.ListDeliveriesAsync(new DeliveryFilter(channel, wanted, cursor, size), cancellationToken);
        return TypedResults.Ok(Paging.Page(page, size, d => d.Id.ToString(CultureInfo.InvariantCulture)));
    }
}
