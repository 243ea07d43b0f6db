using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Features.Insights;
using Stockroom.Features.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>A reservation request, validated for form, waiting for the writer.</summary>
public sealed record HoldSubmission(ReservationTerms Terms, IReadOnlyList<HoldLineRequest> Lines, string RequestHash)
{
    public string Id => Terms.Id;

    public string Channel => Terms.Channel;
}

/// <summary>The answer to one submission.</summary>
public abstract record HoldResult
{
    private HoldResult()
    {
    }

    public sealed record Created(Reservation Reservation, bool Replayed) : HoldResult;

    /// <summary>The id was used before for a different request.</summary>
    public sealed record Clash : HoldResult;

    /// <summary>Not enough stock and no partial hold allowed; each line says what it could have had.</summary>
    public sealed record Insufficient(IReadOnlyList<LineOutcome> Lines) : HoldResult;

    public sealed record Unprocessable(IReadOnlyDictionary<string, string[]> Errors) : HoldResult;

    /// <summary>The queue is full: the caller should back off and retry with the same id.</summary>
    public sealed record Overloaded : HoldResult;
}

public sealed class HoldWriterOptions
{
    /// <summary>Requests decided in one transaction at most.</summary>
    public int BatchSizeMax { get; set; } = 512;

    /// <summary>Requests waiting at most; beyond that, callers are told to retry.</summary>
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>How long a hold lasts when neither the request nor its channel says.</summary>
    public int DefaultHoldSeconds { get; set; } = 15 * 60;
}

/// <summary>
/// The write path for holds. Requests queue (bounded) and are drained in batches; each batch is
/// one transaction that locks every touched position in the global key order, decides every
/// request in memory with the pure core — each seeing what the ones before it took — writes the
/// summed position deltas and the new reservations with a few batched statements, and commits
/// once. Only then is each caller answered. Under a flash sale this turns thousands of
/// contending transactions into a few large ones, and never promises a unit twice: the decision
/// and the write happen under the same row locks, across any number of processes.
/// </summary>
public sealed class HoldWriter
{
    private readonly IStockStore _store;
    private readonly HoldWriterOptions _options;

    public HoldWriter(IStockStore store, HoldWriterOptions options)
    {
        _store = store;
        _options = options;
        _queue = System.Threading.Channels.Channel.CreateBounded<Pending>(
            new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        Telemetry.Meter.CreateObservableGauge("stockroom.writer.queue.depth", () => QueueDepth, "{request}", "Hold requests waiting for a batch.");
    }

    private readonly Channel<Pending> _queue;

    /// <summary>Times a batch is decided again after losing a unique key or a deadlock, before it is split.</summary>
    private const int AttemptsMax = 4;

    private sealed record Pending(HoldSubmission Submission, TaskCompletionSource<HoldResult> Answer);

    /// <summary>Requests waiting for a batch.</summary>
    public int QueueDepth => _queue.Reader.Count;

    /// <summary>Counts of what the writer did, for metrics and benchmarks.</summary>
    public HoldWriterStatistics Statistics { get; } = new();

    /// <summary>Refusals for want of stock, for the demand history.</summary>
    public LostDemand LostDemand { get; } = new();

    public async Task<HoldResult> SubmitAsync(HoldSubmission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        if (await IsKnownSoldOutAsync(submission, cancellationToken))
        {
            Statistics.RecordSoldOutFastRefusal();
            LostDemand.RefusedSoldOut(submission);
            Telemetry.Hold("sold_out");
            return new HoldResult.Insufficient([.. submission.Lines.Select(l => new LineOutcome(l.Sku, l.Quantity, []))]);
        }

        var pending = new Pending(submission, new TaskCompletionSource<HoldResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            Telemetry.Hold("overloaded");
            return new HoldResult.Overloaded();
        }

        var result = await pending.Answer.Task.WaitAsync(cancellationToken);
        Telemetry.Hold(result switch
        {
            HoldResult.Created { Replayed: true } => "replayed",
            HoldResult.Created => "held",
            HoldResult.Insufficient => "refused",
            HoldResult.Clash => "clash",
            _ => "unprocessable",
        });
        return result;
    }

    /// <summary>
    /// True when every line asks a scope known to be sold out and the id is new. Such a request
    /// is refused here, without waiting for the writer, a transaction or a lock. The one read, by
    /// primary key, is what keeps it idempotent: a retry of a hold that succeeded earlier gets its
    /// reservation back rather than a refusal.
    /// </summary>
    private async Task<bool> IsKnownSoldOutAsync(HoldSubmission submission, CancellationToken cancellationToken) =>
        !submission.Terms.AllowBackorder
        && submission.Lines.All(l => _store.SoldOut.IsSoldOut(l.Sku, HoldResolver.ScopeOf(l, submission.Channel)))
        && (await _store.GetReservationsAsync([submission.Id], cancellationToken)).Count == 0;

    /// <summary>Stops taking requests; <see cref="RunAsync"/> finishes the ones queued and returns.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>
    /// Decides batches until <see cref="Complete"/> is called and the queue is empty. A batch once
    /// taken is finished, not cancelled: its callers are waiting for their answers.
    /// </summary>
    public async Task RunAsync()
    {
        var batch = new List<Pending>(_options.BatchSizeMax);
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < _options.BatchSizeMax && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            await ProcessAsync(batch, CancellationToken.None);
        }
    }

