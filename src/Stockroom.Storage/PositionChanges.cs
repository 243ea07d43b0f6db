using System.Text.Json;
using Stockroom.Core.Ledger;

namespace Stockroom.Storage;

/// <summary>The <c>positions.changed</c> event every stock-changing transaction ends with.</summary>
public static class PositionChanges
{
    public const string EventType = LedgerReplay.PositionsChanged;

    /// <summary>The event's data: every delta, in key order.</summary>
    public static object Of(IEnumerable<PositionDelta> deltas) => new
    {
        changes = deltas.OrderBy(d => d.Key).Select(d => new PositionChange(d.Key.Sku, d.Key.Location, d.OnHand, d.Reserved, d.Allocated, d.Backordered)).ToList(),
    };
}
