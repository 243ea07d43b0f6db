using System.Threading.Channels;
using Stockroom.Core.Demand;

namespace Stockroom.Features.Reservations;

/// <summary>
/// The hold writer's queue, in two lanes decided side by side. A hold that may lock more than
/// <see cref="HoldWriterOptions.WideFrom"/> positions waits in the wide lane; every other in the
/// narrow one. Each lane is drained in batches of its own, bounded in count and in the positions
/// they lock, by a loop of its own. So a cart's one-unit hold never waits behind wide holds
/// queued before it: it waits only for rows a wide batch holds, and on SQLite, whose writes take
/// turns, for at most the one wide batch in flight.
/// </summary>
internal sealed class HoldQueue<T>
{
    private readonly HoldWriterOptions _options;

    public HoldQueue(HoldWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Narrow = new HoldLane<T>(options.QueueCapacity, options);
        Wide = new HoldLane<T>(options.WideQueueCapacity, options);
    }

    public HoldLane<T> Narrow { get; }

    public HoldLane<T> Wide { get; }

    /// <summary>Requests waiting in both lanes.</summary>
    public int Count => Narrow.Count + Wide.Count;

    public bool IsWide(HoldFootprint footprint)
    {
        ArgumentNullException.ThrowIfNull(footprint);
        return footprint.Positions > _options.WideFrom;
    }

    /// <summary>Queues a request in its lane; false when that lane is full or completed.</summary>
    public bool TryAdd(T item, HoldFootprint footprint) => (IsWide(footprint) ? Wide : Narrow).TryAdd(item, footprint);

    /// <summary>Takes no more requests; what is queued is still taken.</summary>
    public void Complete()
    {
        Narrow.Complete();
        Wide.Complete();
    }
}

/// <summary>One lane: a bounded queue whose batches stay within <see cref="HoldWriterOptions.BatchSizeMax"/> requests and <see cref="HoldWriterOptions.BatchPositionsMax"/> positions.</summary>
internal sealed class HoldLane<T>(int capacity, HoldWriterOptions options)
{
    private readonly Channel<(T Item, HoldFootprint Footprint)> _queue =
        Channel.CreateBounded<(T, HoldFootprint)>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });

    // A lane may have several loops taking batches; each batch is peeked and read as one.
    private readonly Lock _taking = new();

    public int Count => _queue.Reader.Count;

    public bool TryAdd(T item, HoldFootprint footprint) => _queue.Writer.TryWrite((item, footprint));

    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Waits until a request is queued (true) or the lane is completed and empty (false).</summary>
    public ValueTask<bool> WaitAsync() => _queue.Reader.WaitToReadAsync(CancellationToken.None);

    /// <summary>
    /// The next batch, in order, while it stays within its bounds; a first request wider than a
    /// batch still makes one alone. Positions count once per SKU and scope, so that holds on the
    /// same SKU over the same group — a flash sale — weigh together what they lock together.
    /// </summary>
    public void Take(List<T> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_taking)
        {
            TakeBounded(batch);
        }
    }

    private void TakeBounded(List<T> batch)
    {
        var parts = new HashSet<string>(StringComparer.Ordinal);
        var positions = 0;
        while (batch.Count < options.BatchSizeMax && _queue.Reader.TryPeek(out var next))
        {
            var added = next.Footprint.Parts.Where(p => !parts.Contains(p.Key)).Sum(p => p.Value);
            if (batch.Count > 0 && positions + added > options.BatchPositionsMax)
            {
                return;
            }

            _queue.Reader.TryRead(out next);
            batch.Add(next.Item);
            positions += added;
            parts.UnionWith(next.Footprint.Parts.Keys);
        }
    }
}
