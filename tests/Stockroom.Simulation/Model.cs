namespace Stockroom.Simulation;

/// <summary>
/// The reference model: what the contract says the stock, holds and orders of a small network
/// must be, written from the contract and not from the core's decision code, so that the two can
/// be checked against each other. Everything is plain mutable state and loops; it has no I/O,
/// no clock of its own and no concurrency.
/// </summary>
public sealed class Model
{
    public const string Group = "sim-group";
    public const string Channel = "sim-web";

    /// <summary>Three SKUs at three locations: small enough that holds collide and sell out all the time.</summary>
    public static readonly string[] Skus = ["SIM-A", "SIM-B", "SIM-C"];

    /// <summary>An item sold on request: every hold waits for the seller, who may accept beyond counted stock.</summary>
    public const string OnRequestSku = "SIM-R";

    /// <summary>How long the seller has to answer a hold on <see cref="OnRequestSku"/>.</summary>
    public const int AcceptWithinSeconds = 600;

    /// <summary>How long an accepted hold lasts: the server's default payment window.</summary>
    public const int AcceptedHoldSeconds = 15 * 60;

    public static readonly string[] AllSkus = [.. Skus, OnRequestSku];

    /// <summary>Locations with their priority; two share one so that ties are broken by stock, then id.</summary>
    public static readonly (string Id, int Priority)[] Locations = [("sim-store", 10), ("sim-wh-1", 5), ("sim-wh-2", 5)];

    public Dictionary<(string Sku, string Location), ModelPosition> Positions { get; } = [];

    /// <summary>Every reservation ever created, in creation order (the order the store breaks ties by).</summary>
    public List<ModelReservation> Reservations { get; } = [];

