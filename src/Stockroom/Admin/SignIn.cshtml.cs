using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Http;

namespace Stockroom.Admin;

/// <summary>Takes an API key and, when it is one of the configured keys, sets the admin cookie.</summary>
public sealed class SignInModel(ApiKeys keys) : PageModel
{
    public string? Problem { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? key, string? returnUrl)
    {
        if (keys.Find(key) is not { } entry)
        {
            Problem = "That key is not valid.";
            return Page();
        }

        var claims = entry.ScopeSet().Select(scope => new Claim(AdminSetup.ScopeClaim, scope)).Append(new Claim(ClaimTypes.Name, "api key"));
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl! : "/admin");
    }
}
