using System.Collections.Concurrent;
using Stockroom.Core.Alerts;
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
    private readonly Slot<SafetyStockPolicy> _safety = new();
    private readonly Slot<(SafetyStockPolicy SafetyStock, LowStockPolicy LowStock)> _alerts = new();

    /// <summary>Entries beyond this are dropped rather than kept: the cache is for hot keys.</summary>
    public const int EntriesMax = 100_000;

    public void Clear()
    {
        _items.Clear();
        _channels.Clear();
        _groups.Clear();
        _locations.Clear();
        _safety.Entry = null;
        _alerts.Entry = null;
    }

    public Task<IReadOnlyList<Item>> ItemsAsync(IReadOnlyCollection<string> skus, Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Item>>> load) =>
        GetAsync(_items, skus, load, i => i.Sku);

    public Task<IReadOnlyList<Channel>> ChannelsAsync(IReadOnlyCollection<string> ids, Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Channel>>> load) =>
        GetAsync(_channels, ids, load, c => c.Id);

    public Task<IReadOnlyList<DistributionGroup>> GroupsAsync(IReadOnlyCollection<string> ids, Func<IReadOnlyCollection<string>, Task<IReadOnlyList<DistributionGroup>>> load) =>
        GetAsync(_groups, ids, load, g => g.Id);

    public Task<IReadOnlyList<Location>> LocationsAsync(IReadOnlyCollection<string> ids, Func<IReadOnlyCollection<string>, Task<IReadOnlyList<Location>>> load) =>
        GetAsync(_locations, ids, load, l => l.Id);

    /// <summary>Rules are kept whole only while there are at most this many; beyond, each batch reads its own.</summary>
    public const int RulesCachedMax = 10_000;

    /// <summary>
    /// Every safety stock rule and group membership as one policy, while the rules are few; with
    /// many (a rule per SKU, say) the batch's own rules are read instead, as caching all would cost more.
    /// </summary>
    public Task<SafetyStockPolicy> SafetyStockAsync(Func<Task<(SafetyStockPolicy Policy, int Rules)>> loadAll, Func<Task<SafetyStockPolicy>> loadForBatch) =>
        WholeWhileFewAsync(_safety, loadAll, loadForBatch);

    /// <summary>The rules alerts are judged by (safety stock and low-stock thresholds), kept the same way.</summary>
    public Task<(SafetyStockPolicy SafetyStock, LowStockPolicy LowStock)> AlertPoliciesAsync(
        Func<Task<((SafetyStockPolicy, LowStockPolicy) Policies, int Rules)>> loadAll, Func<Task<(SafetyStockPolicy, LowStockPolicy)>> loadForBatch) =>
        WholeWhileFewAsync(_alerts, loadAll, loadForBatch);

    private async Task<T> WholeWhileFewAsync<T>(Slot<T> slot, Func<Task<(T All, int Rules)>> loadAll, Func<Task<T>> loadForBatch)
    {
        ArgumentNullException.ThrowIfNull(loadAll);
        ArgumentNullException.ThrowIfNull(loadForBatch);
        if (slot.Entry is { } cached && time.GetTimestamp() < cached.Until)
        {
            return cached.Kept ? cached.Value : await loadForBatch();
        }

        var (all, rules) = await loadAll();
        var kept = rules <= RulesCachedMax;
        slot.Entry = (all, kept, Until());
        return kept ? all : await loadForBatch();
    }

    /// <summary>One cached whole: the value, whether it was small enough to keep, and until when.</summary>
    private sealed class Slot<T>
    {
        public (T Value, bool Kept, long Until)? Entry { get; set; }
    }

    private long Until() => time.GetTimestamp() + (long)(TimeToLive.TotalSeconds * time.TimestampFrequency);

    private async Task<IReadOnlyList<T>> GetAsync<T>(ConcurrentDictionary<string, (T? Value, long Until)> cache, IReadOnlyCollection<string> keys,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyList<T>>> load, Func<T, string> keyOf) where T : class
    {
        // Each key's answer is taken once, cached or loaded, so a Clear() meanwhile loses nothing.
        var now = time.GetTimestamp();
        var answers = new Dictionary<string, T?>(keys.Count, StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var key in keys)
        {
            if (cache.TryGetValue(key, out var entry) && now < entry.Until)
            {
                answers[key] = entry.Value;
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
                answers[key] = loaded.GetValueOrDefault(key);
                cache[key] = (answers[key], until);
            }
        }

        // In the order asked.
        var found = new List<T>(answers.Count);
        foreach (var key in keys)
        {
            if (answers.GetValueOrDefault(key) is { } value)
            {
                found.Add(value);
            }
        }

        return found;
    }
}
