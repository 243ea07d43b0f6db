namespace Stockroom.Core.Demand;

/// <summary>
/// What the seller of an order says of one SKU in a later version of it: the units the buyer is
/// still owed (to ship, not cancelled or refunded) and the units it has shipped.
/// </summary>
public readonly record struct OwedUnits(string Sku, long Owed, long Shipped);

/// <summary>
/// The difference between an order as Stockroom holds it and a later version of it: units that
/// shipped, units no longer owed, and units owed that the order does not hold yet.
/// </summary>
public sealed record OrderRevisionPlan(IReadOnlyList<OrderEventLine> Ship, IReadOnlyList<OrderEventLine> Cancel, IReadOnlyList<OrderEventLine> Add)
{
    public bool Changes => Ship.Count + Cancel.Count + Add.Count > 0;
}

/// <summary>
/// Brings an order in line with a later version of it, as a difference against what it holds.
/// Applying a version twice changes nothing the second time, and applying versions in order
/// leaves the order holding what the last one owes — the units an order first taken from that
/// last version would hold.
/// </summary>
public static class OrderRevision
{
    /// <summary>
    /// Per SKU: units the version says shipped beyond those the order has shipped are shipped
    /// (from the open units); the order then holds what is owed, less the units it knows shipped
    /// that the version does not yet (the seller's system may report a shipment before the
    /// marketplace does: those units are in the version's owed count, but must not be held again).
    /// A shipment the version no longer reports (a refund of a shipped unit) is not undone: goods
    /// that come back are returned by whoever receives them. SKUs the order holds that the version
    /// does not name are owed nothing.
    /// </summary>
    public static OrderRevisionPlan Plan(Order order, IReadOnlyList<OwedUnits> version)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(version);
        var wanted = version.GroupBy(v => v.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Owed: g.Sum(v => v.Owed), Shipped: g.Sum(v => v.Shipped)), StringComparer.Ordinal);
        var skus = order.Lines.Select(l => l.Sku).Concat(wanted.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        List<OrderEventLine> ship = [], cancel = [], add = [];
        foreach (var sku in skus)
        {
            var lines = order.Lines.Where(l => l.Sku == sku).ToList();
            var (owed, shipped) = wanted.GetValueOrDefault(sku);
            Invariant.Require(owed >= 0 && shipped >= 0, "a version owes and ships zero or more units");
            var open = lines.Sum(l => l.Open);
            var heldShipped = lines.Sum(l => l.Shipped);
            var shipping = Math.Min(open, Math.Max(0, shipped - heldShipped));
            var target = Math.Max(0, owed - Math.Max(0, heldShipped - shipped));
            var left = open - shipping;
            Add(ship, sku, shipping);
            Add(cancel, sku, left - target);
            Add(add, sku, target - left);
        }

        return new OrderRevisionPlan(ship, cancel, add);
    }

    /// <summary>
    /// The order after the plan's shipments and cancellations, with <paramref name="added"/> (the
    /// lines allocated for the plan's additions) after its own lines, and the stock effects of the
    /// shipments and cancellations. A closed order takes no more units.
    /// </summary>
    public static OrderTransition Apply(Order order, OrderRevisionPlan plan, IReadOnlyList<OrderLine> added, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(added);
        if (plan.Add.Count > 0 && !order.HoldsAllocation())
        {
            return new OrderTransition.Illegal($"the order is {OrderLifecycle.Name(order.Status)} and takes no more units");
        }

        var revised = order with { UpdatedAt = at };
        var effects = new List<PositionEffect>();
        foreach (var (type, lines) in new[] { (OrderEventType.Shipped, plan.Ship), (OrderEventType.Cancelled, plan.Cancel) })
        {
            if (lines.Count == 0)
            {
                continue;
            }

            switch (OrderLifecycle.Decide(revised, type, lines, null, at))
            {
                case OrderTransition.Applied applied:
                    revised = applied.Order;
                    effects.AddRange(applied.Effects);
                    break;
                case OrderTransition.Illegal illegal:
                    return illegal;
            }
        }

        var next = order.Lines.Count == 0 ? 0 : order.Lines.Max(l => l.Line) + 1;
        var all = revised.Lines.Concat(added.Select((l, i) => l with { Line = next + i })).ToList();
        Invariant.Require(added.All(l => l.Open > 0 && l.Shipped == 0 && l.Cancelled == 0), "added lines are wholly open");
        return new OrderTransition.Applied(revised with { Lines = all, Status = OrderLifecycle.StatusOf(order.Status, all) }, effects);
    }

    private static void Add(List<OrderEventLine> lines, string sku, long quantity)
    {
        if (quantity > 0)
        {
            lines.Add(new OrderEventLine(sku, quantity));
        }
    }
}
