using Stockroom.Core.Demand;
using Stockroom.Core.Insights;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Insights;

/// <summary>
/// Keeps demand history and valuation in step with the stock changes that cause them, inside the
/// same transaction: a shipment adds to the day's demand and moves value to COGS, a return moves
/// it back, a receipt with a unit cost moves the average, a removal writes value off. Units on the
/// seller's word are demand like any other, but were never valued stock: they move no value.
/// </summary>
internal static class Bookkeeping
{
    /// <summary>What an order event means for demand and valuation, after its positions are written.</summary>
    public static async Task OrderEventAsync(IStockWrite write, OrderEventType type, IReadOnlyList<PositionEffect> effects, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(write.Now.UtcDateTime);
        switch (type)
        {
            case OrderEventType.Shipped:
                var shipped = effects.Where(e => e.OnHandDelta < 0 || e.SellerConfirmed > 0).ToList();
                await write.AddDemandAsync([.. shipped.Select(e => new DemandDay(today, e.Key.Sku, e.Key.Location, -e.OnHandDelta + e.SellerConfirmed, 0))],
                    cancellationToken);
                await CostAsync(write, [.. shipped.Where(e => e.OnHandDelta < 0).Select(e => (e.Key.Sku, -e.OnHandDelta))], WeightedAverageCost.Ship, cancellationToken);
                break;
            case OrderEventType.Returned:
                await CostAsync(write, [.. effects.Where(e => e.OnHandDelta - e.SellerConfirmed > 0).Select(e => (e.Key.Sku, e.OnHandDelta - e.SellerConfirmed))],
                    WeightedAverageCost.Return, cancellationToken);
                break;
        }
    }

    /// <summary>
    /// On-hand adjustments for the valuation: a receipt with a unit cost enters at that cost; a
    /// receipt without one is not valued (there is nothing to value it at); a removal is written off at the average.
    /// </summary>
    public static async Task SupplyAdjustedAsync(IStockWrite write, IReadOnlyList<(string Sku, SupplyType Type, long Delta, decimal? UnitCost)> lines,
        CancellationToken cancellationToken)
    {
        var moves = lines.Where(l => l.Type == SupplyType.OnHand && (l.Delta < 0 || l.UnitCost is not null)).ToList();
        if (moves.Count == 0)
        {
            return;
        }

        var layers = new Dictionary<string, CostLayer>(await write.LockCostsAsync([.. moves.Select(m => m.Sku)], cancellationToken), StringComparer.Ordinal);
        foreach (var (sku, _, delta, unitCost) in moves)
        {
            layers[sku] = delta > 0 ? WeightedAverageCost.Receive(layers[sku], delta, unitCost!.Value) : WeightedAverageCost.WriteOff(layers[sku], -delta);
        }

        await write.WriteCostsAsync(layers.Values, cancellationToken);
    }

    private static async Task CostAsync(IStockWrite write, IReadOnlyList<(string Sku, long Units)> moves, Func<CostLayer, long, CostLayer> operation,
        CancellationToken cancellationToken)
    {
        if (moves.Count == 0)
        {
            return;
        }

        var layers = new Dictionary<string, CostLayer>(await write.LockCostsAsync([.. moves.Select(m => m.Sku)], cancellationToken), StringComparer.Ordinal);
        foreach (var (sku, units) in moves.GroupBy(m => m.Sku, StringComparer.Ordinal).Select(g => (g.Key, g.Sum(m => m.Units))))
        {
            layers[sku] = operation(layers[sku], units);
        }

        await write.WriteCostsAsync(layers.Values, cancellationToken);
    }
}
