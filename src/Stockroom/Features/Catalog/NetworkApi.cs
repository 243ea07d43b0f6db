using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Core.Catalog;
using Stockroom.Core.Ledger;
using Stockroom.Features.Channels;
using Stockroom.Features.Connectors;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Catalog;

public sealed record PutLocationRequest(
    string? Name,
    LocationType? Type,
    bool? CanShip,
    bool? CanPickup,
    double? Latitude,
    double? Longitude,
    int? Priority,
    bool? Active,
    int? LeadTimeDays);

public sealed record PutGroupRequest(string? Name, List<string>? Locations);

public sealed record BufferRequest(decimal? Percent, long? Units);

/// <summary>
/// A channel as PUT. <c>intakeSecret</c> is write-only: a string sets it, <c>null</c> clears it, and
/// leaving it out keeps the one the channel has, since no answer shows it for a client to send back.
/// <c>intakeUnknownSkus</c> (<c>skip</c> when left out) says what intake does with an order line it cannot map.
/// <c>connector</c> is the marketplace connector (<see cref="Connectors.ConnectorSetup"/>): left out keeps it, <c>null</c> removes it.
/// </summary>
public sealed record PutChannelRequest(string? Name, string? Group, BufferRequest? Buffer, int? ReservationTtlSeconds, int? PublishEverySeconds,
    JsonElement IntakeSecret, UnknownSkus? IntakeUnknownSkus = null)
{
    // A property rather than a parameter: a parameter's default value is written into the schema, and an undefined JsonElement cannot be.
    public JsonElement Connector { get; init; }
}

/// <summary>The selling network: locations, the distribution groups they form, and the channels that sell from them.</summary>
public static class NetworkApi
{
    public static IEndpointRouteBuilder MapNetworkApi(this IEndpointRouteBuilder app)
    {
        var locations = app.MapGroup("/v1/locations").WithTags("Network");
        locations.MapPut("/{id}", PutLocation).RequireStoreWideScope(Scopes.Admin).WithETag().WithName("PutLocation").WithSummary("Create or replace a location (store, warehouse, dc, supplier).");
        locations.MapGet("/{id}", GetLocation).RequireScope(Scopes.Read).WithETag().WithName("GetLocation").WithSummary("Read one location.");
        locations.MapGet("/", ListLocations).RequireScope(Scopes.Read).WithName("ListLocations").WithSummary("Page through locations.");

        var groups = app.MapGroup("/v1/groups").WithTags("Network");
        groups.MapPut("/{id}", PutGroup).RequireStoreWideScope(Scopes.Admin).WithETag().WithName("PutGroup").WithSummary("Create or replace a distribution group and its locations.");
        groups.MapGet("/{id}", GetGroup).RequireScope(Scopes.Read).WithETag().WithName("GetGroup").WithSummary("Read one distribution group.");
        groups.MapGet("/", ListGroups).RequireScope(Scopes.Read).WithName("ListGroups").WithSummary("Page through distribution groups.");

        var channels = app.MapGroup("/v1/channels").WithTags("Network");
        channels.MapPut("/{id}", PutChannel).RequireStoreWideScope(Scopes.Admin).WithETag().WithName("PutChannel").WithSummary("Create or replace a sales channel.");
        channels.MapGet("/{id}", GetChannel).RequireScope(Scopes.Read).WithETag().WithName("GetChannel").WithSummary("Read one sales channel.");
        channels.MapGet("/", ListChannels).RequireScope(Scopes.Read).WithName("ListChannels").WithSummary("Page through sales channels.");
        channels.MapGet("/{id}/feed", ChannelFeed.Get).RequireScope(Scopes.Read).WithName("GetChannelFeed")
            .WithSummary("The channel's published availability updates, one per SKU per publication, oldest first.");
        channels.MapChannelListings();
        channels.MapConnectorsApi();
        return app;
    }

