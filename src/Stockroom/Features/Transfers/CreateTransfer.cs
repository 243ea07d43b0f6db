using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Core;
using Stockroom.Features.Catalog;
using Stockroom.Features.Supply;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Transfers;

public sealed record TransferLineRequest(string? Sku, long? Quantity);

public sealed record TransferRequest(string? Id, string? From, string? To, DateOnly? Eta, List<TransferLineRequest>? Lines);

/// <summary>
/// Sends units from one location to another: they leave <c>from</c>'s on-hand at once and wait as
/// in-transit supply at <c>to</c> (reference = the transfer's id, due on <c>eta</c>) until received.
/// Units promised at <c>from</c> never leave: asking for more is a 409 and changes nothing.
/// </summary>
public static class CreateTransfer
{
    public static async Task<Results<Created<Transfer>, Ok<Transfer>, ProblemHttpResult>> Handle(
        TransferRequest request, IStockStore store, TimeProvider time, HttpResponse httpResponse, CancellationToken cancellationToken,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(httpResponse);
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

        var outcome = await Idempotency.RunAsync<Transfer>(store, "transfer", request.Id!, Idempotency.Hash(request),
            write => ApplyAsync(write, request, cancellationToken), cancellationToken);
        switch (outcome)
        {
            case IdempotentOutcome<Transfer>.Done { Replayed: false } done:
                httpResponse.Headers["Idempotent-Replayed"] = "false";
                return TypedResults.Created($"/v1/transfers/{done.Response.Id}", done.Response);
            case IdempotentOutcome<Transfer>.Done replayed:
                httpResponse.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Ok(replayed.Response);
            case IdempotentOutcome<Transfer>.Refused refused:
                return refused.Problem;
            default:
                return Problems.IdempotencyClash(request.Id!);
        }
    }

    private static async Task<(Transfer?, ProblemHttpResult?)> ApplyAsync(IStockWrite write, TransferRequest request, CancellationToken cancellationToken)
    {
        var lines = request.Lines!.Select(l => new TransferLine(l.Sku!, l.Quantity!.Value)).ToList();
        if (await write.FindTransferAsync(request.Id!, forUpdate: false, cancellationToken) is not null)
        {
            return (null, Problems.IdempotencyClash(request.Id!));
        }

        var unknown = new Validation();
        var skus = await write.ExistingSkusAsync([.. lines.Select(l => l.Sku)], cancellationToken);
        var locations = await write.ExistingLocationsAsync([request.From!, request.To!], cancellationToken);
        foreach (var (field, id) in new[] { ("from", request.From!), ("to", request.To!) }.Where(f => !locations.Contains(f.Item2)))
        {
            unknown.Add(field, $"there is no location '{id}'");
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (!skus.Contains(lines[i].Sku))
            {
                unknown.Add($"lines[{i}].sku", $"there is no item '{lines[i].Sku}'");
            }
        }

        if (!unknown.IsValid)
        {
            return (null, Problems.Unprocessable(unknown.Errors, "A transfer moves items between locations that exist. Nothing was changed."));
        }

        var fromKeys = lines.Select(l => new PositionKey(l.Sku, request.From!)).ToList();
        var toKeys = lines.Select(l => new PositionKey(l.Sku, request.To!)).ToList();
        var positions = await write.LockPositionsAsync([.. fromKeys, .. toKeys], cancellationToken);
        var after = new Dictionary<PositionKey, Position>(positions);
        var refusals = new Validation();
        for (var i = 0; i < lines.Count; i++)
        {
            switch (Core.Supply.Transfers.Ship(after[fromKeys[i]], lines[i].Quantity))
            {
                case TransferOutcome.Shipped shipped:
                    after[fromKeys[i]] = shipped.After;
                    break;
                case TransferOutcome.Refused refused:
                    refusals.Add($"lines[{i}].quantity", refused.Reason);
                    break;
            }
        }

        if (!refusals.IsValid)
        {
            return (null, Problems.Conflict("insufficient-stock", "Not enough unpromised stock at the sending location.",
                "No line was sent. See errors for the lines asking for more than can leave.", refusals.Errors));
        }

        // Added to any lot already under this reference, so nothing in transit is overwritten. The
        // lot is Stockroom's own (no source): no snapshot replaces it, only the receipt ends it.
        var existing = (await write.ReadInboundAsync(toKeys, cancellationToken))
            .Where(l => l.Type == SupplyType.InTransit && l.Reference == request.Id)
            .ToDictionary(l => l.Key);
        var lots = lines.Select((line, i) => new InboundSupply(toKeys[i], SupplyType.InTransit, request.Id!,
            line.Quantity + (existing.GetValueOrDefault(toKeys[i])?.Quantity ?? 0), request.Eta)).ToList();

        await write.WritePositionsAsync([.. positions.Values.Select(before => (before, after[before.Key]))],
            new StockMovement(MovementKind.TransferredOut, request.Id), cancellationToken);
        await write.SetInboundAsync(lots, cancellationToken);
        var transfer = new Transfer(request.Id!, request.From!, request.To!, request.Eta, TransferStatus.InTransit, lines, write.Now, null);
        await write.InsertTransferAsync(transfer, cancellationToken);
        write.Record("transfer.shipped", transfer);
        return (transfer, null);
    }

    private static Validation Validate(TransferRequest request, DateOnly today)
    {
        var validation = new Validation();
        validation.Identifier("id", request.Id);
        validation.Identifier("from", request.From);
        validation.Identifier("to", request.To);
        if (request.From is not null && request.From == request.To)
        {
            validation.Add("to", "must differ from 'from'");
        }

        validation.Date("eta", request.Eta, today, allowPast: false);
        if (request.Lines is not { Count: > 0 })
        {
            validation.Add("lines", "must have at least one line");
        }
        else if (request.Lines.Count > Core.Supply.Transfers.LinesMax)
        {
            validation.Add("lines", $"must have at most {Core.Supply.Transfers.LinesMax} lines");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (request.Lines?.Count ?? 0); i++)
        {
            var line = request.Lines![i];
            if (validation.DemandLine($"lines[{i}]", line, line?.Sku, line?.Quantity) && line.Sku is not null && !seen.Add(line.Sku))
            {
                validation.Add($"lines[{i}].sku", "repeats an earlier line's sku; send one line per sku");
            }
        }

        return validation;
    }
}
