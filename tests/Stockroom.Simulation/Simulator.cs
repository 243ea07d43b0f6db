using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Stockroom.Core.Demand;
using Stockroom.Features.Availability;
using Stockroom.Features.Orders;
using Stockroom.Features.Reservations;
using Stockroom.Testing;

namespace Stockroom.Simulation;

/// <summary>A divergence between the system and the model, with everything needed to replay it.</summary>
public sealed class SimulationDivergedException(string message) : Exception(message);

/// <summary>
/// Drives the real server through its HTTP API with operations drawn from one seed, applies the
/// same operations to the <see cref="Model"/>, and compares the two after every step: every
/// position, every open or touched reservation, every touched order, and one availability answer.
/// The only sources of variation are the seed and fake time, so a seed replays exactly.
/// </summary>
public sealed class Simulator
{
    /// <summary>Operations kept for the failure message, most recent last.</summary>
    private const int RecentMax = 25;

    /// <summary>Past requests a retry may repeat; old ones are forgotten to bound memory on long runs.</summary>
    private const int PastMax = 200;

    /// <summary>How long (real time) background work woken by fake time may take to land before a step counts as diverged.</summary>
    private static readonly TimeSpan SettleMax = TimeSpan.FromSeconds(10);


    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly StockroomServer _server;
    private readonly int _seed;
    private readonly int _steps;
    private readonly Random _random;
    private readonly Model _model;
    private readonly Queue<string> _recent = new();
    private readonly List<PastRequest> _past = [];
    private readonly HashSet<string> _touchedReservations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _touchedOrders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _adjustAnswers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _eventAnswers = new(StringComparer.Ordinal);

    /// <summary>Snapshot requests applied, by their whole content: the same one again is answered as the first time and changes nothing.</summary>
    private readonly HashSet<string> _syncsApplied = new(StringComparer.Ordinal);
    private (Microsoft.AspNetCore.Builder.WebApplication App, HttpClient Client)? _twin;
    private bool _racing;
    private int _step;
    private int _ids;
    private string _kind = "";

    public Simulator(StockroomServer server, int seed, int steps)
    {
        _server = server;
        _seed = seed;
        _steps = steps;
        _random = new Random(seed);
        _model = new Model(server.Time.GetUtcNow());
    }

    /// <summary>How many times each kind of operation ran, and with which answer.</summary>
    public SortedDictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

    private HttpClient Client => _server.Client;

    /// <summary>Where the time of a run went: each kind of operation, and the comparisons.</summary>
    public Dictionary<string, TimeSpan> Timings { get; } = [];

    public async Task RunAsync()
    {
        try
        {
            await SetUpAsync();
            await CompareAsync(settle: false);
            for (_step = 1; _step <= _steps; _step++)
            {
                var clock = Stopwatch.StartNew();
                var settle = await StepAsync();
                _model.CheckInvariants();
                var stepped = clock.Elapsed;
                await CompareAsync(settle);
                Timings[_kind] = Timings.GetValueOrDefault(_kind) + stepped;
                Timings["compare"] = Timings.GetValueOrDefault("compare") + (clock.Elapsed - stepped);
            }

            _step = _steps;
            await CompareEverythingAsync();
        }
        finally
        {
            if (_twin is { } twin)
            {
                twin.Client.Dispose();
                await twin.App.DisposeAsync();
            }
        }
    }

    private async Task SetUpAsync()
    {
        foreach (var (id, priority) in Model.Locations)
        {
            await Expect(HttpMethod.Put, $"/v1/locations/{id}", new { name = id, type = "warehouse", canShip = true, canPickup = true, priority }, 201);
        }

        foreach (var sku in Model.Skus)
        {
            await Expect(HttpMethod.Put, $"/v1/items/{sku}", new { name = sku, policy = "reserve" }, 201);
        }

        await Expect(HttpMethod.Put, $"/v1/items/{Model.OnRequestSku}", new { name = "Made to order", policy = "onRequest", acceptWithinSeconds = Model.AcceptWithinSeconds }, 201);

        await Expect(HttpMethod.Put, $"/v1/groups/{Model.Group}", new { name = "Ship to home", locations = Model.Locations.Select(l => l.Id).ToArray() }, 201);
        await Expect(HttpMethod.Put, $"/v1/channels/{Model.Channel}", new { name = "Web", group = Model.Group }, 201);
        var lines = _model.Positions.Keys.Select(k => new SyncRequestLine(k.Sku, k.Location, "onHand", _random.Next(0, 16), null)).ToList();
        await SyncAsync(new SyncCall("erp", _model.Now, lines, null));
    }

    /// <summary>Runs one operation; true when it set off background work the comparison must wait for.</summary>
    private async Task<bool> StepAsync()
    {
        var roll = _random.Next(1000);
        switch (roll)
        {
            case < 280:
                await ReserveAsync(NewReservation());
                return false;
            case < 330:
                await ReleaseAsync();
                return false;
            case < 360:
                await AnswerAsync();
                return false;
            case < 440:
                await AdvanceAsync();
                return true;
            case < 540:
                await OrderAsync(NewOrderFromReservation());
                return false;
            case < 600:
                await OrderAsync(NewDirectOrder());
                return false;
            case < 740:
                await OrderEventAsync(NewOrderEvent());
                return false;
            case < 800:
                await SyncAsync(NewSync());
                return false;
            case < 860:
                await AdjustAsync(NewAdjust());
                return false;
            case < 900:
                await TransferAsync(NewTransfer());
                return false;
            case < 960:
                await RetryAsync();
                return false;
            case < 990:
                await RaceAsync();
                return false;
            case < 997:
                await ClashAsync();
                return false;
            default:
                await RestartAsync();
                return true;
        }
    }

    private string NextId(string prefix) => $"{prefix}-{++_ids}";

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private string PickSku() => Pick(Model.Skus);

    private string PickLocation() => Model.Locations[_random.Next(Model.Locations.Length)].Id;

    /// <summary>Mostly small quantities, now and then more than any location holds.</summary>
    private long PickQuantity() => _random.Next(10) < 8 ? _random.Next(1, 5) : _random.Next(5, 25);

    private void Remember(PastRequest request)
    {
        _past.Add(request);
        if (_past.Count > PastMax)
        {
            _past.RemoveAt(_random.Next(_past.Count));
        }
    }

    // ---- Reservations ------------------------------------------------------------------------

