using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Alerts;
using Stockroom.Features.Availability;
using Stockroom.Features.Rules;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>What needs attention now: shortages, sold-out positions, and positions below their low-stock threshold.</summary>
public sealed class AlertsModel(IStockStore store) : PageModel
{
    public const int PositionsMax = 2_000;

    /// <summary>Positions with more than this left over are not near any threshold worth a page.</summary>
    public const long ScanAvailableMax = 1_000;

    public IReadOnlyList<StockAlert> Alerts { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var tight = await store.ListTightPositionsAsync(ScanAvailableMax, PositionsMax, cancellationToken);
        if (tight.Count == 0)
        {
            return;
        }

        var (safety, low) = await store.GetAlertPoliciesAsync([.. tight.Select(p => p.Key)], cancellationToken);
        var alerts = tight.SelectMany(p => StockAlerts.Current(p, safety.For(p), low.ThresholdFor(p.Key)));
        Alerts = [.. alerts.OrderBy(a => a.Type == StockAlerts.ShortageDetected ? 0 : a.Type == StockAlerts.SoldOut ? 1 : 2).ThenBy(a => a.Sku, StringComparer.Ordinal)];
    }
}
