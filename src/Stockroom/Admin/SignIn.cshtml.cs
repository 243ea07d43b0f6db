using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Features.Keys;

namespace Stockroom.Admin;

/// <summary>Takes an API key and, when it is one in force that may read every channel, sets the admin cookie.</summary>
public sealed class SignInModel(KeyRing keys) : PageModel
{
    public string? Problem { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? key, string? returnUrl, CancellationToken cancellationToken)
    {
        if (await keys.FindAsync(key, cancellationToken) is not { } caller)
        {
            Problem = "That key is not valid.";
            return Page();
        }

        if (!caller.May(Scopes.Read) || caller.Channel is not null)
        {
            Problem = "That key may not see every channel's stock: the admin pages need a key with read (or more) that is not bound to a channel.";
            return Page();
        }

        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, caller.ToPrincipal(CookieAuthenticationDefaults.AuthenticationScheme));
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl! : "/admin");
    }
}
