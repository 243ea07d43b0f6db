using Microsoft.AspNetCore.Authentication;
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
        var current = context.Principal?.FindFirst(Caller.KeyClaim)?.Value is { } keyId
            ? await http.RequestServices.GetRequiredService<KeyRing>().FindByIdAsync(keyId, http.RequestAborted)
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
            context.ReplacePrincipal(current.ToPrincipal(CookieAuthenticationDefaults.AuthenticationScheme));
            context.ShouldRenew = true;
        }
    }
}
