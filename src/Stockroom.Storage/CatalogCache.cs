using System.Collections.Concurrent;
using Stockroom.Core.Catalog;
using Stockroom.Core.Rules;

namespace Stockroom.Storage;

/// <summary>
/// The catalog as the hold writer reads it — items, channels, groups, locations and safety stock
/// rules — kept for <see cref="TimeToLive"/> so that a batch of holds costs its locks and writes,
/// not five catalog queries. Stock is never cached: positions are always read under their locks.
/// A change of the catalog in this process clears the cache at once; one made by another process
/// is seen within the time to live.
/// </summary>
public sealed class CatalogCache(TimeProvider time)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (Item? Value, long Until)> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Channel? Value, long Until)> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DistributionGroup? Value, long Until)> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Location? Value, long Until)> _locations = new(StringComparer.Ordinal);
    private (SafetyStockPolicy? Policy, long Until)? _safety;

    /// <summary>Entries beyond this are dropped rather than kept: the cache is for hot keys.</summary>
    public const int EntriesMax = 100_000;

    public void Clear()
    {
        _items.Clear();
        _channels.Clear();
        _groups.Clear();
        _locations.Clear();
        _safety = null;
    }

    public Task<IReadOnlyList<Item>> ItemsAsync(IReadOnlyCollection<string> skus, Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Item>>> load) =>
        GetAsync(_items, skus, load, i => i.Sku);

    public Task<IReadOnlyList<Channel>> ChannelsAsync(IReadOnlyCollection<string> ids, Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Channel>>> load) =>
        GetAsync(_channels, ids, load, c => c.Id);

    public Task<IReadOnlyList<DistributionGroup>> GroupsAsync(IReadOnlyCollection<string> ids, Func<IReadOnlyCollection<string>, Task<IReadOnlyList<DistributionGroup>>> load) =>
        GetAsync(_groups, ids, load, g => g.Id);

    public Task<IReadOnlyList<Location>> LocationsAsync(IReadOnlyCollection<string> ids, Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Location>>> load) =>
        GetAsync(_locations, ids, load, l => l.Id);

    /// <summary>Safety stock rules kept whole only while there are at most this many; beyond, each batch reads its own.</summary>
    public const int SafetyRulesCachedMax = 10_000;

    /// <summary>
    /// Every safety stock rule and group membership as one policy, while the rules are few; with
    /// many (a rule per SKU, say) the batch's own rules are read instead, as caching all would cost more.
    /// </summary>
    public async Task<SafetyStockPolicy> SafetyStockAsync(Func<Task<(SafetyStockPolicy Policy, int Rules)>> loadAll, Func<Task<SafetyStockPolicy>> loadForBatch)
    {
        ArgumentNullException.ThrowIfNull(loadAll);
        ArgumentNullException.ThrowIfNull(loadForBatch);
        if (_safety is { } cached && time.GetTimestamp() < cached.Until)
        {
            return cached.Policy ?? await loadForBatch();
        }

        var (policy, rules) = await loadAll();
        var keep = rules <= SafetyRulesCachedMax ? policy : null;
        _safety = (keep, Until());
        return keep ?? await loadForBatch();
    }

    private long Until() => time.GetTimestamp() + (long)(TimeToLive.TotalSeconds * time.TimestampFrequency);

    private async Task<IReadOnlyList<T>> GetAsync<T>(ConcurrentDictionary<string, (T? Value, long Until)> cache, IReadOnlyCollection<string> keys,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyList<T>>> load, Func<T, string> keyOf) where T : class
    {
        var now = time.GetTimestamp();
        var found = new List<T>(keys.Count);
        var missing = new List<string>();
        foreach (var key in keys)
        {
            if (cache.TryGetValue(key, out var entry) && now < entry.Until)
            {
                if (entry.Value is not null)
                {
                    found.Add(entry.Value);
                }
            }
            else
            {
                missing.Add(key);
            }
        }

        if (missing.Count > 0)
        {
            if (cache.Count + missing.Count > EntriesMax)
            {
                cache.Clear();
            }

            var loaded = (await load(missing)).ToDictionary(keyOf, StringComparer.Ordinal);
            var until = Until();
            foreach (var key in missing)
            {
                // Absent keys are remembered too, so that an unknown SKU costs one query per second, not one per request.
                cache[key] = (loaded.GetValueOrDefault(key), until);
            }

            found.AddRange(loaded.Values);
        }

        return found;
    }
}
