using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Stockroom.Storage;

namespace Stockroom.Features.Keys;

/// <summary>One key from configuration (<c>Stockroom:ApiKeys:n:Key</c>, <c>:Scopes</c> space separated, <c>:Channel</c>).</summary>
public sealed class ConfiguredKey
{
    public string Key { get; set; } = "";
    public string Scopes { get; set; } = "";
    public string? Channel { get; set; }
}

/// <summary>
/// Every key Stockroom accepts: those in configuration and those created through the API (kept
/// as SHA-256 digests). A presented key is looked up by its digest, so neither the comparison's
/// timing nor the database ever sees a secret. Lookups in the store are remembered for
/// <see cref="TimeToLive"/>: a key revoked in this process stops at once, one revoked through
/// another process within that time. Stockroom runs open only while no key exists at all.
/// </summary>
public sealed class KeyRing(IReadOnlyDictionary<string, Caller> configured, IStockStore store, TimeProvider time)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(5);

    /// <summary>Digests remembered (found or not); beyond this the memory is emptied, so random keys cannot grow it.</summary>
    public const int RememberedMax = 10_000;

    /// <summary>Secrets shorter than this are refused in configuration: a key must not be guessable.</summary>
    public const int KeyLengthMin = 16;

    private readonly ConcurrentDictionary<string, (Caller? Caller, long Until)> _remembered = new(StringComparer.Ordinal);
    private Secured? _secured;

    // Bumped by every change here. A lookup that began before a change must not store what it
    // read, or a key revoked (or the first key created) a moment ago could be forgotten for a while.
    private long _generation;

    private sealed record Secured(bool Value, long Until);

    public static KeyRing From(IConfiguration configuration, IStockStore store, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var entries = configuration.GetSection("Stockroom:ApiKeys").Get<List<ConfiguredKey>>() ?? [];
        var configured = new Dictionary<string, Caller>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Key.Length == 0)
            {
                continue;
            }

            var scopes = entry.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            // A mistyped key or scope would silently lock someone out or let them in: refuse to start instead.
            if (entry.Key.Length < KeyLengthMin)
            {
                throw new SettingException($"Stockroom:ApiKeys:{i}:Key must be at least {KeyLengthMin} characters.");
            }

            if (scopes.Count == 0 || !scopes.IsSubsetOf(Scopes.All))
            {
                throw new SettingException(
                    $"Stockroom:ApiKeys:{i}:Scopes must list some of {string.Join(", ", Scopes.All)} (space separated).");
            }

            configured[Digest(entry.Key)] = new Caller($"config:{i}", scopes, string.IsNullOrEmpty(entry.Channel) ? null : entry.Channel);
        }

        return new KeyRing(configured, store, time);
    }

    /// <summary>Lower-case hex SHA-256 of a key: what is stored and looked up.</summary>
    public static string Digest(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public bool HasConfiguredKeys => configured.Count > 0;

    /// <summary>Is any key in force? While none is, every request is let in (and the log says so at start-up).</summary>
    public async ValueTask<bool> IsSecuredAsync(CancellationToken cancellationToken)
    {
        if (configured.Count > 0)
        {
            return true;
        }

        if (Volatile.Read(ref _secured) is { } known && time.GetTimestamp() < known.Until)
        {
            return known.Value;
        }

        var generation = Interlocked.Read(ref _generation);
        var secured = await store.AnyActiveApiKeyAsync(cancellationToken);
        Volatile.Write(ref _secured, new Secured(secured, Until()));
        if (Interlocked.Read(ref _generation) != generation)
        {
            Volatile.Write(ref _secured, null);
        }

        return secured;
    }

    /// <summary>The caller this key stands for, or null when it is no key in force.</summary>
    public async ValueTask<Caller?> FindAsync(string? presented, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > ApiKeyFormat.PresentedLengthMax)
        {
            return null;
        }

        var digest = Digest(presented);
        if (configured.TryGetValue(digest, out var fromConfiguration))
        {
            return fromConfiguration;
        }

        if (_remembered.TryGetValue(digest, out var remembered) && time.GetTimestamp() < remembered.Until)
        {
            return remembered.Caller;
        }

        var generation = Interlocked.Read(ref _generation);
        var stored = await store.FindApiKeyByHashAsync(digest, cancellationToken);
        var caller = stored is null ? null : new Caller(stored.Id, stored.Scopes.ToHashSet(StringComparer.Ordinal), stored.Channel);
        if (_remembered.Count >= RememberedMax)
        {
            _remembered.Clear();
        }

        _remembered[digest] = (caller, Until());
        if (Interlocked.Read(ref _generation) != generation)
        {
            // A key changed while this one was read: what was read may be stale, so keep none of it.
            _remembered.Clear();
        }

        return caller;
    }

    /// <summary>A key was created or revoked here: forget what was remembered.</summary>
    public void Changed()
    {
        Interlocked.Increment(ref _generation);
        _remembered.Clear();
        Volatile.Write(ref _secured, null);
    }

    private long Until() => time.GetTimestamp() + (long)(TimeToLive.TotalSeconds * time.TimestampFrequency);
}

/// <summary>How keys created through the API look: a recognisable prefix and 32 random bytes.</summary>
public static class ApiKeyFormat
{
    public const string Prefix = "sr_";

    /// <summary>Longer presented keys are not even hashed.</summary>
    public const int PresentedLengthMax = 512;

    /// <summary>How much of a key is kept in the clear to tell keys apart.</summary>
    public const int ShownPrefixLength = 8;

    public static string NewKey() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
