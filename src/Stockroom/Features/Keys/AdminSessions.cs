using Microsoft.AspNetCore.Authentication;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Stockroom.Features.Keys;

/// <summary>
/// An admin session is the key it was signed in with (issue 18): on every request the cookie's key
/// is looked up again through the key ring, which remembers for at most
/// <see cref="KeyRing.TimeToLive"/>. A key revoked, no longer configured, or no longer allowed the
/// pages ends the session; a key whose scopes changed carries its new scopes into it.
/// </summary>
public static class AdminSessions
{
    /// <summary>
    /// The SHA-256 digest of the key a session was signed in with. It tells a configured key from
    /// a new value under the same entry; the cookie is encrypted, so it is read only by Stockroom.
    /// </summary>
    public const string KeyDigestClaim = "stockroom:key-digest";

    /// <summary>What the session cookie holds: the caller, and the digest of the key it signed in with.</summary>
    public static ClaimsPrincipal Principal(Caller caller, string keyDigest)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var principal = caller.ToPrincipal(CookieAuthenticationDefaults.AuthenticationScheme);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(KeyDigestClaim, keyDigest));
        return principal;
    }

    /// <summary>The admin pages show every channel's stock: a key with read or more, bound to no channel.</summary>
    public static bool MayUseAdminPages(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.May(Scopes.Read) && caller.Channel is null;
    }

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var keyDigest = context.Principal?.FindFirst(KeyDigestClaim)?.Value;
        var current = context.Principal?.FindFirst(Caller.KeyClaim)?.Value is { } keyId && keyDigest is not null
            ? await http.RequestServices.GetRequiredService<KeyRing>().FindByIdAsync(keyId, keyDigest, http.RequestAborted)
            : null;
        if (current is null || !MayUseAdminPages(current))
        {
            Log.SessionEnded(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminSessions)),
                context.Principal?.FindFirst(Caller.KeyClaim)?.Value ?? "(none)");
            context.RejectPrincipal();
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }

        if (!Caller.Of(context.Principal!).Scopes.SetEquals(current.Scopes))
        {
            context.ReplacePrincipal(Principal(current, keyDigest!));
            context.ShouldRenew = true;
        }
    }
}
