using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Features.Keys;
using Stockroom.Features.Orders;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Intake;

public enum IntakeOutcome
{
    /// <summary>The units owed are allocated (or were, by an earlier delivery of the same order).</summary>
    Allocated,

    /// <summary>A later version of a held order changed it: units shipped, no longer owed or newly owed.</summary>
    Updated,

    /// <summary>The marketplace cancelled the order, and the order Stockroom held is cancelled.</summary>
    Cancelled,

    /// <summary>A version older than the one already applied: nothing was changed; <c>order</c> is the order as held.</summary>
    Stale,

    /// <summary>Nothing is owed (cancelled, shipped, refunded or no stock lines) and Stockroom holds no such order: nothing was taken.</summary>
    NothingOwed,

    /// <summary>The order was refused; <c>problem</c> says why.</summary>
    Refused,
}

/// <summary>
/// What became of one marketplace order: the canonical order id, the outcome and its HTTP status,
/// the order as Stockroom holds it, the lines not held and why, and the marketplace's time of its
/// last change to the order.
/// </summary>
public sealed record IntakeResult(string? OrderId, IntakeOutcome Outcome, int Status, Order? Order, IReadOnlyList<SkippedLine> Skipped,
    DateTimeOffset? Version, object? Problem = null)
{
    /// <summary>The order was taken by an earlier delivery of the same content; kept for the audit trail, not answered.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Replayed { get; init; }
}

/// <summary>One result per order of a list payload, in the list's order.</summary>
public sealed record IntakeResults(IReadOnlyList<IntakeResult> Results);

/// <summary>
/// Marketplace orders in their own formats become one canonical order each, with id
/// <c>{format}:{marketplace order id}</c> in channel <c>{format}</c>, allocated through the normal
/// order path; only the units still owed are held. A webhook delivered twice allocates once: the
/// canonical order is what is compared. An order the marketplace cancelled is cancelled through
/// the normal order-event path if Stockroom holds it, and otherwise takes nothing (200, not an
/// error, so that a marketplace does not redeliver it).
/// </summary>
public static class IntakeApi
{
    public const string OrderEndpoint = "IntakeOrder";

