using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Http;

namespace Stockroom.Features.Keys;

/// <summary>
/// What a key may do. <c>admin</c> may do everything; each write scope may also read. Keys
/// bound to a channel act only for it: they hold, order and read availability for that
/// channel's network, and never write what every channel shares (supply, catalog, rules).
/// </summary>
public static class Scopes
{
    public const string Admin = "admin";
    public const string InventoryWrite = "inventory:write";
    public const string ReservationsWrite = "reservations:write";
    public const string Read = "read";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Admin, InventoryWrite, ReservationsWrite, Read };

    /// <summary>Does holding <paramref name="held"/> allow what <paramref name="required"/> guards?</summary>
    public static bool Allows(IEnumerable<string> held, string required)
    {
        ArgumentNullException.ThrowIfNull(held);
        return held.Any(scope => scope == Admin || scope == required
            || (required == Read && scope is InventoryWrite or ReservationsWrite));
    }
}

/// <summary>Who is calling, as the key they presented says: its scopes, and the one channel it is bound to, if any.</summary>
public sealed record Caller(string KeyId, IReadOnlySet<string> Scopes, string? Channel)
{
    public const string KeyClaim = "stockroom:key";
    public const string ScopeClaim = "scope";
    public const string ChannelClaim = "stockroom:channel";

    /// <summary>The caller when Stockroom runs open: every scope, no channel.</summary>
    public static readonly Caller Open = new("open", Keys.Scopes.All, null);

    /// <summary>The caller of a request; <see cref="Open"/> when no key was checked (Stockroom running open).</summary>
    public static Caller Of(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirst(KeyClaim) is not { } key
            ? Open
            : new Caller(key.Value, user.FindAll(ScopeClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal), user.FindFirst(ChannelClaim)?.Value);
    }

    public ClaimsPrincipal ToPrincipal(string authenticationType) =>
        new(new ClaimsIdentity(
            Scopes.Select(s => new Claim(ScopeClaim, s))
                .Append(new Claim(KeyClaim, KeyId))
                .Append(new Claim(ClaimTypes.Name, KeyId))
                .Concat(Channel is null ? [] : [new Claim(ChannelClaim, Channel)]),
            authenticationType));

    public bool May(string scope) => Keys.Scopes.Allows(Scopes, scope);

    /// <summary>May this caller act for <paramref name="channel"/>? Any caller not bound to a channel may.</summary>
    public bool ActsFor(string? channel) => Channel is null || string.Equals(Channel, channel, StringComparison.Ordinal);

    /// <summary>
    /// Does this caller see a reservation or order of <paramref name="channel"/> that it names by id?
    /// A key bound to another channel is answered as if the id did not exist, so that it cannot
    /// learn which ids other channels use (issue 15).
    /// </summary>
    public bool Sees(string channel) => ActsFor(channel);

    /// <summary>
    /// The channel a list of reservations or orders is narrowed to: the one asked for, else the
    /// caller's own; the 403 when a key bound to one channel asks for another.
    /// </summary>
    public (string? Channel, ProblemHttpResult? Refused) ListScope(string? channel) => (channel ?? Channel, RefusesChannel(channel ?? Channel));

    /// <summary>The 403 for a key bound to another channel than <paramref name="channel"/>; null when the caller may act for it.</summary>
    public ProblemHttpResult? RefusesChannel(string? channel) =>
        ActsFor(channel) ? null : Problems.Forbidden($"This key acts only for channel '{Channel}'.");
}
