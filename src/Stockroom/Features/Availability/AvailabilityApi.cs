using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Features.Supply;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Availability;

/// <summary>What one location contributes to an aggregate answer, with its own terms.</summary>
public sealed record LocationAvailabilityView(
    string Location,
    long OnHand,
    long Incoming,
    long Reserved,
    long Allocated,
    long Backordered,
    long SafetyStock,
    long Available,
    IReadOnlyList<InboundView> Inbound);

/// <summary>
/// Available to promise, explained: <c>available = max(0, onHand + incoming − reserved − allocated
/// − backordered − safetyStock) − buffer</c>, summed location by location for a group or channel.
/// <c>incoming</c> counts inbound supply due by <c>date</c> and is zero for "now".
/// </summary>
public sealed record AvailabilityResponse(
    string Sku,
    string? Location,
    string? Group,
    string? Channel,
    DateOnly? Date,
    long OnHand,
    long Incoming,
    long Reserved,
    long Allocated,
    long Backordered,
    long SafetyStock,
    long? Buffer,
    long Available,
    IReadOnlyList<FuturePoint> Future,
    IReadOnlyList<InboundView>? Inbound = null,
    IReadOnlyList<LocationAvailabilityView>? ByLocation = null,
    bool? Known = null);

/// <summary>The body of a bulk query: up to a thousand SKUs over a group, a channel, or a list of locations.</summary>
public sealed record AvailabilityQuery(List<string>? Skus, string? Group, string? Channel, List<string>? Locations, DateOnly? Date);

public sealed record AvailabilityQueryResponse(IReadOnlyList<AvailabilityResponse> Results);

