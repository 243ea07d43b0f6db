using Stockroom.Core.Availability;
using Stockroom.Core.Catalog;
using Stockroom.Core.Insights;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Demand;

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

/// <summary>A reservation already stored under a submission's id, with the hash of the request that made it.</summary>
public sealed record HoldOnRecord(Reservation Reservation, string RequestHash);

/// <summary>The answer to the submission at <c>Index</c> of a batch.</summary>
public readonly record struct HoldAnswer(int Index, HoldResult Result);

/// <summary>A submission of a batch to decide against stock, with its lines resolved.</summary>
public sealed record HoldToDecide(int Index, HoldSubmission Submission, IReadOnlyList<ResolvedLine> Lines);

/// <summary>
/// A batch sorted before any position is locked: the submissions answered already (replays and
/// clashes of stored reservations, unprocessable ones), those to decide, and later copies of an id
/// in the batch (<c>Repeats</c>: index to the index of the first), which get the first one's answer.
/// </summary>
public sealed record HoldTriage(IReadOnlyList<HoldSubmission> Batch, IReadOnlyList<HoldAnswer> Answered, IReadOnlyList<HoldToDecide> ToDecide,
    IReadOnlyDictionary<int, int> Repeats)
{
    /// <summary>Every position the submissions to decide may take units from: what the writer locks.</summary>
    public IReadOnlyList<PositionKey> Positions => ResolvedLine.Positions(ToDecide.SelectMany(d => d.Lines));
}

/// <summary>A reservation a batch made, for the submission at <c>Index</c>.</summary>
public sealed record HoldMade(int Index, Reservation Reservation);

/// <summary>A submission a batch refused for want of stock, its answer, and the demand it lost.</summary>
public sealed record HoldRefusal(int Index, HoldResult Answer, IReadOnlyList<DemandDay> Lost);

/// <summary>
/// A batch decided: the positions after every hold it made, the reservations made (in the order
/// decided), the refusals, the demand that partial holds could not cover, and the scopes left with
/// nothing at all to promise.
/// </summary>
public sealed record HoldPlan(
    HoldTriage Triage,
    IReadOnlyDictionary<PositionKey, Position> Positions,
    IReadOnlyList<HoldMade> Created,
    IReadOnlyList<HoldRefusal> Refused,
    IReadOnlyList<DemandDay> PartialLost,
    IReadOnlyList<(string Sku, string Scope)> SoldOut)
{
    /// <summary>Demand lost by this batch: the uncovered part of partial holds, then the shortfall of refusals.</summary>
    public IReadOnlyList<DemandDay> Lost => [.. PartialLost, .. Refused.SelectMany(r => r.Lost)];

    public IReadOnlyList<string> RefusedIds => [.. Refused.Select(r => Triage.Batch[r.Index].Id)];

    /// <summary>Where the reservations made wait for supply.</summary>
    public IReadOnlyList<PositionKey> BackorderPositions => ReservationLifecycle.BackorderPositions(Created.Select(c => c.Reservation));

    /// <summary>
    /// A refusal is never the last word: another process may have stored a reservation under a
    /// refused submission's id while this batch waited for its positions. Read again under the
    /// locks, such a submission replays that reservation (or clashes with it), as a retry after it
    /// would, and loses no demand (issue 15).
    /// </summary>
    public HoldPlan Reconsider(IReadOnlyDictionary<string, HoldOnRecord> late)
    {
        ArgumentNullException.ThrowIfNull(late);
        return this with
        {
            Refused = [.. Refused.Select(r => late.TryGetValue(Triage.Batch[r.Index].Id, out var stored)
                ? new HoldRefusal(r.Index, HoldBatch.Replay(stored, Triage.Batch[r.Index]), [])
                : r)],
        };
    }

    /// <summary>Dates the backorders of the reservations made from the inbound supply of the positions they wait at.</summary>
    public HoldPlan WithBackorderDates(IReadOnlyList<InboundSupply> inbound, HoldResolver resolver, DateTimeOffset now) => this with
    {
        Created = [.. Created.Select(c => c.Reservation.Status != ReservationStatus.Backordered ? c
            : c with { Reservation = ReservationLifecycle.DateBackorders(c.Reservation, Positions, inbound, resolver, now) })],
    };

    /// <summary>
    /// The answers of the batch that were not given at triage: each reservation made, each
    /// refusal, and each repeat of an id, which replays the first copy's answer or, asked with a
    /// different request, clashes with it.
    /// </summary>
    public IReadOnlyList<HoldAnswer> Answers()
    {
        var decided = Created.Select(c => new HoldAnswer(c.Index, new HoldResult.Created(c.Reservation, Replayed: false)))
            .Concat(Refused.Select(r => new HoldAnswer(r.Index, r.Answer)))
            .ToList();
        var firsts = decided.Concat(Triage.Answered).ToDictionary(a => a.Index, a => a.Result);
        var repeats = Triage.Repeats.OrderBy(r => r.Key).Select(r => new HoldAnswer(r.Key, Repeat(Triage.Batch[r.Value], firsts[r.Value], Triage.Batch[r.Key])));
        List<HoldAnswer> answers = [.. decided, .. repeats];
        Invariant.Require(answers.Count + Triage.Answered.Count == Triage.Batch.Count, "every submission of a batch gets one answer");
        return answers;
    }

    private static HoldResult Repeat(HoldSubmission first, HoldResult answer, HoldSubmission repeat) =>
        first.RequestHash != repeat.RequestHash ? new HoldResult.Clash()
        : answer is HoldResult.Created made ? made with { Replayed = true }
        : answer;
}

