using System.Globalization;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Stockroom.Admin;

/// <summary>
/// What a list page was asked for, read from its query string: <c>q</c> (search), <c>sort</c> and
/// <c>dir</c> (<c>asc</c>/<c>desc</c>), and <c>after</c> (the cursor of the page). Every list page
/// reads it the same way, so links that sort, search and page keep each other's settings.
/// </summary>
public sealed record ListQuery(string? Search, string Sort, bool Descending, string? After)
{
    public const int SearchLengthMax = 200;

    /// <summary>Reads the query; a sort column the page does not know falls back to its default.</summary>
    public static ListQuery From(HttpRequest request, IReadOnlyCollection<string> sortable, string defaultSort, bool defaultDescending = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(sortable);
        var search = request.Query["q"].ToString().Trim();
        var sort = request.Query["sort"].ToString();
        var known = sortable.Contains(sort, StringComparer.Ordinal);
        var dir = request.Query["dir"].ToString();
        var descending = known ? dir == "desc" : defaultDescending;
        var after = request.Query["after"].ToString();
        return new ListQuery(
            search.Length == 0 ? null : search[..Math.Min(search.Length, SearchLengthMax)],
            known ? sort : defaultSort,
            descending,
            after.Length == 0 ? null : after);
    }

    /// <summary>Does <paramref name="text"/> contain the search, ignoring case? Everything matches no search.</summary>
    public bool Matches(params string?[] text) =>
        Search is null || text.Any(t => t is not null && t.Contains(Search, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One page of a list and the cursor of the next, if there is one.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Rows, string? Next);

/// <summary>
/// Sorting and paging of lists small enough to hold whole (locations, channels, rules, webhooks,
/// keys): sorted by the column asked for, then by the row's id so the order is total, and paged
/// by position in that order. Lists that can grow without bound (positions, holds, the ledger,
/// intake deliveries) page in the store with a keyset instead.
/// </summary>
public static class AdminLists
{
    public const int PageSize = 100;

    public static ListPage<T> Page<T>(IEnumerable<T> rows, ListQuery query, IReadOnlyDictionary<string, Func<T, IComparable?>> columns,
        Func<T, string> id, int pageSize = PageSize)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(id);
        var key = columns[query.Sort];
        var comparer = Comparer<IComparable?>.Create(CompareValues);
        var ordered = query.Descending
            ? rows.OrderByDescending(key, comparer).ThenBy(id, StringComparer.Ordinal)
            : rows.OrderBy(key, comparer).ThenBy(id, StringComparer.Ordinal);
        var skip = int.TryParse(query.After, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : 0;
        var page = ordered.Skip(skip).Take(pageSize + 1).ToList();
        return page.Count > pageSize
            ? new ListPage<T>(page[..pageSize], (skip + pageSize).ToString(CultureInfo.InvariantCulture))
            : new ListPage<T>(page, null);
    }

    // Nulls sort last, whatever the direction asked: an empty cell is never the most interesting one.
    private static int CompareValues(IComparable? a, IComparable? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => 1,
        (_, null) => -1,
        (string x, string y) => StringComparer.OrdinalIgnoreCase.Compare(x, y),
        _ => a.CompareTo(b),
    };

    /// <summary>
    /// A column header that sorts the list by <paramref name="column"/>, and the other way when it
    /// already does; it keeps the search and filters, starts again at the first page, and tells
    /// assistive technology the current order with <c>aria-sort</c>.
    /// </summary>
    public static IHtmlContent SortHeader(HttpRequest request, ListQuery query, string column, string label, bool numeric = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        var current = query.Sort == column;
        var descending = current ? !query.Descending : numeric;
        var href = Link(request, new() { ["sort"] = column, ["dir"] = descending ? "desc" : "asc", ["after"] = StringValues.Empty });
        var aria = current ? $" aria-sort=\"{(query.Descending ? "descending" : "ascending")}\"" : "";
        var arrow = current ? (query.Descending ? " ↓" : " ↑") : "";
        var @class = numeric ? " class=\"n\"" : "";
        return new HtmlString($"<th scope=\"col\"{@class}{aria}><a href=\"{Encode(href)}\">{Encode(label)}{arrow}</a></th>");
    }

    /// <summary>The link to the next page, keeping every other setting; nothing on the last page.</summary>
    public static IHtmlContent NextLink(HttpRequest request, string? next, string label = "Next page →")
    {
        if (next is null)
        {
            return HtmlString.Empty;
        }

        var href = Link(request, new() { ["after"] = next });
        return new HtmlString($"<nav class=\"pager\" aria-label=\"pages\"><a rel=\"next\" href=\"{Encode(href)}\">{Encode(label)}</a></nav>");
    }

    /// <summary>This page's address with some query values replaced (an empty value removes one).</summary>
    public static string Link(HttpRequest request, Dictionary<string, StringValues> changes)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(changes);
        var values = request.Query.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (key, value) in changes)
        {
            if (StringValues.IsNullOrEmpty(value))
            {
                values.Remove(key);
            }
            else
            {
                values[key] = value;
            }
        }

        return QueryHelpers.AddQueryString(request.PathBase + request.Path, values.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v))));
    }

    private static string Encode(string text) => System.Net.WebUtility.HtmlEncode(text);
}
