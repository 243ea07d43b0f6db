using System.Text.Json.Serialization;

namespace Stockroom.Client;

/// <summary>Whether an item may be sold. A draft item is never available nor holdable.</summary>
public enum ItemStatus
{
    Active,
    Draft,
    Discontinued,
}

/// <summary>
/// How holds on an item are decided: <c>Reserve</c> confirms at once or refuses; <c>OnRequest</c>
/// waits for the seller's accept or decline; <c>Auto</c> confirms while stock suffices and asks otherwise.
/// </summary>
public enum StockPolicy
{
    Reserve,
    OnRequest,
    Auto,
}

/// <summary>The body of <c>PUT /v1/items/{sku}</c>. Left out, status is active and policy reserve.</summary>
public sealed record ItemRequest
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    public ItemStatus? Status { get; init; }

    public StockPolicy? Policy { get; init; }

    /// <summary>For on-request items: how long the seller has to answer a hold.</summary>
    public int? AcceptWithinSeconds { get; init; }

    public bool? Backorderable { get; init; }

    /// <summary>The item this one is a variant of; it must exist first.</summary>
    public string? ParentSku { get; init; }

    public IReadOnlyDictionary<string, string>? Attributes { get; init; }

    public decimal? Price { get; init; }

    public decimal? UnitCost { get; init; }
}

/// <summary>A sellable SKU.</summary>
public sealed record Item
{
    public string Sku { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Description { get; init; }

    public ItemStatus Status { get; init; }

    public StockPolicy Policy { get; init; }

    public int? AcceptWithinSeconds { get; init; }

    public bool Backorderable { get; init; }

    public string? ParentSku { get; init; }

    public IReadOnlyDictionary<string, string>? Attributes { get; init; }

    public decimal? Price { get; init; }

    public decimal? UnitCost { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The entity tag the server answered this item with, to send back as <c>ifMatch</c>; null when it sent none.</summary>
    [JsonIgnore]
    public string? ETag { get; init; }
}

public enum LocationType
{
    Store,
    Warehouse,
    Dc,
    Supplier,
}

/// <summary>The body of <c>PUT /v1/locations/{id}</c>.</summary>
public sealed record LocationRequest
{
    public required string Name { get; init; }

    public required LocationType Type { get; init; }

    public required bool CanShip { get; init; }

    public required bool CanPickup { get; init; }

    public double? Latitude { get; init; }

    public double? Longitude { get; init; }

    /// <summary>Orders locations when a group-level hold is sourced: higher first.</summary>
    public int? Priority { get; init; }

    /// <summary>An inactive location keeps its stock but promises none of it. Left out, active.</summary>
    public bool? Active { get; init; }

    /// <summary>How long an order from here takes to reach the customer.</summary>
    public int? LeadTimeDays { get; init; }
}

/// <summary>A place that holds stock: a store, a warehouse, a distribution centre, a supplier.</summary>
public sealed record Location
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public LocationType Type { get; init; }

    public bool CanShip { get; init; }

    public bool CanPickup { get; init; }

    public double? Latitude { get; init; }

    public double? Longitude { get; init; }

    public int Priority { get; init; }

    public bool Active { get; init; }

    public int? LeadTimeDays { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The entity tag the server answered this location with, to send back as <c>ifMatch</c>.</summary>
    [JsonIgnore]
    public string? ETag { get; init; }
}

/// <summary>The body of <c>PUT /v1/groups/{id}</c>: the group's name and every location in it.</summary>
public sealed record GroupRequest
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Locations { get; init; }
}

/// <summary>The set of locations that serve one kind of promise, e.g. <c>ship-to-home</c>.</summary>
public sealed record DistributionGroup
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public IReadOnlyList<string> Locations { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The entity tag the server answered this group with, to send back as <c>ifMatch</c>.</summary>
    [JsonIgnore]
    public string? ETag { get; init; }
}

/// <summary>Units a channel is not shown: a percentage of its group's availability (rounded up) plus fixed units.</summary>
public sealed record ChannelBuffer
{
    public decimal? Percent { get; init; }

