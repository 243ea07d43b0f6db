using System.Threading.Channels;
using Stockroom.Core.Demand;

namespace Stockroom.Features.Reservations;

/// <summary>
/// The hold writer's queue, in two lanes. A batch is bounded in the positions it locks
/// (<see cref="HoldWriterOptions.BatchPositionsMax"/>), and takes at most one wide hold — one that
/// may lock more than <see cref="HoldWriterOptions.WideFrom"/> positions — before the narrow ones
/// waiting, in order. So a cart's one-unit hold waits for at most the batch in flight and one
/// wide hold beside it, never for every wide hold queued before it; and wide holds still move
/// one per batch however many narrow ones keep arriving.
/// </summary>
internal sealed class HoldQueue<T>
{
    private readonly Channel<(T Item, HoldFootprint Footprint)> _narrow;
    private readonly Channel<(T Item, HoldFootprint Footprint)> _wide;
    private readonly HoldWriterOptions _options;

    public HoldQueue(HoldWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _narrow = Lane(options.QueueCapacity);
        _wide = Lane(options.WideQueueCapacity);
    }

    private static Channel<(T, HoldFootprint)> Lane(int capacity) =>
        Channel.CreateBounded<(T, HoldFootprint)>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Requests waiting in both lanes.</summary>
    public int Count => _narrow.Reader.Count + _wide.Reader.Count;

    public bool IsWide(HoldFootprint footprint)
    {
        ArgumentNullException.ThrowIfNull(footprint);
        return footprint.Positions > _options.WideFrom;
    }

    /// <summary>Queues a request in its lane; false when that lane is full.</summary>
    public bool TryAdd(T item, HoldFootprint footprint) => (IsWide(footprint) ? _wide : _narrow).Writer.TryWrite((item, footprint));

    /// <summary>Takes no more requests; what is queued is still taken.</summary>
    public void Complete()
    {
        _narrow.Writer.TryComplete();
        _wide.Writer.TryComplete();
    }

    /// <summary>Waits until a request is queued (true) or both lanes are completed and empty (false).</summary>
    public async ValueTask<bool> WaitAsync()
    {
        if (_narrow.Reader.TryPeek(out _) || _wide.Reader.TryPeek(out _))
        {
            return true;
        }

        var narrow = _narrow.Reader.WaitToReadAsync().AsTask();
        var wide = _wide.Reader.WaitToReadAsync().AsTask();
        var first = await Task.WhenAny(narrow, wide);
        // A lane that completed empty answers false; the other may still bring work.
        return await first || await (first == narrow ? wide : narrow);
    }

    /// <summary>The next batch: one wide request if any waits, then narrow ones while the batch stays within its bounds.</summary>
    public void Take(List<T> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var parts = new HashSet<string>(StringComparer.Ordinal);
        var positions = 0;
        void Add((T Item, HoldFootprint Footprint) entry)
        {
            batch.Add(entry.Item);
            positions += AddedBy(entry.Footprint, parts);
            parts.UnionWith(entry.Footprint.Parts.Keys);
        }

        if (_wide.Reader.TryRead(out var wide))
        {
            Add(wide);
        }

        while (batch.Count < _options.BatchSizeMax && _narrow.Reader.TryPeek(out var next)
            && (batch.Count == 0 || positions + AddedBy(next.Footprint, parts) <= _options.BatchPositionsMax))
        {
            _narrow.Reader.TryRead(out next);
            Add(next);
        }
    }

    /// <summary>Positions a request adds to a batch: its parts the batch does not lock already.</summary>
    private static int AddedBy(HoldFootprint footprint, HashSet<string> parts) =>
        footprint.Parts.Where(p => !parts.Contains(p.Key)).Sum(p => p.Value);
}
