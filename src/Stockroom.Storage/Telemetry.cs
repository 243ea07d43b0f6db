using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Stockroom.Storage;

/// <summary>
/// Stockroom's own instruments, exported at <c>/metrics</c> and over OTLP: holds by outcome, the
/// writer's batches and queue, the commands sent to the database (one round trip each, or part of
/// one), and what the business watches: expiries, sell-outs, intake deliveries and webhook attempts.
/// Units are base units (seconds, not milliseconds), so that Prometheus names end in <c>_seconds</c>.
/// </summary>
public static class Telemetry
{
    public const string Name = "Stockroom";

    public static readonly Meter Meter = new(Name);
    public static readonly ActivitySource Source = new(Name);

    public static readonly Counter<long> Holds = Meter.CreateCounter<long>("stockroom.holds", "{hold}", "Hold requests answered, by outcome.");
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("stockroom.writer.batch.size", "{request}", "Requests decided per writer transaction.");
    // In seconds, with the buckets the framework gives its own request durations: the default buckets (0 to 10,000) suit milliseconds.
    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram("stockroom.writer.batch.duration", "s", "Time per writer transaction, from catalog read to commit.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10] });
    public static readonly Histogram<double> BatchPhaseDuration = Meter.CreateHistogram("stockroom.writer.batch.phase.duration", "s",
        "Time per hold batch by phase: catalog, begin (SQLite: waiting for the write lock), ids (the batch's ids on record), lock (the positions, waiting for any batch that holds them), decide, write (statements, ledger and commit).",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    public static readonly Counter<long> Commands = Meter.CreateCounter<long>("stockroom.db.commands", "{command}", "Commands sent to the database.");
    public static readonly Counter<long> Commits = Meter.CreateCounter<long>("stockroom.db.commits", "{commit}", "Write transactions committed.");

    public static readonly Counter<long> IntakeDeliveries = Meter.CreateCounter<long>("stockroom.intake.deliveries", "{delivery}", "Marketplace orders delivered to intake, by format and outcome.");
    public static readonly Counter<long> IntakeDeliveriesUnrecorded = Meter.CreateCounter<long>("stockroom.intake.deliveries.unrecorded", "{delivery}", "Intake deliveries the audit trail failed to record.");

    public static readonly Counter<long> ReservationsExpired = Meter.CreateCounter<long>(
        "stockroom.reservations.expired", "{reservation}", "Holds released because their time ran out, by the process that released them.");

    public static readonly Counter<long> StockAlerts = Meter.CreateCounter<long>(
        "stockroom.stock.alerts", "{alert}", "Stock alerts raised, by type: stock.soldOut, stock.backInStock, stock.low, shortage.detected.");

    public static readonly Counter<long> WebhookAttempts = Meter.CreateCounter<long>(
        "stockroom.webhook.attempts", "{attempt}", "Webhook delivery attempts, by subscription (webhook id) and outcome: delivered or failed.");

    public static readonly Counter<long> ConnectorPushes = Meter.CreateCounter<long>(
        "stockroom.connector.pushes", "{push}", "Batches pushed to marketplaces by channel connectors, by kind and outcome: delivered, throttled, failed or refused.");

    public static void ConnectorPush(string kind, string outcome) =>
        ConnectorPushes.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", outcome));

    public static void IntakeDelivery(string format, string outcome) =>
        IntakeDeliveries.Add(1, new KeyValuePair<string, object?>("format", format), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>
    /// Times the phases of one writer transaction: each <see cref="End"/> records the time since the
    /// previous one (or the start) under the phase's name.
    /// </summary>
    public struct BatchPhases()
    {
        public const string Catalog = "catalog", Begin = "begin", Ids = "ids", Lock = "lock", Decide = "decide", Write = "write";

        /// <summary>The phases in the order a batch goes through them.</summary>
        public static readonly IReadOnlyList<string> Names = [Catalog, Begin, Ids, Lock, Decide, Write];

        private long _last = Stopwatch.GetTimestamp();

        public void End(string phase)
        {
            var now = Stopwatch.GetTimestamp();
            BatchPhaseDuration.Record(Stopwatch.GetElapsedTime(_last, now).TotalSeconds, new KeyValuePair<string, object?>("phase", phase));
            _last = now;
        }
    }

    public static void Hold(string outcome) => Holds.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public static void StockAlert(string type) => StockAlerts.Add(1, new KeyValuePair<string, object?>("type", type));

    /// <summary>One attempt to deliver to a subscription; the label set is bounded by the number of subscriptions.</summary>
    public static void WebhookAttempt(string webhook, bool delivered) =>
        WebhookAttempts.Add(1, new KeyValuePair<string, object?>("webhook", webhook), new KeyValuePair<string, object?>("outcome", delivered ? "delivered" : "failed"));
}
