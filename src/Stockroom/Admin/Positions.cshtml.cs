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
/// Sorted by SKU or by location, either way, and paged with a keyset along the index of that order.
/// </summary>
public sealed class PositionsModel(IStockStore store, TimeProvider time) : PageModel
{
    public const int PageSize = 200;

    /// <summary>
    /// Sorting by a figure of the arithmetic (on hand, available…) can use no index: available is
    /// not even a column, it depends on safety stock rules and inbound supply. Such a sort is offered
    /// on a set filtered down to this many positions at most, which is read whole, computed and
    /// sorted in memory; on more, the page asks for a narrower search instead of scanning 100,000
    /// positions per view.
    /// </summary>
    public const int FigureSortPositionsMax = 2_000;

    public static readonly IReadOnlyList<string> KeySorts = ["sku", "location"];
    public static readonly IReadOnlyList<string> FigureSorts = ["onHand", "reserved", "allocated", "backordered", "available"];

    public IReadOnlyList<PositionRow> Rows { get; private set; } = [];
    public string? Sku { get; private set; }
    public string? Location { get; private set; }
    public string? Group { get; private set; }
    public string? Channel { get; private set; }
    public string? Next { get; private set; }
    public string? Problem { get; private set; }
    public ListQuery Query { get; private set; } = new(null, "sku", false, null);

    public async Task OnGetAsync(string? sku, string? location, string? group, string? channel, CancellationToken cancellationToken)
    {
        (Sku, Location, Group, Channel) = (Blank(sku), Blank(location), Blank(group), Blank(channel));
        Query = ListQuery.From(Request, [.. KeySorts, .. FigureSorts], "sku");
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

        if (FigureSorts.Contains(Query.Sort))
        {
            await SortByFigureAsync(locations, cancellationToken);
            return;
        }

        var order = Query.Sort == "location" ? PositionOrder.Location : PositionOrder.Sku;
        PositionKey? cursor = Query.After?.Split('|') is [var s, var l] ? new PositionKey(s, l) : null;
        var positions = await store.ListPositionsAsync(Sku, locations, order, Query.Descending, cursor, PageSize, cancellationToken);
        Rows = await ComputeAsync(positions, cancellationToken);
        Next = positions.Count == PageSize ? $"{positions[^1].Key.Sku}|{positions[^1].Key.Location}" : null;
    }

    /// <summary>
    /// The bounded sort (see <see cref="FigureSortPositionsMax"/>): the filtered set read whole in key
    /// order, its figures computed, sorted by the figure and then the key, and paged with a keyset
    /// of (figure, SKU, location) so that a page boundary never repeats or skips a row.
    /// </summary>
    private async Task SortByFigureAsync(IReadOnlyCollection<string>? locations, CancellationToken cancellationToken)
    {
        var positions = await store.ListPositionsAsync(Sku, locations, PositionOrder.Sku, false, null, FigureSortPositionsMax + 1, cancellationToken);
        if (positions.Count > FigureSortPositionsMax)
        {
            Problem = $"Sorting by a figure works on at most {FigureSortPositionsMax:N0} positions, and more match: narrow the search " +
                "(a longer SKU prefix, a location), or sort by SKU or location.";
            return;
        }

        var rows = await ComputeAsync(positions, cancellationToken);
        Func<PositionRow, long> figure = Query.Sort switch
        {
            "onHand" => r => r.Terms.OnHand,
            "reserved" => r => r.Terms.Reserved,
            "allocated" => r => r.Terms.Allocated,
            "backordered" => r => r.Terms.Backordered,
            _ => r => r.Terms.Available,
        };
        var sign = Query.Descending ? -1 : 1;
        int Compare((long Figure, PositionKey Key) a, (long Figure, PositionKey Key) b) =>
            sign * (a.Figure != b.Figure ? a.Figure.CompareTo(b.Figure) : a.Key.CompareTo(b.Key));
        var sorted = rows.Select(r => (Figure: figure(r), Row: r)).ToList();
        sorted.Sort((a, b) => Compare((a.Figure, a.Row.Key), (b.Figure, b.Row.Key)));
        if (Query.After?.Split('|') is [var f, var s, var l] && long.TryParse(f, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            var cursor = (value, new PositionKey(s, l));
            sorted = [.. sorted.Where(r => Compare((r.Figure, r.Row.Key), cursor) > 0)];
        }

        var page = sorted.Take(PageSize).ToList();
        Rows = [.. page.Select(p => p.Row)];
        Next = sorted.Count > PageSize ? string.Create(CultureInfo.InvariantCulture, $"{page[^1].Figure}|{page[^1].Row.Key.Sku}|{page[^1].Row.Key.Location}") : null;
    }

    private async Task<IReadOnlyList<PositionRow>> ComputeAsync(IReadOnlyList<Position> positions, CancellationToken cancellationToken)
    {
        if (positions.Count == 0)
        {
            return [];
        }

        var stock = await store.ReadStockAsync([.. positions.Select(p => p.Key.Sku).Distinct()], [.. positions.Select(p => p.Key.Location).Distinct()], cancellationToken);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return [.. positions.Select(p =>
        {
            var lots = stock.Inbound[p.Key].ToList();
            return new PositionRow(p.Key, Atp.AtLocation(new PositionSupply(p, lots, stock.SafetyStock.For(p)), today, null), lots.Count);
        })];
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
