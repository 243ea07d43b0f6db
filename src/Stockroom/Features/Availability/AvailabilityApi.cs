using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core.Supply;
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
    long SafetyStock,
    long Available,
    IReadOnlyList<InboundView> Inbound);

/// <summary>
/// Available to promise, explained: <c>available = max(0, onHand + incoming − reserved − allocated
/// − safetyStock) − buffer</c>, summed location by location for a group or channel.
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
    long SafetyStock,
    long? Buffer,
    long Available,
    IReadOnlyList<FuturePoint> Future,
    IReadOnlyList<InboundView>? Inbound,
    IReadOnlyList<LocationAvailabilityView>? ByLocation);

public static class AvailabilityApi
{
    public static RouteGroupBuilder MapAvailabilityApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/availability").WithTags("Availability");
        group.MapGet("/{sku}", Get).WithName("GetAvailability")
            .WithSummary("Available to promise for one SKU at a location (pick-up), or over a group or channel (ship-to-home).");
        return group;
    }

    public static async Task<Results<Ok<AvailabilityResponse>, ProblemHttpResult>> Get(
        string sku, IStockStore store, TimeProvider time, CancellationToken cancellationToken,
        string? location = null, string? group = null, string? channel = null, string? date = null)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var validation = new Validation();
        validation.Identifier("sku", sku);
        var scopes = new[] { location, group, channel }.Count(s => s is not null);
        if (scopes != 1)
        {
            validation.Add("location", "give exactly one of location, group or channel");
        }

        validation.Identifier("location", location, required: false);
        validation.Identifier("group", group, required: false);
        validation.Identifier("channel", channel, required: false);
        DateOnly? asOf = null;
        if (date is not null)
        {
            if (DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                asOf = parsed;
                validation.Date("date", parsed, today, allowPast: false);
            }
            else
            {
                validation.Add("date", "must be a date YYYY-MM-DD");
            }
        }

        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        if (await store.GetItemAsync(sku, cancellationToken) is not { } item)
        {
            return Problems.NotFound("item", sku);
        }

        if (location is not null)
        {
            if (await store.GetLocationAsync(location, cancellationToken) is not { } one)
            {
                return Problems.NotFound("location", location);
            }

            var supply = await store.ReadSupplyAsync(sku, [one.Id], cancellationToken);
            var terms = Atp.AtLocation(Supplies(item, [one], supply)[0], today, asOf);
            return TypedResults.Ok(Respond(sku, asOf, terms) with
            {
                Location = one.Id,
                Inbound = [.. supply.Inbound.Select(InboundView.From)],
            });
        }

        Channel? sellingChannel = null;
        if (channel is not null)
        {
            sellingChannel = await store.GetChannelAsync(channel, cancellationToken);
            if (sellingChannel is null)
            {
                return Problems.NotFound("channel", channel);
            }

            group = sellingChannel.Group;
        }

        if (await store.GetGroupAsync(group!, cancellationToken) is not { } distribution)
        {
            return Problems.NotFound("group", group!);
        }

        // Inactive locations keep their stock but promise none of it, so they are left out of
        // the sum altogether rather than shown with terms that do not add up.
        var members = (await store.GetLocationsAsync(distribution.Locations, cancellationToken)).Where(l => l.Active).ToList();
        var stock = await store.ReadSupplyAsync(sku, [.. members.Select(l => l.Id)], cancellationToken);
        var supplies = Supplies(item, members, stock);
        var aggregate = Atp.Across(supplies, today, asOf);
        if (sellingChannel is not null)
        {
            aggregate = Atp.ForChannel(aggregate, sellingChannel.Buffer);
        }

        var byLocation = supplies.Select(s =>
        {
            var terms = Atp.AtLocation(s, today, asOf);
            return new LocationAvailabilityView(s.Position.Key.Location, terms.OnHand, terms.Incoming, terms.Reserved, terms.Allocated,
                terms.SafetyStock, terms.Available, [.. stock.Inbound.Where(l => l.Key == s.Position.Key).Select(InboundView.From)]);
        }).ToList();

        return TypedResults.Ok(Respond(sku, asOf, aggregate) with
        {
            Group = distribution.Id,
            Channel = sellingChannel?.Id,
            Buffer = sellingChannel is null ? null : aggregate.Buffer,
            ByLocation = byLocation,
        });
    }

    /// <summary>
    /// Joins positions with their inbound lots. A draft item promises nothing anywhere: its
    /// positions count as inactive, so its terms still show while availability stays zero.
    /// </summary>
    private static List<PositionSupply> Supplies(Item item, IReadOnlyList<Location> locations, SkuSupply stock)
    {
        var active = locations.ToDictionary(l => l.Id, l => l.Active && item.CanBeSold(), StringComparer.Ordinal);
        var inbound = stock.Inbound.ToLookup(l => l.Key);
        return [.. stock.Positions.Select(p => new PositionSupply(p, [.. inbound[p.Key]], SafetyStock: 0, active[p.Key.Location]))];
    }

    private static AvailabilityResponse Respond(string sku, DateOnly? date, AvailabilityTerms terms) =>
        new(sku, null, null, null, date, terms.OnHand, terms.Incoming, terms.Reserved, terms.Allocated, terms.SafetyStock,
            null, terms.Available, terms.Future, null, null);
}