/// <summary>
/// Decides a batch of holds as one: every request against the same locked positions, higher
/// priority first and then in arrival order, each seeing what the ones before it took, so the
/// batch commits at once without ever promising a unit twice. The writer around it reads, locks
/// and writes; every decision is here.
/// </summary>
public static class HoldBatch
{
    /// <summary>
    /// Sorts a batch before anything is locked: a submission whose id is on record replays that
    /// reservation (or clashes with it), a later copy of an id in the batch waits for the first's
    /// answer, one whose lines do not resolve is unprocessable, and the rest are to be decided.
    /// </summary>
    public static HoldTriage Triage(IReadOnlyList<HoldSubmission> batch, IReadOnlyDictionary<string, HoldOnRecord> onRecord, HoldResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(onRecord);
        ArgumentNullException.ThrowIfNull(resolver);
        var answered = new List<HoldAnswer>();
        var toDecide = new List<HoldToDecide>();
        var firstOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var repeats = new Dictionary<int, int>();
        for (var i = 0; i < batch.Count; i++)
        {
            var submission = batch[i];
            if (onRecord.TryGetValue(submission.Id, out var stored))
            {
                answered.Add(new HoldAnswer(i, Replay(stored, submission)));
            }
            else if (!firstOfId.TryAdd(submission.Id, i))
            {
                repeats[i] = firstOfId[submission.Id];
            }
            else if (resolver.Resolve(submission.Channel, submission.Lines) is (var lines, var errors) && errors is not null)
            {
                answered.Add(new HoldAnswer(i, new HoldResult.Unprocessable(errors)));
            }
            else
            {
                toDecide.Add(new HoldToDecide(i, submission, lines!));
            }
        }

        Invariant.Require(answered.Count + toDecide.Count + repeats.Count == batch.Count, "triage sorts every submission of a batch once");
        return new HoldTriage(batch, answered, toDecide, repeats);
    }

