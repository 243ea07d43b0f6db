using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace Stockroom.CrashTest;

/// <summary>
/// The client side of the run: a small network, concurrent clients that hold, release, order,
/// ship, cancel, adjust and count, and the record of every answer they got. Every write carries a
/// client-chosen id, so a request that got no answer can be sent again, byte for byte.
/// <para>
/// The workload is shaped so that the expected state follows from the answers alone:
/// on-hand at a sold position only grows by acknowledged receipts and transfers in, and falls by
/// shipped orders and transfers out; negative adjustments go to a spare SKU nobody holds. Counts
/// of sold positions are late on purpose: each is as of a moment before every movement of the run,
/// so it stands as of then and every acknowledged movement since is applied on top of it. So
/// <c>onHand == last applied count + Σ acknowledged deltas</c>, <c>reserved</c> is what the open
/// holds hold, <c>allocated</c> what the open orders allocate; a SKU of its own takes plain counts.
/// </para>
/// </summary>
public sealed class Workload(ApiClient api, Random seeds, string prefix)
{
    public const string Channel = "web";
    public const string Group = "ship-to-home";
    public const string SpareSku = "SPARE-1";
    public const string CountSku = "COUNT-1";
    public const string CountSource = "pos";
    public const string LateCountSource = "pos-late";
    public const int HoldSeconds = 7 * 24 * 60 * 60;

    /// <summary>Per client and load phase, so that a phase ends even if the kill never comes.</summary>
    public const int ActionsPerPhaseMax = 2_000;

    public static readonly string[] Skus = ["LAMP-1", "LAMP-2", "CHAIR-1", "DESK-1"];
    public static readonly string[] Locations = ["store-1", "wh-1", "store-2"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _expectedOnHand = [];
    private readonly Dictionary<string, HoldState> _holds = [];
    private readonly List<string> _openHolds = [];
    private readonly Dictionary<string, OrderRecord> _orders = [];
    private readonly List<string> _openOrders = [];
    private readonly Dictionary<string, int> _expectedEvents = [];
    private readonly Dictionary<string, int> _seenEvents = [];
    private readonly HashSet<string> _touched = [];
    private readonly ConcurrentQueue<Request> _unanswered = new();
    private readonly DateTimeOffset _countEpoch = DateTimeOffset.UtcNow.AddHours(-1);
    private readonly Dictionary<string, (long Sequence, long Quantity)> _lateCounts = [];
    private readonly Dictionary<string, long> _lateCountsSent = [];
    private readonly Dictionary<string, TransferRecord> _transfers = [];
    private readonly List<string> _openTransfers = [];
    private long _countSequence;
    private long _countAsOfApplied = -1;
    private long _expectedCount;
    private long _ids;
    private long _ledgerCursor;

    public long RequestsSent { get; private set; }

    public long RequestsAcknowledged { get; private set; }

    public long RequestsRetried { get; private set; }

    public long RetryAttempts { get; private set; }

    public int UnansweredNow => _unanswered.Count;

    private enum HoldState
    {
        Open,
        Released,
        Confirmed,
        Refused,
    }

    private sealed record OrderRecord(string Status, IReadOnlyList<(string Sku, string Location, long Quantity)> Lines);

    /// <summary>A transfer the client knows the answer to; refused ones move nothing.</summary>
    private sealed record TransferRecord(string Sku, string From, string To, long Quantity, string Status);

    private static string Position(string sku, string location) => $"{sku}@{location}";

    private string NextId(string kind) => $"{prefix}{kind}-{Interlocked.Increment(ref _ids)}";

    /// <summary>The network, and the first stock, through the API. The server must be up and stay up.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var setup = new List<Request>();
        for (var i = 0; i < Locations.Length; i++)
        {
            setup.Add(Setup(HttpMethod.Put, $"/v1/locations/{Locations[i]}",
                new { name = Locations[i], type = Locations[i].StartsWith("wh", StringComparison.Ordinal) ? "warehouse" : "store", canShip = true, canPickup = true, priority = 10 - i }));
        }

        foreach (var sku in Skus.Append(SpareSku).Append(CountSku))
        {
            setup.Add(Setup(HttpMethod.Put, $"/v1/items/{sku}", new { name = sku, price = 10m }));
        }

        setup.Add(Setup(HttpMethod.Put, $"/v1/groups/{Group}", new { name = "Ship to home", locations = Locations }));
        setup.Add(Setup(HttpMethod.Put, $"/v1/channels/{Channel}", new { name = "Web shop", group = Group }));
        foreach (var call in setup)
        {
            await SendUntilAnsweredAsync(call, cancellationToken);
        }

        // The first stock is an acknowledged adjustment like any other, so the expected on-hand starts at zero.
        var lines = Skus.SelectMany(sku => Locations.Select(location => (sku, location, delta: 30L)))
            .Concat(Locations.Select(location => (sku: SpareSku, location, delta: 20L)))
            .ToList();
        await SendUntilAnsweredAsync(Adjust(lines), cancellationToken);
        await SendUntilAnsweredAsync(Count(), cancellationToken);
    }

