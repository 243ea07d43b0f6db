using System.Diagnostics;
using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Core.Supply;
using Stockroom.Features.Catalog;
using Stockroom.Features.Insights;
using Stockroom.Features.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

public sealed class HoldWriterOptions
{
    /// <summary>Requests decided in one transaction at most.</summary>
    public int BatchSizeMax { get; set; } = 512;

    /// <summary>Requests waiting at most; beyond that, callers are told to retry.</summary>
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>How long a hold lasts when neither the request nor its channel says.</summary>
    public int DefaultHoldSeconds { get; set; } = 15 * 60;

    /// <summary>Positions one batch locks at most (one request alone may lock more, up to <see cref="Limits.HoldPositionsMax"/>).</summary>
    public int BatchPositionsMax { get; set; } = 2 * Limits.HoldPositionsMax;

    /// <summary>A hold that may lock more positions than this — more than one line over the largest group — waits in the wide lane.</summary>
    public int WideFrom { get; set; } = Limits.GroupLocationsMax;

    /// <summary>Wide holds waiting at most; beyond that, callers are told to retry.</summary>
    public int WideQueueCapacity { get; set; } = 100;

    /// <summary>
    /// Loops deciding the narrow lane's batches side by side: while one batch commits, the next
    /// reads what it decides on and waits for its rows, instead of starting only once the commit is done.
    /// </summary>
    public int NarrowWriters { get; set; } = 2;
}