    public Dictionary<string, ModelReservation> ReservationsById { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ModelOrder> Orders { get; } = new(StringComparer.Ordinal);

    /// <summary>The latest snapshot time applied per source and location.</summary>
    public Dictionary<(string Source, string Location), DateTimeOffset> Watermarks { get; } = [];

    /// <summary>Every change of on-hand, in the order it happened, with the time it happened at.</summary>
    public List<ModelMovement> Journal { get; } = [];

    /// <summary>Inbound lots by position, type and reference; a lot of zero is gone.</summary>
    public Dictionary<(string Sku, string Location, string Type, string Reference), ModelLot> Lots { get; } = [];

    public Dictionary<string, ModelTransfer> Transfers { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset Now { get; set; }

    public Model(DateTimeOffset now)
    {
        Now = now;
        foreach (var sku in AllSkus)
        {
            foreach (var (location, _) in Locations)
            {
                Positions[(sku, location)] = new ModelPosition();
            }
        }
    }

    public ModelPosition At(string sku, string location) => Positions[(sku, location)];

    /// <summary>What a position can still promise: on hand less everything committed, never below zero.</summary>
    public static long Promisable(ModelPosition p) => Math.Max(0, p.OnHand - p.Reserved - p.Allocated);

    /// <summary>Units committed above on-hand at a position.</summary>
    public static long Shortage(ModelPosition p) => Math.Max(0, p.Reserved + p.Allocated - p.OnHand);

    public static int PriorityOf(string location) => Locations.First(l => l.Id == location).Priority;

    /// <summary>The locations a line may take units from: the one it names, else every location of the group.</summary>
    public static IReadOnlyList<string> SourcesOf(string? location) => location is null ? [.. Locations.Select(l => l.Id)] : [location];

    /// <summary>
    /// Where a line's units come from, as the contract describes sourcing: rank the locations that
    /// can promise anything by priority, then by most stock, then by id; one location that covers
    /// the whole line beats a split; otherwise take greedily down the ranking.
    /// </summary>
    public List<(string Location, long Quantity)> Plan(string sku, long quantity, IEnumerable<string> sources)
    {
        var ranked = new List<(string Location, int Priority, long Promisable)>();
        foreach (var location in sources)
        {
            var promisable = Promisable(At(sku, location));
            if (promisable > 0)
            {
                ranked.Add((location, PriorityOf(location), promisable));
            }
        }

        ranked.Sort((a, b) =>
            a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority)
            : a.Promisable != b.Promisable ? b.Promisable.CompareTo(a.Promisable)
            : string.CompareOrdinal(a.Location, b.Location));

        foreach (var candidate in ranked)
        {
            if (candidate.Promisable >= quantity)
            {
                return [(candidate.Location, quantity)];
            }
        }

        var plan = new List<(string, long)>();
        var remaining = quantity;
        foreach (var candidate in ranked)
        {
            if (remaining == 0)
            {
                break;
            }

            var take = Math.Min(remaining, candidate.Promisable);
            plan.Add((candidate.Location, take));
            remaining -= take;
        }

        return plan;
    }

    /// <summary>
    /// Decides a hold of several lines, one after another against the same stock. All of it, or
    /// with <paramref name="allowPartial"/> whatever there is (but something); otherwise nothing
    /// changes. Returns the allocations per line, or null when refused.
    /// </summary>
    public List<List<(string Location, long Quantity)>>? Hold(IReadOnlyList<RequestLine> lines, bool allowPartial, bool allocate)
    {
        var saved = Positions.ToDictionary(p => p.Key, p => p.Value.Copy());
        var result = new List<List<(string, long)>>();
        var complete = true;
        var anything = false;
        foreach (var line in lines)
        {
            var plan = Plan(line.Sku, line.Quantity, SourcesOf(line.Location));
            foreach (var (location, quantity) in plan)
            {
                var p = At(line.Sku, location);
                if (allocate)
                {
                    p.Allocated += quantity;
                }
                else
                {
                    p.Reserved += quantity;
                }
            }

            var held = plan.Sum(a => a.Item2);
            complete &= held == line.Quantity;
            anything |= held > 0;
            result.Add(plan);
        }

        if (!complete && (!allowPartial || !anything))
        {
            foreach (var (key, position) in saved)
            {
                Positions[key] = position;
            }

            return null;
        }

        return result;
    }

    /// <summary>Gives back every unit an open reservation holds and closes it with <paramref name="status"/>.</summary>
    public void End(ModelReservation reservation, string status)
    {
        Check(reservation.IsOpen, "only an open reservation ends");
        foreach (var line in reservation.Lines)
        {
            foreach (var (location, quantity) in line.Allocations)
            {
                At(line.Sku, location).Reserved -= quantity;
            }
        }

        reservation.Status = status;
    }

    /// <summary>Every open reservation whose time ran out expires; returns them.</summary>
    public List<ModelReservation> Expire()
    {
        var due = Reservations.Where(r => r.IsOpen && r.ExpiresAt <= Now).ToList();
        foreach (var reservation in due)
        {
            End(reservation, "expired");
        }

        return due;
    }

    /// <summary>
    /// After a count fell, holds on positions left short move to other locations of their lines
    /// that can promise them: newest reservation first, so the oldest keep their units. Only
    /// reservations holding units at one of the <paramref name="counted"/> positions are moved.
    /// Returns the reservations that changed.
    /// </summary>
    public List<ModelReservation> Relocate(IReadOnlyCollection<(string Sku, string Location)> counted)
    {
        var changed = new List<ModelReservation>();
        var candidates = Reservations
            .Where(r => r.Status is "active" or "partial")
            .Where(r => r.Lines.Any(l => l.Allocations.Any(a => counted.Contains((l.Sku, a.Location)))))
            .Reverse()
            .ToList();
        foreach (var reservation in candidates)
        {
            var moved = false;
            foreach (var line in reservation.Lines)
            {
                var allocations = line.Allocations.ToList();
                for (var i = 0; i < line.Allocations.Count; i++)
                {
                    var (location, quantity) = line.Allocations[i];
                    var from = At(line.Sku, location);
                    var shortage = Shortage(from);
                    if (shortage == 0)
                    {
                        continue;
                    }

                    var plan = Plan(line.Sku, Math.Min(shortage, quantity), SourcesOf(line.Location).Where(s => s != location));
                    var take = plan.Sum(a => a.Quantity);
                    if (take == 0)
                    {
                        continue;
                    }

                    from.Reserved -= take;
                    foreach (var (to, units) in plan)
                    {
                        At(line.Sku, to).Reserved += units;
                        allocations.Add((to, units));
                    }

                    // The entry being moved is the first one equal to it, as a list search would find.
                    var index = allocations.IndexOf((location, quantity));
                    allocations[index] = (location, quantity - take);
                    moved = true;
                }

                line.Allocations = [.. allocations.Where(a => a.Quantity > 0)];
            }

            if (moved)
            {
                changed.Add(reservation);
            }
        }

        return changed;
    }

    /// <summary>Moves on-hand by <paramref name="delta"/> and writes the movement down with the time it happened at.</summary>
    public void Move(string sku, string location, long delta)
    {
        var p = At(sku, location);
        p.OnHand += delta;
        Check(p.OnHand >= 0, $"a movement never takes {sku}@{location} below zero");
        Journal.Add(new ModelMovement(sku, location, Now, delta, IsCount: false));
    }

    /// <summary>
    /// A count is the truth as of its time: on-hand becomes the count plus every movement (but
    /// other counts) that happened at the position after that time, and never less than zero.
    /// </summary>
    public void Count(string sku, string location, long counted, DateTimeOffset asOf)
    {
        var moved = Journal.Where(m => m.Sku == sku && m.Location == location && !m.IsCount && m.At > asOf).Sum(m => m.OnHand);
        var p = At(sku, location);
        var onHand = Math.Max(0, counted + moved);
        Journal.Add(new ModelMovement(sku, location, Now, onHand - p.OnHand, IsCount: true));
        p.OnHand = onHand;
    }

    /// <summary>
    /// A snapshot's inbound lines: each names a lot of its source; the source's other lots of the
    /// same position and type end, unless this snapshot (one id over several requests) set them. A
    /// lot another source or a transfer holds under the same reference stays as it is.
    /// </summary>
    public void ReplaceLots(string source, string snapshot, IReadOnlyList<(string Sku, string Location, string Type, string Reference, long Quantity)> listed)
    {
        var spoken = listed.Select(l => (l.Sku, l.Location, l.Type)).ToHashSet();
        foreach (var (key, lot) in Lots.Where(l => spoken.Contains((l.Key.Sku, l.Key.Location, l.Key.Type)) && l.Value.Source == source && l.Value.Snapshot != snapshot).ToList())
        {
            Lots.Remove(key);
        }

        foreach (var line in listed)
        {
            var key = (line.Sku, line.Location, line.Type, line.Reference);
            if (Lots.TryGetValue(key, out var held) && held.Source != source)
            {
                continue;
            }

            Lots[key] = new ModelLot(line.Quantity, source, snapshot);
        }
    }

    /// <summary>The ledger's own rule, checked on the model: no counter is ever negative.</summary>
    public void CheckInvariants()
    {
        foreach (var ((sku, location), p) in Positions)
        {
            Check(p.OnHand >= 0 && p.Reserved >= 0 && p.Allocated >= 0, $"model position {sku}@{location} has no negative counter");
        }

        foreach (var reservation in Reservations.Where(r => r.IsOpen))
        {
            foreach (var line in reservation.Lines)
            {
                Check(line.Reserved <= line.Requested, $"model reservation {reservation.Id} holds no more than asked");
            }
        }
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"model broke its own rule: {message}");
        }
    }
}

