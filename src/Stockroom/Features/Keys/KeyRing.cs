using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
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
/// Keys in force and keys not in force are remembered apart, so that random keys, however many,
/// only ever push out other random keys; and a key not known to be in force costs its client
/// address a token of <see cref="FailedAuthentication"/> before it is looked up.
/// </summary>
public sealed class KeyRing(IReadOnlyDictionary<string, Caller> configured, IStockStore store, TimeProvider time, FailedAuthentication failures)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(5);

    /// <summary>Keys in force remembered, by digest and by id; beyond this the memory is emptied.</summary>
    public const int RememberedMax = 10_000;

    /// <summary>Digests remembered as not in force; beyond this they (and only they) are forgotten, so random keys cannot grow it.</summary>
    public const int MissingRememberedMax = 10_000;

    /// <summary>Secrets shorter than this are refused in configuration: a key must not be guessable.</summary>
    public const int KeyLengthMin = 16;

    private const string ConfiguredIdPrefix = "config:";

    private static readonly Counter<long> StoreLookupCounter = Telemetry.Meter.CreateCounter<long>(
        "stockroom.keys.lookups", "{lookup}", "Presented keys looked up in the store (not found in configuration or remembered).");

    private readonly ConcurrentDictionary<string, (Caller Caller, long Until)> _remembered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _missing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Caller? Caller, long Until)> _byId = new(StringComparer.Ordinal);
    private Secured? _secured;
    private long _storeLookups;

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

            configured[Digest(entry.Key)] = new Caller($"{ConfiguredIdPrefix}{i}", scopes, string.IsNullOrEmpty(entry.Channel) ? null : entry.Channel);
        }

        var limits = RateLimitOptions.From(configuration);
        return new KeyRing(configured, store, time, new FailedAuthentication(limits.FailedAuthPerMinute, limits.FailedAuthBurst, time));
    }

    /// <summary>Lower-case hex SHA-256 of a key: what is stored and looked up.</summary>
    public static string Digest(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public bool HasConfiguredKeys => configured.Count > 0;

    /// <summary>How many presented keys this process has looked up in the store: what a flood of random keys would cost.</summary>
    public long StoreLookups => Interlocked.Read(ref _storeLookups);

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

    /// <summary>
    /// The caller this key stands for, or none when it is no key in force. A key known to be in
    /// force is answered at once; any other costs <paramref name="client"/> a token (given back if
    /// the key turns out to be in force), and with none left it is refused without a lookup.
    /// </summary>
    public async ValueTask<KeyLookup> FindAsync(string? presented, IPAddress? client, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return KeyLookup.NotInForce;
        }

        if (presented.Length > ApiKeyFormat.PresentedLengthMax)
        {
            // Not even hashed, but still a key that is not in force.
            return failures.TryTake(client, out var wait) ? KeyLookup.NotInForce : KeyLookup.Refused(wait);
        }

        var digest = Digest(presented);
        if (configured.TryGetValue(digest, out var fromConfiguration))
        {
            return new KeyLookup(fromConfiguration, null);
        }

        if (_remembered.TryGetValue(digest, out var remembered) && time.GetTimestamp() < remembered.Until)
        {
            return new KeyLookup(remembered.Caller, null);
        }

        if (!failures.TryTake(client, out var retryAfter))
        {
            return KeyLookup.Refused(retryAfter);
        }

        if (_missing.TryGetValue(digest, out var missingUntil) && time.GetTimestamp() < missingUntil)
        {
            return KeyLookup.NotInForce;
        }

        var generation = Interlocked.Read(ref _generation);
        Interlocked.Increment(ref _storeLookups);
        StoreLookupCounter.Add(1);
        var stored = await store.FindApiKeyByHashAsync(digest, cancellationToken);
        var caller = stored is null ? null : ToCaller(stored);
        if (caller is null)
        {
            Remember(_missing, MissingRememberedMax, digest, Until());
        }
        else
        {
            Remember(_remembered, RememberedMax, digest, (caller, Until()));
            failures.Refund(client);
        }

        if (Interlocked.Read(ref _generation) != generation)
        {
            // A key changed while this one was read: what was read may be stale, so keep none of it.
            Forget();
        }

        return caller is null ? KeyLookup.NotInForce : new KeyLookup(caller, null);
    }

    /// <summary>
    /// The key with this id as it is now, or null when it is revoked or gone: what an admin session
    /// signed in with it is checked against on every request. A configured key is the same key only
    /// while its entry holds the same secret (<paramref name="keyDigest"/>, kept in the session), so
    /// that changing a configured key's value, or renumbering the entries, ends the sessions of the old one.
    /// </summary>
    public async ValueTask<Caller?> FindByIdAsync(string keyId, string keyDigest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(keyDigest);
        if (keyId.StartsWith(ConfiguredIdPrefix, StringComparison.Ordinal))
        {
            return configured.TryGetValue(keyDigest, out var fromConfiguration) && fromConfiguration.KeyId == keyId
                ? fromConfiguration
                : null;
        }

        if (_byId.TryGetValue(keyId, out var remembered) && time.GetTimestamp() < remembered.Until)
        {
            return remembered.Caller;
        }

        var generation = Interlocked.Read(ref _generation);
        var stored = await store.GetApiKeyAsync(keyId, cancellationToken);
        var caller = stored is { Key: { RevokedAt: null } key } ? ToCaller(key) : null;
        Remember(_byId, RememberedMax, keyId, (caller, Until()));
        if (Interlocked.Read(ref _generation) != generation)
        {
            Forget();
        }

        return caller;
    }

    /// <summary>A key was created or revoked here: forget what was remembered.</summary>
    public void Changed()
    {
        Interlocked.Increment(ref _generation);
        Forget();
        Volatile.Write(ref _secured, null);
    }

    private static Caller ToCaller(StoredApiKey key) => new(key.Id, key.Scopes.ToHashSet(StringComparer.Ordinal), key.Channel);

    private static void Remember<T>(ConcurrentDictionary<string, T> memory, int max, string key, T value)
    {
        if (memory.Count >= max)
        {
            memory.Clear();
        }

        memory[key] = value;
    }

    private void Forget()
    {
        _remembered.Clear();
        _missing.Clear();
        _byId.Clear();
    }

    private long Until() => time.GetTimestamp() + (long)(TimeToLive.TotalSeconds * time.TimestampFrequency);
}

/// <summary>What a presented key turned out to be: in force (<see cref="Caller"/>), not in force, or refused unlooked-at because its address failed too often.</summary>
public readonly record struct KeyLookup(Caller? Caller, int? RetryAfterSeconds)
{
    public static readonly KeyLookup NotInForce = new(null, null);

    public static KeyLookup Refused(int retryAfterSeconds) => new(null, retryAfterSeconds);
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
