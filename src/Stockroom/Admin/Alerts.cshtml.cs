using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Alerts;
using Stockroom.Core.Availability;
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
        var alerts = new List<StockAlert>();
        foreach (var p in tight)
        {
            var available = Atp.Promisable(p, safety.For(p));
            StockAlert Alert(string type, long? threshold = null, long? shortage = null) =>
                new(type, p.Key.Sku, p.Key.Location, available, p.OnHand, p.Committed, threshold, shortage);
            if (p.Shortage > 0)
            {
                alerts.Add(Alert(StockAlerts.ShortageDetected, shortage: p.Shortage));
            }

            if (available == 0)
            {
                alerts.Add(Alert(StockAlerts.SoldOut));
            }
            else if (low.ThresholdFor(p.Key) is { } threshold && available < threshold)
            {
                alerts.Add(Alert(StockAlerts.Low, threshold));
            }
        }

        Alerts = [.. alerts.OrderBy(a => a.Type == StockAlerts.ShortageDetected ? 0 : a.Type == StockAlerts.SoldOut ? 1 : 2).ThenBy(a => a.Sku, StringComparer.Ordinal)];
    }
}
