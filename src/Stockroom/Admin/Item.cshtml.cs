using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core;
using Stockroom.Core.Alerts;
using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Insights;
using Stockroom.Core.Supply;
using Stockroom.Features.Availability;
using Stockroom.Features.Catalog;
using Stockroom.Features.Insights;
using Stockroom.Features.Ledger;
using Stockroom.Features.Orders;
using Stockroom.Features.Reservations;
using Stockroom.Features.Rules;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>One location's availability of the item, every term spelled out, and its inbound lots.</summary>
public sealed record ItemLocationRow(Location Location, AvailabilityTerms Terms, IReadOnlyList<InboundSupply> Inbound);

/// <summary>What a channel is shown of the item: its group's availability less the channel's buffer, as the API answers it.</summary>
public sealed record ItemChannelRow(Channel Channel, AvailabilityResponse? Answer);

/// <summary>
/// Everything about one SKU on one page: the item and its variants; availability explained per
/// location (<c>on hand − reserved − allocated − backordered − safety = available</c>) and per channel
/// (after its buffer); stock over time from the ledger and demand history as charts; open holds,
/// open orders, inbound supply with its ETAs, alerts, valuation and the replenishment suggestion.
/// Every figure comes from the code the API answers with, so the page and the API never disagree.
/// </summary>
public sealed class ItemModel(IStockStore store, StockModel model, TimeProvider time) : PageModel
{
    /// <summary>Locations, channels, holds and orders shown at most: a SKU's page stays bounded however big the network.</summary>
    public const int LocationsMax = 500;

    public const int ChannelsMax = 100;
    public const int HoldsMax = 50;
    public const int OrdersMax = 50;
    public const int VariantsMax = 100;

    public string Sku { get; private set; } = "";
    public Item? Item { get; private set; }
    public Item? Parent { get; private set; }
    public IReadOnlyList<Item> Variants { get; private set; } = [];
    public IReadOnlyList<ItemLocationRow> Locations { get; private set; } = [];
    public AvailabilityTerms? Total { get; private set; }
    public IReadOnlyList<ItemChannelRow> Channels { get; private set; } = [];
    public IReadOnlyList<StockPoint> Stock { get; private set; } = [];
    public bool StockTruncated { get; private set; }
    public IReadOnlyList<(DateOnly Day, long Shipped, long Lost)> Demand { get; private set; } = [];
    public IReadOnlyList<Reservation> Holds { get; private set; } = [];
    public IReadOnlyList<Order> Orders { get; private set; } = [];
    public IReadOnlyList<StockAlert> Alerts { get; private set; } = [];
    public CostLayer? Cost { get; private set; }
    public IReadOnlyList<ReplenishmentRow> Replenishment { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }

