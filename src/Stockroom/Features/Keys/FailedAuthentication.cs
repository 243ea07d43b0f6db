using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Stockroom.Http;

namespace Stockroom.Features.Keys;

/// <summary>
/// A token bucket per client address for keys that are not in force (issue 18): each such key
/// presented costs its address a token, and an address with none left is refused with 429 before
/// its key is looked up, so that a flood of random keys cannot turn into a flood of database
/// lookups. Keys already known to be in force never spend a token. The address is the TCP peer's:
/// behind a proxy every client shares the proxy's bucket unless forwarded headers are configured.
/// </summary>
public sealed class FailedAuthentication(int perMinute, int burst, TimeProvider time)
{
    /// <summary>Addresses tracked at once; beyond this, new addresses share one bucket until recovered ones are pruned.</summary>
    public const int AddressesMax = 100_000;

    /// <summary>IPv6 addresses are counted by their /64: one host commonly holds the whole prefix.</summary>
    public const int Ipv6PrefixBits = 64;

    // Pruning scans every bucket, so a full table is pruned at most this often; in between, new addresses share the overflow bucket.
    private static readonly TimeSpan PruneInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Bucket _overflow = new(burst, time.GetTimestamp());
    private long _prunedAt = time.GetTimestamp();

    // Kept beside the map: ConcurrentDictionary.Count takes every lock, too dear on each new address.
    private int _count;

    private sealed class Bucket(double tokens, long at)
    {
        public readonly Lock Lock = new();
        public double Tokens = tokens;
        public long At = at;
    }

    /// <summary>
    /// Takes a token for a lookup of a key not known to be in force. False when the address has
    /// none left; <paramref name="retryAfterSeconds"/> is then when the next one comes.
    /// </summary>
    public bool TryTake(IPAddress? address, out int retryAfterSeconds)
    {
        var bucket = BucketOf(Partition(address));
        lock (bucket.Lock)
        {
            Refill(bucket);
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                retryAfterSeconds = 0;
                return true;
            }

            retryAfterSeconds = Math.Max(1, (int)Math.Ceiling((1 - bucket.Tokens) * 60.0 / perMinute));
            return false;
        }
    }

    /// <summary>The key looked up was in force after all: its token is given back.</summary>
    public void Refund(IPAddress? address)
    {
        var bucket = BucketOf(Partition(address));
        lock (bucket.Lock)
        {
            Refill(bucket);
            bucket.Tokens = Math.Min(burst, bucket.Tokens + 1);
        }
    }

    private static readonly object RefusedItem = new();

    /// <summary>Marks a request refused for its address, to be answered by the challenge it ends in.</summary>
    public static void MarkRefused(HttpContext context, int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[RefusedItem] = retryAfterSeconds;
    }

    /// <summary>Was this request refused for its address, unlooked-at? Then with when to retry.</summary>
    public static bool WasRefused(HttpContext context, out int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(context);
        retryAfterSeconds = context.Items.TryGetValue(RefusedItem, out var refused) && refused is int seconds ? seconds : 0;
        return retryAfterSeconds > 0;
    }

    /// <summary>Answers a refused request: 429, Retry-After and a problem.</summary>
    public static async Task RefuseAsync(HttpContext context, int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await Problems.TooManyFailedAuthentications(retryAfterSeconds).ExecuteAsync(context);
    }

    /// <summary>What an address is counted as: itself for IPv4, its /64 for IPv6.</summary>
    public static string Partition(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, Ipv6PrefixBits / 8, bytes.Length - (Ipv6PrefixBits / 8));
        return $"{new IPAddress(bytes)}/{Ipv6PrefixBits}";
    }

    private Bucket BucketOf(string partition)
    {
        if (_buckets.TryGetValue(partition, out var bucket))
        {
            return bucket;
        }

        if (Volatile.Read(ref _count) >= AddressesMax && !TryPrune())
        {
            return _overflow;
        }

        var fresh = new Bucket(burst, time.GetTimestamp());
        if (_buckets.TryAdd(partition, fresh))
        {
            Interlocked.Increment(ref _count);
            return fresh;
        }

        // Another request added it first (or a prune just took it away, and this one counts alone for a moment).
        return _buckets.TryGetValue(partition, out bucket) ? bucket : fresh;
    }

    /// <summary>Forgets addresses whose bucket has refilled: they would start full anyway. True when there is room again.</summary>
    private bool TryPrune()
    {
        var last = Interlocked.Read(ref _prunedAt);
        if (time.GetElapsedTime(last) < PruneInterval || Interlocked.CompareExchange(ref _prunedAt, time.GetTimestamp(), last) != last)
        {
            return Volatile.Read(ref _count) < AddressesMax;
        }

        foreach (var (partition, bucket) in _buckets)
        {
            bool full;
            lock (bucket.Lock)
            {
                Refill(bucket);
                full = bucket.Tokens >= burst;
            }

            if (full && _buckets.TryRemove(partition, out _))
            {
                Interlocked.Decrement(ref _count);
            }
        }

        return Volatile.Read(ref _count) < AddressesMax;
    }

    private void Refill(Bucket bucket)
    {
        var now = time.GetTimestamp();
        var seconds = (double)(now - bucket.At) / time.TimestampFrequency;
        if (seconds > 0)
        {
            bucket.Tokens = Math.Min(burst, bucket.Tokens + (seconds * perMinute / 60.0));
            bucket.At = now;
        }
    }
}
