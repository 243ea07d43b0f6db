using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Core;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Http;
using Stockroom.Storage;
using Stockroom.Features.Reservations;

namespace Stockroom.Features.Supply;

public sealed record AdjustLine(
    string? Sku,
    string? Location,
    SupplyType? Type,
    long? Delta,
    string? Reason,
    decimal? UnitCost,
    DateOnly? Eta,
    string? Reference);

/// <summary>
/// Relative changes, applied once per id. <c>Source</c> names the system of record the adjustment
/// comes from, if any: an inbound lot it opens belongs to that source, so that the source's next
/// snapshot replaces it. Without one, a lot it opens is Stockroom's own, ended only by adjustments.
/// </summary>
public sealed record AdjustRequest(string? Id, List<AdjustLine>? Lines, string? Source = null);

public sealed record AdjustResponse(string Id, DateTimeOffset At, IReadOnlyList<PositionView> Positions, IReadOnlyList<InboundView> Inbound,
    IReadOnlyList<string> BackordersFilled, IReadOnlyList<string> ReservationsResourced);

/// <summary>
/// Relative supply changes: receipts, count corrections, damage, shrink. All lines apply or none
/// do; each id applies once. Removing more than is there is refused, never clamped.
/// </summary>
public static class AdjustSupply
{
    public static async Task<Results<Ok<AdjustResponse>, ProblemHttpResult>> Handle(
        AdjustRequest request, IStockStore store, TimeProvider time, HoldWriterOptions options, HttpResponse httpResponse, CancellationToken cancellationToken,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey = null)
    {
        var (id, mismatch) = IdempotencyKeys.Resolve(request.Id, idempotencyKey);
        if (mismatch is not null)
        {
            return mismatch;
        }

        request = request with { Id = id };
        var validation = Validate(request, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var reactions = await SupplyReactions.PrepareAsync(store, SyncSupply.OnHandSkus(request.Lines!.Select(l => (l.Sku!, l.Type))),
            [.. request.Lines!.Where(l => l.Type == SupplyType.OnHand && l.Delta < 0).Select(l => new PositionKey(l.Sku!, l.Location!))], cancellationToken);
        var outcome = await Idempotency.RunAsync<AdjustResponse>(store, "supply.adjust", request.Id!, Idempotency.Hash(request),
            write => Apply(write, request, reactions, options, cancellationToken), cancellationToken);
        return Idempotency.ToResult(outcome, request.Id!, httpResponse);
    }

    private static async Task<(AdjustResponse?, ProblemHttpResult?)> Apply(IStockWrite write, AdjustRequest request, SupplyReactions reactions,
        HoldWriterOptions options, CancellationToken cancellationToken)
    {
        var lines = request.Lines!;
        if (await KnownReferences.CheckAsync(write, lines.Select(l => (l.Sku!, l.Location!)).ToList(), cancellationToken) is { } unknown)
        {
            return (null, unknown);
        }

        var keys = lines.Select(l => new PositionKey(l.Sku!, l.Location!)).ToList();
        var positions = await write.LockPositionsAsync([.. keys, .. await reactions.LockAsync(write, cancellationToken)], cancellationToken);
        var after = new Dictionary<PositionKey, Position>(positions);
        var lots = (await write.ReadInboundAsync(keys, cancellationToken)).ToDictionary(l => (l.Key, l.Type, l.Reference));
        var changedLots = new Dictionary<(PositionKey, SupplyType, string), InboundSupply>();
        var refusals = new Validation();

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var key = new PositionKey(line.Sku!, line.Location!);
            if (line.Type == SupplyType.OnHand)
            {
                switch (SupplyDecisions.AdjustOnHand(after[key], line.Delta!.Value))
                {
                    case SupplyOutcome.Applied applied:
                        after[key] = applied.After;
                        break;
                    case SupplyOutcome.Refused refused:
                        refusals.Add($"lines[{i}].delta", refused.Reason);
                        break;
                }

                continue;
            }

            var lotKey = (key, line.Type!.Value, line.Reference ?? "");
            var current = changedLots.GetValueOrDefault(lotKey) ?? lots.GetValueOrDefault(lotKey);
            var (quantity, refusal) = SupplyDecisions.AdjustInbound(current?.Quantity ?? 0, line.Delta!.Value);
            if (refusal is not null)
            {
                refusals.Add($"lines[{i}].delta", refusal);
                continue;
            }

            changedLots[lotKey] = new InboundSupply(key, line.Type.Value, lotKey.Item3, quantity!.Value, line.Eta ?? current?.Eta,
                current is null ? request.Source : current.Source, current?.SnapshotId);
        }

        if (!refusals.IsValid)
        {
            return (null, Problems.Conflict("insufficient-supply", "The adjustment would take supply below zero.",
                "No line was applied. See errors for the lines that remove more than there is.", refusals.Errors));
        }

        var (filled, resourced) = await reactions.ReactAsync(write, after, options.DefaultHoldSeconds, cancellationToken);
        await write.WritePositionsAsync(positions.Values.Select(before => (before, after[before.Key])).ToList(),
            new StockMovement(MovementKind.Adjusted, request.Id)
            {
                Units = [.. lines.Where(l => l.Type == SupplyType.OnHand).Select(l => new MovedUnits(new PositionKey(l.Sku!, l.Location!), l.Delta!.Value, UnitCost: l.UnitCost))],
            }, cancellationToken);
        await write.SetInboundAsync(changedLots.Values, cancellationToken);
        var adjusted = keys.ToHashSet();
        var response = new AdjustResponse(request.Id!, write.Now,
            [.. after.Values.Where(p => adjusted.Contains(p.Key)).Order(PositionOrder.Instance).Select(PositionView.From)],
            [.. changedLots.Values.Select(InboundView.From)],
            [.. filled.Select(r => r.Id)],
            [.. resourced.Select(r => r.Id)]);
        write.Record("supply.adjusted", new { request.Id, lines, response.Positions, response.Inbound });
        return (response, null);
    }

    private static Validation Validate(AdjustRequest request, DateOnly today)
    {
        var validation = new Validation();
        validation.Identifier("id", request.Id);
        validation.Identifier("source", request.Source, required: false);
        SupplyLines.ValidateCount(validation, request.Lines?.Count);
        for (var i = 0; i < (request.Lines?.Count ?? 0); i++)
        {
            var line = request.Lines![i];
            var at = $"lines[{i}]";
            if (!validation.SupplyLine(at, line, line?.Sku, line?.Location, line?.Type))
            {
                continue;
            }

            validation.Range($"{at}.delta", line.Delta, -Limits.QuantityMax, Limits.QuantityMax);
            if (line.Delta == 0)
            {
                validation.Add($"{at}.delta", "must not be zero");
            }

            validation.Text($"{at}.reason", line.Reason, Limits.ReasonLengthMax, required: true);
            validation.Money($"{at}.unitCost", line.UnitCost);
            SupplyLines.ValidateLot(validation, at, line.Type, line.Eta, line.Reference, today);
        }

        return validation;
    }
}
