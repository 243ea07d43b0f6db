using Stockroom.Core.Alerts;
using Stockroom.Features.Rules;
using Stockroom.Storage;

namespace Stockroom.Features.Alerts;

/// <summary>
/// Alerts are the transitions a transaction makes, recorded in it like every other event, so that
/// a sell-out is announced exactly once, and only if it happened.
/// </summary>
public sealed class AlertReaction(IStockStore store) : IStockReaction
{
    public async Task BeforeAppendAsync(IStockWrite write, StockChangeSet changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(changes);
        // A position stocked for the first time is news for the catalogue, not "back in stock".
        var changed = changes.Changed.Where(c => c.Value.First != c.Value.Last && !changes.Created.Contains(c.Key)).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        var (safety, low) = await store.GetAlertPoliciesAsync([.. changed.Select(c => c.Key)], cancellationToken);
        foreach (var (key, (first, last)) in changed.OrderBy(c => c.Key))
        {
            foreach (var alert in StockAlerts.Detect(first, last, safety.For(first), safety.For(last), low.ThresholdFor(key)))
            {
                write.Record(alert.Type, alert);
            }
        }
    }
}
