using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Stockroom.Storage;

/// <summary>
/// Stockroom's own instruments, exported at <c>/metrics</c>: holds by outcome, the writer's
/// batches and queue, and the commands sent to the database (one round trip each, or part of one).
/// </summary>
public static class Telemetry
{
    public const string Name = "Stockroom";

    public static readonly Meter Meter = new(Name);
    public static readonly ActivitySource Source = new(Name);

    public static readonly Counter<long> Holds = Meter.CreateCounter<long>("stockroom.holds", "{hold}", "Hold requests answered, by outcome.");
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("stockroom.writer.batch.size", "{request}", "Requests decided per writer transaction.");
    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("stockroom.writer.batch.duration", "ms", "Time per writer transaction, from catalog read to commit.");
    public static readonly Counter<long> Commands = Meter.CreateCounter<long>("stockroom.db.commands", "{command}", "Commands sent to the database.");
    public static readonly Counter<long> Commits = Meter.CreateCounter<long>("stockroom.db.commits", "{commit}", "Write transactions committed.");

    public static readonly Counter<long> IntakeDeliveries = Meter.CreateCounter<long>("stockroom.intake.deliveries", "{delivery}", "Marketplace orders delivered to intake, by format and outcome.");
    public static readonly Counter<long> IntakeDeliveriesUnrecorded = Meter.CreateCounter<long>("stockroom.intake.deliveries.unrecorded", "{delivery}", "Intake deliveries the audit trail failed to record.");

    public static void IntakeDelivery(string format, string outcome) =>
        IntakeDeliveries.Add(1, new KeyValuePair<string, object?>("format", format), new KeyValuePair<string, object?>("outcome", outcome));

    public static void Hold(string outcome) => Holds.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
