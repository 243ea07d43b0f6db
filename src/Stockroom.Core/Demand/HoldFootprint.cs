namespace Stockroom.Core.Demand;

/// <summary>
/// The positions a hold may lock, known before its catalog is read in full: each line covers its
/// SKU at one location, or at every location of a group (the line's own, else its channel's).
/// Parts are keyed by SKU and scope, so that holds on the same SKU and scope — a flash sale —
/// weigh one part together in a batch, as they lock the same rows.
/// </summary>
public sealed class HoldFootprint
{
    private HoldFootprint(IReadOnlyDictionary<string, int> parts)
    {
        Parts = parts;
        Positions = parts.Values.Sum();
    }

    /// <summary>Each SKU-and-scope part, with the locations it covers.</summary>
    public IReadOnlyDictionary<string, int> Parts { get; }

    /// <summary>Every position the hold may lock.</summary>
    public int Positions { get; }

    /// <summary>
    /// The footprint of <paramref name="lines"/> asked of a channel selling from <paramref name="channelGroup"/>.
    /// A group the catalog lacks (null size) weighs one position: the hold is refused for it before anything is locked.
    /// </summary>
    public static HoldFootprint Of(IReadOnlyList<HoldLineRequest> lines, string? channelGroup, Func<string, int?> groupSize)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(groupSize);
        var parts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (line.Location is { } location)
            {
                parts[$"{line.Sku}\n@{location}"] = 1;
                continue;
            }

            var group = line.Group ?? channelGroup;
            parts[$"{line.Sku}\n#{group}"] = group is null ? 1 : Math.Max(1, groupSize(group) ?? 1);
        }

        return new HoldFootprint(parts);
    }

    /// <summary>Groups the lines name; with none, the hold needs no group from the catalog.</summary>
    public static bool NeedsGroups(IReadOnlyList<HoldLineRequest> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return lines.Any(l => l.Location is null);
    }
}
