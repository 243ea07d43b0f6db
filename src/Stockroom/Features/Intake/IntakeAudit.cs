using System.Data.Common;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Storage;

namespace Stockroom.Features.Intake;

/// <summary>What became of one delivered marketplace order, as the audit trail keeps it.</summary>
public enum DeliveryOutcome
{
    /// <summary>Taken: the units owed are allocated by this delivery.</summary>
    Allocated,

    /// <summary>Taken, but some lines were skipped (no SKU, a gift card, …); the reason names them.</summary>
    PartlyMapped,

    /// <summary>The same order with the same content again: the earlier allocation is the answer, nothing more was taken.</summary>
    Replayed,

    /// <summary>A later version of a held order: what changed (shipped, no longer owed, newly owed) was applied to it.</summary>
    Updated,

    /// <summary>A version older than the one already applied: nothing was changed.</summary>
    Stale,

    /// <summary>The marketplace cancelled the order, and the order Stockroom held is (or already was) cancelled.</summary>
    Cancelled,

    /// <summary>Nothing was owed and Stockroom holds no such order: nothing was taken.</summary>
    NothingOwed,

    /// <summary>Refused: a payload not valid, no stock, a conflict with the held order, or a key of another channel.</summary>
    Refused,

    /// <summary>A format Stockroom no longer takes orders in (Google, 410).</summary>
    Retired,

    /// <summary>No valid credentials; recorded by the authentication path through <see cref="IntakeAudit.RecordAsync"/>.</summary>
    Unauthenticated,
}

/// <summary>One delivery to be recorded; the time is the recording write's.</summary>
public sealed record DeliveryRecord(string Channel, string Format, string? MarketplaceOrderId, string? OrderId, DeliveryOutcome Outcome, int Status,
    string? Reason);

/// <summary>One recorded delivery.</summary>
public sealed record IntakeDelivery(long Id, DateTimeOffset At, string Channel, string Format, string? MarketplaceOrderId, string? OrderId,
    DeliveryOutcome Outcome, int Status, string? Reason);

/// <summary>Which deliveries to list: in id order after <c>After</c>, or with <c>NewestFirst</c> the latest <c>Limit</c>; null filters match everything.</summary>
public sealed record DeliveryFilter(string? Channel, DeliveryOutcome? Outcome, long After, int Limit, bool NewestFirst = false);

/// <summary>
/// Deliveries as the admin page searches them: by channel, outcome and marketplace or Stockroom
/// order id (exact), refused and unauthenticated ones first when <c>ProblemsFirst</c>, then newest
/// first; a page at a time after the cursor <c>After</c> (the last row's rank and id).
/// </summary>
public sealed record DeliverySearch(string? Channel, DeliveryOutcome? Outcome, string? OrderId, bool ProblemsFirst, (int Rank, long Id)? After, int Limit);

/// <summary>
/// The audit trail of marketplace deliveries. A delivery is recorded after its order's own write,
/// in a write of its own that inserts the rows and nothing else — no position, no ledger event —
/// so a refused order is kept while stock is untouched. Recording is best effort: a failure to
/// record is logged and counted, and never turns the marketplace's answer into a failure (a
/// marketplace that saw an error would deliver an order already taken again).
/// </summary>
public static class IntakeAudit
{
    /// <summary>Reasons are kept to this many characters.</summary>
    public const int ReasonLengthMax = 500;

    private const string Columns = "id, at, channel_id, format, marketplace_order_id, order_id, outcome, status, reason";

    /// <summary>
    /// Records deliveries and counts them in <c>stockroom.intake.deliveries</c>; false (and nothing
    /// thrown) when they could not be recorded. Authentication paths (a refused signature, a
    /// missing key) call this with <see cref="DeliveryOutcome.Unauthenticated"/>.
    /// </summary>
    public static async Task<bool> RecordAsync(IStockStore store, IReadOnlyList<DeliveryRecord> deliveries, ILogger? logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0)
        {
            return true;
        }

        foreach (var delivery in deliveries)
        {
            Telemetry.IntakeDelivery(delivery.Format, Sql.Text(delivery.Outcome));
        }

