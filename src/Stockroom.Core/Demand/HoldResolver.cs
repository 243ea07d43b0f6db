using Stockroom.Core.Catalog;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

/// <summary>One line as a client asks for it: at a location, from a group, or (neither) from the channel's group.</summary>
public sealed record HoldLineRequest(string Sku, long Quantity, string? Location, string? Group)
{
    /// <summary>The line a reservation was asked with, to resolve it again against today's network.</summary>
    public static HoldLineRequest From(ReservationLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return new(line.Sku, line.Requested, line.Location, line.Group);
    }
}

/// <summary>A line resolved against the network: the core's line, its item, and the scope it was asked in.</summary>
public sealed record ResolvedLine(HoldLine Line, Item Item, string Scope, string? Location, string? Group)
{
    /// <summary>Every position the lines may take units from: what a write locks before deciding them.</summary>
    public static IReadOnlyList<PositionKey> Positions(IEnumerable<ResolvedLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return [.. lines.SelectMany(l => l.Line.Sources.Select(s => new PositionKey(l.Line.Sku, s.Location)))];
    }
}

/// <summary>
/// Resolves requested lines against the catalog: items must exist and be sellable, locations and
/// groups must exist, and each line gets the locations it may take units from, its channel's
/// buffer, and the safety stock rules that apply. It holds the catalog rows a batch needs, read
/// by the caller before any position is locked; resolving is pure.
/// </summary>
public sealed class HoldResolver
{
    private readonly Dictionary<string, Item> _items;
    private readonly Dictionary<string, Channel> _channels;
    private readonly Dictionary<string, DistributionGroup> _groups;
    private readonly Dictionary<string, Location> _locations;

    public HoldResolver(IEnumerable<Item> items, IEnumerable<Channel> channels, IEnumerable<DistributionGroup> groups,
        IEnumerable<Location> locations, SafetyStockPolicy safetyStock)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(locations);
        _items = items.ToDictionary(i => i.Sku, StringComparer.Ordinal);
        _channels = channels.ToDictionary(c => c.Id, StringComparer.Ordinal);
        _groups = groups.ToDictionary(g => g.Id, StringComparer.Ordinal);
        _locations = locations.ToDictionary(l => l.Id, StringComparer.Ordinal);
        SafetyStock = safetyStock;
    }

    /// <summary>The safety stock rules of the SKUs and locations resolved.</summary>
    public SafetyStockPolicy SafetyStock { get; }

    public Channel? Channel(string id) => _channels.GetValueOrDefault(id);

    /// <summary>Where a reservation's line may take units from today; none when it no longer resolves.</summary>
    public IReadOnlyList<LineSource> SourcesOf(string channel, ReservationLine line) =>
        Resolve(channel, [HoldLineRequest.From(line)]).Lines is [var resolved] ? resolved.Line.Sources : [];

    public Location? Location(string id) => _locations.GetValueOrDefault(id);

    /// <summary>The date units held at <paramref name="location"/> on <paramref name="ready"/> reach the customer.</summary>
    public DateOnly PromiseDate(string location, DateOnly ready) => Location(location)?.PromiseDate(ready) ?? ready;

    /// <summary>The lines resolved, or the field errors that make the request unprocessable (422).</summary>
    public (IReadOnlyList<ResolvedLine>? Lines, IReadOnlyDictionary<string, string[]>? Errors) Resolve(string channelId, IReadOnlyList<HoldLineRequest> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var channel = _channels.GetValueOrDefault(channelId);
        if (channel is null)
        {
            errors["channel"] = [$"there is no channel '{channelId}'"];
        }

        var resolved = new List<ResolvedLine>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (!_items.TryGetValue(line.Sku, out var item))
            {
                errors[$"lines[{i}].sku"] = [$"there is no item '{line.Sku}'"];
                continue;
            }

            if (!item.CanBeSold())
            {
                errors[$"lines[{i}].sku"] = [$"item '{line.Sku}' is a draft and cannot be held"];
                continue;
            }

            if (line.Location is { } locationId)
            {
                if (!_locations.TryGetValue(locationId, out var location))
                {
                    errors[$"lines[{i}].location"] = [$"there is no location '{locationId}'"];
                    continue;
                }

                resolved.Add(new ResolvedLine(new HoldLine(line.Sku, line.Quantity, Sources([location]), null, item.Backorderable),
                    item, ScopeOf(line, channelId), locationId, null));
                continue;
            }

            var groupId = line.Group ?? channel?.Group;
            if (groupId is null || !_groups.TryGetValue(groupId, out var group))
            {
                errors[$"lines[{i}].group"] = [$"there is no group '{groupId}'"];
                continue;
            }

            // A channel sees its group less its buffer, whether the line names the group or not.
            var buffer = channel is not null && channel.Group == groupId ? channel.Buffer : null;
            var members = group.Locations.Select(id => _locations.GetValueOrDefault(id)).OfType<Location>().ToList();
            resolved.Add(new ResolvedLine(new HoldLine(line.Sku, line.Quantity, Sources(members), buffer, item.Backorderable),
                item, ScopeOf(line, channelId), null, groupId));
        }

        return errors.Count > 0 ? (null, errors) : (resolved, null);
    }

    /// <summary>Inactive locations keep their stock but promise none of it, so they are no source.</summary>
    private static List<LineSource> Sources(IEnumerable<Location> locations) =>
        [.. locations.Where(l => l.Active).Select(l => new LineSource(l.Id, l.Priority))];

    /// <summary>
    /// The scope a line is asked in, as the sold-out cache knows it. A line that names neither a
    /// location nor a group is asked of its channel, whose view may differ from its group's.
    /// </summary>
    public static string ScopeOf(HoldLineRequest line, string channel)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Location is { } location ? $"location:{location}"
            : line.Group is { } group ? $"group:{group}"
            : $"channel:{channel}";
    }
}
