using System.Text.Json;
using Stockroom.Features.Intake;
using Stockroom.Storage;

namespace Stockroom.Features.Connectors;

/// <summary>
/// Reads the orders of marketplaces that do not push them, for every connector whose kind has an
/// <see cref="IOrderPoller"/>, and takes each through the same intake as <c>POST /v1/intake/{format}</c>.
/// A page's cursor is stored only after every order of it was taken, so a crash in between reads
/// the page again and intake's idempotency per marketplace order keeps each order once. One process
/// at a time polls a connector: it holds a lease on the connector's cursor row.
/// </summary>
public sealed partial class OrderPolling(IStockStore store, IConnectorDirectory directory, IEnumerable<IOrderPoller> pollers, IHttpClientFactory clients,
    IConfiguration configuration, TimeProvider time, ILogger<OrderPolling> logger)
{
    public const string HttpClientName = "Stockroom.Connectors.Polling";

    /// <summary>One marketplace request at most; a page of orders with its items is well within it.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Pages read for one connector in one pass; a connector with more waiting is due again at once.</summary>
    public const int PagesPerPass = 20;

    /// <summary>A new connector's first poll reads the orders changed this long before it.</summary>
    public static readonly TimeSpan FirstLookBack = TimeSpan.FromDays(1);

    /// <summary>How long a claim holds: longer than a page's marketplace calls and intake take, short enough that a dead process's claim soon runs out.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>A failing connector waits this long after its first failure, doubled with each further one up to <see cref="BackOffMax"/>.</summary>
    public static readonly TimeSpan BackOffMin = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan BackOffMax = TimeSpan.FromHours(1);

    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    private readonly Dictionary<ConnectorKind, IOrderPoller> _pollers = pollers.ToDictionary(p => p.Kind);

    /// <summary>The pause between two polls of a connector that is caught up.</summary>
    public TimeSpan Every { get; } = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Stockroom:Connectors:PollEverySeconds", 60)));

    /// <summary>Polls every connector that is due and not claimed by another process; returns the orders handed to intake, repeats included.</summary>
    public async Task<int> PollDueAsync(CancellationToken cancellationToken)
    {
        var taken = 0;
        foreach (var connector in await directory.ListAsync(cancellationToken))
        {
            if (_pollers.TryGetValue(connector.Kind, out var poller))
            {
                taken += await PollAsync(connector, poller, cancellationToken);
            }
        }

        return taken;
    }

    private async Task<int> PollAsync(ConnectorSettings connector, IOrderPoller poller, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var claimed = await store.ClaimPollingAsync(connector.Channel, connector.Kind, poller.InitialCursor(now - FirstLookBack), _owner, now, now + Lease,
            cancellationToken);
        if (claimed is null)
        {
            return 0;
        }

        var http = clients.CreateClient(HttpClientName);
        var cursor = claimed.Cursor;
        var taken = 0;
        for (var page = 1; ; page++)
        {
            PolledOrders? polled;
            PushOutcome? problem;
            try
            {
                (polled, problem) = await poller.PollAsync(http, connector, cursor, cancellationToken);
                if (polled is not null)
                {
                    foreach (var order in polled.Orders)
                    {
                        await IntakeApi.TakePolledAsync(poller.IntakeFormat, order, store, logger, cancellationToken);
                        taken++;
                    }
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A store failure mid-page, or a marketplace that did not answer in time: the page is read again.
                LogPollFailed(logger, connector.Channel, connector.Kind, exception);
                (polled, problem) = (null, new PushOutcome.Failed(true, null, exception.Message));
            }

            now = time.GetUtcNow();
            if (polled is null)
            {
                var (failed, status, body, next) = problem switch
                {
                    PushOutcome.Throttled throttled => (false, (int?)429, (string?)null, now + throttled.RetryAfter),
                    PushOutcome.Failed failure => (true, failure.Status, Bounded(failure.Body), now + BackOff(claimed.FailuresInARow + 1)),
                    _ => (true, null, "the poller answered neither a page nor why", now + BackOff(claimed.FailuresInARow + 1)),
                };
                if (problem is PushOutcome.Failed { Status: var refusedStatus, Body: var refusedBody })
                {
                    LogPollRefused(logger, connector.Channel, connector.Kind, refusedStatus, Bounded(refusedBody));
                }

                await store.SaveProblemAsync(connector.Channel, connector.Kind, _owner, failed, status, body, next, CancellationToken.None);
                return taken;
            }

            // More waiting and this pass still has room: keep the lease and read on at once.
            var more = polled.More && page < PagesPerPass;
            var saved = await store.SaveCursorAsync(connector.Channel, connector.Kind, _owner, polled.Cursor, now,
                polled.More ? now : now + Every, more ? now + Lease : null, CancellationToken.None);
            if (!saved)
            {
                // The lease ran out and another process claimed the connector: it reads on from the cursor it found.
                LogLeaseLost(logger, connector.Channel, connector.Kind);
                return taken;
            }

            if (!more)
            {
                return taken;
            }

            cursor = polled.Cursor;
        }
    }

    private static TimeSpan BackOff(int failures) =>
        TimeSpan.FromTicks(Math.Min(BackOffMax.Ticks, BackOffMin.Ticks << Math.Min(failures - 1, 20)));

    private static string Bounded(string body) =>
        body.Length <= PushOutcome.Failed.BodyLengthMax ? body : body[..PushOutcome.Failed.BodyLengthMax];

    [LoggerMessage(140, LogLevel.Warning, "Polling the orders of channel {Channel} ({Kind}) failed; the page is read again after a back-off")]
    private static partial void LogPollFailed(ILogger logger, string channel, ConnectorKind kind, Exception exception);

    [LoggerMessage(141, LogLevel.Warning, "The marketplace refused polling the orders of channel {Channel} ({Kind}): {Status} {Body}")]
    private static partial void LogPollRefused(ILogger logger, string channel, ConnectorKind kind, int? status, string body);

    [LoggerMessage(142, LogLevel.Warning, "Another process took over polling the orders of channel {Channel} ({Kind})")]
    private static partial void LogLeaseLost(ILogger logger, string channel, ConnectorKind kind);
}

/// <summary>Runs <see cref="OrderPolling"/> every second; each connector is polled when it is due.</summary>
internal sealed partial class OrderPollingWorker(OrderPolling polling, TimeProvider time, ILogger<OrderPollingWorker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await polling.PollDueAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(143, LogLevel.Warning, "Polling marketplace orders failed; retrying on the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