        try
        {
            await Http.Writes.RetryAsync(store, async () =>
            {
                await using var write = await store.BeginWriteAsync(cancellationToken);
                await write.InsertDeliveriesAsync(deliveries, cancellationToken);
                await write.CommitAsync(cancellationToken);
                return true;
            });
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Telemetry.IntakeDeliveriesUnrecorded.Add(deliveries.Count);
            if (logger is not null)
            {
                Log.IntakeDeliveriesUnrecorded(logger, deliveries.Count, exception);
            }

            return false;
        }
    }

    /// <summary>The delivery of one order of a payload, from what intake answered for it.</summary>
    public static DeliveryRecord Of(string format, string? marketplaceOrderId, IntakeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var skipped = result.Skipped.Count == 0 ? null : string.Join("; ", result.Skipped.Select(s => $"{s.Line}: {s.Reason}"));
        var outcome = result.Outcome switch
        {
            IntakeOutcome.Allocated or IntakeOutcome.Updated when result.Replayed => DeliveryOutcome.Replayed,
            IntakeOutcome.Allocated when skipped is not null => DeliveryOutcome.PartlyMapped,
            IntakeOutcome.Allocated => DeliveryOutcome.Allocated,
            IntakeOutcome.Updated => DeliveryOutcome.Updated,
            IntakeOutcome.Stale => DeliveryOutcome.Stale,
            IntakeOutcome.Cancelled => DeliveryOutcome.Cancelled,
            IntakeOutcome.NothingOwed => DeliveryOutcome.NothingOwed,
            _ => DeliveryOutcome.Refused,
        };
        var reason = result.Problem is ProblemDetails problem ? Reason(problem) : skipped;
        return new DeliveryRecord(format, format, marketplaceOrderId, result.OrderId, outcome, result.Status, Bounded(reason));
    }

    /// <summary>A delivery answered with a problem before any order was read or taken (retired format, key of another channel, unauthenticated).</summary>
    public static DeliveryRecord Of(string format, DeliveryOutcome outcome, ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new DeliveryRecord(format, format, null, null, outcome, problem.Status ?? 0, Bounded(Reason(problem)));
    }

    /// <summary>The problem's title and detail, then each field error.</summary>
    public static string Reason(ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var parts = new List<string?> { problem.Title, problem.Detail };
        if (problem is HttpValidationProblemDetails validation)
        {
            parts.AddRange(validation.Errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
        }

        return string.Join(" ", parts.Where(p => !string.IsNullOrWhiteSpace(p)));
    }

    private static string? Bounded(string? reason) =>
        reason is null || reason.Length <= ReasonLengthMax ? reason : string.Concat(reason.AsSpan(0, ReasonLengthMax - 1), "…");

    public static async Task InsertDeliveriesAsync(this IStockWrite write, IReadOnlyList<DeliveryRecord> deliveries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(deliveries);
        await write.InsertRowsAsync("intake_deliveries", Columns[4..],
            [.. deliveries.Select(d => new object?[]
                { write.Now, d.Channel, d.Format, d.MarketplaceOrderId, d.OrderId, Sql.Text(d.Outcome), d.Status, d.Reason })],
            cancellationToken);
    }

    /// <summary>Deliveries as <paramref name="filter"/> asks.</summary>
    public static async Task<IReadOnlyList<IntakeDelivery>> ListDeliveriesAsync(this IStockStore store, DeliveryFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(filter);
        var order = filter.NewestFirst ? "id > 0 ORDER BY id DESC" : "id > @after ORDER BY id";
        return await store.QueryAsync($"""
            SELECT {Columns} FROM intake_deliveries
            WHERE (@channel IS NULL OR channel_id = @channel) AND (@outcome IS NULL OR outcome = @outcome) AND {order}
            LIMIT @limit
            """,
            c =>
            {
                c.WithText("@channel", filter.Channel).WithText("@outcome", filter.Outcome is { } o ? Sql.Text(o) : null).With("@limit", filter.Limit);
                if (!filter.NewestFirst)
                {
                    c.With("@after", filter.After);
                }
            },
            Read, cancellationToken);
    }

    /// <summary>
    /// A page of deliveries as <paramref name="search"/> asks, keyset-paged on (rank, id): rank 0 for
    /// the deliveries refused or unauthenticated when problems come first, 1 for the rest (and 0 for
    /// every delivery when they do not), newest first within a rank. Each rank is its own query,
    /// newest first by id, so that neither sorts the whole trail: problems through the outcome
    /// index, the rest by walking the ids back until the page is full.
    /// </summary>
    public static async Task<IReadOnlyList<(IntakeDelivery Delivery, int Rank)>> SearchDeliveriesAsync(this IStockStore store, DeliverySearch search,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(search);
        var lastRank = search.ProblemsFirst ? 1 : 0;
        var (afterRank, afterId) = search.After is { } after ? (Math.Min(after.Rank, lastRank), after.Id) : (0, long.MaxValue);
        var page = new List<(IntakeDelivery, int)>(search.Limit);
        for (var rank = afterRank; rank <= lastRank && page.Count < search.Limit; rank++)
        {
            var which = !search.ProblemsFirst ? "" : rank == 0 ? $"AND outcome IN ({ProblemOutcomes})" : $"AND outcome NOT IN ({ProblemOutcomes})";
            var rows = await store.QueryAsync($"""
                SELECT {Columns} FROM intake_deliveries
                WHERE (@channel IS NULL OR channel_id = @channel) AND (@outcome IS NULL OR outcome = @outcome)
                  AND (@order IS NULL OR marketplace_order_id = @order OR order_id = @order)
                  {which} AND id < @id
                ORDER BY id DESC
                LIMIT @limit
                """,
                c => c.WithText("@channel", search.Channel).WithText("@outcome", search.Outcome is { } o ? Sql.Text(o) : null).WithText("@order", search.OrderId)
                    .With("@id", rank == afterRank ? afterId : long.MaxValue).With("@limit", search.Limit - page.Count),
                Read, cancellationToken);
            page.AddRange(rows.Select(r => (r, rank)));
        }

        return page;
    }

    /// <summary>The outcomes someone has to look at, as the trail stores them.</summary>
    private static readonly string ProblemOutcomes = $"'{Sql.Text(DeliveryOutcome.Refused)}', '{Sql.Text(DeliveryOutcome.Unauthenticated)}'";

    private static IntakeDelivery Read(DbDataReader r) => new(
        r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.NullableString(4), r.NullableString(5),
        Sql.Parse<DeliveryOutcome>(r.GetString(6)), r.GetInt32(7), r.NullableString(8));
}