    public static RouteGroupBuilder MapIntakeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/intake").WithTags("Channel intake");
        // A Shopify delivery signed with the channel's intake secret needs no key (IntakeSignatures).
        group.MapPost("/{format}", Intake).RequireScopeOrSignature(Scopes.ReservationsWrite, IntakeSignatures.ShopifyHeader).ReadsRawBody().WithName(OrderEndpoint)
            .WithSummary("Take a marketplace order (shopify, amazon, walmart) in its own payload format and allocate what is still owed.");
        group.MapGet("/deliveries", IntakeDeliveriesApi.List).RequireScope(Scopes.Read).WithName("ListIntakeDeliveries")
            .WithSummary("The audit trail of marketplace deliveries and what became of each order, by channel and outcome, in id order, a page at a time.");
        return group;
    }

    public static async Task<Results<Created<IntakeResult>, Ok<IntakeResult>, Ok<IntakeResults>, ProblemHttpResult>> Intake(
        string format, JsonElement payload, IStockStore store, KeyRing keys, HttpRequest httpRequest, HttpResponse httpResponse, ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        if (!MarketplaceOrders.Formats.Contains(format))
        {
            // Not a marketplace: nothing to keep a trail of.
            return Problems.NotFound("intake format", format);
        }

        var deliveries = new List<DeliveryRecord>();
        var answer = await TakeAsync(format, payload, store, keys, httpRequest, user, deliveries, cancellationToken);
        // After the order's own write, and whatever became of it; a client that went away does not stop the record.
        var logger = httpResponse.HttpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(IntakeAudit));
        await IntakeAudit.RecordAsync(store, deliveries, logger, CancellationToken.None);
        return answer;
    }

    private static async Task<Results<Created<IntakeResult>, Ok<IntakeResult>, Ok<IntakeResults>, ProblemHttpResult>> TakeAsync(string format,
        JsonElement payload, IStockStore store, KeyRing keys, HttpRequest httpRequest, ClaimsPrincipal user, List<DeliveryRecord> deliveries,
        CancellationToken cancellationToken)
    {
        if (MarketplaceOrders.Retired.Contains(format))
        {
            var retired = new ProblemDetails
            {
                Type = Problems.Type("marketplace-retired"),
                Title = "Google orders are no longer taken.",
                Status = StatusCodes.Status410Gone,
                Detail = "Buy on Google has ended and its order APIs are sunset: Google is an availability destination only. Nothing was changed.",
            };
            deliveries.Add(IntakeAudit.Of(format, DeliveryOutcome.Retired, retired));
            return TypedResults.Problem(retired);
        }

        var (signedUser, unsigned) = await IntakeSignatures.AuthenticateAsync(format, httpRequest, user, store, keys, cancellationToken);
        if (unsigned is not null)
        {
            deliveries.Add(IntakeAudit.Of(format, DeliveryOutcome.Unauthenticated, unsigned.ProblemDetails));
            return unsigned;
        }

        user = signedUser!;
        if (Caller.Of(user).RefusesChannel(format) is { } refused)
        {
            deliveries.Add(IntakeAudit.Of(format, DeliveryOutcome.Refused, refused.ProblemDetails));
            return refused;
        }

        var (orders, isList) = MarketplaceOrders.Parse(format, payload);
        if (!isList)
        {
            if (orders[0].Errors is { } errors)
            {
                var invalid = Problems.Validation(errors, $"The {format} order payload is not valid. Nothing was allocated.");
                deliveries.Add(IntakeAudit.Of(format, orders[0].MarketplaceId, IntakeOrderWrite.Refused(Canonical(format, orders[0].MarketplaceId), invalid, null, null)));
                return invalid;
            }

            var result = await ApplyAsync(format, orders[0].Order!, store, cancellationToken);
            deliveries.Add(IntakeAudit.Of(format, orders[0].Order!.OrderId, result));
            return result switch
            {
                { Problem: ProblemDetails problem } => TypedResults.Problem(problem),
                { Status: StatusCodes.Status201Created } => TypedResults.Created($"/v1/orders/{result.OrderId}", result),
                _ => TypedResults.Ok(result),
            };
        }

        // Each order of a list stands alone: one that is refused does not hold back the others.
        var results = new List<IntakeResult>(orders.Count);
        foreach (var parsed in orders)
        {
            var result = parsed.Errors is { } errors
                ? IntakeOrderWrite.Refused(Canonical(format, parsed.MarketplaceId), Problems.Validation(errors, $"The {format} order is not valid. Nothing was allocated for it."), null, null)
                : await ApplyAsync(format, parsed.Order!, store, cancellationToken);
            deliveries.Add(IntakeAudit.Of(format, parsed.Order?.OrderId ?? parsed.MarketplaceId, result));
            results.Add(result);
        }

        return TypedResults.Ok(new IntakeResults(results));
    }

    /// <summary>
    /// Takes a payload the server read from the marketplace itself (order polling), in-process: the
    /// same reading, mapping, allocation and audit trail as <c>POST /v1/intake/{format}</c>, each
    /// order of a list on its own, without the door's authentication (the connector's own
    /// credentials fetched it). A store failure throws, and the deliveries taken before it are
    /// still recorded.
    /// </summary>
    public static async Task<IReadOnlyList<IntakeResult>> TakePolledAsync(string format, JsonElement payload, IStockStore store, ILogger? logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var deliveries = new List<DeliveryRecord>();
        var results = new List<IntakeResult>();
        try
        {
            foreach (var parsed in MarketplaceOrders.Parse(format, payload).Orders)
            {
                var result = parsed.Errors is { } errors
                    ? IntakeOrderWrite.Refused(Canonical(format, parsed.MarketplaceId), Problems.Validation(errors, $"The {format} order is not valid. Nothing was allocated for it."), null, null)
                    : await ApplyAsync(format, parsed.Order!, store, cancellationToken);
                deliveries.Add(IntakeAudit.Of(format, parsed.Order?.OrderId ?? parsed.MarketplaceId, result));
                results.Add(result);
            }
        }
        finally
        {
            await IntakeAudit.RecordAsync(store, deliveries, logger, CancellationToken.None);
        }

        return results;
    }

    internal static string? Canonical(string format, string? marketplaceId) => marketplaceId is null ? null : $"{format}:{marketplaceId}";

    /// <summary>
    /// Maps the order's lines to SKUs through the channel's listings; a line the channel cannot map
    /// is marked and the others held, or, when the channel says so, the whole order is refused.
    /// </summary>
    private static async Task<IntakeResult> ApplyAsync(string format, MarketplaceOrder order, IStockStore store, CancellationToken cancellationToken)
    {
        var id = Canonical(format, order.OrderId);
        var mapped = await IntakeMapping.MapAsync(store, format, order, cancellationToken);
        // An order none of whose stock lines maps holds nothing: refused, it is delivered again once they are mapped.
        if (mapped.Unknown.Count > 0 && !order.Cancelled && order.RefundId is null
            && (mapped.Lines.Count == 0 || await store.UnknownSkusAsync(format, cancellationToken) == UnknownSkus.Refuse))
        {
            var unmapped = mapped.Unknown.ToDictionary(s => s.Line, s => new[] { s.Reason }, StringComparer.Ordinal);
            return IntakeOrderWrite.Refused(id, Problems.Unprocessable(unmapped,
                $"The order has lines whose SKU Stockroom does not know. Map them with PUT /v1/channels/{format}/listings/{{externalId}}; the marketplace's next delivery is then taken. Nothing was allocated."),
                order, mapped);
        }

        return await IntakeOrderWrite.ApplyAsync(format, order, mapped, store, cancellationToken);
    }
}
