using Stockroom.Core.Demand;

namespace Stockroom.Core.Tests;

/// <summary>
/// A later version of a marketplace order applied as the difference against what the order holds
/// (issue 17): shipped units ship, units no longer owed are freed, newly owed units are added; and
/// any sequence of versions delivered in any order leaves the holds of the last one alone.
/// </summary>
public sealed class OrderRevisionTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static Order Held(params (string Sku, long Quantity, long Shipped, long Cancelled)[] lines) =>
        new("shopify:1", "shopify", null, OrderStatus.Allocated, At, At, null, null, null,
            [.. lines.Select((l, i) => new OrderLine(i, l.Sku, "L", l.Quantity, 0, l.Shipped, l.Cancelled))]);

    private static string Lines(IReadOnlyList<OrderEventLine> lines) => string.Join(" ", lines.Select(l => $"{l.Sku}:{l.Quantity}"));

    [Fact]
    public void A_partial_refund_frees_the_units_no_longer_owed()
    {
        var plan = OrderRevision.Plan(Held(("A", 5, 0, 0)), [new OwedUnits("A", 4, 0)]);
        Assert.Equal(("", "A:1", ""), (Lines(plan.Ship), Lines(plan.Cancel), Lines(plan.Add)));
    }

    [Fact]
    public void A_partial_shipment_ships_from_the_open_units_and_the_rest_stays_held()
    {
        var held = Held(("A", 3, 0, 0));
        var plan = OrderRevision.Plan(held, [new OwedUnits("A", 2, 1)]);
        Assert.Equal(("A:1", "", ""), (Lines(plan.Ship), Lines(plan.Cancel), Lines(plan.Add)));
        var applied = Assert.IsType<OrderTransition.Applied>(OrderRevision.Apply(held, plan, [], At));
        Assert.Equal((OrderStatus.PartiallyShipped, 2L, 1L), (applied.Order.Status, applied.Order.Lines[0].Open, applied.Order.Lines[0].Shipped));
        Assert.Equal([new PositionEffect(new("A", "L"), -1, -1)], applied.Effects);
        Assert.False(OrderRevision.Plan(applied.Order, [new OwedUnits("A", 2, 1)]).Changes);
    }

    [Fact]
    public void An_edit_that_replaces_a_sku_frees_one_and_adds_the_other_in_one_revision()
    {
        var held = Held(("A", 2, 0, 0));
        var plan = OrderRevision.Plan(held, [new OwedUnits("B", 1, 0)]);
        Assert.Equal(("", "A:2", "B:1"), (Lines(plan.Ship), Lines(plan.Cancel), Lines(plan.Add)));
        var applied = Assert.IsType<OrderTransition.Applied>(OrderRevision.Apply(held, plan, [new OrderLine(0, "B", "L", 1, 0)], At));
        // The order freed every unit it had and holds the new one: it is open again, not cancelled.
        Assert.Equal((OrderStatus.Allocated, 1, "B"), (applied.Order.Status, applied.Order.Lines[1].Line, applied.Order.Lines[1].Sku));
    }

    [Fact]
    public void Units_the_sellers_system_shipped_before_the_marketplace_knew_are_not_held_again()
    {
        // Stockroom shipped 2 of 5 (the WMS said so); the marketplace still owes 5 and has shipped none.
        var plan = OrderRevision.Plan(Held(("A", 5, 2, 0)), [new OwedUnits("A", 5, 0)]);
        Assert.False(plan.Changes);
        // It then ships 3 more, as the marketplace reports 4 shipped: 1 is owed, 2 ship.
        var later = OrderRevision.Plan(Held(("A", 5, 2, 0)), [new OwedUnits("A", 1, 4)]);
        Assert.Equal(("A:2", ""), (Lines(later.Ship), Lines(later.Cancel)));
    }

    [Fact]
    public void A_refund_of_a_shipped_unit_is_not_undone_and_a_closed_order_takes_no_more_units()
    {
        var shipped = Held(("A", 2, 2, 0)) with { Status = OrderStatus.Shipped };
        Assert.False(OrderRevision.Plan(shipped, [new OwedUnits("A", 0, 1)]).Changes);
        var plan = OrderRevision.Plan(shipped, [new OwedUnits("A", 0, 2), new OwedUnits("B", 1, 0)]);
        Assert.IsType<OrderTransition.Illegal>(OrderRevision.Apply(shipped, plan, [new OrderLine(0, "B", "L", 1, 0)], At));
    }

    /// <summary>One marketplace version: its time, whether the order is cancelled, and per SKU the units owed and shipped.</summary>
    private sealed record Version(int Time, bool Cancelled, Dictionary<string, (long Owed, long Shipped)> Skus)
    {
        public IReadOnlyList<OwedUnits> Units => [.. Skus.Select(s => new OwedUnits(s.Key, Cancelled ? 0 : s.Value.Owed, s.Value.Shipped))];
    }

    /// <summary>
    /// A marketplace's history of one order: ordered, then units shipped, refunded, added by an edit,
    /// or the rest cancelled, each change a new version. Shipped units never come back, and an edit
    /// adds units only while some are still owed (marketplaces do not reopen closed orders).
    /// </summary>
    private static List<Version> History(Random random)
    {
        string[] skus = ["A", "B", "C"];
        var state = skus.ToDictionary(s => s, s => (Owed: (long)random.Next(0, 4), Shipped: (long)random.Next(0, 2)));
        state["A"] = (state["A"].Owed + 1, state["A"].Shipped);
        var versions = new List<Version> { new(0, false, new(state)) };
        for (var time = 1; time < random.Next(2, 9); time++)
        {
            var sku = skus[random.Next(skus.Length)];
            var (owed, shipped) = state[sku];
            var owesAny = state.Values.Any(v => v.Owed > 0);
            switch (random.Next(5))
            {
                case 0 or 1 when owed > 0:
                    var ship = random.Next(1, (int)owed + 1);
                    state[sku] = (owed - ship, shipped + ship);
                    break;
                case 2 when owed > 0:
                    state[sku] = (owed - random.Next(1, (int)owed + 1), shipped);
                    break;
                case 3 when owesAny:
                    state[sku] = (owed + random.Next(1, 3), shipped);
                    break;
                case 4 when random.Next(4) == 0:
                    versions.Add(new(time, true, new(state)));
                    return versions;
            }

            versions.Add(new(time, false, new(state)));
        }

        return versions;
    }

    /// <summary>What intake keeps of an order: the order (once taken), the latest version time applied, and the units shipped before it was taken.</summary>
    private sealed class Intake
    {
        public Order? Order { get; private set; }

        private int? _seen;
        private Dictionary<string, long> _shippedBefore = [];

        public void Deliver(Version version)
        {
            if (_seen > version.Time)
            {
                return;
            }

            _seen = Math.Max(_seen ?? version.Time, version.Time);
            var units = version.Units;
            if (Order is null)
            {
                _shippedBefore = units.GroupBy(u => u.Sku).ToDictionary(g => g.Key, g => g.Sum(u => u.Shipped));
                var owed = units.Where(u => u.Owed > 0).ToList();
                Order = owed.Count == 0 ? null : Held([.. owed.Select(u => (u.Sku, u.Owed, 0L, 0L))]);
                return;
            }

            var unseen = units.Select(u => u with { Shipped = u.Shipped - Math.Min(u.Shipped, _shippedBefore.GetValueOrDefault(u.Sku)) }).ToList();
            var plan = OrderRevision.Plan(Order, unseen);
            var added = plan.Add.Select(a => new OrderLine(0, a.Sku, "L", a.Quantity, 0)).ToList();
            Order = Assert.IsType<OrderTransition.Applied>(OrderRevision.Apply(Order, plan, added, At)).Order;
        }

        public Dictionary<string, long> Open() =>
            (Order?.Lines ?? []).GroupBy(l => l.Sku).Select(g => (g.Key, Open: g.Sum(l => l.Open))).Where(s => s.Open > 0).ToDictionary(s => s.Key, s => s.Open);
    }

    [Fact]
    public void Any_sequence_of_versions_in_any_order_holds_what_the_last_one_alone_would()
    {
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var history = History(random);
            var last = history[^1];
            // Any subset of the versions, some twice, in any order; the latest is among them.
            var deliveries = history.Where(_ => random.Next(3) > 0).Concat(history.Where(_ => random.Next(4) == 0)).Append(last)
                .OrderBy(_ => random.Next()).ToList();

            var sequence = new Intake();
            deliveries.ForEach(sequence.Deliver);
            var alone = new Intake();
            alone.Deliver(last);

            Assert.True(alone.Open().OrderBy(p => p.Key).SequenceEqual(sequence.Open().OrderBy(p => p.Key)),
                $"seed {seed}: the last version alone holds {Show(alone.Open())}, the sequence {string.Join(",", deliveries.Select(d => d.Time))} holds {Show(sequence.Open())}");
            Assert.All(sequence.Order?.Lines ?? [], l => Assert.True(l.Open >= 0 && l.Shipped + l.Cancelled <= l.Quantity));
        }
    }

    private static string Show(Dictionary<string, long> open) => string.Join(" ", open.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value}"));
}