    private ReservationCall NewReservation()
    {
        if (_random.Next(8) == 0)
        {
            // On request: whatever the stock, the seller answers.
            var request = new ReservationCall(NextId("r"), [new RequestLine(Model.OnRequestSku, PickQuantity(), _random.Next(2) == 0 ? PickLocation() : null)],
                AllowPartial: false, ExpiresInSeconds: _random.Next(5, 121));
            Remember(request);
            return request;
        }

        var count = _random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 3 };
        var lines = Enumerable.Range(0, count)
            .Select(_ => new RequestLine(PickSku(), PickQuantity(), _random.Next(2) == 0 ? PickLocation() : null))
            .ToList();
        var call = new ReservationCall(NextId("r"), lines, AllowPartial: _random.Next(4) == 0, ExpiresInSeconds: _random.Next(5, 121));
        Remember(call);
        return call;
    }

    private object Body(ReservationCall call) => new
    {
        id = call.Id,
        channel = Model.Channel,
        customerId = "sim",
        allowPartial = call.AllowPartial,
        expiresInSeconds = call.ExpiresInSeconds,
        lines = call.Lines.Select(l => new { sku = l.Sku, quantity = l.Quantity, location = l.Location }).ToArray(),
    };

    private async Task ReserveAsync(ReservationCall call, object? body = null)
    {
        Note($"reserve {call}");
        _touchedReservations.Add(call.Id);
        var (status, answer) = await Send(HttpMethod.Post, "/v1/reservations", body ?? Body(call));
        if (_model.ReservationsById.TryGetValue(call.Id, out var existing))
        {
            // The same id again: the reservation as it stands, whatever has happened to it since.
            Count("reserve.replayed", status);
            Require(status == 201, $"a repeated reservation '{call.Id}' answers 201, got {status}: {answer}");
            CompareReservation(existing, ReadReservation(answer), "replayed answer");
            return;
        }

        if (call.Lines.Any(l => l.Sku == Model.OnRequestSku))
        {
            var waiting = new ModelReservation(call.Id, _model.Now.AddSeconds(Model.AcceptWithinSeconds),
                [.. call.Lines.Select(l => new ModelReservationLine(l.Sku, l.Quantity, l.Location, []))], "pending");
            _model.Reservations.Add(waiting);
            _model.ReservationsById[call.Id] = waiting;
            Count("reserve.pending", status);
            Require(status == 201, $"a hold on an on-request item waits for the seller (201); the system answered {status}: {answer}");
            CompareReservation(waiting, ReadReservation(answer), "answer");
            return;
        }

        var plan = _model.Hold(call.Lines, call.AllowPartial, allocate: false);
        if (plan is null)
        {
            Count("reserve.refused", status);
            Require(status == 409, $"the model refuses reservation '{call.Id}' for want of stock; the system answered {status}: {answer}");
            return;
        }

        var lines = call.Lines.Select((l, i) => new ModelReservationLine(l.Sku, l.Quantity, l.Location, plan[i])).ToList();
        var complete = lines.All(l => l.Reserved == l.Requested);
        var reservation = new ModelReservation(call.Id, _model.Now.AddSeconds(call.ExpiresInSeconds), lines, complete ? "active" : "partial");
        _model.Reservations.Add(reservation);
        _model.ReservationsById[call.Id] = reservation;
        Count(complete ? "reserve.held" : "reserve.partial", status);
        Require(status == 201, $"the model holds reservation '{call.Id}'; the system answered {status}: {answer}");
        CompareReservation(reservation, ReadReservation(answer), "answer");
    }

    private async Task ReleaseAsync()
    {
        if (_model.Reservations.Count == 0 || _random.Next(40) == 0)
        {
            Note("release of an unknown reservation");
            var (missing, text) = await Send(HttpMethod.Delete, "/v1/reservations/no-such-reservation", null);
            Count("release.unknown", missing);
            Require(missing == 404, $"releasing an unknown reservation is a 404, got {missing}: {text}");
            return;
        }

        var reservation = PickReservation();
        Note($"release {reservation.Id} (model: {reservation.Status})");
        _touchedReservations.Add(reservation.Id);
        var (status, answer) = await Send(HttpMethod.Delete, $"/v1/reservations/{reservation.Id}", null);
        if (reservation.Status == "confirmed")
        {
            Count("release.confirmed", status);
            Require(status == 409, $"a confirmed reservation cannot be released; the system answered {status}: {answer}");
            return;
        }

        if (reservation.IsOpen)
        {
            _model.End(reservation, "released");
        }

        Count("release", status);
        Require(status == 200, $"releasing '{reservation.Id}' answers 200, got {status}: {answer}");
        CompareReservation(reservation, ReadReservation(answer), "answer");
    }

    /// <summary>
    /// The seller answers a hold on request: accepting holds what the line's locations can promise
    /// and confirms the rest on the seller's word at the best-ranked one, then starts the payment
    /// window; declining ends it. Answering the same way again is harmless; otherwise a 409.
    /// </summary>
    private async Task AnswerAsync()
    {
        var asked = _model.Reservations.Where(r => r.Lines.Any(l => l.Sku == Model.OnRequestSku)).TakeLast(40).ToList();
        if (asked.Count == 0)
        {
            await ReserveAsync(NewReservation());
            return;
        }

        var pending = asked.Where(r => r.Status == "pending").ToList();
        var reservation = pending.Count > 0 && _random.Next(4) > 0 ? Pick(pending) : Pick(asked);
        var accept = _random.Next(4) > 0;
        Note($"{(accept ? "accept" : "decline")} {reservation.Id} (model: {reservation.Status})");
        _touchedReservations.Add(reservation.Id);
        var (status, answer) = await Send(HttpMethod.Post, $"/v1/reservations/{reservation.Id}/{(accept ? "accept" : "decline")}", new { });
        var repeat = accept ? reservation.Status is "active" or "partial" : reservation.Status == "declined";
        if (reservation.Status != "pending" && !repeat)
        {
            Count(accept ? "accept.illegal" : "decline.illegal", status);
            Require(status == 409, $"answering '{reservation.Id}' ({reservation.Status}) is a 409, got {status}: {answer}");
            return;
        }

        if (reservation.Status == "pending" && !accept)
        {
            reservation.Status = "declined";
        }
        else if (reservation.Status == "pending")
        {
            foreach (var line in reservation.Lines)
            {
                var sources = Model.SourcesOf(line.Location);
                line.Allocations = _model.Plan(line.Sku, line.Requested, sources);
                foreach (var (location, quantity) in line.Allocations)
                {
                    _model.At(line.Sku, location).Reserved += quantity;
                }

                line.SellerConfirmed = line.Requested - line.Reserved;
                line.SellerConfirmedLocation = line.SellerConfirmed == 0 ? null
                    : sources.OrderByDescending(Model.PriorityOf).ThenBy(l => l, StringComparer.Ordinal).First();
            }

            reservation.Status = "active";
            reservation.ExpiresAt = _model.Now.AddSeconds(Model.AcceptedHoldSeconds);
        }

        Count(accept ? "accept" : "decline", status);
        Require(status == 200, $"answering '{reservation.Id}' answers 200, got {status}: {answer}");
        CompareReservation(reservation, ReadReservation(answer), "answer");
    }

    /// <summary>Mostly open reservations, which have something to lose; now and then any other.</summary>
    private ModelReservation PickReservation()
    {
        var open = _model.Reservations.Where(r => r.IsOpen).ToList();
        return open.Count > 0 && _random.Next(10) < 7 ? Pick(open) : _model.Reservations[_model.Reservations.Count - 1 - _random.Next(Math.Min(50, _model.Reservations.Count))];
    }

    // ---- Time ----------------------------------------------------------------------------------

    private async Task AdvanceAsync()
    {
        // Fake time fires every periodic timer once per period it skips, so time moves in small
        // steps and holds are short: expiry stays frequent without paying for idle hours.
        var seconds = _random.Next(20) switch { < 8 => _random.Next(1, 6), < 17 => _random.Next(5, 31), _ => _random.Next(30, 151) };
        Note($"advance {seconds}s");
        _server.Time.Advance(TimeSpan.FromSeconds(seconds));
        await ExpireAsync(seconds);
        Count("advance", 0);
    }

    private async Task ExpireAsync(int seconds)
    {
        _model.Now = _model.Now.AddSeconds(seconds);
        foreach (var expired in _model.Expire())
        {
            _touchedReservations.Add(expired.Id);
        }

        // The sweep the expiry worker runs on its timer, run here so that the step does not race
        // it; the worker may still take part of the work, which the comparison then waits for.
        await _server.Service<ReservationExpiry>().SweepAsync(CancellationToken.None);
    }

    private async Task RestartAsync()
    {
        var seconds = _random.Next(0, 31);
        Note($"restart after {seconds}s down");
        await _server.RestartAsync(TimeSpan.FromSeconds(seconds));
        await ExpireAsync(seconds);
        Count("restart", 0);
    }

    // ---- Orders --------------------------------------------------------------------------------

    private OrderCall NewOrderFromReservation()
    {
        if (_model.Reservations.Count == 0)
        {
            return NewDirectOrder();
        }

        var reservation = PickReservation();
        List<RequestLine>? lines = null;
        var held = reservation.Lines.GroupBy(l => l.Sku).Select(g => (Sku: g.Key, Held: g.Sum(l => l.Reserved + l.SellerConfirmed))).ToList();
        var roll = _random.Next(10);
        if (roll >= 6)
        {
            var (sku, units) = Pick(held);
            var quantity = roll == 9 ? units + 1 : units <= 1 ? 1 : _random.Next(1, (int)units + 1);
            lines = [new RequestLine(sku, quantity, null)];
        }

        var call = new OrderCall(NextId("o"), reservation.Id, lines ?? []);
        Remember(call);
        return call;
    }

    private OrderCall NewDirectOrder()
    {
        var count = _random.Next(3) == 0 ? 2 : 1;
        var lines = Enumerable.Range(0, count)
            .Select(_ => new RequestLine(PickSku(), _random.Next(1, 7), _random.Next(2) == 0 ? PickLocation() : null))
            .ToList();
        var call = new OrderCall(NextId("o"), null, lines);
        Remember(call);
        return call;
    }

    private static object Body(OrderCall call) => call.ReservationId is null
        ? new { id = call.Id, channel = Model.Channel, lines = call.Lines.Select(l => new { sku = l.Sku, quantity = l.Quantity, location = l.Location }).ToArray() }
        : call.Lines.Count == 0
            ? new { id = call.Id, channel = Model.Channel, reservationId = call.ReservationId }
            : new { id = call.Id, channel = Model.Channel, reservationId = call.ReservationId, lines = call.Lines.Select(l => new { sku = l.Sku, quantity = l.Quantity }).ToArray() };

    private async Task OrderAsync(OrderCall call, object? body = null)
    {
        Note($"order {call}");
        _touchedOrders.Add(call.Id);
        if (call.ReservationId is not null)
        {
            _touchedReservations.Add(call.ReservationId);
        }

        var (status, answer) = await Send(HttpMethod.Post, "/v1/orders", body ?? Body(call));
        if (_model.Orders.TryGetValue(call.Id, out var existing))
        {
            Count("order.replayed", status);
            Require(status == 201, $"a repeated order '{call.Id}' answers 201, got {status}: {answer}");
            CompareOrder(existing, ReadOrder(answer), "replayed answer");
            return;
        }

        var lines = call.ReservationId is null ? OrderNow(call) : OrderFromReservation(call);
        if (lines is null)
        {
            Count(call.ReservationId is null ? "order.direct.refused" : "order.reservation.refused", status);
            Require(status == 409, $"the model refuses order '{call.Id}'; the system answered {status}: {answer}");
            return;
        }

        var order = new ModelOrder(call.Id, lines);
        _model.Orders[call.Id] = order;
        Count(call.ReservationId is null ? "order.direct" : "order.reservation", status);
        Require(status == 201, $"the model creates order '{call.Id}'; the system answered {status}: {answer}");
        CompareOrder(order, ReadOrder(answer), "answer");
    }

    private List<ModelOrderLine>? OrderNow(OrderCall call)
    {
        var plan = _model.Hold(call.Lines, allowPartial: false, allocate: true);
        return plan?.SelectMany((allocations, i) => allocations.Select(a => new ModelOrderLine(call.Lines[i].Sku, a.Location, a.Quantity))).ToList();
    }

    /// <summary>
    /// An active or partial reservation becomes an order: the units asked for (all held, when no
    /// lines are given) move from reserved to allocated where they are held, the rest are freed.
    /// </summary>
    private List<ModelOrderLine>? OrderFromReservation(OrderCall call)
    {
        var reservation = _model.ReservationsById[call.ReservationId!];
        if (!reservation.Holds)
        {
            return null;
        }

        // Held units first, then units on the seller's word, which become lines of their own.
        var wanted = call.Lines.Count > 0
            ? call.Lines.GroupBy(l => l.Sku).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity))
            : reservation.Lines.GroupBy(l => l.Sku).ToDictionary(g => g.Key, g => g.Sum(l => l.Reserved + l.SellerConfirmed));
        if (wanted.Any(w => w.Value > reservation.Lines.Where(l => l.Sku == w.Key).Sum(l => l.Reserved + l.SellerConfirmed)))
        {
            return null;
        }

        var lines = new List<ModelOrderLine>();
        foreach (var line in reservation.Lines)
        {
            foreach (var (location, quantity) in line.Allocations)
            {
                var position = _model.At(line.Sku, location);
                var take = Math.Min(wanted.GetValueOrDefault(line.Sku), quantity);
                position.Reserved -= quantity;
                if (take > 0)
                {
                    position.Allocated += take;
                    wanted[line.Sku] -= take;
                    lines.Add(new ModelOrderLine(line.Sku, location, take));
                }
            }
        }

        foreach (var line in reservation.Lines.Where(l => l.SellerConfirmed > 0))
        {
            var take = Math.Min(wanted.GetValueOrDefault(line.Sku), line.SellerConfirmed);
            if (take > 0)
            {
                wanted[line.Sku] -= take;
                lines.Add(new ModelOrderLine(line.Sku, line.SellerConfirmedLocation!, take, onSellersWord: true));
            }
        }

        reservation.Status = "confirmed";
        return lines;
    }

    private OrderEventCall? NewOrderEvent()
    {
        if (_model.Orders.Count == 0)
        {
            return null;
        }

        var recent = _model.Orders.Values.TakeLast(60).ToList();
        var order = Pick(recent);
        var types = order.HoldsAllocation ? new[] { "shipped", "shipped", "shipped", "cancelled", "cancelled", "picked", "packed", "returned" }
            : order.Status == "shipped" ? ["returned", "returned", "returned", "shipped", "cancelled"]
            : ["returned", "shipped", "cancelled", "picked"];
        var type = Pick(types);
        List<RequestLine> lines = [];
        if (type is "returned" or "shipped" or "cancelled" && _random.Next(2) == 0)
        {
            // Part of the order: a SKU (at one of its locations, now and then), sometimes more than it has left.
            var line = Pick(order.Lines);
            var location = _random.Next(3) == 0 ? line.Location : null;
            var left = order.Lines.Where(l => l.Sku == line.Sku && (location is null || l.Location == location))
                .Sum(l => type == "returned" ? l.Shipped - l.Returned : l.Open);
            var quantity = _random.Next(5) == 0 ? left + 1 : Math.Max(1, _random.Next(1, (int)Math.Max(1, left) + 1));
            lines = [new RequestLine(line.Sku, quantity, location)];
        }

        var call = new OrderEventCall(order.Id, NextId("e"), type, lines);
        Remember(call);
        return call;
    }

    private static object Body(OrderEventCall call) => call.Lines.Count == 0
        ? new { id = call.EventId, type = call.Type }
        : new { id = call.EventId, type = call.Type, lines = call.Lines.Select(l => new { sku = l.Sku, quantity = l.Quantity, location = l.Location }).ToArray() };

    private async Task OrderEventAsync(OrderEventCall? call, object? body = null)
    {
        if (call is null)
        {
            await OrderAsync(NewDirectOrder());
            return;
        }

        Note($"event {call}");
        _touchedOrders.Add(call.OrderId);
        var (status, answer) = await Send(HttpMethod.Post, $"/v1/orders/{call.OrderId}/events", body ?? Body(call));
        var key = $"{call.OrderId}/{call.EventId}";
        if (_eventAnswers.TryGetValue(key, out var first))
        {
            // A repeated event changes nothing and answers what it answered the first time.
            Count("event.replayed", status);
            Require(status == 200, $"a repeated event '{key}' answers 200, got {status}: {answer}");
            Require(answer.GetProperty("status").GetString() == first, $"a repeated event '{key}' answers status '{first}' as the first time: {answer}");
            return;
        }

        var order = _model.Orders[call.OrderId];
        if (!ApplyEvent(order, call))
        {
            Count($"event.{call.Type}.illegal", status);
            Require(status == 409, $"the model finds '{call.Type}' illegal for order '{order.Id}' ({order.Status}); the system answered {status}: {answer}");
            return;
        }

        _eventAnswers[key] = order.Status;
        Count($"event.{call.Type}", status);
        Require(status == 200, $"the model applies '{call.Type}' to order '{order.Id}'; the system answered {status}: {answer}");
        CompareOrder(order, ReadOrder(answer), "answer");
    }

    /// <summary>
    /// The order lifecycle: shipping takes units off the shelf (never below zero), cancelling frees
    /// them, a return restocks — all of the order, or the units the event's lines name.
    /// </summary>
    private bool ApplyEvent(ModelOrder order, OrderEventCall call)
    {
        switch (call.Type)
        {
            case "picked" when order.Status == "allocated" && call.Lines.Count == 0:
            case "packed" when order.Status is "allocated" or "picked" && call.Lines.Count == 0:
                order.Status = call.Type;
                return true;
            case "shipped" when order.HoldsAllocation:
                return Fulfil(order, call.Lines, l => l.Open, (line, units) =>
                {
                    // Units on the seller's word came from outside counted stock: no counter moves.
                    if (!line.OnSellersWord)
                    {
                        var p = _model.At(line.Sku, line.Location);
                        p.Allocated -= units;
                        _model.Move(line.Sku, line.Location, -Math.Min(units, p.OnHand));
                    }

                    line.Shipped += units;
                });
            case "cancelled" when order.HoldsAllocation:
                return Fulfil(order, call.Lines, l => l.Open, (line, units) =>
                {
                    if (!line.OnSellersWord)
                    {
                        _model.At(line.Sku, line.Location).Allocated -= units;
                    }

                    line.Cancelled += units;
                });
            case "returned" when order.Status is "shipped" or "partiallyShipped":
                return Fulfil(order, call.Lines, l => l.Shipped - l.Returned, (line, units) =>
                {
                    _model.Move(line.Sku, line.Location, units);
                    line.Returned += units;
                });
            default:
                return false;
        }
    }

    /// <summary>
    /// Applies an event to the units its lines name (all it can apply to when none), line by line in
    /// order; refused, changing nothing, when a line asks for more than the order has for it.
    /// </summary>
    private static bool Fulfil(ModelOrder order, List<RequestLine> asked, Func<ModelOrderLine, long> left, Action<ModelOrderLine, long> apply)
    {
        var wanted = asked.Count > 0
            ? asked.GroupBy(l => (l.Sku, l.Location)).Select(g => (g.Key.Sku, g.Key.Location, Quantity: g.Sum(l => l.Quantity))).ToList()
            : [.. order.Lines.Where(l => left(l) > 0).Select(l => (l.Sku, (string?)l.Location, Quantity: left(l)))];
        bool Matches(ModelOrderLine line, string sku, string? location) => line.Sku == sku && (location is null || line.Location == location);
        if (wanted.Count == 0 || wanted.Any(w => w.Quantity > order.Lines.Where(l => Matches(l, w.Sku, w.Location)).Sum(left)))
        {
            return false;
        }

        foreach (var (sku, location, quantity) in wanted)
        {
            var remaining = quantity;
            foreach (var line in order.Lines.Where(l => Matches(l, sku, location)))
            {
                var units = Math.Min(remaining, left(line));
                if (units > 0)
                {
                    apply(line, units);
                    remaining -= units;
                }
            }
        }

        order.Settle();
        return true;
    }

    // ---- Supply --------------------------------------------------------------------------------

    /// <summary>The systems of record that send snapshots; each owns the inbound lots it lists.</summary>
    private static readonly string[] Sources = ["erp", "wms"];

    private SyncCall NewSync()
    {
        var source = Pick(Sources);
        var keys = _model.Positions.Keys.OrderBy(_ => _random.Next()).Take(_random.Next(1, 5)).ToList();
        var lines = new List<SyncRequestLine>();
        foreach (var (sku, location) in keys)
        {
            if (_random.Next(3) > 0)
            {
                lines.Add(new SyncRequestLine(sku, location, "onHand", _random.Next(3) == 0 ? _random.Next(0, 3) : _random.Next(0, 21), null));
            }

            // Inbound lots: the source's own references, one both sources use, and now and then a transfer's.
            var type = _random.Next(2) == 0 ? "purchaseOrder" : "inTransit";
            var references = new List<string> { $"{source}-1", $"{source}-2", "shared-1" };
            references.AddRange(_model.Transfers.Values.Where(t => !t.Received && t.To == location && t.Sku == sku).Select(t => t.Id));
            foreach (var reference in references.Where(_ => _random.Next(3) == 0).Distinct())
            {
                lines.Add(new SyncRequestLine(sku, location, reference.StartsWith("t-", StringComparison.Ordinal) ? "inTransit" : type, _random.Next(1, 9), reference));
            }
        }

        if (lines.Count == 0)
        {
            lines.Add(new SyncRequestLine(keys[0].Sku, keys[0].Location, "onHand", _random.Next(0, 21), null));
        }

        // Mostly as of now; often a count taken a little while ago, after the source's last one
        // but before movements since; now and then one older than the last (stale).
        var latest = keys.Select(k => _model.Watermarks.GetValueOrDefault((source, k.Location))).Max();
        var roll = _random.Next(10);
        var asOf = roll < 6 ? _model.Now
            : roll < 9 ? (latest == default ? _model.Now.AddSeconds(-_random.Next(0, 300)) : latest + (_model.Now - latest) * _random.NextDouble())
            : _model.Now.AddHours(-1);
        var snapshot = lines.Count > 1 && _random.Next(3) == 0 ? NextId("snap") : null;
        var call = new SyncCall(source, asOf, lines, snapshot);
        Remember(call);
        return call;
    }

    /// <summary>
    /// A snapshot, in one request or (when it has an id) in two that carry it. Each request is
    /// refused when a later snapshot of the same source came first for one of its locations;
    /// otherwise its counts are brought forward by what moved since their time, its inbound lines
    /// replace the source's own lots, and holds left short move where they can.
    /// </summary>
    private async Task SyncAsync(SyncCall call)
    {
        Note($"sync {call}");
        var parts = call.SnapshotId is null ? [call.Lines] : call.Lines.Chunk((call.Lines.Count + 1) / 2).Select(p => p.ToList()).ToList();
        foreach (var part in parts)
        {
            var (status, answer) = await Send(HttpMethod.Post, "/v1/supply/sync", new
            {
                source = call.Source,
                asOf = call.AsOf,
                snapshotId = call.SnapshotId,
                lines = part.Select(l => new { sku = l.Sku, location = l.Location, type = l.Type, quantity = l.Quantity, reference = l.Reference, eta = l.Reference is null ? null : "2026-12-15" }).ToArray(),
            });
            var content = $"{call.Source}|{call.AsOf:O}|{call.SnapshotId}|{string.Join(";", part)}";
            if (_syncsApplied.Contains(content))
            {
                Count("sync.replayed", status);
                Require(status == 200, $"the model replays the snapshot as of {call.AsOf:O} it applied before; the system answered {status}: {answer}");
                continue;
            }

            var locations = part.Select(l => l.Location).Distinct().ToList();
            if (locations.Any(l => _model.Watermarks.TryGetValue((call.Source, l), out var seen) && seen > call.AsOf))
            {
                Count("sync.stale", status);
                Require(status == 409, $"the model finds the snapshot as of {call.AsOf:O} stale; the system answered {status}: {answer}");
                continue;
            }

            foreach (var location in locations)
            {
                _model.Watermarks[(call.Source, location)] = call.AsOf;
            }

            foreach (var line in part.Where(l => l.Type == "onHand"))
            {
                _model.Count(line.Sku, line.Location, line.Quantity, call.AsOf);
            }

            _model.ReplaceLots(call.Source, call.SnapshotId ?? NextId("request"),
                [.. part.Where(l => l.Type != "onHand").Select(l => (l.Sku, l.Location, l.Type, l.Reference!, l.Quantity))]);
            Relocate([.. part.Where(l => l.Type == "onHand").Select(l => (l.Sku, l.Location))]);
            _syncsApplied.Add(content);
            Count(call.AsOf < _model.Now ? "sync.late" : "sync", status);
            Require(status == 200, $"the model applies the snapshot; the system answered {status}: {answer}");
        }
    }

    // ---- Transfers -----------------------------------------------------------------------------

    private TransferCall NewTransfer()
    {
        var open = _model.Transfers.Values.Where(t => !t.Received).ToList();
        if (open.Count > 0 && _random.Next(2) == 0)
        {
            return new TransferCall(Pick(open).Id, "", "", "", 0, Receive: true);
        }

        var from = PickLocation();
        var to = Model.Locations.Select(l => l.Id).Where(l => l != from).ElementAt(_random.Next(Model.Locations.Length - 1));
        var call = new TransferCall(NextId("t"), from, to, PickSku(), _random.Next(1, 7), Receive: false);
        Remember(call);
        return call;
    }

    /// <summary>
    /// A transfer takes units not promised at its source at once and shows them in transit at its
    /// destination, a lot no snapshot ends; receiving it makes what is in transit on-hand.
    /// </summary>
    private async Task TransferAsync(TransferCall call)
    {
        Note($"transfer {call}");
        if (call.Receive)
        {
            var (received, text) = await Send(HttpMethod.Post, $"/v1/transfers/{call.Id}/receive", new { });
            var transfer = _model.Transfers[call.Id];
            if (!transfer.Received)
            {
                var key = (transfer.Sku, transfer.To, "inTransit", transfer.Id);
                var arriving = _model.Lots.TryGetValue(key, out var lot) && lot.Source is null ? lot.Quantity : 0;
                if (arriving > 0)
                {
                    _model.Move(transfer.Sku, transfer.To, arriving);
                    _model.Lots.Remove(key);
                }

                transfer.Received = true;
            }

            Count("transfer.received", received);
            Require(received == 200, $"receiving transfer '{call.Id}' answers 200, got {received}: {text}");
            return;
        }

        var (status, answer) = await Send(HttpMethod.Post, "/v1/transfers", new
        {
            id = call.Id,
            from = call.From,
            to = call.To,
            eta = "2026-12-20",
            lines = new[] { new { sku = call.Sku, quantity = call.Quantity } },
        });
        if (_model.Transfers.ContainsKey(call.Id))
        {
            Count("transfer.replayed", status);
            Require(status == 200, $"a repeated transfer '{call.Id}' answers 200, got {status}: {answer}");
            return;
        }

        var source = _model.At(call.Sku, call.From);
        if (call.Quantity > Math.Max(0, source.OnHand - source.Reserved - source.Allocated))
        {
            Count("transfer.refused", status);
            Require(status == 409, $"the model refuses transfer '{call.Id}' (promised units stay); the system answered {status}: {answer}");
            return;
        }

        _model.Move(call.Sku, call.From, -call.Quantity);
        var lotKey = (call.Sku, call.To, "inTransit", call.Id);
        _model.Lots[lotKey] = new ModelLot(call.Quantity + (_model.Lots.TryGetValue(lotKey, out var existing) ? existing.Quantity : 0), null, null);
        _model.Transfers[call.Id] = new ModelTransfer(call.Id, call.From, call.To, call.Sku, call.Quantity);
        Count("transfer", status);
        Require(status == 201, $"the model sends transfer '{call.Id}'; the system answered {status}: {answer}");
    }

    private AdjustCall NewAdjust()
    {
        var count = _random.Next(4) == 0 ? 2 : 1;
        var lines = Enumerable.Range(0, count).Select(_ =>
        {
            var delta = _random.Next(2) == 0 ? -_random.Next(1, 7) : _random.Next(1, 9);
            return new AdjustRequestLine(PickSku(), PickLocation(), delta);
        }).ToList();
        var call = new AdjustCall(NextId("a"), lines);
        Remember(call);
        return call;
    }

    private static object Body(AdjustCall call) => new
    {
        id = call.Id,
        lines = call.Lines.Select(l => new { sku = l.Sku, location = l.Location, type = "onHand", delta = l.Delta, reason = "count" }).ToArray(),
    };

    /// <summary>Relative changes, all or nothing: refused when any would take on-hand below zero.</summary>
    private async Task AdjustAsync(AdjustCall call, object? body = null)
    {
        Note($"adjust {call}");
        var (status, answer) = await Send(HttpMethod.Post, "/v1/supply/adjust", body ?? Body(call));
        if (_adjustAnswers.TryGetValue(call.Id, out var first))
        {
            Count("adjust.replayed", status);
            Require(status == 200, $"a repeated adjustment '{call.Id}' answers 200, got {status}: {answer}");
            Require(answer.GetProperty("positions").GetRawText() == first, $"a repeated adjustment '{call.Id}' answers what it answered first ({first}), got {answer}");
            return;
        }

        var onHand = new Dictionary<(string, string), long>();
        var refused = false;
        foreach (var line in call.Lines)
        {
            var key = (line.Sku, line.Location);
            var current = onHand.TryGetValue(key, out var value) ? value : _model.At(line.Sku, line.Location).OnHand;
            if (current + line.Delta < 0)
            {
                refused = true;
                continue;
            }

            onHand[key] = current + line.Delta;
        }

        if (refused)
        {
            Count("adjust.refused", status);
            Require(status == 409, $"the model refuses adjustment '{call.Id}' (on-hand below zero); the system answered {status}: {answer}");
            return;
        }

        foreach (var ((sku, location), units) in onHand)
        {
            _model.Move(sku, location, units - _model.At(sku, location).OnHand);
        }

        Relocate([.. call.Lines.Where(l => l.Delta < 0).Select(l => (l.Sku, l.Location))]);
        Count("adjust", status);
        Require(status == 200, $"the model applies adjustment '{call.Id}'; the system answered {status}: {answer}");
        _adjustAnswers[call.Id] = answer.GetProperty("positions").GetRawText();
    }

    private void Relocate(List<(string Sku, string Location)> counted)
    {
        foreach (var moved in _model.Relocate(counted))
        {
            Count("relocated", 0);
            _touchedReservations.Add(moved.Id);
        }
    }

    // ---- Idempotency ---------------------------------------------------------------------------

    /// <summary>Sends a previous request again, as a client does after a timeout.</summary>
    private async Task RetryAsync()
    {
        if (_past.Count == 0)
        {
            await ReserveAsync(NewReservation());
            return;
        }

        var past = Pick(_past);
        Note("retry:");
        switch (past)
        {
            case ReservationCall reservation:
                await ReserveAsync(reservation);
                break;
            case OrderCall order:
                await OrderAsync(order);
                break;
            case OrderEventCall orderEvent:
                await OrderEventAsync(orderEvent);
                break;
            case AdjustCall adjust:
                await AdjustAsync(adjust);
                break;
            case SyncCall sync:
                await SyncAsync(sync);
                break;
            case TransferCall transfer:
                await TransferAsync(transfer);
                break;
        }
    }

    /// <summary>A previous id with a different body: refused, and nothing changes.</summary>
    private async Task ClashAsync()
    {
        var reservation = _past.OfType<ReservationCall>().Where(r => _model.ReservationsById.ContainsKey(r.Id)).LastOrDefault();
        if (reservation is null)
        {
            await ReserveAsync(NewReservation());
            return;
        }

        var changed = reservation with { Lines = [.. reservation.Lines.Select(l => l with { Quantity = l.Quantity + 1 })] };
        Note($"clash {changed}");
        var (status, answer) = await Send(HttpMethod.Post, "/v1/reservations", Body(changed));
        Count("reserve.clash", status);
        Require(status == 409, $"reservation '{reservation.Id}' again with a different body is a 409, got {status}: {answer}");
    }

    // ---- Comparison ----------------------------------------------------------------------------

    /// <summary>
    /// Compares the model with the system. After a step that set background work off (time moved,
    /// the server restarted), a difference is given a few moments to go away before it counts.
    /// </summary>
    private async Task CompareAsync(bool settle)
    {
        // A write the twin applied — a raced request, or its own expiry sweep on the shared clock —
        // reaches this server's availability in memory within the follower's bound
        // (StockModelFollower.PollInterval), not at once: once there is a twin, a difference is
        // given time to go away. One that stays is still a divergence.
        settle |= _twin is not null;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await CompareNowAsync();
                break;
            }
            catch (SimulationDivergedException) when (settle && deadline.Elapsed < SettleMax)
            {
                await Task.Delay(10);
            }
        }

        _touchedReservations.Clear();
        _touchedOrders.Clear();
    }

    private async Task CompareNowAsync()
    {
        var stored = (await _server.Store.ReadPositionsAsync(null, 1000, CancellationToken.None)).ToDictionary(p => (p.Key.Sku, p.Key.Location));
        foreach (var (key, expected) in _model.Positions)
        {
            stored.TryGetValue(key, out var actual);
            var (onHand, reserved, allocated, backordered) = actual is null ? (0L, 0L, 0L, 0L) : (actual.OnHand, actual.Reserved, actual.Allocated, actual.Backordered);
            Require(onHand == expected.OnHand && reserved == expected.Reserved && allocated == expected.Allocated && backordered == 0,
                $"position {key.Sku}@{key.Location}: model has {expected}, system has onHand {onHand}, reserved {reserved}, allocated {allocated}, backordered {backordered}");
        }

        Require(stored.Count <= _model.Positions.Count, $"the system has positions the model does not: {string.Join(", ", stored.Keys.Where(k => !_model.Positions.ContainsKey(k)))}");

        var stock = await _server.Store.ReadStockAsync(Model.AllSkus, [.. Model.Locations.Select(l => l.Id)], CancellationToken.None);
        var lots = string.Join(", ", stock.Inbound.SelectMany(g => g)
            .Select(l => $"{l.Key.Sku}@{l.Key.Location} {JsonNamingPolicy.CamelCase.ConvertName(l.Type.ToString())} {l.Reference}={l.Quantity} ({l.Source ?? "transfer"})").Order(StringComparer.Ordinal));
        var modelLots = string.Join(", ", _model.Lots.Select(l => $"{l.Key.Sku}@{l.Key.Location} {l.Key.Type} {l.Key.Reference}={l.Value.Quantity} ({l.Value.Source ?? "transfer"})").Order(StringComparer.Ordinal));
        Require(lots == modelLots, $"inbound lots: model has [{modelLots}], system has [{lots}]");

        var ids = _model.Reservations.Where(r => r.IsOpen).Select(r => r.Id).Concat(_touchedReservations).Distinct().ToList();
        var reservations = await _server.Store.GetReservationsAsync(ids, CancellationToken.None);
        foreach (var id in ids)
        {
            _model.ReservationsById.TryGetValue(id, out var expected);
            var actual = reservations.GetValueOrDefault(id)?.Reservation;
            Require((expected is null) == (actual is null), $"reservation '{id}': model {(expected is null ? "has none" : "has it")}, system {(actual is null ? "has none" : "has it")}");
            if (expected is not null)
            {
                CompareReservation(expected, actual!, "store");
            }
        }

        foreach (var id in _touchedOrders)
        {
            _model.Orders.TryGetValue(id, out var expected);
            var actual = await _server.Store.GetOrderAsync(id, CancellationToken.None);
            Require((expected is null) == (actual is null), $"order '{id}': model {(expected is null ? "has none" : "has it")}, system {(actual is null ? "has none" : "has it")}");
            if (expected is not null)
            {
                CompareOrder(expected, actual!, "store");
            }
        }

        // One availability answer per step, SKU by SKU in turn: what the channel is shown.
        var sku = Model.Skus[_step % Model.Skus.Length];
        var (status, atp) = await Send(HttpMethod.Get, $"/v1/availability/{sku}?channel={Model.Channel}", null);
        Require(status == 200, $"availability of {sku} answers 200, got {status}: {atp}");
        var positions = Model.Locations.Select(l => _model.At(sku, l.Id)).ToList();
        var available = positions.Sum(Model.Promisable);
        Require(atp.GetProperty("available").GetInt64() >= 0, $"availability of {sku} is never negative: {atp}");
        var agrees = atp.GetProperty("available").GetInt64() == available
            && atp.GetProperty("onHand").GetInt64() == positions.Sum(p => p.OnHand)
            && atp.GetProperty("reserved").GetInt64() == positions.Sum(p => p.Reserved)
            && atp.GetProperty("allocated").GetInt64() == positions.Sum(p => p.Allocated);
        // The default answer comes from the server's memory; on a difference, the database's own
        // answer says which of the two is off.
        var strong = agrees ? default : (await Send(HttpMethod.Get, $"/v1/availability/{sku}?channel={Model.Channel}&consistency=strong", null)).Answer;
        Require(agrees, $"availability of {sku} for the channel: model has available {available} of {string.Join("; ", positions)}; system answered {atp}; "
            + $"the database (consistency=strong) answers {strong}");
    }

    /// <summary>At the end of a run: every reservation and order the model knows, not just the touched ones.</summary>
    private async Task CompareEverythingAsync()
    {
        foreach (var chunk in _model.Reservations.Chunk(500))
        {
            var stored = await _server.Store.GetReservationsAsync([.. chunk.Select(r => r.Id)], CancellationToken.None);
            foreach (var expected in chunk)
            {
                Require(stored.TryGetValue(expected.Id, out var actual), $"reservation '{expected.Id}' is in the store");
                CompareReservation(expected, actual!.Reservation, "store, final");
            }
        }

        foreach (var expected in _model.Orders.Values)
        {
            var actual = await _server.Store.GetOrderAsync(expected.Id, CancellationToken.None);
            Require(actual is not null, $"order '{expected.Id}' is in the store");
            CompareOrder(expected, actual!, "store, final");
        }
    }

    private void CompareReservation(ModelReservation expected, Reservation actual, string where)
    {
        var status = JsonNamingPolicy.CamelCase.ConvertName(actual.Status.ToString());
        Require(actual.Id == expected.Id && status == expected.Status && actual.ExpiresAt == expected.ExpiresAt && actual.Lines.Count == expected.Lines.Count,
            $"reservation '{expected.Id}' ({where}): model has {expected.Status} until {expected.ExpiresAt:O} with {expected.Lines.Count} lines, system has {status} until {actual.ExpiresAt:O} with {actual.Lines.Count}");
        for (var i = 0; i < expected.Lines.Count; i++)
        {
            var (e, a) = (expected.Lines[i], actual.Lines[i]);
            var held = Describe(e.Allocations);
            var got = Describe(a.Allocations.Select(x => (x.Location, x.Quantity)));
            Require(a.Sku == e.Sku && a.Requested == e.Requested && a.Reserved == a.Allocations.Sum(x => x.Quantity) && held == got
                    && a.SellerConfirmed == e.SellerConfirmed && a.SellerConfirmedLocation == e.SellerConfirmedLocation,
                $"reservation '{expected.Id}' line {i} ({where}): model holds {e.Requested} {e.Sku} as [{held}] + {e.SellerConfirmed} on the seller's word at {e.SellerConfirmedLocation}, "
                + $"system holds {a.Requested} {a.Sku} as [{got}] (reserved {a.Reserved}) + {a.SellerConfirmed} at {a.SellerConfirmedLocation}");
        }
    }

    private void CompareOrder(ModelOrder expected, Order actual, string where)
    {
        var status = JsonNamingPolicy.CamelCase.ConvertName(actual.Status.ToString());
        var want = string.Join(", ", expected.Lines.GroupBy(l => (l.Sku, l.Location)).OrderBy(g => g.Key)
            .Select(g => $"{g.Key.Sku}@{g.Key.Location}:{g.Sum(l => l.Quantity)}/{g.Sum(l => l.Shipped)}/{g.Sum(l => l.Cancelled)}/{g.Sum(l => l.Returned)}/{g.Where(l => l.OnSellersWord).Sum(l => l.Quantity)}"));
        var got = string.Join(", ", actual.Lines.GroupBy(l => (l.Sku, l.Location)).OrderBy(g => g.Key)
            .Select(g => $"{g.Key.Sku}@{g.Key.Location}:{g.Sum(l => l.Quantity)}/{g.Sum(l => l.Shipped)}/{g.Sum(l => l.Cancelled)}/{g.Sum(l => l.Returned)}/{g.Sum(l => l.SellerConfirmed)}"));
        Require(status == expected.Status && want == got, $"order '{expected.Id}' ({where}): model is {expected.Status} [{want}], system is {status} [{got}]");
    }

    private static string Describe(IEnumerable<(string Location, long Quantity)> allocations) =>
        string.Join(", ", allocations.GroupBy(a => a.Location).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}:{g.Sum(a => a.Quantity)}"));

    private static Reservation ReadReservation(JsonElement answer) => answer.Deserialize<Reservation>(Stockroom.Http.StockroomJson.Options)!;

    private static Order ReadOrder(JsonElement answer) => answer.Deserialize<Order>(Stockroom.Http.StockroomJson.Options)!;

    // ---- Plumbing ------------------------------------------------------------------------------

    private void Note(string operation)
    {
        _kind = operation.Split(' ')[0];
        _recent.Enqueue($"{_step,8}  {operation}");
        while (_recent.Count > RecentMax)
        {
            _recent.Dequeue();
        }
    }

    private void Count(string what, int status) => Counts[status == 0 ? what : $"{what} {status}"] = Counts.GetValueOrDefault(status == 0 ? what : $"{what} {status}") + 1;

    private void Require(bool condition, string detail)
    {
        if (!condition)
        {
            throw new SimulationDivergedException(Describe(detail));
        }
    }

    private string Describe(string detail)
    {
        var text = new StringBuilder();
        text.AppendLine($"The system diverged from the model: seed {_seed}, step {_step} of {_steps}, store {_server.Kind}.");
        text.AppendLine(detail);
        text.AppendLine("Last operations:");
        foreach (var operation in _recent)
        {
            text.AppendLine(operation);
        }

        text.AppendLine("Replay:");
        text.Append(SimulationSettings.ReplayCommand(_seed, _step, _server.Kind));
        return text.ToString();
    }

    private async Task Expect(HttpMethod method, string path, object body, int status)
    {
        var (got, answer) = await Send(method, path, body);
        Require(got == status, $"{method} {path} answers {status}, got {got}: {answer}");
    }

    /// <summary>
    /// Sends a request. While racing, the same request goes to this server and to its twin on the
    /// same database at once: what a client sees when its retry overtakes the first attempt on
    /// another process. One of them applies it; the other must answer as a sequential retry would.
    /// </summary>
    private async Task<(int Status, JsonElement Answer)> Send(HttpMethod method, string path, object? body)
    {
        if (!_racing)
        {
            var (status, answer, _) = await SendVia(Client, method, path, body);
            return (status, answer);
        }

        var twin = (await Twin()).Client;
        var both = await Task.WhenAll(SendVia(Client, method, path, body), SendVia(twin, method, path, body));
        var (first, second) = (both[0], both[1]);
        Count("race", 0);
        Require(first.Status < 500 && second.Status < 500, $"{method} {path} raced through two servers: no 5xx, got {first.Status} and {second.Status}: {first.Answer} / {second.Answer}");
        if (first.Status >= 400 || second.Status >= 400)
        {
            // A refusal changes nothing and is stored nowhere: both decide alike.
            Require(first.Status == second.Status && Type(first.Answer) == Type(second.Answer),
                $"{method} {path} raced through two servers: both refuse alike, got {first.Status} {first.Answer} and {second.Status} {second.Answer}");
            return (first.Status, first.Answer);
        }

        // One applied it, the other replayed it: same answer (a transfer's replay is 200 to its 201).
        Require(first.Replayed != second.Replayed, $"{method} {path} raced through two servers: one applies, the other replays; replayed: {first.Replayed}, {second.Replayed}");
        var (applied, replayed) = first.Replayed ? (second, first) : (first, second);
        Require((applied.Status == replayed.Status || (applied.Status, replayed.Status) == (201, 200)) && applied.Answer.GetRawText() == replayed.Answer.GetRawText(),
            $"{method} {path} raced through two servers: the replay answers what was applied; applied {applied.Status} {applied.Answer}, replayed {replayed.Status} {replayed.Answer}");
        Count("race.replayed", 0);
        return (applied.Status, applied.Answer);

        static string? Type(JsonElement problem) => problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("type", out var type) ? type.GetString() : null;
    }

    private static async Task<(int Status, JsonElement Answer, bool Replayed)> SendVia(HttpClient client, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true");
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), replayed);
    }

    /// <summary>A second server on the same database: to the database, another process.</summary>
    private async Task<(Microsoft.AspNetCore.Builder.WebApplication App, HttpClient Client)> Twin() => _twin ??= await _server.StartAnotherAsync();

    /// <summary>
    /// A new write sent to both servers at once. Each server remembers sell-outs for a moment and
    /// forgets them only for its own writes; those caches are cleared after a race, so that only
    /// the documented bound (an early refusal, never an oversell) separates the servers, not the
    /// seed's fake clock, which would otherwise keep a stale sell-out for ever.
    /// </summary>
    private async Task RaceAsync()
    {
        _racing = true;
        try
        {
            switch (_random.Next(5))
            {
                case 0:
                    await ReserveAsync(NewReservation());
                    break;
                case 1:
                    await OrderAsync(NewDirectOrder());
                    break;
                case 2:
                    await OrderEventAsync(NewOrderEvent());
                    break;
                case 3:
                    await AdjustAsync(NewAdjust());
                    break;
                default:
                    var transfer = NewTransfer();
                    await TransferAsync(transfer.Receive ? transfer with { Id = NextId("t"), Receive = false, From = "sim-store", To = "sim-wh-1", Sku = PickSku(), Quantity = 1 } : transfer);
                    break;
            }
        }
        finally
        {
            _racing = false;
            foreach (var services in new[] { _server.Store, (await Twin()).App.Services.GetRequiredService<Stockroom.Storage.IStockStore>() })
            {
                services.SoldOut.Clear();
            }
        }
    }
}