    public long? Units { get; init; }
}

/// <summary>What marketplace intake does with an order line whose SKU it cannot map.</summary>
public enum UnknownSkus
{
    /// <summary>Hold the order's other lines and mark the line.</summary>
    Skip,

    /// <summary>Refuse the whole order, so that the marketplace delivers it again once the listing is mapped.</summary>
    Refuse,
}

/// <summary>The body of <c>PUT /v1/channels/{id}</c>.</summary>
public sealed record ChannelRequest
{
    public required string Name { get; init; }

    /// <summary>The distribution group the channel sells from.</summary>
    public required string Group { get; init; }

    public ChannelBuffer? Buffer { get; init; }

    public int? ReservationTtlSeconds { get; init; }

    /// <summary>Publish availability on every change (0) or at most every so many seconds.</summary>
    public int? PublishEverySeconds { get; init; }

    /// <summary>The secret marketplace deliveries are signed with. Write-only: left out (null), the channel keeps the one it has.</summary>
    public string? IntakeSecret { get; init; }

    public UnknownSkus? IntakeUnknownSkus { get; init; }
}

/// <summary>A sales channel (web, amazon, pos…) and the distribution group it sells from.</summary>
public sealed record Channel
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string Group { get; init; } = "";

    public ChannelBuffer? Buffer { get; init; }

    public int? ReservationTtlSeconds { get; init; }

    public int PublishEverySeconds { get; init; }

    /// <summary>Whether marketplace deliveries to the channel must be signed; the secret itself is never shown.</summary>
    public bool IntakeSecretSet { get; init; }

    public UnknownSkus IntakeUnknownSkus { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The entity tag the server answered this channel with, to send back as <c>ifMatch</c>.</summary>
    [JsonIgnore]
    public string? ETag { get; init; }
}

/// <summary>A channel's listing: the marketplace's id of what it sells, and the SKU it is.</summary>
public sealed record Listing
{
    public string Channel { get; init; } = "";

    public string ExternalId { get; init; } = "";

    public string Sku { get; init; } = "";

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary><c>/v1/items</c>: sellable SKUs.</summary>
public sealed class ItemsClient
{
    private readonly StockroomTransport _transport;

    internal ItemsClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Creates or replaces an item. With <paramref name="ifMatch"/>, only if it is still as that entity tag says (else <see cref="PreconditionFailedException"/>).</summary>
    public async Task<Item> SaveAsync(string sku, ItemRequest item, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var (saved, etag) = await _transport.SendAsync<Item>(HttpMethod.Put, Paths.Of("v1/items", sku), item, ifMatch, null, cancellationToken).ConfigureAwait(false);
        return saved with { ETag = etag };
    }

    public async Task<Item> GetAsync(string sku, CancellationToken cancellationToken = default)
    {
        var (item, etag) = await _transport.GetTaggedAsync<Item>(Paths.Of("v1/items", sku), cancellationToken).ConfigureAwait(false);
        return item with { ETag = etag };
    }

    /// <summary>One page of items in SKU order, after the cursor <paramref name="after"/>.</summary>
    public Task<Page<Item>> GetPageAsync(string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<Item>(Paths.Query("v1/items", ("after", after), ("limit", Paths.Text(limit))), null, cancellationToken);

    /// <summary>Every item, a page of <paramref name="pageSize"/> at a time.</summary>
    public IAsyncEnumerable<Item> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetPageAsync(after, pageSize, token), null, cancellationToken);
}

/// <summary><c>/v1/locations</c>: stores, warehouses, distribution centres and suppliers.</summary>
public sealed class LocationsClient
{
    private readonly StockroomTransport _transport;

    internal LocationsClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Creates or replaces a location; with <paramref name="ifMatch"/>, only if it is unchanged since read.</summary>
    public async Task<Location> SaveAsync(string id, LocationRequest location, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        var (saved, etag) = await _transport.SendAsync<Location>(HttpMethod.Put, Paths.Of("v1/locations", id), location, ifMatch, null, cancellationToken)
            .ConfigureAwait(false);
        return saved with { ETag = etag };
    }

