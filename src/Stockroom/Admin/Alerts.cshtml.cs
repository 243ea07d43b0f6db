using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Alerts;
using Stockroom.Features.Availability;
using Stockroom.Features.Rules;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// What needs attention now: shortages, sold-out positions, and positions below their low-stock
/// threshold; searched by SKU or location, filtered by kind, sorted, a page at a time.
/// </summary>
public sealed class AlertsModel(IStockStore store) : PageModel
{
    public const int PositionsMax = 2_000;

    /// <summary>Positions with more than this left over are not near any threshold worth a page.</summary>
    public const long ScanAvailableMax = 1_000;

    public static readonly IReadOnlyDictionary<string, Func<StockAlert, IComparable?>> Columns = new Dictionary<string, Func<StockAlert, IComparable?>>(StringComparer.Ordinal)
    {
        ["alert"] = a => Urgency(a),
        ["sku"] = a => a.Sku,
        ["location"] = a => a.Location,
        ["onHand"] = a => a.OnHand,
        ["committed"] = a => a.Committed,
        ["available"] = a => a.Available,
    };

    /// <summary>Every alert, for the counts; <see cref="Rows"/> is the page of those searched for.</summary>
    public IReadOnlyList<StockAlert> Alerts { get; private set; } = [];
    public ListQuery Query { get; private set; } = new(null, "alert", false, null);
    public ListPage<StockAlert> Rows { get; private set; } = new([], null);
    public string? Type { get; private set; }

    public async Task OnGetAsync(string? type, CancellationToken cancellationToken)
    {
        Query = ListQuery.From(Request, [.. Columns.Keys], "alert");
        Type = type is StockAlerts.ShortageDetected or StockAlerts.SoldOut or StockAlerts.Low ? type : null;
        var tight = await store.ListTightPositionsAsync(ScanAvailableMax, PositionsMax, cancellationToken);
        if (tight.Count == 0)
        {
            return;
        }

        var (safety, low) = await store.GetAlertPoliciesAsync([.. tight.Select(p => p.Key)], cancellationToken);
        Alerts = [.. tight.SelectMany(p => StockAlerts.Current(p, safety.For(p), low.ThresholdFor(p.Key)))];
        Rows = AdminLists.Page(Alerts.Where(a => (Type is null || a.Type == Type) && Query.Matches(a.Sku, a.Location)), Query, Columns,
            a => $"{a.Type}|{a.Sku}|{a.Location}");
    }

    /// <summary>Shortages first (units promised that are not there), then sell-outs, then low stock.</summary>
    public static int Urgency(StockAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Type == StockAlerts.ShortageDetected ? 0 : alert.Type == StockAlerts.SoldOut ? 1 : 2;
    }
}