/// <summary>A request the simulator may send again.</summary>
public abstract record PastRequest;

public sealed record ReservationCall(string Id, List<RequestLine> Lines, bool AllowPartial, int ExpiresInSeconds) : PastRequest
{
    public override string ToString() =>
        $"{Id} [{string.Join(", ", Lines.Select(l => $"{l.Quantity} {l.Sku}@{l.Location ?? "group"}"))}]{(AllowPartial ? " partial ok" : "")} for {ExpiresInSeconds}s";
}

public sealed record OrderCall(string Id, string? ReservationId, List<RequestLine> Lines) : PastRequest
{
    public override string ToString() =>
        $"{Id} {(ReservationId is null ? "now" : $"from {ReservationId}")} [{string.Join(", ", Lines.Select(l => $"{l.Quantity} {l.Sku}@{l.Location ?? "group"}"))}]";
}

public sealed record OrderEventCall(string OrderId, string EventId, string Type, List<RequestLine> Lines) : PastRequest
{
    public override string ToString() => $"{EventId} {Type} {OrderId} [{string.Join(", ", Lines.Select(l => $"{l.Quantity} {l.Sku}@{l.Location ?? "any"}"))}]";
}

public sealed record SyncRequestLine(string Sku, string Location, string Type, long Quantity, string? Reference);

public sealed record SyncCall(string Source, DateTimeOffset AsOf, List<SyncRequestLine> Lines, string? SnapshotId) : PastRequest
{
    public override string ToString() =>
        $"{Source} as of {AsOf:O}{(SnapshotId is null ? "" : $" in parts of {SnapshotId}")} [{string.Join(", ", Lines.Select(l => $"{l.Sku}@{l.Location} {l.Type}{(l.Reference is null ? "" : $" {l.Reference}")}={l.Quantity}"))}]";
}

public sealed record TransferCall(string Id, string From, string To, string Sku, long Quantity, bool Receive) : PastRequest
{
    public override string ToString() => Receive ? $"receive {Id}" : $"{Id} {Quantity} {Sku} {From} -> {To}";
}

public sealed record AdjustRequestLine(string Sku, string Location, long Delta);

public sealed record AdjustCall(string Id, List<AdjustRequestLine> Lines) : PastRequest
{
    public override string ToString() => $"{Id} [{string.Join(", ", Lines.Select(l => $"{l.Sku}@{l.Location}{l.Delta:+#;-#}"))}]";
}
