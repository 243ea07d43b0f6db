using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Http;
using Stockroom.Storage;
using Stockroom.Storage.Demand;

namespace Stockroom.Features.Supply;

public sealed record SyncLine(string? Sku, string? Location, SupplyType? Type, long? Quantity, DateOnly? Eta, string? Reference);

public sealed record SyncRequest(string? Source, DateTimeOffset? AsOf, List<SyncLine>? Lines);

/// <summary>Units of open orders the source had acknowledged by its count, added back to on-hand.</summary>
public sealed record SeenDemand(string Sku, string Location, long Units);

public sealed record SyncResponse(string Source, DateTimeOffset AsOf, int Lines, IReadOnlyList<PositionView> Positions, IReadOnlyList<InboundView> Inbound,
    IReadOnlyList<string> BackordersFilled, IReadOnlyList<SeenDemand> SeenBySource, IReadOnlyList<string> ReservationsResourced);

/// <summary>
/// Absolute supply from a system of record, as of a time. An on-hand line replaces the position's
/// count, adding back the units of open orders the source had already deducted (see
/// <see cref="SupplyDecisions.Count"/>); the inbound lines of one type at a position replace
/// every lot of that type there, so a purchase order the ERP no longer lists disappears.
/// Committed demand is never touched by a count, and snapshots apply in order per source.
/// </summary>
public static class SyncSupply
{
    /// <summary>How far ahead of the server's clock an <c>asOf</c> may be, for clock skew.</summary>
    public static readonly TimeSpan ClockSkewMax = TimeSpan.FromMinutes(5);

    public static async Task<Results<Ok<SyncResponse>, ProblemHttpResult>> Handle(
        SyncRequest request, IStockStore store, TimeProvider time, HoldWriterOptions options, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var validation = Validate(request, now);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var (response, problem) = await ApplyAsync(request, store, options, cancellationToken);
        return problem ?? (Results<Ok<SyncResponse>, ProblemHttpResult>)TypedResults.Ok(response!);
    }

    /// <summary>Applies a validated snapshot in one transaction: the API's path and the CSV import's.</summary>
    public static async Task<(SyncResponse? Response, ProblemHttpResult? Problem)> ApplyAsync(
        SyncRequest request, IStockStore store, HoldWriterOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var backorders = await BackorderFiller.PrepareAsync(store, OnHandSkus(request.Lines!.Select(l => (l.Sku!, l.Type))), cancellationToken);
        var relocation = await HoldRelocation.PrepareAsync(store,
            [.. request.Lines!.Where(l => l.Type == SupplyType.OnHand).Select(l => new PositionKey(l.Sku!, l.Location!))], cancellationToken);
        return await Writes.RetryAsync(store, () => ApplyAsync(request, store, backorders, relocation, options, cancellationToken));
    }

    /// <summary>SKUs whose on-hand a request sets or changes: arriving units may fill their backorders.</summary>
    internal static List<string> OnHandSkus(IEnumerable<(string Sku, SupplyType? Type)> lines) =>
        [.. lines.Where(l => l.Type == SupplyType.OnHand).Select(l => l.Sku).Distinct(StringComparer.Ordinal)];

    private static async Task<(SyncResponse?, ProblemHttpResult?)> ApplyAsync(
        SyncRequest request, IStockStore store, ReservationCandidates backorders, ReservationCandidates relocation, HoldWriterOptions options, CancellationToken cancellationToken)
    {
        var lines = request.Lines!;
        var asOf = request.AsOf!.Value;
        await using var write = await store.BeginWriteAsync(cancellationToken);
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
        var positions = await write.LockPositionsAsync([.. keys, .. backorders.Keys, .. relocation.Keys], cancellationToken);
        var seen = await write.DemandSeenAsync([.. lines.Where(l => l.Type == SupplyType.OnHand).Select(l => new PositionKey(l.Sku!, l.Location!))], asOf, cancellationToken);
        var existingLots = await write.ReadInboundAsync(keys, cancellationToken);

        var after = new Dictionary<PositionKey, Position>(positions);
        var lots = new Dictionary<(PositionKey, SupplyType, string), InboundSupply>();
        // Every lot of a type the snapshot speaks of is replaced: start it at zero, then set what is listed.
        var replaced = lines.Where(l => l.Type != SupplyType.OnHand).Select(l => (new PositionKey(l.Sku!, l.Location!), l.Type!.Value)).ToHashSet();
        foreach (var lot in existingLots.Where(lot => replaced.Contains((lot.Key, lot.Type))))
        {
            lots[(lot.Key, lot.Type, lot.Reference)] = lot with { Quantity = 0 };
        }

        foreach (var line in lines)
        {
            var key = new PositionKey(line.Sku!, line.Location!);
            if (line.Type == SupplyType.OnHand)
            {
                var outcome = SupplyDecisions.Count(after[key], line.Quantity!.Value, seen.GetValueOrDefault(key));
                after[key] = ((SupplyOutcome.Applied)outcome).After;
            }
            else
            {
                var reference = line.Reference ?? "";
                lots[(key, line.Type!.Value, reference)] = new InboundSupply(key, line.Type.Value, reference, line.Quantity!.Value, line.Eta);
            }
        }

        var filled = await BackorderFiller.FillAsync(write, backorders, after, options.DefaultHoldSeconds, cancellationToken);
        var resourced = await HoldRelocation.RelocateAsync(write, relocation, after, cancellationToken);
        var changes = positions.Values.Select(before => (before, after[before.Key])).ToList();
        await write.WritePositionsAsync(changes, cancellationToken);
        await write.SetInboundAsync(lots.Values, cancellationToken);

        var synced = keys.ToHashSet();
        var response = new SyncResponse(request.Source!, request.AsOf!.Value, lines.Count,
            [.. after.Values.Where(p => synced.Contains(p.Key)).Order(PositionOrder.Instance).Select(PositionView.From)],
            [.. lots.Values.Where(l => l.Quantity > 0).Select(InboundView.From)],
            [.. filled.Select(r => r.Id)],
            [.. seen.Where(s => s.Value > 0).Select(s => new SeenDemand(s.Key.Sku, s.Key.Location, s.Value))],
            [.. resourced.Select(r => r.Id)]);
        write.Record(new PendingEvent("supply.synced", write.Now, StockroomJson.Serialize(new { request.Source, request.AsOf, lines, response.Positions, response.Inbound, response.SeenBySource })));
        await write.CommitAsync(cancellationToken);
        return (response, null);
    }

    internal static Validation Validate(SyncRequest request, DateTimeOffset now, int linesMax = Limits.SupplyLinesMax)
    {
        var validation = new Validation();
        validation.Identifier("source", request.Source);
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