/// <summary>
/// The write path for holds. Requests queue (bounded, in a narrow and a wide lane: see
/// <see cref="HoldQueue{T}"/>) and are drained in batches; each batch is
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

    private readonly ReservationProbe _probe;

    public HoldWriter(IStockStore store, HoldWriterOptions options)
    {
        _store = store;
        _options = options;
        _probe = new ReservationProbe(store);
        _queue = new HoldQueue<Pending>(options);
        Telemetry.Meter.CreateObservableGauge("stockroom.writer.queue.depth", () => QueueDepth, "{request}", "Hold requests waiting for a batch.");
    }

    private readonly HoldQueue<Pending> _queue;

    /// <summary>Times a batch is decided again after losing a unique key or a deadlock, before it is split.</summary>
    private const int AttemptsMax = 4;

    private sealed record Pending(HoldSubmission Submission, TaskCompletionSource<HoldResult> Answer);

    /// <summary>Requests waiting for a batch.</summary>
    public int QueueDepth => _queue.Count;

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

        var footprint = await FootprintAsync(submission, cancellationToken);
        // A retry of a hold taken before its group grew past the bound still gets its reservation back, from the batch.
        if (footprint.Positions > Limits.HoldPositionsMax && (await _store.GetReservationsAsync([submission.Id], cancellationToken)).Count == 0)
        {
            Telemetry.Hold("unprocessable");
            return new HoldResult.Unprocessable(new Dictionary<string, string[]>
            {
                ["lines"] = [$"this hold may take units from {footprint.Positions:N0} positions (each line counts the locations it may take units from); "
                    + $"one hold covers at most {Limits.HoldPositionsMax:N0}: name a location or a smaller group, or split the hold"],
            });
        }

        var pending = new Pending(submission, new TaskCompletionSource<HoldResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.TryAdd(pending, footprint))
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
    /// is refused here, without waiting for the writer, a transaction or a lock. The look-up of
    /// its id, shared with the refusals asking at the same time (<see cref="ReservationProbe"/>),
    /// is what keeps it idempotent: a retry of a hold that succeeded earlier gets its
    /// reservation back rather than a refusal.
    /// </summary>
    private async Task<bool> IsKnownSoldOutAsync(HoldSubmission submission, CancellationToken cancellationToken) =>
        !submission.Terms.AllowBackorder
        && submission.Lines.All(l => _store.SoldOut.IsSoldOut(l.Sku, HoldResolver.ScopeOf(l, submission.Channel)))
        && !await _probe.IsOnRecordAsync(submission.Id, cancellationToken);

    /// <summary>
    /// What the hold may lock, from the channel and groups in the catalog cache: its weight in a
    /// batch, and whether it is refused as too wide before it waits for one.
    /// </summary>
    private async ValueTask<HoldFootprint> FootprintAsync(HoldSubmission submission, CancellationToken cancellationToken)
    {
        if (!HoldFootprint.NeedsGroups(submission.Lines))
        {
            return HoldFootprint.Of(submission.Lines, null, _ => null);
        }

        var channelGroup = (await _store.CachedChannelsAsync([submission.Channel], cancellationToken)).SingleOrDefault()?.Group;
        var named = submission.Lines.Where(l => l.Location is null).Select(l => l.Group ?? channelGroup).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var groups = (await _store.CachedGroupsAsync(named, cancellationToken)).ToDictionary(g => g.Id, g => g.Locations.Count, StringComparer.Ordinal);
        return HoldFootprint.Of(submission.Lines, channelGroup, id => groups.TryGetValue(id, out var size) ? size : null);
    }

    /// <summary>Stops taking requests; <see cref="RunAsync"/> finishes the ones queued and returns.</summary>
    public void Complete() => _queue.Complete();

    /// <summary>
    /// Decides batches until <see cref="Complete"/> is called and the queue is empty. A batch once
    /// taken is finished, not cancelled: its callers are waiting for their answers.
    /// </summary>
    public Task RunAsync() =>
        Task.WhenAll([.. Enumerable.Range(0, Math.Max(1, _options.NarrowWriters)).Select(_ => DrainAsync(_queue.Narrow)), DrainAsync(_queue.Wide)]);

    /// <summary>
    /// Decides one lane's batches, one after another. The two lanes' batches run side by side like
    /// two processes' writers: each locks its positions in the global order, so they wait for one
    /// another only where they share rows.
    /// </summary>
    private async Task DrainAsync(HoldLane<Pending> lane)
    {
        // Off the caller's thread, so that the lanes run side by side from the start.
        await Task.Yield();
        var batch = new List<Pending>(_options.BatchSizeMax);
        while (await lane.WaitAsync())
        {
            batch.Clear();
            lane.Take(batch);
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

    /// <summary>
    /// One batch, one transaction: the core decides (<see cref="HoldBatch"/>); this reads what it
    /// decides on, locks, writes and answers.
    /// </summary>
    private async Task DecideAndWriteAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var phases = new Telemetry.BatchPhases();
        using var activity = Telemetry.Source.StartActivity("hold-writer.batch");
        activity?.SetTag("stockroom.batch.size", batch.Count);
        var submissions = batch.ConvertAll(p => p.Submission);
        var resolver = await HoldResolver.LoadAsync(_store, [.. submissions.Select(s => s.Channel)], [.. submissions.SelectMany(s => s.Lines)], cancellationToken);
        phases.End(Telemetry.BatchPhases.Catalog);
        await using var write = await _store.BeginWriteAsync(cancellationToken);
        phases.End(Telemetry.BatchPhases.Begin);
        var triage = HoldBatch.Triage(submissions, await OnRecordAsync(write, submissions.Select(s => s.Id), cancellationToken), resolver);
        Answer(batch, triage.Answered);
        phases.End(Telemetry.BatchPhases.Ids);
        var locked = await write.LockPositionsAsync(triage.Positions, cancellationToken);
        phases.End(Telemetry.BatchPhases.Lock);
        var plan = HoldBatch.Plan(triage, locked, resolver, write.Now, _options.DefaultHoldSeconds);
        if (plan.Refused.Count > 0)
        {
            // Read again under the locks: another process may have stored a refused id meanwhile (issue 15).
            plan = plan.Reconsider(await OnRecordAsync(write, plan.RefusedIds, cancellationToken));
        }

        if (plan.BackorderPositions is { Count: > 0 } waiting)
        {
            plan = plan.WithBackorderDates(await write.ReadInboundAsync(waiting, cancellationToken), resolver, write.Now);
        }

        phases.End(Telemetry.BatchPhases.Decide);
        await WriteAsync(write, locked, plan, cancellationToken);
        phases.End(Telemetry.BatchPhases.Write);
        foreach (var (sku, scope) in plan.SoldOut)
        {
            _store.SoldOut.MarkSoldOut(sku, scope);
        }

        // Counted before anyone is answered, so that an answer never runs ahead of the figures.
        Statistics.RecordBatch(batch.Count, plan.Created.Count);
        Telemetry.BatchSize.Record(batch.Count);
        Telemetry.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);

        // Refusals too are answered only after the commit, so that the lost demand they record is there once the caller hears.
        Answer(batch, plan.Answers());
    }

    /// <summary>
    /// Writes the batch's reservations, positions and lost demand, and commits. Refusals made
    /// before the queue (sold-out scopes) ride along with the batch; should the commit fail, they
    /// are kept for the rerun. A batch that made nothing and lost nothing writes nothing.
    /// </summary>
    private async Task WriteAsync(IStockWrite write, IReadOnlyDictionary<PositionKey, Position> locked, HoldPlan plan, CancellationToken cancellationToken)
    {
        foreach (var made in plan.Created)
        {
            write.Record(ReservationEvents.Created, made.Reservation);
        }

        var fastRefusals = LostDemand.Drain(DateOnly.FromDateTime(write.Now.UtcDateTime));
        List<Core.Insights.DemandDay> lost = [.. plan.Lost, .. fastRefusals];
        if (plan.Created.Count == 0 && lost.Count == 0)
        {
            return;
        }

        try
        {
            // Queued, and sent with the ledger's append in the commit's round trip.
            write.WritePositionsLater([.. locked.Values.Select(before => (before, plan.Positions[before.Key]))]);
            write.InsertReservationsLater([.. plan.Created.Select(c => new StoredReservation(c.Reservation, plan.Triage.Batch[c.Index].RequestHash))]);
            write.AddDemandLater(lost);
            await write.CommitAsync(cancellationToken);
        }
        catch
        {
            LostDemand.Restore(fastRefusals);
            throw;
        }
    }

    private static async Task<IReadOnlyDictionary<string, HoldOnRecord>> OnRecordAsync(IStockWrite write, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var found = await write.FindReservationsAsync([.. ids.Distinct(StringComparer.Ordinal)], forUpdate: false, cancellationToken);
        return found.ToDictionary(f => f.Key, f => new HoldOnRecord(f.Value.Reservation, f.Value.RequestHash), StringComparer.Ordinal);
    }

    private static void Answer(List<Pending> batch, IEnumerable<HoldAnswer> answers)
    {
        foreach (var (index, result) in answers)
        {
            batch[index].Answer.TrySetResult(result);
        }
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
