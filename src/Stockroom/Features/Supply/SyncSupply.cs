using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Http;
using Stockroom.Storage;
using Stockroom.Features.Reservations;

namespace Stockroom.Features.Supply;

public sealed record SyncLine(string? Sku, string? Location, SupplyType? Type, long? Quantity, DateOnly? Eta, string? Reference);

/// <summary>
/// A snapshot. One sent in several requests (a large file in chunks) carries the same
/// <c>SnapshotId</c> in each, so that each inbound lot set is replaced once for the whole snapshot;
/// without one, a request is a snapshot of its own.
/// </summary>
public sealed record SyncRequest(string? Source, DateTimeOffset? AsOf, List<SyncLine>? Lines, string? SnapshotId = null);

/// <summary>Units at a position by which a count was brought forward.</summary>
public sealed record SeenDemand(string Sku, string Location, long Units);

/// <summary>
/// What a snapshot did. <c>SeenBySource</c>: units of orders the source had acknowledged by its
/// count and still allocated then, added back to on-hand. <c>MovedSinceAsOf</c>: on-hand moved at a
/// position after the count's time (shipments, write-offs, receipts, returns, transfers), applied
/// on top of it. <c>LotsHeldElsewhere</c>: inbound lots the snapshot listed that another source or a
/// transfer holds under the same reference, left as they are.
/// </summary>
public sealed record SyncResponse(string Source, DateTimeOffset AsOf, int Lines, IReadOnlyList<PositionView> Positions, IReadOnlyList<InboundView> Inbound,
    IReadOnlyList<string> BackordersFilled, IReadOnlyList<SeenDemand> SeenBySource, IReadOnlyList<string> ReservationsResourced,
    IReadOnlyList<SeenDemand> MovedSinceAsOf, IReadOnlyList<InboundView> LotsHeldElsewhere);

/// <summary>
/// Absolute supply from a system of record, true as of its time. An on-hand line sets the
/// position to the count brought forward to now: plus the units of orders the source had already
/// deducted, plus every movement Stockroom recorded there after the count's time (see
/// <see cref="SupplyDecisions.Count"/>). The inbound lines of one type at a position replace the
/// source's own lots of that type there, so a purchase order the ERP no longer lists disappears,
/// while other sources' lots and transfers in transit stay (see <see cref="SupplyDecisions.ReplaceLots"/>).
/// Committed demand is never touched by a count, and snapshots apply in order per source.
/// </summary>
public static class SyncSupply
{
    /// <summary>How far ahead of the server's clock an <c>asOf</c> may be, for clock skew.</summary>
    public static readonly TimeSpan ClockSkewMax = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The API's path. A snapshot has no id, so its content is its key: the same snapshot sent
    /// again (a retry whose answer was lost) gets the first answer, even after a newer snapshot of
    /// one of its locations, which would refuse it as stale and leave the sender thinking it was
    /// never applied.
    /// </summary>
    public static async Task<Results<Ok<SyncResponse>, ProblemHttpResult>> Handle(
        SyncRequest request, IStockStore store, TimeProvider time, HoldWriterOptions options, HttpResponse httpResponse, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var validation = Validate(request, now);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var reactions = await PrepareAsync(request, store, cancellationToken);
        var digest = Idempotency.Hash(request);
        var outcome = await Idempotency.RunAsync<SyncResponse>(store, "supply.sync", digest, digest,
            write => ApplyAsync(write, request, reactions, options, cancellationToken), cancellationToken);
        return Idempotency.ToResult(outcome, digest, httpResponse);
    }

