using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Features.Reservations;
using Stockroom.Features.Supply;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Transfers;

/// <summary>
/// Receives a transfer: what is in transit under its id at the destination becomes on-hand there
/// (an in-transit lot adjusted on the way arrives as adjusted), and arriving units fill waiting
/// backorders first. Receiving a received transfer changes nothing and answers the same.
/// </summary>
public static class ReceiveTransfer
{
    public static async Task<Results<Ok<Transfer>, ProblemHttpResult>> Handle(
        string id, IStockStore store, HoldWriterOptions options, HttpResponse httpResponse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpResponse);
        var validation = new Validation();
        if (!validation.Identifier("id", id))
        {
            return validation.Problem();
        }

        if (await store.GetTransferAsync(id, cancellationToken) is not { } known)
        {
            return Problems.NotFound("transfer", id);
        }

        var reactions = await SupplyReactions.PrepareAsync(store, [.. known.Lines.Select(l => l.Sku)], [], cancellationToken);
        return await Writes.RetryAsync<Results<Ok<Transfer>, ProblemHttpResult>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            var transfer = (await write.FindTransferAsync(id, forUpdate: true, cancellationToken))!;
            if (transfer.Status == TransferStatus.Received)
            {
                // Received before, by this request's twin or an earlier one: the same answer again.
                httpResponse.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Ok(transfer);
            }

            var keys = transfer.Lines.Select(l => new PositionKey(l.Sku, transfer.To)).ToList();
            var positions = await write.LockPositionsAsync([.. keys, .. await reactions.LockAsync(write, cancellationToken)], cancellationToken);
            var after = new Dictionary<PositionKey, Position>(positions);
            var lots = (await write.ReadInboundAsync(keys, cancellationToken))
                .Where(l => l.Type == SupplyType.InTransit && l.Reference == transfer.Id && l.Source is null)
                .ToDictionary(l => l.Key);
            var received = new List<TransferLine>(transfer.Lines.Count);
            foreach (var (line, key) in transfer.Lines.Zip(keys))
            {
                var arriving = lots.GetValueOrDefault(key)?.Quantity ?? 0;
                after[key] = Core.Supply.Transfers.Receive(after[key], arriving);
                received.Add(line with { Received = arriving });
            }

            var (filled, _) = await reactions.ReactAsync(write, after, options.DefaultHoldSeconds, cancellationToken);
            await write.WritePositionsAsync([.. positions.Values.Select(before => (before, after[before.Key]))],
                new StockMovement(MovementKind.TransferredIn, transfer.Id), cancellationToken);
            await write.SetInboundAsync([.. lots.Values.Select(l => l with { Quantity = 0 })], cancellationToken);
            var done = transfer with { Status = TransferStatus.Received, ReceivedAt = write.Now, Lines = received };
            await write.UpdateTransferAsync(done, cancellationToken);
            write.Record("transfer.received", new { transfer = done, backordersFilled = filled.Select(r => r.Id) });
            await write.CommitAsync(cancellationToken);
            httpResponse.Headers["Idempotent-Replayed"] = "false";
            return TypedResults.Ok(done);
        });
    }
}