    private async Task ProcessAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await DecideAndWriteAsync(batch, cancellationToken);
                    return;
                }
                catch (Exception exception) when (attempt < AttemptsMax && _store.IsTransient(exception))
                {
                    // Another process committed a reservation with an id of this batch while it
                    // waited for the positions (or the database broke a deadlock): the rerun finds
                    // that reservation and replays it, and decides the rest afresh (issue 15).
                }
            }
        }
        catch (Exception exception) when (batch.Count > 1 && exception is not OperationCanceledException)
        {
            // One request must not fail the others: decide them one by one, so only the cause fails.
            foreach (var pending in batch.Where(p => !p.Answer.Task.IsCompleted))
            {
                await ProcessAsync([pending], cancellationToken);
            }
        }
        catch (Exception exception)
        {
            foreach (var pending in batch)
            {
                pending.Answer.TrySetException(exception);
            }
        }
    }

    private async Task DecideAndWriteAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = Telemetry.Source.StartActivity("hold-writer.batch");
        activity?.SetTag("stockroom.batch.size", batch.Count);
        var resolver = await HoldResolver.LoadAsync(_store, [.. batch.Select(p => p.Submission.Channel)],
            [.. batch.SelectMany(p => p.Submission.Lines)], cancellationToken);

        await using var write = await _store.BeginWriteAsync(cancellationToken);
        var existing = await write.FindReservationsAsync([.. batch.Select(p => p.Submission.Id).Distinct(StringComparer.Ordinal)], forUpdate: false, cancellationToken);

        // Resolve each request; answer replays, clashes and unprocessable ones straight away.
        var toDecide = new List<(Pending Pending, IReadOnlyList<ResolvedLine> Lines)>();
        var firstOfId = new Dictionary<string, Pending>(StringComparer.Ordinal);
        var repeats = new List<Pending>();
        foreach (var pending in batch)
        {
            var submission = pending.Submission;
            if (existing.TryGetValue(submission.Id, out var stored))
            {
                pending.Answer.TrySetResult(stored.RequestHash == submission.RequestHash
                    ? new HoldResult.Created(stored.Reservation, Replayed: true)
                    : new HoldResult.Clash());
                continue;
            }

            if (!firstOfId.TryAdd(submission.Id, pending))
            {
                repeats.Add(pending);
                continue;
            }

            var (lines, errors) = resolver.Resolve(submission.Channel, submission.Lines);
            if (errors is not null)
            {
                pending.Answer.TrySetResult(new HoldResult.Unprocessable(errors));
                continue;
            }

            toDecide.Add((pending, lines!));
        }

        var keys = toDecide.SelectMany(d => d.Lines.SelectMany(l => l.Line.Sources.Select(s => new PositionKey(l.Line.Sku, s.Location)))).ToList();
        var locked = await write.LockPositionsAsync(keys, cancellationToken);
        var working = new Dictionary<PositionKey, Position>(locked);
        var created = new List<(Pending Pending, StoredReservation Stored)>();
        var today = DateOnly.FromDateTime(write.Now.UtcDateTime);
        var lost = new List<Core.Insights.DemandDay>();
        var refused = new List<(Pending Pending, HoldResult Result, IReadOnlyList<Core.Insights.DemandDay> Lost)>();
        var scopes = new Dictionary<(string Sku, string Scope), (IReadOnlyList<LineSource> Sources, bool Reserve)>();

        // Higher priority first; among equals, first come first served.
        foreach (var (pending, lines) in toDecide.OrderByDescending(d => d.Pending.Submission.Terms.Priority))
        {
            var submission = pending.Submission;
            foreach (var line in lines)
            {
                scopes[(line.Line.Sku, line.Scope)] = (line.Line.Sources, line.Item.Policy == StockPolicy.Reserve);
            }

            var (made, shortage) = ReservationMaker.Make(submission.Terms, lines, resolver, working, write.Now, _options.DefaultHoldSeconds, sellerAccepted: false);
            if (made is null)
            {
                // Answered after the commit, with the holds, so that the lost demand it records is there once the caller hears.
                refused.Add((pending, new HoldResult.Insufficient(shortage!), [.. Insights.LostDemand.OfRefusal(lines, shortage!, today)]));
                continue;
            }

            if (made.Status == ReservationStatus.Partial)
            {
                lost.AddRange(Insights.LostDemand.OfPartialHold(lines, made, today));
            }

            created.Add((pending, new StoredReservation(made, submission.RequestHash)));
        }

        if (refused.Count > 0)
        {
            // Another process may have committed a reservation with a refused request's id while
            // this batch waited for the positions it holds now: read again under the locks, such a
            // request replays that reservation, as a retry after it would (issue 15).
            var late = await write.FindReservationsAsync([.. refused.Select(r => r.Pending.Submission.Id)], forUpdate: false, cancellationToken);
            refused = [.. refused.Select(r => !late.TryGetValue(r.Pending.Submission.Id, out var stored) ? r
                : (r.Pending, stored.RequestHash == r.Pending.Submission.RequestHash ? new HoldResult.Created(stored.Reservation, Replayed: true) : new HoldResult.Clash(),
                    (IReadOnlyList<Core.Insights.DemandDay>)[]))];
        }

        lost.AddRange(refused.SelectMany(r => r.Lost));
        if (created.Any(c => c.Stored.Reservation.Status == ReservationStatus.Backordered))
        {
            created = await DateBackordersAsync(write, created, working, resolver, cancellationToken);
        }

        foreach (var (_, stored) in created)
        {
            write.Record("reservation.created", stored.Reservation);
        }

        // Lost demand is written with the batch that refused it; refusals made before the queue
        // (sold-out scopes) ride along with it. Should the commit fail, they are kept for the rerun.
        var fastRefusals = LostDemand.Drain(today);
        lost.AddRange(fastRefusals);
        if (created.Count > 0 || lost.Count > 0)
        {
            try
            {
                await write.WritePositionsAsync([.. locked.Values.Select(before => (before, working[before.Key]))], cancellationToken);
                await write.InsertReservationsAsync([.. created.Select(c => c.Stored)], cancellationToken);
                await write.AddDemandAsync(lost, cancellationToken);
                await write.CommitAsync(cancellationToken);
            }
            catch
            {
                LostDemand.Restore(fastRefusals);
                throw;
            }
        }

        // Only scopes of reserve-policy items with nothing left at all (not even for VIPs or
        // backorders' sake) are remembered as sold out; requests that may backorder never ask the cache.
        foreach (var ((sku, scope), (sources, reserve)) in scopes)
        {
            if (reserve && sources.All(s => Atp.Promisable(working[new PositionKey(sku, s.Location)], 0) == 0))
            {
                _store.SoldOut.MarkSoldOut(sku, scope);
            }
        }

        // Counted before anyone is answered, so that an answer never runs ahead of the figures.
        Statistics.RecordBatch(batch.Count, created.Count);
        Telemetry.BatchSize.Record(batch.Count);
        Telemetry.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        foreach (var (pending, stored) in created)
        {
            pending.Answer.TrySetResult(new HoldResult.Created(stored.Reservation, Replayed: false));
        }

        foreach (var (pending, result, _) in refused)
        {
            pending.Answer.TrySetResult(result);
        }

        // The same id twice in one batch: a later one is a repeat of the first, or a clash with it.
        foreach (var repeat in repeats)
        {
            var first = firstOfId[repeat.Submission.Id];
            var answer = await first.Answer.Task;
            repeat.Answer.TrySetResult(first.Submission.RequestHash != repeat.Submission.RequestHash ? new HoldResult.Clash()
                : answer is HoldResult.Created made ? made with { Replayed = true }
                : answer);
        }

    }

    /// <summary>Dates the backorders of a batch from the inbound supply of the positions they wait at.</summary>
    private static async Task<List<(Pending, StoredReservation)>> DateBackordersAsync(IStockWrite write, List<(Pending Pending, StoredReservation Stored)> created,
        Dictionary<PositionKey, Position> working, HoldResolver resolver, CancellationToken cancellationToken)
    {
        var keys = created.SelectMany(c => c.Stored.Reservation.Backorders()).Select(b => new PositionKey(b.Sku, b.Location)).Distinct().ToList();
        var inbound = (await write.ReadInboundAsync(keys, cancellationToken)).ToLookup(l => l.Key);
        var today = DateOnly.FromDateTime(write.Now.UtcDateTime);
        return [.. created.Select(c => (c.Pending, c.Stored with
        {
            Reservation = ReservationMaker.WithBackorderDates(c.Stored.Reservation,
                key => new PositionSupply(working[key], [.. inbound[key]], resolver.SafetyStock.For(working[key])), resolver, today),
        }))];
    }
}

/// <summary>Running totals of the writer's work, for metrics and benchmarks.</summary>
public sealed class HoldWriterStatistics
{
    private long _batches;
    private long _requests;
    private long _holds;
    private long _soldOutFastRefusals;

    public long Batches => Interlocked.Read(ref _batches);
    public long Requests => Interlocked.Read(ref _requests);
    public long Holds => Interlocked.Read(ref _holds);
    public long SoldOutFastRefusals => Interlocked.Read(ref _soldOutFastRefusals);

    internal void RecordBatch(int requests, int holds)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _requests, requests);
        Interlocked.Add(ref _holds, holds);
    }

    internal void RecordSoldOutFastRefusal() => Interlocked.Increment(ref _soldOutFastRefusals);
}