    public async Task<Location> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var (location, etag) = await _transport.GetTaggedAsync<Location>(Paths.Of("v1/locations", id), cancellationToken).ConfigureAwait(false);
        return location with { ETag = etag };
    }

    public Task<Page<Location>> GetPageAsync(string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<Location>(Paths.Query("v1/locations", ("after", after), ("limit", Paths.Text(limit))), null, cancellationToken);

    public IAsyncEnumerable<Location> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetPageAsync(after, pageSize, token), null, cancellationToken);
}

/// <summary><c>/v1/groups</c>: distribution groups.</summary>
public sealed class GroupsClient
{
    private readonly StockroomTransport _transport;

    internal GroupsClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Creates or replaces a group and its locations, which must exist; with <paramref name="ifMatch"/>, only if unchanged since read.</summary>
    public async Task<DistributionGroup> SaveAsync(string id, GroupRequest group, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        var (saved, etag) = await _transport.SendAsync<DistributionGroup>(HttpMethod.Put, Paths.Of("v1/groups", id), group, ifMatch, null, cancellationToken)
            .ConfigureAwait(false);
        return saved with { ETag = etag };
    }

    public async Task<DistributionGroup> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var (group, etag) = await _transport.GetTaggedAsync<DistributionGroup>(Paths.Of("v1/groups", id), cancellationToken).ConfigureAwait(false);
        return group with { ETag = etag };
    }

    public Task<Page<DistributionGroup>> GetPageAsync(string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<DistributionGroup>(Paths.Query("v1/groups", ("after", after), ("limit", Paths.Text(limit))), null, cancellationToken);

    public IAsyncEnumerable<DistributionGroup> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetPageAsync(after, pageSize, token), null, cancellationToken);
}

/// <summary><c>/v1/channels</c>: sales channels, and the marketplace listings their order intake maps to SKUs.</summary>
public sealed class ChannelsClient
{
    private readonly StockroomTransport _transport;

    internal ChannelsClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Creates or replaces a channel selling from an existing group; with <paramref name="ifMatch"/>, only if unchanged since read.</summary>
    public async Task<Channel> SaveAsync(string id, ChannelRequest channel, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var (saved, etag) = await _transport.SendAsync<Channel>(HttpMethod.Put, Paths.Of("v1/channels", id), channel, ifMatch, null, cancellationToken)
            .ConfigureAwait(false);
        return saved with { ETag = etag };
    }

    public async Task<Channel> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var (channel, etag) = await _transport.GetTaggedAsync<Channel>(Paths.Of("v1/channels", id), cancellationToken).ConfigureAwait(false);
        return channel with { ETag = etag };
    }

    public Task<Page<Channel>> GetPageAsync(string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<Channel>(Paths.Query("v1/channels", ("after", after), ("limit", Paths.Text(limit))), null, cancellationToken);

    public IAsyncEnumerable<Channel> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetPageAsync(after, pageSize, token), null, cancellationToken);

    /// <summary>Maps a marketplace's id of an item (variant id, ASIN, seller SKU, GTIN) to a SKU, for the channel's order intake.</summary>
    public async Task<Listing> SaveListingAsync(string channel, string externalId, string sku, CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync<Listing>(HttpMethod.Put, Paths.Of("v1/channels", channel, "listings", externalId), new { sku }, null, null, cancellationToken)
            .ConfigureAwait(false)).Value;

    public Task<Page<Listing>> GetListingsPageAsync(string channel, string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<Listing>(Paths.Query(Paths.Of("v1/channels", channel, "listings"), ("after", after), ("limit", Paths.Text(limit))), null,
            cancellationToken);

    public IAsyncEnumerable<Listing> ListListingsAsync(string channel, int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetListingsPageAsync(channel, after, pageSize, token), null, cancellationToken);

    /// <summary>Removes a listing; the channel's order lines are then read by the SKU they name.</summary>
    public Task DeleteListingAsync(string channel, string externalId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Delete, Paths.Of("v1/channels", channel, "listings", externalId), null, cancellationToken);
}