public sealed class ModelPosition
{
    public long OnHand { get; set; }

    public long Reserved { get; set; }

    public long Allocated { get; set; }

    public ModelPosition Copy() => new() { OnHand = OnHand, Reserved = Reserved, Allocated = Allocated };

    public override string ToString() => $"onHand {OnHand}, reserved {Reserved}, allocated {Allocated}";
}

/// <summary>A line as a client asks for it: a SKU and a quantity, at a location or from the channel's group.</summary>
public sealed record RequestLine(string Sku, long Quantity, string? Location);

public sealed class ModelReservation(string id, DateTimeOffset expiresAt, List<ModelReservationLine> lines, string status)
{
    public string Id { get; } = id;

    /// <summary>When it lapses: the seller's deadline while pending, the payment window once held.</summary>
    public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

    public List<ModelReservationLine> Lines { get; } = lines;

    public string Status { get; set; } = status;

    /// <summary>Open: it holds units, or waits for the seller's answer (and can still be released or lapse).</summary>
    public bool IsOpen => Status is "active" or "partial" or "pending";

    /// <summary>What may become an order.</summary>
    public bool Holds => Status is "active" or "partial";
}

public sealed class ModelReservationLine(string sku, long requested, string? location, List<(string Location, long Quantity)> allocations)
{
    public string Sku { get; } = sku;

    public long Requested { get; } = requested;

    public string? Location { get; } = location;

    /// <summary>Held units per location, in the order they were taken; a move appends.</summary>
    public List<(string Location, long Quantity)> Allocations { get; set; } = allocations;

    public long Reserved => Allocations.Sum(a => a.Quantity);

    /// <summary>Units the seller confirmed on their word beyond counted stock, fulfilled from <see cref="SellerConfirmedLocation"/>.</summary>
    public long SellerConfirmed { get; set; }

    public string? SellerConfirmedLocation { get; set; }
}

public sealed class ModelOrder(string id, List<ModelOrderLine> lines)
{
    public string Id { get; } = id;

    public List<ModelOrderLine> Lines { get; } = lines;

    public string Status { get; set; } = "allocated";

    public bool HoldsAllocation => Status is "allocated" or "picked" or "packed" or "partiallyShipped";

    /// <summary>After lines shipped, were cancelled or came back: open units left keep it going, else it is done.</summary>
    public void Settle()
    {
        var shipped = Lines.Sum(l => l.Shipped);
        Status = Lines.Any(l => l.Open > 0) ? shipped > 0 ? "partiallyShipped" : Status
            : shipped == 0 ? "cancelled"
            : Lines.Sum(l => l.Returned) == shipped ? "returned" : "shipped";
    }
}

public sealed class ModelOrderLine(string sku, string location, long quantity, bool onSellersWord = false)
{
    /// <summary>The line's units are on the seller's word: allocated nowhere, shipped without leaving on-hand.</summary>
    public bool OnSellersWord { get; } = onSellersWord;

    public string Sku { get; } = sku;

    public string Location { get; } = location;

    public long Quantity { get; } = quantity;

    public long Shipped { get; set; }

    public long Cancelled { get; set; }

    public long Returned { get; set; }

    public long Open => Quantity - Shipped - Cancelled;
}

/// <summary>A change of on-hand at a position, and when; counts are kept apart as later counts never replay them.</summary>
public sealed record ModelMovement(string Sku, string Location, DateTimeOffset At, long OnHand, bool IsCount);

/// <summary>An inbound lot: its quantity, the source that owns it (null: a transfer's) and the snapshot that last set it.</summary>
public sealed record ModelLot(long Quantity, string? Source, string? Snapshot);

public sealed class ModelTransfer(string id, string from, string to, string sku, long quantity)
{
    public string Id { get; } = id;

    public string From { get; } = from;

    public string To { get; } = to;

    public string Sku { get; } = sku;

    public long Quantity { get; } = quantity;

    public bool Received { get; set; }
}
