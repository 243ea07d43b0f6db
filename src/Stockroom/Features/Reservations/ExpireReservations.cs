using Stockroom.Core.Demand;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>
/// Expires holds whose time ran out, including any that ran out while the server was down: the
/// sweep runs at start-up and then every second. Each sweep locks the reservations it takes with
/// SKIP LOCKED, so several processes share the work and each expiry happens once.
/// </summary>
public sealed class ReservationExpiry(IStockStore store, TimeProvider time)
{
    /// <summary>Reservations expired per transaction, to keep each short.</summary>
    public const int SweepBatchMax = 500;

    /// <summary>Expires everything due now; returns how many reservations expired.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var due = await Writes.RetryAsync(store, async () =>
            {
                await using var write = await store.BeginWriteAsync(cancellationToken);
                var due = await write.LockExpiredReservationsAsync(time.GetUtcNow(), SweepBatchMax, cancellationToken);
                if (due.Count > 0)
                {
                    await ReleaseHolds.WriteAsync(write, [.. due.Select(r => ReservationLifecycle.Expire(r, write.Now)).OfType<ReservationTransition.Applied>()],
                        cancellationToken);
                    await write.CommitAsync(cancellationToken);
                }

                return due.Count;
            });
            total += due;
            if (due < SweepBatchMax)
            {
                return total;
            }
        }
    }
}

internal sealed partial class ExpiryWorker(ReservationExpiry expiry, TimeProvider time, ILogger<ExpiryWorker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var expired = await expiry.SweepAsync(stoppingToken);
                if (expired > 0)
                {
                    LogExpired(logger, expired);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A failed sweep (the database restarting, say) is retried on the next tick.
                LogSweepFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(20, LogLevel.Information, "Expired {Count} reservations")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(21, LogLevel.Warning, "Expiry sweep failed; retrying on the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
