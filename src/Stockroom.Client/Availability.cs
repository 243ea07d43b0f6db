namespace Stockroom.Client;

/// <summary>Where availability is asked over: one location (pick-up), or a group or channel (ship-to-home).</summary>
public sealed record AvailabilityScope
{
    private AvailabilityScope()
    {
    }

    public string? Location { get; private init; }

    public string? Group { get; private init; }

    public string? Channel { get; private init; }

    /// <summary>One location: what can be promised there, e.g. for pick-up in store.</summary>
    public static AvailabilityScope AtLocation(string location)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        return new AvailabilityScope { Location = location };
    }

    /// <summary>A distribution group's active locations together, with the detail by location.</summary>
    public static AvailabilityScope OverGroup(string group)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        return new AvailabilityScope { Group = group };
    }

    /// <summary>What a sales channel is shown: its group's availability less the channel's buffer.</summary>
    public static AvailabilityScope ForChannel(string channel)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        return new AvailabilityScope { Channel = channel };
    }
}

/// <summary>How fresh an availability answer must be.</summary>
public enum ReadConsistency
{
    /// <summary>The server's memory: its own writes at once, other processes' within a moment. The default, and the fast one.</summary>
    Bounded,

    /// <summary>The database itself, as of the moment of the read.</summary>
    Strong,
}

/// <summary>
/// Available to promise, explained: <c>available = max(0, onHand + incoming − reserved − allocated
/// − backordered − safetyStock) − buffer</c>, summed location by location over a group or channel.
/// <see cref="Incoming"/> counts inbound supply due by <see cref="Date"/>, and is zero for "now".
/// </summary>
public sealed record Availability
{
    public string Sku { get; init; } = "";

    public string? Location { get; init; }

    public string? Group { get; init; }

    public string? Channel { get; init; }

    public DateOnly? Date { get; init; }

    public long OnHand { get; init; }

    public long Incoming { get; init; }

    public long Reserved { get; init; }

    public long Allocated { get; init; }

    public long Backordered { get; init; }

    public long SafetyStock { get; init; }

    /// <summary>Units a channel is not shown; null for a location or group.</summary>
    public long? Buffer { get; init; }

    /// <summary>What can be promised; never below zero.</summary>
    public long Available { get; init; }

    /// <summary>What can be promised on later dates, as inbound supply arrives.</summary>
    public IReadOnlyList<FutureAvailability> Future { get; init; } = [];

    /// <summary>At one location: the inbound lots that explain <see cref="Future"/>.</summary>
    public IReadOnlyList<InboundLot>? Inbound { get; init; }

    /// <summary>Over a group or channel: each location's part.</summary>
    public IReadOnlyList<LocationAvailability>? ByLocation { get; init; }

    /// <summary>In a bulk answer: false for a SKU the server does not know (whose figures are all zero).</summary>
    public bool? Known { get; init; }
}

public sealed record FutureAvailability
{
    public DateOnly Date { get; init; }

    public long Available { get; init; }
}

/// <summary>What one location contributes to an aggregate answer.</summary>
public sealed record LocationAvailability
{
    public string Location { get; init; } = "";

    public long OnHand { get; init; }

    public long Incoming { get; init; }

    public long Reserved { get; init; }

    public long Allocated { get; init; }

    public long Backordered { get; init; }

    public long SafetyStock { get; init; }

    public long Available { get; init; }

    public IReadOnlyList<InboundLot> Inbound { get; init; } = [];
}

/// <summary>
/// The body of <c>POST /v1/availability/query</c>: up to a thousand SKUs, over exactly one of a
/// group, a channel or a list of locations, for listing pages.
/// </summary>
public sealed record AvailabilityQuery
{
    public required IReadOnlyList<string> Skus { get; init; }

    public string? Group { get; init; }

    public string? Channel { get; init; }

    public IReadOnlyList<string>? Locations { get; init; }

    public DateOnly? Date { get; init; }
}

/// <summary><c>/v1/availability</c>: available to promise.</summary>
public sealed class AvailabilityClient
{
    private readonly StockroomTransport _transport;

    internal AvailabilityClient(StockroomTransport transport) => _transport = transport;

    /// <summary>What can be promised of one SKU over <paramref name="scope"/>, now or as of <paramref name="date"/> (counting inbound supply due by then).</summary>
    public Task<Availability> GetAsync(string sku, AvailabilityScope scope, DateOnly? date = null, ReadConsistency consistency = ReadConsistency.Bounded,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var path = Paths.Query(Paths.Of("v1/availability", sku), ("location", scope.Location), ("group", scope.Group), ("channel", scope.Channel),
            ("date", Paths.Text(date)), ("consistency", Consistency(consistency)));
        return _transport.GetAsync<Availability>(path, cancellationToken);
    }

    /// <summary>Many SKUs in one call, answered in the order asked; a SKU the server does not know answers zero with <c>Known</c> false.</summary>
    public async Task<IReadOnlyList<Availability>> QueryAsync(AvailabilityQuery query, ReadConsistency consistency = ReadConsistency.Bounded,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var path = Paths.Query("v1/availability/query", ("consistency", Consistency(consistency)));
        // An older server answers the list in "results".
        return (await _transport.PostForPageAsync<Availability>(path, query, "results", cancellationToken).ConfigureAwait(false)).Data;
    }

    // The default is left unsaid, so that the request reads as any other client's.
    private static string? Consistency(ReadConsistency consistency) => consistency == ReadConsistency.Strong ? "strong" : null;
}
