using System.Threading.RateLimiting;
using Stockroom.Core;

namespace Stockroom.Features.Availability;

/// <summary>How many wide availability reads run at once, and how many may wait. Configured as <c>Stockroom:Reads</c>.</summary>
public sealed class WideReadOptions
{
    /// <summary>Wide reads answered at once; by default one per processor, so that they cannot take every core from holds.</summary>
    public int ConcurrentMax { get; set; } = Environment.ProcessorCount;

    /// <summary>Wide reads waiting for a turn; beyond, 503 with Retry-After.</summary>
    public int QueueMax { get; set; } = 4 * Environment.ProcessorCount;
}

/// <summary>
/// The gate for availability reads that cover many positions. Each costs CPU and memory in
/// proportion to SKUs × locations; eight answered at once took 55 s each and 1.9 GB, while the
/// product pages behind them waited. Reads below <see cref="CellsFrom"/> never wait here.
/// </summary>
public sealed class WideReads : IDisposable
{
    /// <summary>Positions from which a read counts as wide: ten 1,000-location groups' worth of one SKU.</summary>
    public const int CellsFrom = 10_000;

    private readonly ConcurrencyLimiter _limiter;

    public WideReads(WideReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ConcurrentMax <= 0 || options.QueueMax < 0)
        {
            throw new SettingException("Stockroom:Reads:ConcurrentMax must be positive and Stockroom:Reads:QueueMax zero or more.");
        }

        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.ConcurrentMax,
            QueueLimit = options.QueueMax,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>A turn for a read over <paramref name="cells"/> positions: at once when it is narrow; not acquired when too many wait.</summary>
    public async ValueTask<RateLimitLease> EnterAsync(long cells, CancellationToken cancellationToken)
    {
        Invariant.Require(cells <= Limits.AvailabilityCellsMax, "a read is bounded before it asks for a turn");
        return cells < CellsFrom ? Narrow.Instance : await _limiter.AcquireAsync(1, cancellationToken);
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>The lease of a read too narrow to wait.</summary>
    private sealed class Narrow : RateLimitLease
    {
        public static readonly Narrow Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