    public static async Task<Results<Created<Location>, Ok<Location>, ProblemHttpResult>> PutLocation(
        string id, PutLocationRequest request, IStockStore store, HttpRequest httpRequest, CancellationToken cancellationToken)
    {
        var validation = ValidateLocation(id, request);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var (conditions, badConditions) = ETags.Conditions(httpRequest);
        if (badConditions is not null)
        {
            return badConditions;
        }

        await using var write = await store.BeginWriteAsync(cancellationToken);
        if (conditions is not null)
        {
            await write.LockRowAsync(CatalogTable.Locations, id, cancellationToken);
            if (conditions.Check(await write.GetLocationAsync(id, cancellationToken)) is { } failed)
            {
                return failed;
            }
        }

        var (location, created) = await UpsertLocationAsync(write, id, request, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return created ? TypedResults.Created($"/v1/locations/{id}", location) : TypedResults.Ok(location);
    }

    /// <summary>Creates or replaces a validated location in a write: the API's path and the CSV import's.</summary>
    internal static async Task<(Location Location, bool Created)> UpsertLocationAsync(IStockWrite write, string id, PutLocationRequest request, CancellationToken cancellationToken)
    {
        var existing = await write.GetLocationAsync(id, cancellationToken);
        var location = new Location(id, request.Name!.Trim(), request.Type!.Value, request.CanShip!.Value, request.CanPickup!.Value,
            request.Latitude, request.Longitude, request.Priority ?? 0, request.Active ?? true, existing?.CreatedAt ?? write.Now, write.Now,
            request.LeadTimeDays);
        await write.UpsertLocationAsync(location, cancellationToken);
        write.Record("location.upserted", location);
        return (location, existing is null);
    }

    internal static Validation ValidateLocation(string id, PutLocationRequest request)
    {
        var validation = new Validation();
        validation.Identifier("id", id);
        validation.Text("name", request.Name, Limits.NameLengthMax, required: true);
        validation.Required("type", request.Type);
        validation.Required("canShip", request.CanShip);
        validation.Required("canPickup", request.CanPickup);
        if (request.Latitude is < -90 or > 90 || request.Latitude is double.NaN)
        {
            validation.Add("latitude", "must be between -90 and 90");
        }

        if (request.Longitude is < -180 or > 180 || request.Longitude is double.NaN)
        {
            validation.Add("longitude", "must be between -180 and 180");
        }

        if ((request.Latitude is null) != (request.Longitude is null))
        {
            validation.Add("latitude", "latitude and longitude go together");
        }

        validation.Range("priority", request.Priority, -Limits.PriorityMax, Limits.PriorityMax, required: false);
        validation.Range("leadTimeDays", request.LeadTimeDays, 0, Limits.HorizonDaysMax, required: false);
        return validation;
    }

    public static async Task<Results<Ok<Location>, ProblemHttpResult>> GetLocation(string id, IStockStore store, CancellationToken cancellationToken) =>
        await Problems.FindAsync("id", id, "location", () => store.GetLocationAsync(id, cancellationToken));

    public static async Task<Results<Ok<Page<Location>>, ProblemHttpResult>> ListLocations(
        IStockStore store, CancellationToken cancellationToken, string? after = null, int? limit = null)
    {
        var (validation, size) = Paging.Validate(after, limit);
        return validation.IsValid
            ? TypedResults.Ok(Paging.Page(await store.ListLocationsAsync(after, size, cancellationToken), size, l => l.Id))
            : validation.Problem();
    }

    public static async Task<Results<Created<DistributionGroup>, Ok<DistributionGroup>, ProblemHttpResult>> PutGroup(
        string id, PutGroupRequest request, IStockStore store, HttpRequest httpRequest, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        validation.Identifier("id", id);
        validation.Text("name", request.Name, Limits.NameLengthMax, required: true);
        var members = request.Locations ?? [];
        if (members.Count > Limits.GroupLocationsMax)
        {
            validation.Add("locations", $"must have at most {Limits.GroupLocationsMax} locations");
        }

        for (var i = 0; i < members.Count; i++)
        {
            validation.Identifier($"locations[{i}]", members[i]);
        }

        if (members.Distinct(StringComparer.Ordinal).Count() != members.Count)
        {
            validation.Add("locations", "must not name a location twice");
        }

        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var (conditions, badConditions) = ETags.Conditions(httpRequest);
        if (badConditions is not null)
        {
            return badConditions;
        }

        await using var write = await store.BeginWriteAsync(cancellationToken);
        if (conditions is not null)
        {
            await write.LockRowAsync(CatalogTable.Groups, id, cancellationToken);
            if (conditions.Check(await write.GetGroupAsync(id, cancellationToken)) is { } failed)
            {
                return failed;
            }
        }

        var known = await write.ExistingLocationsAsync(members, cancellationToken);
        var unknown = members.Select((l, i) => (l, i)).Where(m => !known.Contains(m.l)).ToList();
        if (unknown.Count > 0)
        {
            return Problems.Unprocessable(unknown.ToDictionary(m => $"locations[{m.i}]", m => new[] { $"there is no location '{m.l}'" }),
                "Create the locations before grouping them.");
        }

        var existing = await write.GetGroupAsync(id, cancellationToken);
        var group = new DistributionGroup(id, request.Name!.Trim(), [.. members.Order(StringComparer.Ordinal)], existing?.CreatedAt ?? write.Now, write.Now);
        await write.UpsertGroupAsync(group, cancellationToken);
        write.Record("group.upserted", group);
        await write.CommitAsync(cancellationToken);
        return existing is null ? TypedResults.Created($"/v1/groups/{id}", group) : TypedResults.Ok(group);
    }

    public static async Task<Results<Ok<DistributionGroup>, ProblemHttpResult>> GetGroup(string id, IStockStore store, CancellationToken cancellationToken) =>
        await Problems.FindAsync("id", id, "group", () => store.GetGroupAsync(id, cancellationToken));

    public static async Task<Results<Ok<Page<DistributionGroup>>, ProblemHttpResult>> ListGroups(
        IStockStore store, CancellationToken cancellationToken, string? after = null, int? limit = null)
    {
        var (validation, size) = Paging.Validate(after, limit);
        return validation.IsValid
            ? TypedResults.Ok(Paging.Page(await store.ListGroupsAsync(after, size, cancellationToken), size, g => g.Id))
            : validation.Problem();
    }

    public static async Task<Results<Created<Channel>, Ok<Channel>, ProblemHttpResult>> PutChannel(
        string id, PutChannelRequest request, IStockStore store, ConnectorSetup connectors, HttpRequest httpRequest, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        validation.Identifier("id", id);
        validation.Text("name", request.Name, Limits.NameLengthMax, required: true);
        validation.Identifier("group", request.Group);
        var (keepConnector, connector) = connectors.Read(request.Connector, validation);
        if (request.Buffer is { } buffer)
        {
            if (buffer.Percent is < 0 or > 100)
            {
                validation.Add("buffer.percent", "must be from 0 to 100");
            }

            validation.Quantity("buffer.units", buffer.Units, required: false);
        }

        validation.Range("reservationTtlSeconds", request.ReservationTtlSeconds, 1, Limits.HoldSecondsMax, required: false);
        validation.Range("publishEverySeconds", request.PublishEverySeconds, 0, Limits.PublishEverySecondsMax, required: false);
        var (keepSecret, secret) = IntakeSecret(request.IntakeSecret, validation);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var (conditions, badConditions) = ETags.Conditions(httpRequest);
        if (badConditions is not null)
        {
            return badConditions;
        }

        await using var write = await store.BeginWriteAsync(cancellationToken);
        if (conditions is not null)
        {
            await write.LockRowAsync(CatalogTable.Channels, id, cancellationToken);
            if (conditions.Check(await write.GetChannelAsync(id, cancellationToken)) is { } failed)
            {
                return failed;
            }
        }

        if (await write.GetGroupAsync(request.Group!, cancellationToken) is null)
        {
            return Problems.Unprocessable(new Dictionary<string, string[]> { ["group"] = [$"there is no group '{request.Group}'"] },
                "A channel sells from an existing distribution group.");
        }

        var existing = await write.GetChannelAsync(id, cancellationToken);
        var channelBuffer = request.Buffer is { Percent: null, Units: null } or null ? null : new ChannelBuffer(request.Buffer.Percent, request.Buffer.Units);
        var channel = new Channel(id, request.Name!.Trim(), request.Group!, channelBuffer, request.ReservationTtlSeconds,
            existing?.CreatedAt ?? write.Now, write.Now, request.PublishEverySeconds ?? 0,
            keepSecret ? existing?.IntakeSecretSet ?? false : secret is not null, request.IntakeUnknownSkus ?? UnknownSkus.Skip);
        await write.UpsertChannelAsync(channel, keepSecret, secret, cancellationToken);
        write.Record("channel.upserted", channel);
        if (await connectors.ApplyAsync(write, id, keepConnector, connector, cancellationToken) is { } refused)
        {
            return refused;
        }

        await write.CommitAsync(cancellationToken);
        return existing is null ? TypedResults.Created($"/v1/channels/{id}", channel) : TypedResults.Ok(channel);
    }

    /// <summary>Left out: keep the channel's secret; <c>null</c>: clear it; a string: the new secret, as given.</summary>
    private static (bool Keep, string? Secret) IntakeSecret(JsonElement value, Validation validation)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                return (true, null);
            case JsonValueKind.Null:
                return (false, null);
            case JsonValueKind.String when value.GetString() is { Length: > 0 and <= Limits.IntakeSecretLengthMax } secret:
                return (false, secret);
            default:
                // The message never repeats the value: it may be a secret sent to the wrong field or mistyped.
                validation.Add("intakeSecret", $"must be a string of 1 to {Limits.IntakeSecretLengthMax} characters, or null to clear it");
                return (true, null);
        }
    }

    public static async Task<Results<Ok<Channel>, ProblemHttpResult>> GetChannel(string id, IStockStore store, CancellationToken cancellationToken) =>
        await Problems.FindAsync("id", id, "channel", () => store.GetChannelAsync(id, cancellationToken));

    public static async Task<Results<Ok<Page<Channel>>, ProblemHttpResult>> ListChannels(
        IStockStore store, CancellationToken cancellationToken, string? after = null, int? limit = null)
    {
        var (validation, size) = Paging.Validate(after, limit);
        return validation.IsValid
            ? TypedResults.Ok(Paging.Page(await store.ListChannelsAsync(after, size, cancellationToken), size, c => c.Id))
            : validation.Problem();
    }
}
