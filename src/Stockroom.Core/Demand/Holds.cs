using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

/// <summary>Which counter a hold commits units to: a cart or checkout hold, or an order's allocation.</summary>
public enum DemandKind
{
    Reserved,
    Allocated,
}

/// <summary>A location a line may take units from, and how it ranks.</summary>
public readonly record struct LineSource(string Location, int Priority);

/// <summary>
/// One line of a hold: a SKU and a quantity, from one location or any of a group's. A line asked
/// through a channel carries the channel's <c>Buffer</c>: it may take no more than the channel is
/// shown. A <c>Backorderable</c> item's shortfall may wait for supply. A line the seller has
/// accepted (<c>SellerConfirms</c>) takes what counted stock there is and has the rest on the seller's word.
/// </summary>
public sealed record HoldLine(string Sku, long Quantity, IReadOnlyList<LineSource> Sources, ChannelBuffer? Buffer = null, bool Backorderable = false,
    bool SellerConfirms = false);

public sealed record HoldRequest(IReadOnlyList<HoldLine> Lines, bool AllowPartial, DemandKind Kind, bool AllowBackorder = false);

/// <summary>
/// What a line got: the units held and where, the units backordered (waiting for supply, counted
/// at <c>BackorderLocation</c>), the units confirmed on the seller's word (held at no position,
/// fulfilled from <c>SellerConfirmedLocation</c>), and what it still fell short by.
/// </summary>
public sealed record LineOutcome(string Sku, long Requested, IReadOnlyList<Allocation> Allocations, long Backordered = 0, string? BackorderLocation = null,
    long SellerConfirmed = 0, string? SellerConfirmedLocation = null)
{
    public long Held => Allocations.Sum(a => a.Quantity);

    public long Shortfall => Requested - Held - Backordered - SellerConfirmed;
}

/// <summary>The decision on a hold.</summary>
public abstract record HoldDecision
{
    private HoldDecision()
    {
    }

    /// <summary>Units were held or backordered: all of them, or with <c>AllowPartial</c>, some.</summary>
    public sealed record Held(IReadOnlyList<LineOutcome> Lines) : HoldDecision
    {
        public bool Complete => Lines.All(l => l.Shortfall == 0);

        public bool AnyBackordered => Lines.Any(l => l.Backordered > 0);
    }

    /// <summary>Not enough stock; nothing was held. Each line says what it could have had.</summary>
    public sealed record Refused(IReadOnlyList<LineOutcome> Lines) : HoldDecision;
}

/// <summary>
/// Decides holds against positions in memory. The caller has locked the positions; a batch of
/// requests is decided one after another against the same working set, each seeing the units
/// the ones before it took, so the whole batch commits at once without ever promising a unit twice.
/// </summary>
public static class Holds
{
    /// <summary>
    /// Decides <paramref name="request"/> and, when it holds anything, applies it to
    /// <paramref name="positions"/>. A refusal leaves them exactly as they were.
    /// <paramref name="safetyStock"/> gives the units kept back at a position for this request.
    /// </summary>
    public static HoldDecision Decide(HoldRequest request, IDictionary<PositionKey, Position> positions, Func<Position, long>? safetyStock = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(positions);
        Invariant.Require(request.Lines.Count > 0, "a hold has at least one line");
        safetyStock ??= static _ => 0;

        // Work on a copy so that a refusal, decided late in a multi-line request, leaves nothing behind.
        var working = new Dictionary<PositionKey, Position>();
        Position Current(PositionKey key) => working.TryGetValue(key, out var p) ? p : positions[key];

        var outcomes = new List<LineOutcome>(request.Lines.Count);
        foreach (var line in request.Lines)
        {
            Invariant.Require(line.Quantity > 0, "a line asks for at least one unit");
            var candidates = line.Sources
                .Select(s => Current(new PositionKey(line.Sku, s.Location)))
                .Select((p, i) => new SourceCandidate(line.Sources[i].Location, line.Sources[i].Priority, Atp.Promisable(p, safetyStock(p))))
                .ToList();
            var wanted = line.Quantity;
            if (line.Buffer is { } buffer)
            {
                var available = candidates.Sum(c => c.Promisable);
                wanted = Math.Min(wanted, available - Atp.Withheld(available, buffer));
            }

            var plan = wanted > 0 ? Sourcing.Plan(wanted, candidates) : [];
            foreach (var allocation in plan)
            {
                var key = new PositionKey(line.Sku, allocation.Location);
                var position = Current(key);
                working[key] = Commit(position, allocation.Quantity, request.Kind, safetyStock(position));
            }

            var outcome = new LineOutcome(line.Sku, line.Quantity, plan);
            if (outcome.Shortfall > 0 && line.SellerConfirms && line.Sources.Count > 0)
            {
                outcome = ConfirmOnSellersWord(outcome, line);
            }

            if (outcome.Shortfall > 0 && request.AllowBackorder && line.Backorderable && line.Sources.Count > 0)
            {
                // The shortfall waits at the best-ranked source, where it is counted until supply fills it.
                var at = BestRanked(line);
                var key = new PositionKey(line.Sku, at);
                working[key] = Current(key) with { Backordered = Current(key).Backordered + outcome.Shortfall };
                outcome = outcome with { Backordered = outcome.Shortfall, BackorderLocation = at };
            }

            outcomes.Add(outcome);
        }

        var complete = outcomes.All(o => o.Shortfall == 0);
        var anything = outcomes.Any(o => o.Held > 0 || o.Backordered > 0 || o.SellerConfirmed > 0);
        if (!complete && (!request.AllowPartial || !anything))
        {
            return new HoldDecision.Refused(outcomes);
        }

        foreach (var (key, position) in working)
        {
            positions[key] = position;
        }

        return new HoldDecision.Held(outcomes);
    }

