using Stockroom.Core.Insights;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Insights;

/// <summary>
/// Keeps demand history and valuation in step with the movements of stock that cause them, inside
/// the same transaction: a shipment adds to the day's demand and moves value to COGS, a return moves
/// it back, a receipt with a unit cost moves the average, a removal writes value off. A receipt
/// without a unit cost is not valued (there is nothing to value it at). Units on the seller's word
/// are demand like any other, but were never valued stock: they move no value. Registered once, as
/// a reaction to every write (<see cref="IStockReaction"/>); it locks the valuations after the
/// positions, as the lock order has it.
/// </summary>
public sealed class Bookkeeping : IStockReaction
{
    public async Task BeforeAppendAsync(IStockWrite write, StockChangeSet changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(changes);
        var today = DateOnly.FromDateTime(write.Now.UtcDateTime);
        var demand = new List<DemandDay>();
        var costs = new List<(string Sku, Func<CostLayer, CostLayer> Apply)>();
        foreach (var movement in changes.Movements.Where(m => m.Units.Count > 0))
        {
            switch (movement.Kind)
            {
                case MovementKind.Shipped:
                    var shipped = movement.Units.Where(u => u.OnHand < 0 || u.SellerConfirmed > 0).ToList();
                    demand.AddRange(shipped.Select(u => new DemandDay(today, u.Key.Sku, u.Key.Location, -u.OnHand + u.SellerConfirmed, 0)));
                    costs.AddRange(PerSku(shipped.Where(u => u.OnHand < 0).Select(u => (u.Key.Sku, -u.OnHand)), WeightedAverageCost.Ship));
                    break;
                case MovementKind.Returned:
                    costs.AddRange(PerSku(movement.Units.Where(u => u.OnHand - u.SellerConfirmed > 0).Select(u => (u.Key.Sku, u.OnHand - u.SellerConfirmed)),
                        WeightedAverageCost.Return));
                    break;
                case MovementKind.Adjusted:
                    // Line by line, in the order given: each receipt moves the average the next one meets.
                    costs.AddRange(movement.Units.Where(u => u.OnHand < 0 || (u.OnHand > 0 && u.UnitCost is not null))
                        .Select(u => (u.Key.Sku, u.OnHand > 0
                            ? (Func<CostLayer, CostLayer>)(layer => WeightedAverageCost.Receive(layer, u.OnHand, u.UnitCost!.Value))
                            : layer => WeightedAverageCost.WriteOff(layer, -u.OnHand))));
                    break;
            }
        }

        write.AddDemandLater(demand);
        if (costs.Count > 0)
        {
            var layers = new Dictionary<string, CostLayer>(await write.LockCostsAsync([.. costs.Select(c => c.Sku)], cancellationToken), StringComparer.Ordinal);
            foreach (var (sku, apply) in costs)
            {
                layers[sku] = apply(layers[sku]);
            }

            await write.WriteCostsAsync(layers.Values, cancellationToken);
        }
    }

    /// <summary>One operation per SKU on the sum of its units, as a shipment or a return of several lines is valued.</summary>
    private static IEnumerable<(string Sku, Func<CostLayer, CostLayer> Apply)> PerSku(IEnumerable<(string Sku, long Units)> moves,
        Func<CostLayer, long, CostLayer> operation) =>
        moves.GroupBy(m => m.Sku, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Sum(m => m.Units)))
            .Select(m => (m.Key, (Func<CostLayer, CostLayer>)(layer => operation(layer, m.Item2))));
}
