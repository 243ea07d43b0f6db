using Stockroom.Storage;

namespace Stockroom.Features.Availability;

/// <summary>
/// Keeps <see cref="StockModel"/> current with what other processes commit: reads the ledger
/// after the applied sequence every <see cref="PollInterval"/>, or at once when this process's
/// own commit arrived ahead of a gap. One small indexed query per poll when nothing changed.
/// </summary>
public sealed partial class StockModelFollower(StockModel model, IStockStore store, ILogger<StockModelFollower> logger) : BackgroundService
{
    /// <summary>How long another process's commit may take to reach reads here, at most, plus one query.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Events read per query; a longer backlog is read page after page without waiting.</summary>
    public const int PageSize = 1_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!model.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!model.Ready)
                {
                    model.Start((await store.ReadLedgerHeadAsync(stoppingToken)).Sequence);
                }

                var events = await store.ReadEventsAsync(model.Applied, PageSize, stoppingToken);
                model.Follow(events);
                if (events.Count < PageSize)
                {
                    await model.WaitForWorkAsync(PollInterval, stoppingToken);
                }
            }
            // Stopping, or disposed without a stop (the host then takes a throw for a crash).
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            // The follower outlives a database that is briefly away: it logs and polls again.
            catch (Exception exception)
            {
                FollowFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the ledger for availability in memory failed; retrying")]
    private static partial void FollowFailed(ILogger logger, Exception exception);
}