    /// <summary>
    /// The seller accepted the line: what counted stock could not cover is promised on their word,
    /// fulfilled from the best-ranked source (where a backorder would wait). It takes nothing from
    /// any position, so availability for others and <c>committed ≤ onHand</c> are untouched, and
    /// it comes before a backorder: the seller has said they have the units, so none wait for supply.
    /// </summary>
    private static LineOutcome ConfirmOnSellersWord(LineOutcome outcome, HoldLine line)
    {
        Invariant.Require(line.SellerConfirms && line.Sources.Count > 0, "only a line the seller accepted, with a source, is confirmed on their word");
        Invariant.Require(outcome.Shortfall > 0 && outcome.Backordered == 0, "the seller confirms a shortfall, before anything is backordered");
        var at = BestRanked(line);
        var confirmed = outcome with { SellerConfirmed = outcome.Shortfall, SellerConfirmedLocation = at };
        Invariant.Require(confirmed.Shortfall == 0 && confirmed.Held + confirmed.SellerConfirmed == confirmed.Requested,
            "a line the seller accepted is whole: held units plus those on the seller's word");
        return confirmed;
    }

    private static string BestRanked(HoldLine line) =>
        line.Sources.OrderByDescending(s => s.Priority).ThenBy(s => s.Location, StringComparer.Ordinal).First().Location;

    /// <summary>
    /// Takes <paramref name="quantity"/> units of a position for demand. This is where the ledger
    /// invariant is decided, so it is asserted here: a hold never takes more than the position
    /// could promise, so committed units never exceed what may be promised.
    /// </summary>
    public static Position Commit(Position position, long quantity, DemandKind kind, long safetyStock)
    {
        ArgumentNullException.ThrowIfNull(position);
        var promisable = Atp.Promisable(position, safetyStock);
        Invariant.Require(quantity > 0, "a hold takes at least one unit");
        Invariant.Require(quantity <= promisable, $"a hold of {quantity} at {position.Key} takes no more than the {promisable} it may promise");
        var after = kind == DemandKind.Reserved
            ? position with { Reserved = position.Reserved + quantity }
            : position with { Allocated = position.Allocated + quantity };
        Invariant.Require(after.Committed + after.Backordered + safetyStock <= after.OnHand, $"committed units at {position.Key} stay within what may be promised");
        return after;
    }

    /// <summary>Gives back units a hold or an allocation had taken.</summary>
    public static Position Release(Position position, long quantity, DemandKind kind)
    {
        ArgumentNullException.ThrowIfNull(position);
        Invariant.Require(quantity > 0, "a release gives back at least one unit");
        var held = kind == DemandKind.Reserved ? position.Reserved : position.Allocated;
        Invariant.Require(quantity <= held, $"a release of {quantity} at {position.Key} gives back no more than the {held} committed");
        return kind == DemandKind.Reserved
            ? position with { Reserved = position.Reserved - quantity }
            : position with { Allocated = position.Allocated - quantity };
    }

    /// <summary>Withdraws backordered demand that no longer waits (released, expired, filled).</summary>
    public static Position Unbackorder(Position position, long quantity)
    {
        ArgumentNullException.ThrowIfNull(position);
        Invariant.Require(quantity > 0 && quantity <= position.Backordered, $"no more than the {position.Backordered} backordered at {position.Key} is withdrawn");
        return position with { Backordered = position.Backordered - quantity };
    }

    /// <summary>Turns held units into an order's allocation at the same position.</summary>
    public static Position Consume(Position position, long quantity)
    {
        var after = Release(position, quantity, DemandKind.Reserved) is var released
            ? released with { Allocated = released.Allocated + quantity }
            : position;
        Invariant.Require(after.Committed == position.Committed, "consuming a hold moves units, it neither adds nor frees any");
        return after;
    }
}
