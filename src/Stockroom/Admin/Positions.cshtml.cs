using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Availability;
using Stockroom.Core.Supply;
using Stockroom.Core;
using Stockroom.Features.Availability;
using Stockroom.Features.Catalog;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>One position with every term of its availability, and its timeline.</summary>
public sealed record PositionRow(PositionKey Key, AvailabilityTerms Terms, int InboundLots);

/// <summary>
/// Positions, searched by SKU prefix and filtered by location, group or channel: each row spells
/// out <c>on-hand − reserved − allocated − backordered − safety = available</c>, with the future drawn.
/// </summary>
public sealed class PositionsModel(IStockStore store, TimeProvider time) : PageModel
{
    public const int PageSize = 200;

    public IReadOnlyList<PositionRow> Rows { get; private set; } = [];
    public string? Sku { get; private set; }
    public string? Location { get; private set; }
    public string? Group { get; private set; }
    public string? Channel { get; private set; }
    public string? Next { get; private set; }
    public string? Problem { get; private set; }

    public async Task OnGetAsync(string? sku, string? location, string? group, string? channel, string? after, CancellationToken cancellationToken)
    {
        (Sku, Location, Group, Channel) = (Blank(sku), Blank(location), Blank(group), Blank(channel));
        IReadOnlyCollection<string>? locations = null;
        if (Location is not null)
        {
            locations = [Location];
        }
        else if (Channel is not null || Group is not null)
        {
            var groupId = Group ?? (await store.GetChannelAsync(Channel!, cancellationToken))?.Group;
            var found = groupId is null ? null : await store.GetGroupAsync(groupId, cancellationToken);
            if (found is null)
            {
                Problem = $"There is no {(Channel is not null ? $"channel '{Channel}'" : $"group '{Group}'")}.";
                return;
            }

            locations = found.Locations;
        }

        PositionKey? cursor = after?.Split('|') is [var s, var l] ? new PositionKey(s, l) : null;
        var positions = await store.SearchPositionsAsync(Sku, locations, cursor, PageSize, cancellationToken);
        var stock = await store.ReadStockAsync([.. positions.Select(p => p.Key.Sku).Distinct()], [.. positions.Select(p => p.Key.Location).Distinct()], cancellationToken);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        Rows = [.. positions.Select(p =>
        {
            var lots = stock.Inbound[p.Key].ToList();
            return new PositionRow(p.Key, Atp.AtLocation(new PositionSupply(p, lots, stock.SafetyStock.For(p)), today, null), lots.Count);
        })];
        Next = positions.Count == PageSize ? $"{positions[^1].Key.Sku}|{positions[^1].Key.Location}" : null;
    }

    /// <summary>A small step chart of availability now and on each future date, as inline SVG.</summary>
    public static string Sparkline(AvailabilityTerms terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Future.Count == 0)
        {
            return "";
        }

        var points = new List<long> { terms.Available };
        points.AddRange(terms.Future.Select(f => f.Available));
        var max = Math.Max(1, points.Max());
        const double width = 120, height = 22;
        var step = width / points.Count;
        var path = new StringBuilder();
        for (var i = 0; i < points.Count; i++)
        {
            var y = height - (points[i] * (height - 2) / (double)max) - 1;
            path.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "M" : "L")}{i * step:F1},{y:F1} L{(i + 1) * step:F1},{y:F1} ");
        }

        var title = string.Join(", ", terms.Future.Select(f => $"{f.Date:yyyy-MM-dd}: {f.Available}"));
        return $"<svg width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"future availability\"><title>{System.Net.WebUtility.HtmlEncode(title)}</title>" +
            $"<path d=\"{path}\" fill=\"none\" stroke=\"#2f5bea\" stroke-width=\"1.5\"/></svg>";
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) || !Identifier.IsValid(value.Trim()) ? null : value.Trim();
}
