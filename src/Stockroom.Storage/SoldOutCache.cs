using System.Collections.Concurrent;

namespace Stockroom.Storage;

/// <summary>
/// Remembers, for a short while, the hold scopes (a SKU at a location, group or channel) that
/// had nothing left to promise, so that a flash sale's thousands of late requests are refused
/// without a transaction. An entry only ever causes a refusal, never a hold, so a stale entry
/// cannot oversell: at worst it refuses for <see cref="TimeToLive"/> after another process
/// restocked. Every write in this process that frees units forgets the SKU at once.
/// </summary>
public sealed class SoldOutCache(TimeProvider time)
{
    /// <summary>How long "sold out" is believed without being seen again.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMilliseconds(500);

    /// <summary>Bounds the memory a burst of distinct scopes can take.</summary>
    public const int EntriesMax = 100_000;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> _bySku = new(StringComparer.Ordinal);

    public bool IsSoldOut(string sku, string scope) =>
        _bySku.TryGetValue(sku, out var scopes) && scopes.TryGetValue(scope, out var until) && time.GetTimestamp() < until;

    public void MarkSoldOut(string sku, string scope)
    {
        if (_bySku.Count >= EntriesMax)
        {
            _bySku.Clear();
        }

        var until = time.GetTimestamp() + (long)(TimeToLive.TotalSeconds * time.TimestampFrequency);
        _bySku.GetOrAdd(sku, static _ => new ConcurrentDictionary<string, long>(StringComparer.Ordinal))[scope] = until;
    }

    /// <summary>Units of these SKUs were freed or added: they may be promisable again.</summary>
    public void Forget(IEnumerable<string> skus)
    {
        ArgumentNullException.ThrowIfNull(skus);
        foreach (var sku in skus)
        {
            _bySku.TryRemove(sku, out _);
        }
    }

    /// <summary>The network changed (locations, groups, channels, items): trust nothing remembered.</summary>
    public void Clear() => _bySku.Clear();
}