    private static Request Setup(HttpMethod method, string path, object body) => new("setup", method, path, body, (status, json) =>
    {
        if (status is not (HttpStatusCode.OK or HttpStatusCode.Created))
        {
            throw new CrashCheckException($"{method} {path} answered {(int)status}: {json}");
        }
    });

    /// <summary>One client's load: actions one after another until the phase ends; unanswered ones are kept for the retry.</summary>
    public async Task RunClientAsync(int client, CancellationToken phase)
    {
        Random random;
        lock (_gate)
        {
            random = new Random(NextSeed());
        }

        for (var i = 0; i < ActionsPerPhaseMax && !phase.IsCancellationRequested; i++)
        {
            var call = Next(random, client);
            lock (_gate)
            {
                RequestsSent++;
            }

            if (await api.TryAsync(call, CancellationToken.None) == Outcome.Unanswered)
            {
                _unanswered.Enqueue(call);
                if (!phase.IsCancellationRequested)
                {
                    // The server answers nothing while it restarts; do not spin.
                    await Task.Delay(20, CancellationToken.None);
                }
            }
        }
    }

    private int NextSeed() => seeds.Next();

    /// <summary>
    /// Sends every unanswered request again — same method, path and body, so the same id — until it
    /// is answered, in the order they were first sent. Bounded: a request still unanswered after
    /// <paramref name="attemptsMax"/> tries fails the run.
    /// </summary>
    public async Task RetryUnansweredAsync(int attemptsMax, CancellationToken cancellationToken)
    {
        while (_unanswered.TryDequeue(out var call))
        {
            RequestsRetried++;
            await SendUntilAnsweredAsync(call, cancellationToken, attemptsMax);
        }
    }