public static class AvailabilityApi
{
    public static RouteGroupBuilder MapAvailabilityApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/availability").WithTags("Availability");
        group.MapGet("/{sku}", Get).RequireScope(Scopes.Read).AllowStorefrontReads(app).WithName("GetAvailability")
            .WithSummary("Available to promise for one SKU at a location (pick-up), or over a group or channel (ship-to-home).");
        group.MapPost("/query", Query).RequireScope(Scopes.Read).AllowStorefrontReads(app).WithName("QueryAvailability")
            .WithSummary("Availability of up to 1000 SKUs in one call, answered in the order asked, for listing pages.");
        return group;
    }

    /// <summary>Where an answer is computed over: one location, or a group's active locations, maybe through a channel.</summary>
    internal sealed record Scope(IReadOnlyList<Location> Locations, string? Location, DistributionGroup? Group, Channel? Channel);

    public static async Task<Results<Ok<AvailabilityResponse>, ProblemHttpResult>> Get(
        string sku, IStockStore store, StockModel model, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken,
        string? location = null, string? group = null, string? channel = null, string? date = null, string? consistency = null)
    {
        var today = Today(time);
        var validation = new Validation();
        validation.Identifier("sku", sku);
        var strong = Strong(validation, consistency);
        DateOnly? asOf = null;
        if (date is not null)
        {
            if (DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                asOf = parsed;
            }
            else
            {
                validation.Add("date", "must be a date YYYY-MM-DD");
            }
        }

        var (scope, problem) = await ResolveScopeAsync(validation, store, location is null ? null : [location], group, channel, asOf, today, cancellationToken);
        if ((problem ?? await RefusedScopeAsync(Caller.Of(user), scope!, store, cancellationToken)) is { } refused)
        {
            return refused;
        }

        var stock = await ReadStockAsync(store, model, strong, [sku], [.. scope!.Locations.Select(l => l.Id)], cancellationToken);
        if (!stock.Items.ContainsKey(sku))
        {
            return Problems.NotFound("item", sku);
        }

        var answer = Answer(sku, scope, stock, today, asOf);
        if (scope.Location is not null)
        {
            // One location: its inbound lots explain the future; a breakdown by location would repeat the answer.
            answer = answer with { ByLocation = null, Inbound = answer.ByLocation![0].Inbound };
        }

        return TypedResults.Ok(answer);
    }

    public static async Task<Results<Ok<AvailabilityQueryResponse>, ProblemHttpResult>> Query(
        AvailabilityQuery query, IStockStore store, StockModel model, TimeProvider time, ClaimsPrincipal user, WideReads wideReads, HttpResponse httpResponse,
        CancellationToken cancellationToken, string? consistency = null)
    {
        var today = Today(time);
        var validation = new Validation();
        var strong = Strong(validation, consistency);
        var skus = query.Skus ?? [];
        if (skus.Count is 0 or > Limits.BulkSkusMax)
        {
            validation.Add("skus", $"must list 1 to {Limits.BulkSkusMax} SKUs");
        }

        for (var i = 0; i < Math.Min(skus.Count, Limits.BulkSkusMax); i++)
        {
            validation.Identifier($"skus[{i}]", skus[i]);
        }

        if (query.Locations is { Count: > Limits.GroupLocationsMax })
        {
            validation.Add("locations", $"must list at most {Limits.GroupLocationsMax} locations");
        }

        var (scope, problem) = await ResolveScopeAsync(validation, store, query.Locations, query.Group, query.Channel, query.Date, today, cancellationToken);
        if ((problem ?? await RefusedScopeAsync(Caller.Of(user), scope!, store, cancellationToken)) is { } refused)
        {
            return refused;
        }

        var distinct = skus.Distinct(StringComparer.Ordinal).ToList();
        var cells = (long)distinct.Count * scope!.Locations.Count;
        if (cells > Limits.AvailabilityCellsMax)
        {
            return Problems.Validation("skus",
                $"{distinct.Count:N0} SKUs over {scope.Locations.Count:N0} locations are {cells:N0} positions; one query covers at most "
                + $"{Limits.AvailabilityCellsMax:N0}: ask at most {Math.Max(1, Limits.AvailabilityCellsMax / Math.Max(1, scope.Locations.Count)):N0} SKUs at a time over this scope");
        }

        using var turn = await wideReads.EnterAsync(cells, cancellationToken);
        if (!turn.IsAcquired)
        {
            httpResponse.Headers.RetryAfter = "1";
            return Problems.Overloaded("Too many wide availability queries are waiting.",
                $"Queries over {WideReads.CellsFrom:N0} positions or more take turns. Retry after a second, or ask fewer SKUs or locations.");
        }

        var stock = await ReadStockAsync(store, model, strong, distinct, [.. scope.Locations.Select(l => l.Id)], cancellationToken);
        var results = skus.Select(sku => stock.Items.ContainsKey(sku)
            ? Answer(sku, scope, stock, today, query.Date, byLocation: false) with { Known = true }
            : new AvailabilityResponse(sku, scope.Location, scope.Group?.Id, scope.Channel?.Id, query.Date, 0, 0, 0, 0, 0, 0, null, 0, [], Known: false));
        return TypedResults.Ok(new AvailabilityQueryResponse([.. results]));
    }

    /// <summary>
    /// <c>consistency=strong</c> reads the database itself; the default reads memory, which holds
    /// this process's writes at once and other processes' within <see cref="StockModelFollower.PollInterval"/>.
    /// </summary>
    private static bool Strong(Validation validation, string? consistency)
    {
        if (consistency is not (null or "strong" or "bounded"))
        {
            validation.Add("consistency", "must be strong (read the database) or bounded (the default: read memory)");
        }

        return consistency == "strong";
    }

    private static Task<StockSnapshot> ReadStockAsync(IStockStore store, StockModel model, bool strong, IReadOnlyCollection<string> skus,
        IReadOnlyCollection<string> locations, CancellationToken cancellationToken) =>
        strong ? store.ReadStockAsync(skus, locations, cancellationToken) : model.ReadStockAsync(skus, locations, cancellationToken);

    private static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    /// <summary>Checks the question and reads the network it is asked over; exactly one of the three scopes.</summary>
    private static async Task<(Scope?, ProblemHttpResult?)> ResolveScopeAsync(Validation validation, IStockStore store,
        List<string>? locations, string? group, string? channel, DateOnly? date, DateOnly today, CancellationToken cancellationToken)
    {
        if (new object?[] { locations, group, channel }.Count(s => s is not null) != 1)
        {
            validation.Add("location", "give exactly one of location, group or channel");
        }

        for (var i = 0; i < (locations?.Count ?? 0); i++)
        {
            validation.Identifier(locations!.Count == 1 ? "location" : $"locations[{i}]", locations[i]);
        }

        validation.Identifier("group", group, required: false);
        validation.Identifier("channel", channel, required: false);
        validation.Date("date", date, today, allowPast: false);
        if (!validation.IsValid)
        {
            return (null, validation.Problem());
        }

        // The network comes through the catalog cache: a changed channel, group or location is seen
        // at once in this process and within a second from another.
        if (locations is not null)
        {
            var found = await store.CachedLocationsAsync([.. locations.Distinct(StringComparer.Ordinal)], cancellationToken);
            var missing = locations.FirstOrDefault(l => found.All(f => f.Id != l));
            return missing is not null
                ? (null, Problems.NotFound("location", missing))
                : (new Scope([.. found.OrderBy(l => l.Id, StringComparer.Ordinal)], locations.Count == 1 ? locations[0] : null, null, null), null);
        }

        Channel? sellingChannel = null;
        if (channel is not null)
        {
            sellingChannel = (await store.CachedChannelsAsync([channel], cancellationToken)).SingleOrDefault();
            if (sellingChannel is null)
            {
                return (null, Problems.NotFound("channel", channel));
            }

            group = sellingChannel.Group;
        }

        if ((await store.CachedGroupsAsync([group!], cancellationToken)).SingleOrDefault() is not { } distribution)
        {
            return (null, Problems.NotFound("group", group!));
        }

        // Inactive locations keep their stock but promise none of it, so they are left out of
        // the sum altogether rather than shown with terms that do not add up.
        var members = (await store.CachedLocationsAsync(distribution.Locations, cancellationToken)).Where(l => l.Active)
            .OrderBy(l => l.Id, StringComparer.Ordinal).ToList();
        return (new Scope(members, null, distribution, sellingChannel), null);
    }

    /// <summary>
    /// A key bound to a channel sees its own channel's network only: the channel, its group, or
    /// locations in that group (pick-up in store). Null when the scope is allowed.
    /// </summary>
    private static async Task<ProblemHttpResult?> RefusedScopeAsync(Caller caller, Scope scope, IStockStore store, CancellationToken cancellationToken)
    {
        if (caller.Channel is null || scope.Channel?.Id == caller.Channel)
        {
            return null;
        }

        var own = (await store.CachedChannelsAsync([caller.Channel], cancellationToken)).SingleOrDefault();
        var network = own is null ? null
            : (await store.CachedGroupsAsync([own.Group], cancellationToken)).SingleOrDefault();
        var within = scope.Channel is null && network is not null
            && (scope.Group is not null ? scope.Group.Id == network.Id : scope.Locations.All(l => network.Locations.Contains(l.Id)));
        return within ? null : Problems.Forbidden($"This key acts only for channel '{caller.Channel}' and the locations it sells from.");
    }

    /// <summary>
    /// One SKU's answer over a scope. A draft item promises nothing anywhere: its positions count
    /// as inactive, so its terms still show while availability stays zero.
    /// </summary>
    internal static AvailabilityResponse Answer(string sku, Scope scope, StockSnapshot stock, DateOnly today, DateOnly? date, bool byLocation = true)
    {
        var sellable = stock.Items[sku].CanBeSold();
        var supplies = scope.Locations.Select(l =>
        {
            var position = stock.PositionAt(sku, l.Id);
            return new PositionSupply(position, [.. stock.Inbound[position.Key]], stock.SafetyStock.For(position), l.Active && sellable);
        }).ToList();
        var terms = Atp.Across(supplies, today, date);
        if (scope.Channel is not null)
        {
            terms = Atp.ForChannel(terms, scope.Channel.Buffer);
        }

        // A bulk answer leaves the breakdown out: over 100,000 positions it would be most of the work.
        var locations = byLocation
            ? supplies.Select(s =>
            {
                var at = Atp.AtLocation(s, today, date);
                return new LocationAvailabilityView(s.Position.Key.Location, at.OnHand, at.Incoming, at.Reserved, at.Allocated, at.Backordered,
                    at.SafetyStock, at.Available, [.. s.Inbound.Select(InboundView.From)]);
            }).ToList()
            : null;

        return new AvailabilityResponse(sku, scope.Location, scope.Group?.Id, scope.Channel?.Id, date, terms.OnHand, terms.Incoming,
            terms.Reserved, terms.Allocated, terms.Backordered, terms.SafetyStock, scope.Channel is null ? null : terms.Buffer, terms.Available,
            terms.Future, null, locations);
    }
}
