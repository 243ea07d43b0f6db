using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Demand;
using Stockroom.Core.Supply;
using Stockroom.Features.Orders;
using Stockroom.Features.Reservations;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Intake;

/// <summary>
/// One version of a marketplace order applied in one write, under the order's lock: a version
/// older than the one last applied changes nothing; otherwise the order is created, or brought in
/// line with the version as the difference against what Stockroom holds for it — units the
/// marketplace shipped are shipped, units no longer owed are freed, units newly owed are
/// allocated — all or nothing. Delivered again, a version finds nothing left to change.
/// </summary>
internal static class IntakeOrderWrite
{
    public static async Task<IntakeResult> ApplyAsync(string format, MarketplaceOrder order, MappedOrder mapped, IStockStore store,
        CancellationToken cancellationToken)
    {
        var id = IntakeApi.Canonical(format, order.OrderId)!;
        var owed = mapped.Lines.Where(l => l.Owed > 0).GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new OrderLineRequest(g.Key, g.Sum(l => l.Owed), null)).ToList();
        // Allocating needs the catalog; it is read before any lock is taken.
        var resolver = await HoldResolver.LoadAsync(store, [format], [.. owed.Select(l => new HoldLineRequest(l.Sku!, l.Quantity!.Value, null, null))],
            cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var write = await store.BeginWriteAsync(cancellationToken);
                var held = await write.FindOrderAsync(id, forUpdate: true, cancellationToken);
                if (order.RefundId is { } refund)
                {
                    return await RefundAsync(write, id, held?.Order, refund, order, mapped, resolver, cancellationToken);
                }

                var seen = await write.IntakeVersionAsync(id, cancellationToken);
                if (seen.IsNewerThan(order.Version))
                {
                    return Result(id, IntakeOutcome.Stale, StatusCodes.Status200OK, held?.Order, order, mapped);
                }

                var step = held is null
                    ? await TakeAsync(write, id, format, order, mapped, owed, resolver, cancellationToken)
                    : await ReviseAsync(write, held.Order, order, Unseen(mapped, seen), resolver, cancellationToken);
                // Another delivery of the order may have taken it while this one waited for the
                // positions, and left too little stock for a second take: this one is then a version
                // of a held order, compared and applied in the next attempt.
                if (held is null && step.Outcome == IntakeOutcome.Refused && attempt < Writes.AttemptsMax
                    && await write.FindOrderAsync(id, forUpdate: false, cancellationToken) is not null)
                {
                    continue;
                }

                if (step.Outcome != IntakeOutcome.Refused)
                {
                    // The units shipped before the order was taken are counted when it is taken, and kept.
                    var shippedBefore = held is null ? mapped.Lines.GroupBy(l => l.Sku, StringComparer.Ordinal)
                        .ToDictionary(g => g.Key, g => g.Sum(l => l.Shipped), StringComparer.Ordinal) : null;
                    await write.SaveIntakeVersionAsync(id, seen, order.Version, shippedBefore, cancellationToken);
                    await write.CommitAsync(cancellationToken);
                }

                return step;
            }
            catch (Exception exception) when (attempt < Writes.AttemptsMax && store.IsTransient(exception))
            {
                // A concurrent delivery of the same order won the first insert (the next attempt
                // compares with it), or the database broke a deadlock with another writer.
            }
        }
    }

    /// <summary>
    /// The version's lines without the units the marketplace had shipped before Stockroom took the
    /// order: those never were in the order, and shipping them again would take them off the shelf twice.
    /// </summary>
    private static MappedOrder Unseen(MappedOrder mapped, SeenVersion seen)
    {
        if (seen.ShippedBefore is not { Count: > 0 } before)
        {
            return mapped;
        }

        var left = new Dictionary<string, long>(before, StringComparer.Ordinal);
        return mapped with
        {
            Lines = [.. mapped.Lines.Select(l =>
            {
                var known = Math.Min(l.Shipped, left.GetValueOrDefault(l.Sku));
                left[l.Sku] = left.GetValueOrDefault(l.Sku) - known;
                return l with { Shipped = l.Shipped - known };
            })],
        };
    }

    /// <summary>The first version of an order Stockroom holds: allocated whole, or nothing taken when nothing is owed.</summary>
    private static async Task<IntakeResult> TakeAsync(IStockWrite write, string id, string format, MarketplaceOrder order, MappedOrder mapped,
        List<OrderLineRequest> owed, HoldResolver resolver, CancellationToken cancellationToken)
    {
        if (mapped.OwesNothing(order.Cancelled))
        {
            return Result(id, IntakeOutcome.NothingOwed, StatusCodes.Status200OK, null, order, mapped);
        }

        var (lines, problem) = await AllocateAsync(write, id, format, owed, resolver, [], cancellationToken);
        if (problem is not null)
        {
            return Refused(id, problem, order, mapped);
        }

        var created = new Order(id, format, null, OrderStatus.Allocated, write.Now, write.Now, null, null, null, lines!);
        await write.InsertOrderAsync(new StoredOrder(created, Idempotency.Hash(new CreateOrderRequest(id, format, null, owed))), cancellationToken);
        write.Record("order.created", created);
        RecordSkipped(write, id, mapped);
        return Result(id, IntakeOutcome.Allocated, StatusCodes.Status201Created, created, order, mapped);
    }

    /// <summary>A later version of a held order, applied as the difference against what the order holds.</summary>
    private static async Task<IntakeResult> ReviseAsync(IStockWrite write, Order held, MarketplaceOrder order, MappedOrder mapped, HoldResolver resolver,
        CancellationToken cancellationToken)
    {
        // A cancelled order owes nothing, whatever its lines still say.
        var version = order.Cancelled ? [.. mapped.Lines.Select(l => l with { Owed = 0 })] : mapped.Lines;
        var plan = OrderRevision.Plan(held, version);
        if (!plan.Changes)
        {
            var unchanged = order.Cancelled || held.Status == OrderStatus.Cancelled ? IntakeOutcome.Cancelled : IntakeOutcome.Allocated;
            return Result(held.Id, unchanged, unchanged == IntakeOutcome.Allocated ? StatusCodes.Status201Created : StatusCodes.Status200OK, held, order, mapped)
                with { Replayed = true };
        }

        // Shipments and cancellations first: their effects are part of the positions the additions lock with.
        var transition = OrderRevision.Apply(held, plan, [], write.Now);
        if (transition is OrderTransition.Illegal illegal)
        {
            return Refused(held.Id, Problems.Conflict("intake-changed", "The marketplace's order no longer fits the order Stockroom holds.",
                $"{illegal.Reason}. Nothing was changed."), order, mapped);
        }

        var shipAndCancel = (OrderTransition.Applied)transition;
        var adds = plan.Add.Select(l => new OrderLineRequest(l.Sku, l.Quantity, null)).ToList();
        var (added, problem) = await AllocateAsync(write, held.Id, held.Channel, adds, resolver, shipAndCancel.Effects, cancellationToken);
        if (problem is not null)
        {
            return Refused(held.Id, problem, order, mapped);
        }

        var revised = ((OrderTransition.Applied)OrderRevision.Apply(held, plan, added!, write.Now)).Order;
        await write.UpdateOrderAsync(revised, cancellationToken);
        await write.InsertOrderLinesAsync(revised.Id, added!.Count == 0 ? [] : revised.Lines.TakeLast(added.Count).ToList(), cancellationToken);
        write.Record(order.Cancelled ? "order.cancelled" : "order.revised", new
        {
            version = order.Version,
            order = revised,
            shipped = plan.Ship,
            cancelled = plan.Cancel,
            added = plan.Add,
        });
        RecordSkipped(write, held.Id, mapped);
        return Result(held.Id, order.Cancelled ? IntakeOutcome.Cancelled : IntakeOutcome.Updated, StatusCodes.Status200OK, revised, order, mapped);
    }

    /// <summary>
    /// A refund, applied once by its id: the units it cancels that the order still holds open are
    /// freed. It is no version of the order and leaves the version compared with alone: Shopify's
    /// next <c>orders/updated</c>, which follows every refund, is compared as usual. A refund of an
    /// order Stockroom does not hold takes nothing, and is not kept: the order's own versions say
    /// what it owes when it comes.
    /// </summary>
    private static async Task<IntakeResult> RefundAsync(IStockWrite write, string id, Order? held, string refundId, MarketplaceOrder refund,
        MappedOrder mapped, HoldResolver resolver, CancellationToken cancellationToken)
    {
        if (held is null)
        {
            return Result(id, IntakeOutcome.NothingOwed, StatusCodes.Status200OK, null, refund, mapped);
        }

        if (!await write.RecordRefundAsync(id, refundId, cancellationToken))
        {
            return Result(id, IntakeOutcome.Updated, StatusCodes.Status200OK, held, refund, mapped) with { Replayed = true };
        }

        var cancel = mapped.Lines.GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new OrderEventLine(g.Key, Math.Min(g.Sum(l => l.Owed), held.Lines.Where(l => l.Sku == g.Key).Sum(l => l.Open))))
            .Where(l => l.Quantity > 0).ToList();
        var revised = held;
        if (cancel.Count > 0 && OrderLifecycle.Decide(held, OrderEventType.Cancelled, cancel, null, write.Now) is OrderTransition.Applied applied)
        {
            await AllocateAsync(write, id, held.Channel, [], resolver, applied.Effects, cancellationToken);
            await write.UpdateOrderAsync(applied.Order, cancellationToken);
            write.Record("order.revised", new { order = applied.Order, refundId, cancelled = cancel });
            revised = applied.Order;
        }

        RecordSkipped(write, id, mapped);
        await write.CommitAsync(cancellationToken);
        return Result(id, IntakeOutcome.Updated, StatusCodes.Status200OK, revised, refund, mapped);
    }

    /// <summary>
    /// Locks every position the write touches — the ones <paramref name="effects"/> change and the
    /// ones <paramref name="lines"/> may take units from — at once, applies the effects, allocates
    /// the lines and writes the positions; or the problem, with nothing written.
    /// </summary>
    private static async Task<(IReadOnlyList<OrderLine>?, ProblemHttpResult?)> AllocateAsync(IStockWrite write, string orderId, string channel, List<OrderLineRequest> lines,
        HoldResolver resolver, IReadOnlyList<PositionEffect> effects, CancellationToken cancellationToken)
    {
        IReadOnlyList<ResolvedLine> resolved = [];
        if (lines.Count > 0)
        {
            var (found, errors) = resolver.Resolve(channel, [.. lines.Select(l => new HoldLineRequest(l.Sku!, l.Quantity!.Value, null, null))]);
            if (errors is not null)
            {
                return (null, Problems.Unprocessable(errors.ToDictionary(), "The order refers to something that cannot be allocated. Nothing was changed."));
            }

            resolved = found!;
        }

        var locked = await write.LockPositionsAsync([.. ResolvedLine.Positions(resolved), .. effects.Select(e => e.Key)], cancellationToken);
        var working = new Dictionary<PositionKey, Position>(locked);
        foreach (var effect in effects)
        {
            working[effect.Key] = OrderLifecycle.Apply(working[effect.Key], effect).After;
        }

        var (allocated, shortage) = resolved.Count == 0 ? ([], null) : CreateOrder.Allocate(resolver, resolved, working);
        if (shortage is not null)
        {
            return (null, shortage);
        }

        var changes = locked.Values.Select(before => (before, working[before.Key])).ToList();
        var shipped = effects.Where(e => e.OnHandDelta != 0 || e.SellerConfirmed != 0).ToList();
        await (shipped.Count == 0
            ? write.WritePositionsAsync(changes, cancellationToken)
            : write.WritePositionsAsync(changes, new StockMovement(MovementKind.Shipped, orderId, orderId)
            {
                Units = [.. shipped.Select(e => new MovedUnits(e.Key, e.OnHandDelta, e.SellerConfirmed))],
            }, cancellationToken));
        return (allocated, null);
    }

    /// <summary>The order row has no place for lines it does not hold, so the ledger keeps them beside it.</summary>
    private static void RecordSkipped(IStockWrite write, string orderId, MappedOrder mapped)
    {
        if (mapped.Skipped.Count > 0)
        {
            write.Record("intake.linesSkipped", new { orderId, skipped = mapped.Skipped });
        }
    }

    private static IntakeResult Result(string id, IntakeOutcome outcome, int status, Order? held, MarketplaceOrder order, MappedOrder mapped) =>
        new(id, outcome, status, held, mapped.Skipped, order.Version);

    public static IntakeResult Refused(string? id, ProblemHttpResult problem, MarketplaceOrder? order, MappedOrder? mapped) =>
        new(id, IntakeOutcome.Refused, problem.StatusCode, null, mapped?.Skipped ?? order?.Skipped ?? [], order?.Version, problem.ProblemDetails);
}