    public async Task<IActionResult> OnGetAsync(string sku, CancellationToken cancellationToken)
    {
        Sku = sku;
        Now = time.GetUtcNow();
        Item = Identifier.IsValid(sku) ? await store.GetItemAsync(sku, cancellationToken) : null;
        if (Item is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        Parent = Item.ParentSku is { } parent ? await store.GetItemAsync(parent, cancellationToken) : null;
        Variants = await store.ListVariantsAsync(sku, VariantsMax, cancellationToken);

        // The SKU's positions come first in a prefix search on it (a longer SKU sorts after it).
        var positions = (await store.SearchPositionsAsync(sku, null, null, LocationsMax, cancellationToken)).TakeWhile(p => p.Key.Sku == sku).ToList();
        var locations = (await store.GetLocationsAsync([.. positions.Select(p => p.Key.Location)], cancellationToken))
            .ToDictionary(l => l.Id, StringComparer.Ordinal);
        var stock = await store.ReadStockAsync([sku], [.. locations.Keys], cancellationToken);
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        var sellable = Item.CanBeSold();
        var supplies = positions.Where(p => locations.ContainsKey(p.Key.Location)).Select(p =>
            (Location: locations[p.Key.Location], Supply: new PositionSupply(p, [.. stock.Inbound[p.Key]], stock.SafetyStock.For(p), locations[p.Key.Location].Active && sellable)))
            .ToList();
        Locations = [.. supplies.Select(s => new ItemLocationRow(s.Location, Atp.AtLocation(s.Supply, today, null), s.Supply.Inbound))];
        Total = Atp.Across([.. supplies.Select(s => s.Supply)], today, null);

        // Each channel's figure is the API's own answer (its group, less its buffer), read from the store.
        var channels = await store.ListChannelsAsync(null, ChannelsMax, cancellationToken);
        var answers = new List<ItemChannelRow>(channels.Count);
        foreach (var channel in channels)
        {
            var result = await AvailabilityApi.Get(sku, store, model, time, User, cancellationToken, channel: channel.Id, consistency: "strong");
            answers.Add(new ItemChannelRow(channel, result.Result is Ok<AvailabilityResponse> ok ? ok.Value : null));
        }

        Channels = answers;

        var history = await store.ReadPositionHistoryAsync(sku, PositionHistoryReads.ChangesMax, cancellationToken);
        StockTruncated = history.Count == PositionHistoryReads.ChangesMax;
        var safety = supplies.ToDictionary(s => s.Location.Id, s => s.Supply.Active ? s.Supply.SafetyStock : 0, StringComparer.Ordinal);
        Stock = PositionHistoryReads.Walk([.. supplies.Select(s => s.Supply.Position)], safety, history, Now);

        if ((await DemandHistory.Get(sku, store, time, cancellationToken)).Result is Ok<DemandHistoryResponse> demand)
        {
            var byDay = demand.Value!.Days.GroupBy(d => d.Day).ToDictionary(g => g.Key, g => (Shipped: g.Sum(d => d.Shipped), Lost: g.Sum(d => d.Lost)));
            Demand = [.. Enumerable.Range(0, demand.Value.To.DayNumber - demand.Value.From.DayNumber + 1)
                .Select(i => demand.Value.From.AddDays(i))
                .Select(day => (day, byDay.GetValueOrDefault(day).Shipped, byDay.GetValueOrDefault(day).Lost))];
        }

        var holds = new List<Reservation>();
        foreach (var status in new[] { ReservationStatus.Pending, ReservationStatus.Active, ReservationStatus.Partial, ReservationStatus.Backordered })
        {
            holds.AddRange(await store.ListReservationsAsync(new ReservationFilter(status, null, sku, null, HoldsMax), cancellationToken));
        }

        Holds = [.. holds.OrderByDescending(r => r.CreatedAt).Take(HoldsMax)];
        Orders = await store.ListOpenOrdersOfSkuAsync(sku, OrdersMax, cancellationToken);

        if (positions.Count > 0)
        {
            var (safetyPolicy, low) = await store.GetAlertPoliciesAsync([.. positions.Select(p => p.Key)], cancellationToken);
            Alerts = [.. positions.SelectMany(p => StockAlerts.Current(p, safetyPolicy.For(p), low.ThresholdFor(p.Key)))];
        }

        Cost = await store.ReadCostAsync(sku, cancellationToken);
        Replenishment = await ReplenishmentPlans.ForSkuAsync(store, time, sku, positions, stock, locations, cancellationToken);
        return Page();
    }

    /// <summary>This SKU's units in a hold: what was asked, held where, and waiting.</summary>
    public string Describe(Reservation reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        return string.Join("; ", reservation.Lines.Where(l => l.Sku == Sku).Select(l =>
        {
            var parts = l.Allocations.Select(a => $"{a.Quantity} at {a.Location}").ToList();
            if (l.Backordered > 0)
            {
                parts.Add($"{l.Backordered} backordered at {l.BackorderLocation}{(l.PromiseDate is { } date ? $", promised {date:yyyy-MM-dd}" : "")}");
            }

            if (l.SellerConfirmed > 0)
            {
                parts.Add($"{l.SellerConfirmed} on the seller's word");
            }

            return $"{l.Requested} asked" + (parts.Count > 0 ? $": {string.Join(", ", parts)}" : "");
        }));
    }

    /// <summary>This SKU's units in an order: still to ship at each location.</summary>
    public string Describe(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return string.Join("; ", order.Lines.Where(l => l.Sku == Sku)
            .Select(l => $"{l.Quantity} at {l.Location}" + (l.Shipped + l.Cancelled > 0 ? $" ({l.Shipped} shipped, {l.Cancelled} cancelled)" : "")));
    }
}