    /// <summary>
    /// Applies a validated snapshot in one transaction: the CSV import's path. A file may hold
    /// millions of lines, so its answer is not kept to be replayed.
    /// </summary>
    public static async Task<(SyncResponse? Response, ProblemHttpResult? Problem)> ApplyAsync(
        SyncRequest request, IStockStore store, HoldWriterOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reactions = await PrepareAsync(request, store, cancellationToken);
        return await Writes.RetryAsync<(SyncResponse?, ProblemHttpResult?)>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            var (response, problem) = await ApplyAsync(write, request, reactions, options, cancellationToken);
            if (problem is null)
            {
                await write.CommitAsync(cancellationToken);
            }

            return (response, problem);
        });
    }

    private static Task<SupplyReactions> PrepareAsync(SyncRequest request, IStockStore store, CancellationToken cancellationToken) =>
        SupplyReactions.PrepareAsync(store, OnHandSkus(request.Lines!.Select(l => (l.Sku!, l.Type))),
            [.. request.Lines!.Where(l => l.Type == SupplyType.OnHand).Select(l => new PositionKey(l.Sku!, l.Location!))], cancellationToken);

    /// <summary>SKUs whose on-hand a request sets or changes: arriving units may fill their backorders.</summary>
    internal static List<string> OnHandSkus(IEnumerable<(string Sku, SupplyType? Type)> lines) =>
        [.. lines.Where(l => l.Type == SupplyType.OnHand).Select(l => l.Sku).Distinct(StringComparer.Ordinal)];

    private static async Task<(SyncResponse?, ProblemHttpResult?)> ApplyAsync(
        IStockWrite write, SyncRequest request, SupplyReactions reactions, HoldWriterOptions options, CancellationToken cancellationToken)
    {
        var lines = request.Lines!;
        var asOf = request.AsOf!.Value;
        if (await KnownReferences.CheckAsync(write, lines.Select(l => (l.Sku!, l.Location!)).ToList(), cancellationToken) is { } unknown)
        {
            return (null, unknown);
        }

        // One snapshot per source and location at a time, in order: a late, older one would put
        // back stock sold since. The same snapshot again is harmless, as counts are absolute.
        var locations = lines.Select(l => l.Location!).Distinct(StringComparer.Ordinal).ToList();
        var watermarks = await write.LockWatermarksAsync(request.Source!, locations, cancellationToken);
        var newer = watermarks.Where(w => w.Value > asOf).OrderBy(w => w.Key, StringComparer.Ordinal).ToList();
        if (newer.Count > 0)
        {
            return (null, Problems.Conflict("stale-snapshot", "A newer snapshot from this source was already applied.",
                $"Snapshots from '{request.Source}' are applied in order; this one is as of {asOf:O}. Nothing was changed.",
                new Dictionary<string, string[]> { ["asOf"] = [.. newer.Select(w => $"location '{w.Key}' already has a snapshot as of {w.Value:O}")] }));
        }

        await write.SetWatermarksAsync(request.Source!, locations, asOf, cancellationToken);
        var keys = lines.Select(l => new PositionKey(l.Sku!, l.Location!)).ToList();
        var positions = await write.LockPositionsAsync([.. keys, .. await reactions.LockAsync(write, cancellationToken)], cancellationToken);
        var counted = lines.Where(l => l.Type == SupplyType.OnHand).Select(l => new PositionKey(l.Sku!, l.Location!)).ToList();
        var basis = await write.CountBasisAsync(counted, asOf, cancellationToken);
        var after = new Dictionary<PositionKey, Position>(positions);
        foreach (var line in lines.Where(l => l.Type == SupplyType.OnHand))
        {
            var key = new PositionKey(line.Sku!, line.Location!);
            var (seen, moved) = basis.GetValueOrDefault(key);
            after[key] = ((SupplyOutcome.Applied)SupplyDecisions.Count(after[key], line.Quantity!.Value, seen, moved)).After;
        }

        var listed = lines.Where(l => l.Type != SupplyType.OnHand)
            .Select(l => new InboundSupply(new PositionKey(l.Sku!, l.Location!), l.Type!.Value, l.Reference ?? "", l.Quantity!.Value, l.Eta)).ToList();
        var lots = SupplyDecisions.ReplaceLots(request.Source!, request.SnapshotId ?? $"sync:{Guid.NewGuid():N}",
            await write.ReadInboundAsync(keys, cancellationToken), listed);

        var (filled, resourced) = await reactions.ReactAsync(write, after, options.DefaultHoldSeconds, cancellationToken);
        var changes = positions.Values.Select(before => (before, after[before.Key])).ToList();
        await write.WritePositionsAsync(changes, new StockMovement(MovementKind.Counted, request.Source), cancellationToken);
        await write.SetInboundAsync(lots.Lots, cancellationToken);

        var synced = keys.ToHashSet();
        var response = new SyncResponse(request.Source!, request.AsOf!.Value, lines.Count,
            [.. after.Values.Where(p => synced.Contains(p.Key)).Order(PositionOrder.Instance).Select(PositionView.From)],
            [.. lots.Lots.Where(l => l.Quantity > 0).Select(InboundView.From)],
            [.. filled.Select(r => r.Id)],
            [.. basis.Where(s => s.Value.SeenBySource > 0).Select(s => new SeenDemand(s.Key.Sku, s.Key.Location, s.Value.SeenBySource))],
            [.. resourced.Select(r => r.Id)],
            [.. basis.Where(s => s.Value.MovedSince != 0).Select(s => new SeenDemand(s.Key.Sku, s.Key.Location, s.Value.MovedSince))],
            [.. lots.HeldElsewhere.Select(InboundView.From)]);
        write.Record("supply.synced", new
        {
            request.Source, request.AsOf, request.SnapshotId, lines, response.Positions, response.Inbound, response.SeenBySource, response.MovedSinceAsOf,
            response.LotsHeldElsewhere,
        });
        return (response, null);
    }

    internal static Validation Validate(SyncRequest request, DateTimeOffset now, int linesMax = Limits.SupplyLinesMax)
    {
        var validation = new Validation();
        validation.Identifier("source", request.Source);
        validation.Identifier("snapshotId", request.SnapshotId, required: false);
        if (request.AsOf is not { } asOf)
        {
            validation.Add("asOf", "is required");
        }
        else if (asOf > now + ClockSkewMax)
        {
            validation.Add("asOf", $"is in the future; a snapshot can only describe the past (clock skew allowed: {ClockSkewMax.TotalMinutes} minutes)");
        }
        else if (asOf < now.AddDays(-Limits.HorizonDaysMax))
        {
            // A count from 1970 or year 1 is a default value or a broken clock, not a snapshot: applied
            // under a new source it would replace today's on-hand with stock long gone.
            validation.Add("asOf", $"is more than {Limits.HorizonDaysMax} days in the past; a snapshot describes current stock");
        }

        SupplyLines.ValidateCount(validation, request.Lines?.Count, linesMax);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var seen = new HashSet<(string?, string?, SupplyType?, string?)>();
        for (var i = 0; i < (request.Lines?.Count ?? 0); i++)
        {
            var line = request.Lines![i];
            var at = $"lines[{i}]";
            if (!validation.SupplyLine(at, line, line?.Sku, line?.Location, line?.Type))
            {
                continue;
            }

            validation.Quantity($"{at}.quantity", line.Quantity);
            SupplyLines.ValidateLot(validation, at, line.Type, line.Eta, line.Reference, today);
            if (!seen.Add((line.Sku, line.Location, line.Type, line.Reference ?? "")))
            {
                validation.Add(at, "repeats an earlier line for the same sku, location, type and reference");
            }
        }

        return validation;
    }
}

/// <summary>Rules shared by every request that carries supply lines.</summary>
internal static class SupplyLines
{
    public static void ValidateCount(Validation validation, int? count, int linesMax = Limits.SupplyLinesMax)
    {
        if (count is null or 0)
        {
            validation.Add("lines", "must have at least one line");
        }
        else if (count > linesMax)
        {
            validation.Add("lines", $"must have at most {linesMax} lines; split larger snapshots");
        }
    }

    public static void ValidateLot(Validation validation, string at, SupplyType? type, DateOnly? eta, string? reference, DateOnly today)
    {
        if (type == SupplyType.OnHand && (eta is not null || reference is not null))
        {
            validation.Add(at, "eta and reference describe inbound supply, not onHand");
        }

        validation.Date($"{at}.eta", eta, today, allowPast: true);
        validation.Identifier($"{at}.reference", reference, required: false);
    }
}

internal sealed class PositionOrder : IComparer<Position>
{
    public static readonly PositionOrder Instance = new();

    public int Compare(Position? x, Position? y) => x!.Key.CompareTo(y!.Key);
}