    private async Task SendUntilAnsweredAsync(Request call, CancellationToken cancellationToken, int attemptsMax = 60)
    {
        for (var attempt = 1; attempt <= attemptsMax; attempt++)
        {
            if (call.Attempts > 0)
            {
                RetryAttempts++;
            }
            else
            {
                RequestsSent++;
            }

            if (await api.TryAsync(call, cancellationToken) == Outcome.Answered)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * attempt, 1_000)), cancellationToken);
        }

        throw new CrashCheckException($"No answer after {attemptsMax} attempts: {call}");
    }

    private Request Next(Random random, int client)
    {
        var roll = random.Next(100);
        lock (_gate)
        {
            if (roll < 12 && Take(_openHolds, random) is { } release)
            {
                return Release(release);
            }

            if (roll < 24 && Take(_openHolds, random) is { } ordered)
            {
                return OrderFromHold(ordered);
            }

            if (roll < 40 && Take(_openOrders, random) is { } order)
            {
                var type = random.Next(10) switch
                {
                    < 2 when _orders[order].Status == "allocated" => "picked",
                    < 4 => "cancelled",
                    _ => "shipped",
                };
                return OrderEvent(order, type);
            }
        }

        return roll switch
        {
            < 46 => DirectOrder(random),
            < 58 => Adjust([.. Pick(random, random.Next(1, 3)).Select(p => (p.Sku, p.Location, (long)random.Next(1, 6)))]),
            < 64 => Adjust([(SpareSku, Locations[random.Next(Locations.Length)], -random.Next(1, 9))]),
            < 67 when client == 0 => Count(),
            < 70 => LateCount(random),
            < 73 => Transfer(random),
            < 75 when Take(_openTransfers, random) is { } transfer => Receive(transfer),
            _ => Hold(random),
        };
    }

    private static string? Take(List<string> pool, Random random)
    {
        if (pool.Count == 0)
        {
            return null;
        }

        var at = random.Next(pool.Count);
        var id = pool[at];
        pool[at] = pool[^1];
        pool.RemoveAt(pool.Count - 1);
        return id;
    }

    private static List<(string Sku, string Location)> Pick(Random random, int count) =>
        [.. Skus.SelectMany(sku => Locations.Select(location => (sku, location))).OrderBy(_ => random.Next()).Take(count)];

    private Request Hold(Random random)
    {
        var id = NextId("h");
        var lines = Skus.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).Select(sku => random.Next(3) switch
        {
            0 => (object)new { sku, quantity = random.Next(1, 4), location = Locations[random.Next(Locations.Length)] },
            1 => new { sku, quantity = random.Next(1, 4), group = Group },
            _ => new { sku, quantity = random.Next(1, 4) },
        }).ToList();
        return new Request("hold", HttpMethod.Post, "/v1/reservations", new { id, channel = Channel, expiresInSeconds = HoldSeconds, lines }, (status, json) =>
        {
            lock (_gate)
            {
                _touched.Add(id);
                switch (status)
                {
                    case HttpStatusCode.Created when json?.GetProperty("status").GetString() == "active":
                        _holds[id] = HoldState.Open;
                        _openHolds.Add(id);
                        Expect("reservation.created", id, 1);
                        RequestsAcknowledged++;
                        break;
                    case HttpStatusCode.Conflict:
                        _holds[id] = HoldState.Refused;
                        Expect("reservation.created", id, 0);
                        break;
                    default:
                        throw new CrashCheckException($"hold {id} answered {(int)status}: {json}");
                }
            }
        });
    }

    private Request Release(string id) => new("release", HttpMethod.Delete, $"/v1/reservations/{id}", null, (status, json) =>
    {
        lock (_gate)
        {
            _touched.Add(id);
            if (status != HttpStatusCode.OK || json?.GetProperty("status").GetString() != "released")
            {
                throw new CrashCheckException($"release of {id} answered {(int)status}: {json}");
            }

            _holds[id] = HoldState.Released;
            Expect("reservation.released", id, 1);
            RequestsAcknowledged++;
        }
    });

    private Request OrderFromHold(string reservationId)
    {
        var id = NextId("o");
        return new Request("order", HttpMethod.Post, "/v1/orders", new { id, channel = Channel, reservationId }, (status, json) =>
        {
            lock (_gate)
            {
                _touched.Add(id);
                _touched.Add(reservationId);
                if (status != HttpStatusCode.Created)
                {
                    throw new CrashCheckException($"order {id} from hold {reservationId} answered {(int)status}: {json}");
                }

                _holds[reservationId] = HoldState.Confirmed;
                Expect("reservation.confirmed", reservationId, 1);
                Created(id, json!.Value);
            }
        });
    }

    private Request DirectOrder(Random random)
    {
        var id = NextId("o");
        var sku = Skus[random.Next(Skus.Length)];
        object line = random.Next(2) == 0
            ? new { sku, quantity = random.Next(1, 3) }
            : new { sku, quantity = random.Next(1, 3), location = Locations[random.Next(Locations.Length)] };
        return new Request("order", HttpMethod.Post, "/v1/orders", new { id, channel = Channel, lines = new[] { line } }, (status, json) =>
        {
            lock (_gate)
            {
                _touched.Add(id);
                switch (status)
                {
                    case HttpStatusCode.Created:
                        Created(id, json!.Value);
                        break;
                    case HttpStatusCode.Conflict:
                        _orders[id] = new OrderRecord("refused", []);
                        Expect("order.created", id, 0);
                        break;
                    default:
                        throw new CrashCheckException($"order {id} answered {(int)status}: {json}");
                }
            }
        });
    }

    private void Created(string id, JsonElement order)
    {
        var lines = order.GetProperty("lines").EnumerateArray()
            .Select(l => (l.GetProperty("sku").GetString()!, l.GetProperty("location").GetString()!, l.GetProperty("quantity").GetInt64()))
            .ToList();
        _orders[id] = new OrderRecord("allocated", lines);
        _openOrders.Add(id);
        Expect("order.created", id, 1);
        RequestsAcknowledged++;
    }

    private Request OrderEvent(string orderId, string type)
    {
        var id = NextId("e");
        return new Request("order-event", HttpMethod.Post, $"/v1/orders/{orderId}/events", new { id, type }, (status, json) =>
        {
            lock (_gate)
            {
                _touched.Add(orderId);
                if (status != HttpStatusCode.OK || json?.GetProperty("status").GetString() != type)
                {
                    throw new CrashCheckException($"event {type} on order {orderId} answered {(int)status}: {json}");
                }

                var order = _orders[orderId];
                _orders[orderId] = order with { Status = type };
                Expect($"order.{type}", id, 1);
                RequestsAcknowledged++;
                if (type == "picked")
                {
                    _openOrders.Add(orderId);
                }
                else if (type == "shipped")
                {
                    foreach (var (sku, location, quantity) in order.Lines)
                    {
                        Add(Position(sku, location), -quantity);
                    }
                }
            }
        });
    }

    private Request Adjust(List<(string Sku, string Location, long Delta)> lines)
    {
        var id = NextId("a");
        var body = new
        {
            id,
            lines = lines.Select(l => new { sku = l.Sku, location = l.Location, type = "onHand", delta = l.Delta, reason = l.Delta > 0 ? "received" : "damaged" }).ToList(),
        };
        return new Request("adjust", HttpMethod.Post, "/v1/supply/adjust", body, (status, json) =>
        {
            lock (_gate)
            {
                switch (status)
                {
                    case HttpStatusCode.OK:
                        foreach (var (sku, location, delta) in lines)
                        {
                            Add(Position(sku, location), delta);
                        }

                        Expect("supply.adjusted", id, 1);
                        RequestsAcknowledged++;
                        break;
                    case HttpStatusCode.Conflict when lines.All(l => l.Delta < 0):
                        Expect("supply.adjusted", id, 0);
                        break;
                    default:
                        throw new CrashCheckException($"adjustment {id} answered {(int)status}: {json}");
                }
            }
        });
    }

    /// <summary>
    /// A count of the count-only SKU at one location, as of a time later than any count before it.
    /// Whatever order retries land in, the count with the latest time that was applied is the one
    /// that stands — and that one is always answered 200, as nothing newer can have overtaken it.
    /// </summary>
    private Request Count()
    {
        var sequence = Interlocked.Increment(ref _countSequence);
        var asOf = _countEpoch.AddMilliseconds(sequence * 10);
        var quantity = 100 + (sequence * 7 % 50);
        var body = new { source = CountSource, asOf, lines = new[] { new { sku = CountSku, location = Locations[0], type = "onHand", quantity } } };
        return new Request("count", HttpMethod.Post, "/v1/supply/sync", body, (status, json) =>
        {
            lock (_gate)
            {
                switch (status)
                {
                    case HttpStatusCode.OK:
                        if (sequence > _countAsOfApplied)
                        {
                            (_countAsOfApplied, _expectedCount) = (sequence, quantity);
                        }

                        RequestsAcknowledged++;
                        break;
                    case HttpStatusCode.Conflict when sequence < _countSequence:
                        // Overtaken by a later count that was applied: refused as stale, changes nothing.
                        break;
                    default:
                        throw new CrashCheckException($"count as of {asOf:O} answered {(int)status}: {json}");
                }
            }
        });
    }

    /// <summary>
    /// A count of a sold position as of a moment before any movement of the run (one source, ever
    /// later moments, so retries may overtake each other). The latest applied one stands; what
    /// moved since is applied on top of it. Counts of a position never fall: a falling count may
    /// rightly leave orders short, which the check could not tell from a lost unit.
    /// </summary>
    private Request LateCount(Random random)
    {
        var sequence = Interlocked.Increment(ref _countSequence);
        var asOf = _countEpoch.AddMilliseconds(sequence * 10);
        var (sku, location) = Pick(random, 1)[0];
        var key = Position(sku, location);
        long quantity;
        lock (_gate)
        {
            quantity = _lateCountsSent[key] = _lateCountsSent.GetValueOrDefault(key) + random.Next(0, 3);
        }

        var body = new { source = LateCountSource, asOf, lines = new[] { new { sku, location, type = "onHand", quantity } } };
        return new Request("late-count", HttpMethod.Post, "/v1/supply/sync", body, (status, json) =>
        {
            lock (_gate)
            {
                var applied = _lateCounts.GetValueOrDefault(key, (-1, 0));
                switch (status)
                {
                    case HttpStatusCode.OK:
                        if (sequence > applied.Sequence)
                        {
                            _lateCounts[key] = (sequence, quantity);
                        }

                        RequestsAcknowledged++;
                        break;
                    case HttpStatusCode.Conflict when json?.GetProperty("type").GetString()?.EndsWith("stale-snapshot", StringComparison.Ordinal) == true:
                        // Overtaken by a later count of one of its locations: changes nothing.
                        break;
                    default:
                        throw new CrashCheckException($"late count of {key} as of {asOf:O} answered {(int)status}: {json}");
                }
            }
        });
    }

    private Request Transfer(Random random)
    {
        var id = NextId("t");
        var sku = Skus[random.Next(Skus.Length)];
        var from = Locations[random.Next(Locations.Length)];
        var to = Locations.Where(l => l != from).ElementAt(random.Next(Locations.Length - 1));
        var quantity = (long)random.Next(1, 4);
        var body = new { id, from, to, eta = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(3)), lines = new[] { new { sku, quantity } } };
        return new Request("transfer", HttpMethod.Post, "/v1/transfers", body, (status, json) =>
        {
            lock (_gate)
            {
                switch (status)
                {
                    // A retry of one that was applied before its answer was lost replays it (200).
                    case HttpStatusCode.Created or HttpStatusCode.OK:
                        _transfers[id] = new TransferRecord(sku, from, to, quantity, "inTransit");
                        _openTransfers.Add(id);
                        Add(Position(sku, from), -quantity);
                        Expect("transfer.shipped", id, 1);
                        RequestsAcknowledged++;
                        break;
                    case HttpStatusCode.Conflict:
                        _transfers[id] = new TransferRecord(sku, from, to, quantity, "refused");
                        Expect("transfer.shipped", id, 0);
                        break;
                    default:
                        throw new CrashCheckException($"transfer {id} answered {(int)status}: {json}");
                }
            }
        });
    }

    private Request Receive(string id) => new("receive", HttpMethod.Post, $"/v1/transfers/{id}/receive", new { }, (status, json) =>
    {
        lock (_gate)
        {
            var transfer = _transfers[id];
            if (status != HttpStatusCode.OK || json?.GetProperty("status").GetString() != "received")
            {
                throw new CrashCheckException($"receipt of transfer {id} answered {(int)status}: {json}");
            }

            if (transfer.Status != "received")
            {
                _transfers[id] = transfer with { Status = "received" };
                Add(Position(transfer.Sku, transfer.To), transfer.Quantity);
                Expect("transfer.received", id, 1);
                RequestsAcknowledged++;
            }
        }
    });

    private void Add(string position, long delta) => _expectedOnHand[position] = _expectedOnHand.GetValueOrDefault(position) + delta;

    private void Expect(string type, string id, int count) => _expectedEvents[$"{type} {id}"] = count;

    /// <summary>
    /// Compares the server with the record of answers: every acknowledged write present once and
    /// only once, every refused one absent, each position what the answers imply and within bounds.
    /// Runs with every request answered.
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (!_unanswered.IsEmpty)
        {
            throw new CrashCheckException($"{_unanswered.Count} requests are still unanswered at the check.");
        }

        var failures = new List<string>();
        await CheckDocumentsAsync(failures, cancellationToken);
        await CheckPositionsAsync(failures, cancellationToken);
        await CheckLedgerAsync(failures, cancellationToken);
        if (failures.Count > 0)
        {
            throw new CrashCheckException(string.Join('\n', failures.Take(40)) + (failures.Count > 40 ? $"\n… and {failures.Count - 40} more" : ""));
        }
    }

    private async Task CheckDocumentsAsync(List<string> failures, CancellationToken cancellationToken)
    {
        List<string> touched;
        lock (_gate)
        {
            touched = [.. _touched];
            _touched.Clear();
        }

        foreach (var id in touched)
        {
            if (_holds.TryGetValue(id, out var hold))
            {
                var found = await api.GetAsync($"/v1/reservations/{id}", cancellationToken, allowNotFound: true);
                var status = found?.GetProperty("status").GetString();
                var expected = hold switch
                {
                    HoldState.Open => "active",
                    HoldState.Released => "released",
                    HoldState.Confirmed => "confirmed",
                    _ => null,
                };
                if (status != expected)
                {
                    failures.Add($"reservation {id}: expected {expected ?? "none (refused)"}, found {status ?? "none"}");
                }
            }
            else if (_orders.TryGetValue(id, out var order))
            {
                var found = await api.GetAsync($"/v1/orders/{id}", cancellationToken, allowNotFound: true);
                var status = found?.GetProperty("status").GetString();
                var expected = order.Status == "refused" ? null : order.Status;
                if (status != expected)
                {
                    failures.Add($"order {id}: expected {expected ?? "none (refused)"}, found {status ?? "none"}");
                }
            }
        }
    }

    private async Task CheckPositionsAsync(List<string> failures, CancellationToken cancellationToken)
    {
        // What the open holds hold, as the server has them; the set of open holds must be the client's.
        var reserved = new Dictionary<string, long>();
        var open = new HashSet<string>();
        foreach (var status in new[] { "active", "partial", "pending", "backordered" })
        {
            string? after = null;
            for (var page = 0; page < 10_000; page++)
            {
                var list = (await api.GetAsync($"/v1/reservations?status={status}&limit=1000" + (after is null ? "" : $"&after={after}"), cancellationToken))!.Value;
                foreach (var reservation in list.GetProperty("data").EnumerateArray())
                {
                    open.Add(reservation.GetProperty("id").GetString()!);
                    foreach (var line in reservation.GetProperty("lines").EnumerateArray())
                    {
                        foreach (var allocation in line.GetProperty("allocations").EnumerateArray())
                        {
                            var key = Position(line.GetProperty("sku").GetString()!, allocation.GetProperty("location").GetString()!);
                            reserved[key] = reserved.GetValueOrDefault(key) + allocation.GetProperty("quantity").GetInt64();
                        }
                    }
                }

                after = list.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
                if (after is null)
                {
                    break;
                }
            }
        }

        var allocated = new Dictionary<string, long>();
        HashSet<string> expectedOpen;
        lock (_gate)
        {
            expectedOpen = [.. _holds.Where(h => h.Value == HoldState.Open).Select(h => h.Key)];
            foreach (var order in _orders.Values.Where(o => o.Status is "allocated" or "picked"))
            {
                foreach (var (sku, location, quantity) in order.Lines)
                {
                    allocated[Position(sku, location)] = allocated.GetValueOrDefault(Position(sku, location)) + quantity;
                }
            }
        }

        foreach (var id in open.Except(expectedOpen))
        {
            failures.Add($"reservation {id} is open on the server, but was never acknowledged or was acknowledged as ended");
        }

        foreach (var id in expectedOpen.Except(open))
        {
            failures.Add($"reservation {id} was acknowledged and is open for the client, but not on the server");
        }

        foreach (var sku in Skus.Append(SpareSku).Append(CountSku))
        {
            foreach (var location in Locations)
            {
                var key = Position(sku, location);
                var atp = (await api.GetAsync($"/v1/availability/{sku}?location={location}", cancellationToken))!.Value;
                var (onHand, held, committed, available) = (atp.GetProperty("onHand").GetInt64(), atp.GetProperty("reserved").GetInt64(),
                    atp.GetProperty("allocated").GetInt64(), atp.GetProperty("available").GetInt64());
                long expectedOnHand;
                lock (_gate)
                {
                    expectedOnHand = sku == CountSku ? (location == Locations[0] ? _expectedCount : 0)
                        : _lateCounts.GetValueOrDefault(key).Quantity + _expectedOnHand.GetValueOrDefault(key);
                }

                if (onHand != expectedOnHand)
                {
                    failures.Add($"{key}: onHand {onHand}, but the acknowledged changes give {expectedOnHand}");
                }

                // The answer above came from the server's memory; the database must say the same.
                var stored = (await api.GetAsync($"/v1/availability/{sku}?location={location}&consistency=strong", cancellationToken))!.Value;
                var figures = (onHand, held, committed, available);
                var storedFigures = (stored.GetProperty("onHand").GetInt64(), stored.GetProperty("reserved").GetInt64(),
                    stored.GetProperty("allocated").GetInt64(), stored.GetProperty("available").GetInt64());
                if (figures != storedFigures)
                {
                    failures.Add($"{key}: memory answers (onHand, reserved, allocated, available) = {figures}, the database {storedFigures}");
                }

                // In transit here: exactly the acknowledged transfers not yet received, each its own lot.
                var lots = atp.GetProperty("inbound").EnumerateArray()
                    .Where(l => l.GetProperty("type").GetString() == "inTransit")
                    .ToDictionary(l => l.GetProperty("reference").GetString()!, l => l.GetProperty("quantity").GetInt64());
                Dictionary<string, long> travelling;
                lock (_gate)
                {
                    travelling = _transfers.Where(t => t.Value.Status == "inTransit" && t.Value.Sku == sku && t.Value.To == location)
                        .ToDictionary(t => t.Key, t => t.Value.Quantity);
                }

                if (!lots.OrderBy(l => l.Key).SequenceEqual(travelling.OrderBy(t => t.Key)))
                {
                    failures.Add($"{key}: in transit [{string.Join(", ", lots.Select(l => $"{l.Key}={l.Value}"))}], " +
                        $"but the acknowledged transfers give [{string.Join(", ", travelling.Select(t => $"{t.Key}={t.Value}"))}]");
                }

                if (held != reserved.GetValueOrDefault(key))
                {
                    failures.Add($"{key}: reserved {held}, but the open reservations hold {reserved.GetValueOrDefault(key)}");
                }

                if (committed != allocated.GetValueOrDefault(key))
                {
                    failures.Add($"{key}: allocated {committed}, but the open orders allocate {allocated.GetValueOrDefault(key)}");
                }

                if (onHand < 0 || held < 0 || committed < 0 || available < 0)
                {
                    failures.Add($"{key}: a negative figure: onHand {onHand}, reserved {held}, allocated {committed}, available {available}");
                }

                if (held + committed > onHand)
                {
                    failures.Add($"{key}: {held} reserved + {committed} allocated is more than the {onHand} on hand that may be promised");
                }

                if (available != Math.Max(0, onHand - held - committed))
                {
                    failures.Add($"{key}: available {available} is not onHand − reserved − allocated");
                }
            }
        }
    }

    /// <summary>Reads the ledger written since the last check and counts each write's events: once if acknowledged, never if refused.</summary>
    private async Task CheckLedgerAsync(List<string> failures, CancellationToken cancellationToken)
    {
        for (var page = 0; page < 100_000; page++)
        {
            var events = (await api.GetAsync($"/v1/events?after={_ledgerCursor}&limit=1000", cancellationToken))!.Value.GetProperty("data");
            if (events.GetArrayLength() == 0)
            {
                break;
            }

            foreach (var e in events.EnumerateArray())
            {
                _ledgerCursor = e.GetProperty("sequence").GetInt64();
                var type = e.GetProperty("type").GetString()!;
                var data = e.GetProperty("data");
                var id = type switch
                {
                    "order.picked" or "order.shipped" or "order.cancelled" => data.GetProperty("eventId").GetString(),
                    "reservation.created" or "reservation.released" or "reservation.confirmed" or "order.created" or "supply.adjusted" or "transfer.shipped"
                        => data.GetProperty("id").GetString(),
                    "transfer.received" => data.GetProperty("transfer").GetProperty("id").GetString(),
                    _ => null,
                };
                if (id is not null)
                {
                    _seenEvents[$"{type} {id}"] = _seenEvents.GetValueOrDefault($"{type} {id}") + 1;
                }
            }
        }

        lock (_gate)
        {
            foreach (var (key, expected) in _expectedEvents)
            {
                var seen = _seenEvents.GetValueOrDefault(key);
                if (seen != expected)
                {
                    failures.Add($"ledger: {key} recorded {seen} times, expected {expected}");
                }
            }

            foreach (var key in _seenEvents.Keys.Where(k => !_expectedEvents.ContainsKey(k)))
            {
                failures.Add($"ledger: {key} was recorded, but the client never had an answer for it");
            }
        }
    }
}
