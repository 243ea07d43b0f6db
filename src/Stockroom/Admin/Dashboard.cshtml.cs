using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Alerts;
using Stockroom.Features.Connectors;
using Stockroom.Features.Intake;
using Stockroom.Features.Ledger;
using Stockroom.Features.Reservations;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>A position that sold out today: the alert the ledger recorded when its availability reached zero.</summary>
public sealed record SellOut(long Sequence, DateTimeOffset At, string Sku, string Location);

/// <summary>
/// The day at a glance: holds made today, positions that sold out today, marketplace deliveries
/// refused today, how far behind each marketplace connector is, and holds per hour over the last
/// 24 hours. Each figure links to the page that lists what it counts. Every read is bounded by
/// the day's own activity (or a small limit), never by the size of the store.
/// </summary>
public sealed class DashboardModel(IStockStore store, TimeProvider time, ConnectorSetup connectors) : PageModel
{
    /// <summary>Sell-outs and refused deliveries listed at most; beyond, the figure says "or more".</summary>
    public const int ListedMax = 200;

    public const int ConnectorsMax = 50;

    public DateTimeOffset Now { get; private set; }
    public DateTimeOffset Midnight { get; private set; }
    public long HoldsToday { get; private set; }
    public long UnitsHeldToday { get; private set; }
    public IReadOnlyList<HoldHour> Hours { get; private set; } = [];
    public IReadOnlyList<SellOut> SellOuts { get; private set; } = [];
    public IReadOnlyList<IntakeDelivery> Refused { get; private set; } = [];
    public IReadOnlyList<ConnectorStatus> Connectors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Midnight = new DateTimeOffset(Now.UtcDateTime.Date, TimeSpan.Zero);
        var firstHour = new DateTimeOffset(Now.UtcDateTime.Date.AddHours(Now.UtcDateTime.Hour), TimeSpan.Zero).AddHours(-23);
        var since = firstHour < Midnight ? firstHour : Midnight;
        var counted = (await store.ReadHoldsByHourAsync(since, cancellationToken)).ToDictionary(h => h.Hour);
        HoldsToday = counted.Values.Where(h => h.Hour >= Midnight).Sum(h => h.Holds);
        UnitsHeldToday = counted.Values.Where(h => h.Hour >= Midnight).Sum(h => h.Units);
        Hours = [.. Enumerable.Range(0, 24).Select(i => firstHour.AddHours(i)).Select(hour => counted.GetValueOrDefault(hour) ?? new HoldHour(hour, 0, 0))];

        var today = await store.FirstSequenceAtOrAfterAsync(Midnight, cancellationToken);
        SellOuts = [.. (await store.ReadEventsOfTypeAsync(StockAlerts.SoldOut, today, ListedMax, cancellationToken)).Select(e =>
        {
            var alert = JsonSerializer.Deserialize<StockAlert>(e.Data, JsonSerializerOptions.Web)!;
            return new SellOut(e.Sequence, e.At, alert.Sku, alert.Location);
        })];

        // Newest first: those of today are at the head of the list, and the walk stops at the limit.
        Refused = [.. (await store.ListDeliveriesAsync(new DeliveryFilter(null, DeliveryOutcome.Refused, 0, ListedMax, NewestFirst: true), cancellationToken))
            .Where(d => d.At >= Midnight)];

        // Each connector's status as GET /v1/channels/{id}/connector answers it.
        var statuses = new List<ConnectorStatus>();
        foreach (var channel in await store.ListConnectedChannelsAsync(ConnectorsMax, cancellationToken))
        {
            if ((await ConnectorsApi.Get(channel, store, connectors, time, User, cancellationToken)).Result is Ok<ConnectorStatus> ok)
            {
                statuses.Add(ok.Value!);
            }
        }

        Connectors = statuses;
    }

    /// <summary>A count that may have reached the limit of what was read.</summary>
    public static string AtLeast(int count) => count >= ListedMax ? $"{ListedMax}+" : count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