    /// <summary>
    /// Decides the submissions to decide against the <paramref name="locked"/> positions, higher
    /// priority first and then in arrival order. A refusal loses the shortfall of each line, a
    /// partial hold what it could neither hold nor backorder, on the day of <paramref name="now"/>.
    /// Scopes of <c>reserve</c> items whose every source has nothing left to promise to anyone
    /// are reported sold out.
    /// </summary>
    public static HoldPlan Plan(HoldTriage triage, IReadOnlyDictionary<PositionKey, Position> locked, HoldResolver resolver, DateTimeOffset now, int holdSecondsDefault)
    {
        ArgumentNullException.ThrowIfNull(triage);
        ArgumentNullException.ThrowIfNull(locked);
        ArgumentNullException.ThrowIfNull(resolver);
        var working = new Dictionary<PositionKey, Position>(locked);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var created = new List<HoldMade>();
        var refused = new List<HoldRefusal>();
        var partialLost = new List<DemandDay>();
        var scopes = new Dictionary<(string Sku, string Scope), (IReadOnlyList<LineSource> Sources, bool Reserve)>();

        // Higher priority first; among equals, first come first served (the sort is stable).
        foreach (var request in triage.ToDecide.OrderByDescending(d => d.Submission.Terms.Priority))
        {
            foreach (var line in request.Lines)
            {
                scopes[(line.Line.Sku, line.Scope)] = (line.Line.Sources, line.Item.Policy == StockPolicy.Reserve);
            }

            switch (ReservationLifecycle.Create(request.Submission.Terms, request.Lines, resolver, working, now, holdSecondsDefault))
            {
                case ReservationTransition.Refused shortage:
                    refused.Add(new HoldRefusal(request.Index, new HoldResult.Insufficient(shortage.Lines), [.. LostOfRefusal(request.Lines, shortage.Lines, today)]));
                    break;
                case ReservationTransition.Applied { Reservation: var made }:
                    if (made.Status == ReservationStatus.Partial)
                    {
                        partialLost.AddRange(LostOfPartialHold(request.Lines, made, today));
                    }

                    created.Add(new HoldMade(request.Index, made));
                    break;
                default:
                    throw new InvariantViolationException("a new hold is made or refused");
            }
        }

        // Only scopes of reserve-policy items with nothing left at all (not even for VIPs or
        // backorders' sake) are sold out; requests that may backorder never ask the cache.
        var soldOut = scopes.Where(s => s.Value.Reserve && s.Value.Sources.All(source => Atp.Promisable(working[new PositionKey(s.Key.Sku, source.Location)], 0) == 0))
            .Select(s => s.Key).ToList();
        Invariant.Require(created.Count + refused.Count == triage.ToDecide.Count, "every submission to decide is held or refused");
        return new HoldPlan(triage, working, created, refused, partialLost, soldOut);
    }

    internal static HoldResult Replay(HoldOnRecord stored, HoldSubmission submission) =>
        stored.RequestHash == submission.RequestHash ? new HoldResult.Created(stored.Reservation, Replayed: true) : new HoldResult.Clash();

    /// <summary>
    /// The shortfall of each line of a refused request, where it was asked. A line asked of one
    /// location (or of a group with one source) is counted there; one asked of a group or channel,
    /// under location <c>''</c>, since no single location failed it. Only the shortfall counts:
    /// units that were there and simply not taken because the rest could not be held were not lost.
    /// </summary>
    private static IEnumerable<DemandDay> LostOfRefusal(IReadOnlyList<ResolvedLine> lines, IReadOnlyList<LineOutcome> outcomes, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(outcomes);
        Invariant.Require(lines.Count == outcomes.Count, "a refusal answers every line");
        return lines.Select((line, i) => new DemandDay(day, line.Line.Sku, LostAt(line), 0, outcomes[i].Shortfall)).Where(d => d.Lost > 0);
    }

    /// <summary>The part of each line of a partial hold that could be neither held nor backordered.</summary>
    private static IEnumerable<DemandDay> LostOfPartialHold(IReadOnlyList<ResolvedLine> lines, Reservation reservation, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(reservation);
        return reservation.Lines.Zip(lines, (held, line) => new DemandDay(day, held.Sku, LostAt(line), 0, held.Requested - held.Reserved - held.Backordered))
            .Where(d => d.Lost > 0);
    }

    private static string LostAt(ResolvedLine line) =>
        line.Location ?? (line.Line.Sources.Count == 1 ? line.Line.Sources[0].Location : "");
}
