using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Features.Keys;

namespace Stockroom.Admin;

/// <summary>
/// Takes an API key and, when it is one in force that may read every channel, sets the admin
/// cookie. Keys that are not in force count against the address like bearer keys do.
/// </summary>
public sealed class SignInModel(KeyRing keys) : PageModel
{
    public string? Problem { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? key, string? returnUrl, CancellationToken cancellationToken)
    {
        var lookup = await keys.FindAsync(key, HttpContext.Connection.RemoteIpAddress, cancellationToken);
        if (lookup.RetryAfterSeconds is { } retryAfter)
        {
            await FailedAuthentication.RefuseAsync(HttpContext, retryAfter);
            return new EmptyResult();
        }

        if (lookup.Caller is not { } caller)
        {
            Problem = "That key is not valid.";
            return Page();
        }

        if (!AdminSessions.MayUseAdminPages(caller))
        {
            Problem = "That key may not see every channel's stock: the admin pages need a key with read (or more) that is not bound to a channel.";
            return Page();
        }

        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AdminSessions.Principal(caller, KeyRing.Digest(key!)));
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl! : "/admin");
    }
}
