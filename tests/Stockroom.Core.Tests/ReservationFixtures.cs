using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

/// <summary>
/// A small network for reservation decisions: channel <c>web</c> sells from group <c>home</c>,
/// a store (ranked first, same-day) and a warehouse (two days' lead time). LAMP is sold from
/// counted stock, BULB too but may be backordered, RUG only on request, VASE in auto mode.
/// </summary>
internal static class ReservationFixtures
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    public static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);
    public const int TtlSeconds = 600;
    public const int DefaultHoldSeconds = 900;
    public const int RugAcceptWithinSeconds = 3_600;

    public static PositionKey At(string sku, string location) => new(sku, location);

    public static HoldResolver Resolver(SafetyStockPolicy? safetyStock = null, bool withRug = true) => new(
        [Item("LAMP", StockPolicy.Reserve), Item("BULB", StockPolicy.Reserve, backorderable: true), Item("VASE", StockPolicy.Auto),
            .. withRug ? [Item("RUG", StockPolicy.OnRequest, RugAcceptWithinSeconds)] : Array.Empty<Item>()],
        [new Channel("web", "Web", "home", null, TtlSeconds, Now, Now), new Channel("pos", "POS", "home", null, null, Now, Now)],
        [new DistributionGroup("home", "Home delivery", ["store", "wh"], Now, Now)],
        [Location("store", 10, leadTimeDays: null), Location("wh", 0, leadTimeDays: 2)],
        safetyStock ?? SafetyStockPolicy.None);

    public static Item Item(string sku, StockPolicy policy, int? acceptWithinSeconds = null, bool backorderable = false) =>
        new(sku, sku, null, ItemStatus.Active, policy, acceptWithinSeconds, backorderable, null, null, null, null, Now, Now);

    private static Location Location(string id, int priority, int? leadTimeDays) =>
        new(id, id, LocationType.Store, true, true, null, null, priority, true, Now, Now, leadTimeDays);

    /// <summary>Stock of each SKU at the store and the warehouse, by (sku, store, warehouse).</summary>
    public static Dictionary<PositionKey, Position> Stock(params (string Sku, long Store, long Warehouse)[] stock)
    {
        var positions = new Dictionary<PositionKey, Position>();
        foreach (var (sku, store, warehouse) in stock)
        {
            positions[At(sku, "store")] = new Position(At(sku, "store"), store, 0, 0);
            positions[At(sku, "wh")] = new Position(At(sku, "wh"), warehouse, 0, 0);
        }

        return positions;
    }

    public static ReservationTerms Terms(string id = "r-1", int priority = 0, bool allowPartial = false, bool allowBackorder = false, string channel = "web") =>
        new(id, channel, null, priority, null, allowPartial, allowBackorder);

    public static IReadOnlyList<ResolvedLine> Lines(HoldResolver resolver, params HoldLineRequest[] lines)
    {
        var (resolved, errors) = resolver.Resolve("web", lines);
        Assert.Null(errors);
        return resolved!;
    }

    public static HoldLineRequest Line(string sku, long quantity, string? location = null) => new(sku, quantity, location, null);

    /// <summary>A reservation made as a client would: created against the positions, which it changes.</summary>
    public static Reservation Made(Dictionary<PositionKey, Position> positions, ReservationTerms terms, params HoldLineRequest[] lines)
    {
        var resolver = Resolver();
        var created = ReservationLifecycle.Create(terms, Lines(resolver, lines), resolver, positions, Now, DefaultHoldSeconds);
        return Assert.IsType<ReservationTransition.Applied>(created).Reservation;
    }

    /// <summary>Every unit held or allocated of a SKU, across its positions.</summary>
    public static long Committed(Dictionary<PositionKey, Position> positions, string sku) =>
        positions.Values.Where(p => p.Key.Sku == sku).Sum(p => p.Committed);
}
