using System.Diagnostics;
using System.Diagnostics.Metrics;
using Stockroom.Core.Alerts;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Storage;

namespace Stockroom.Observability;

/// <summary>
/// Counts what the ledger says happened, from the events this process commits: holds that
/// expired and stock alerts (sell-outs among them). Counting committed events rather than
/// attempts means a rolled-back transaction is never counted, and each event is counted once,
/// by the process that wrote it; summed over processes, the counters are the ledger's own totals.
/// </summary>
public sealed class LedgerMetrics : IDisposable
{
    private static readonly HashSet<string> AlertTypes = new(StringComparer.Ordinal)
    {
        StockAlerts.SoldOut, StockAlerts.BackInStock, StockAlerts.Low, StockAlerts.ShortageDetected,
    };

    private readonly IStockStore _store;

    public LedgerMetrics(IStockStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        store.Ledger.Committed += OnCommitted;
    }

    public void Dispose() => _store.Ledger.Committed -= OnCommitted;

    private static void OnCommitted(IReadOnlyList<LedgerEvent> events)
    {
        var expired = 0;
        foreach (var e in events)
        {
            if (e.Type == ReservationEvents.Expired)
            {
                expired++;
            }
            else if (AlertTypes.Contains(e.Type))
            {
                Telemetry.StockAlert(e.Type);
            }
        }

        if (expired > 0)
        {
            Telemetry.ReservationsExpired.Add(expired);
        }
    }
}

/// <summary>
/// The holds open in the store (pending, active, partial, backordered), by status, as a gauge. It
/// is the store's figure, the same from every process. Scrapes never wait for the database: each
/// answers the last count, and one older than <see cref="RefreshInterval"/> starts a new count in
/// the background (one at a time), so the database is asked at most once per interval however
/// often the gauge is read, and not at all while nobody reads it.
/// </summary>
public sealed partial class OpenHolds : IDisposable
{
    /// <summary>How old a count may be before a read starts a new one.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private static readonly string[] Statuses = ["pending", "active", "partial", "backordered"];

    private readonly IStockStore _store;
    private readonly ILogger<OpenHolds> _logger;
    private IReadOnlyDictionary<string, long>? _counts;
    // Stopwatch ticks, not the injected clock: the interval bounds load on the database in real
    // time, whatever time the business logic is told it is.
    private long _countedAt;
    private int _counting;
    private bool _disposed;

    public OpenHolds(IStockStore store, ILogger<OpenHolds> logger)
    {
        _store = store;
        _logger = logger;
        // The meter outlives this object (it is static); once disposed, the callback reports nothing.
        Telemetry.Meter.CreateObservableGauge<long>("stockroom.reservations.open", Observe, "{reservation}",
            "Holds open in the store (not yet ordered, released, declined or expired), by status; counted at most every 5 s.");
    }

    public IEnumerable<Measurement<long>> Observe()
    {
        if (Volatile.Read(ref _disposed))
        {
            return [];
        }

        var counts = Volatile.Read(ref _counts);
        if (counts is null || Stopwatch.GetElapsedTime(Interlocked.Read(ref _countedAt)) > RefreshInterval)
        {
            StartCount();
        }

        return counts is null ? [] : Statuses.Select(s => new Measurement<long>(counts.GetValueOrDefault(s), new KeyValuePair<string, object?>("status", s)));
    }

    /// <summary>Counts now and waits for it: what a read after this answers.</summary>
    public async Task CountAsync(CancellationToken cancellationToken)
    {
        // Read from the index on (status, id), not the rows.
        var rows = await _store.QueryAsync(
            "SELECT status, COUNT(*) FROM reservations WHERE status IN ('pending', 'active', 'partial', 'backordered') GROUP BY status",
            _ => { }, r => (Status: r.GetString(0), Count: r.GetInt64(1)), cancellationToken);
        Volatile.Write(ref _counts, rows.ToDictionary(r => r.Status, r => r.Count, StringComparer.Ordinal));
        Interlocked.Exchange(ref _countedAt, Stopwatch.GetTimestamp());
    }

    public void Dispose() => Volatile.Write(ref _disposed, true);

    private void StartCount()
    {
        if (Interlocked.CompareExchange(ref _counting, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await CountAsync(CancellationToken.None);
            }
            catch (Exception exception) when (exception is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
            {
                // The gauge keeps its last count; the next read tries again.
                LogCountFailed(_logger, exception);
            }
            finally
            {
                Volatile.Write(ref _counting, 0);
            }
        });
    }

    [LoggerMessage(70, LogLevel.Warning, "Counting the open holds for the metrics failed; the gauge keeps its last count")]
    private static partial void LogCountFailed(ILogger logger, Exception exception);
}
