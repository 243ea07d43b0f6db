using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Features.Allocations;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>One order waiting at one location, as the page lists it.</summary>
public sealed record WaitingRow(string Location, WaitingOrder Order);

/// <summary>
/// Units waiting for the POS/ERP, per location and in total; the orders longest waiting first (or
/// sorted and searched by order, SKU, channel or location), long waits standing out.
/// </summary>
public sealed class AllocationsModel(IStockStore store, TimeProvider time) : PageModel
{
    /// <summary>Past this, an order the POS has not acknowledged is flagged.</summary>
    public static readonly TimeSpan WaitingTooLong = TimeSpan.FromMinutes(30);

    public static readonly IReadOnlyDictionary<string, Func<WaitingRow, IComparable?>> Columns = new Dictionary<string, Func<WaitingRow, IComparable?>>(StringComparer.Ordinal)
    {
        ["location"] = r => r.Location,
        ["order"] = r => r.Order.OrderId,
        ["channel"] = r => r.Order.Channel,
        ["units"] = r => r.Order.Units,
        ["allocated"] = r => r.Order.AllocatedAt,
        ["waiting"] = r => r.Order.WaitingSeconds,
    };

    public AllocationsReport Report { get; private set; } = new(0, 0, [], false);
    public ListQuery Query { get; private set; } = new(null, "waiting", true, null);
    public ListPage<WaitingRow> Rows { get; private set; } = new([], null);
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(string? location, CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Query = ListQuery.From(Request, [.. Columns.Keys], "waiting", defaultDescending: true);
        var result = await AllocationsApi.Get(store, time, cancellationToken, string.IsNullOrWhiteSpace(location) ? null : location.Trim());
        if (result.Result is Microsoft.AspNetCore.Http.HttpResults.Ok<AllocationsReport> ok)
        {
            Report = ok.Value!;
        }

        var rows = Report.Locations.SelectMany(l => l.Orders.Select(o => new WaitingRow(l.Location, o)))
            .Where(r => Query.Matches([r.Location, r.Order.OrderId, r.Order.Channel, .. r.Order.Lines.Select(l => l.Sku)]));
        Rows = AdminLists.Page(rows, Query, Columns, r => $"{r.Location}|{r.Order.OrderId}");
    }
}
