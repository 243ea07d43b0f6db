using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Stockroom.Http;

namespace Stockroom.Admin;

/// <summary>
/// The admin pages: server-rendered Razor Pages in this folder, served by the same process. When
/// API keys are configured they sit behind a sign-in that takes a key and sets an HTTP-only
/// cookie (secure whenever the request is), and every form carries an anti-forgery token.
/// </summary>
public static class AdminSetup
{
    public const string ScopeClaim = "scope";

    public static void AddAdmin(this IServiceCollection services, ApiKeys keys)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.LoginPath = "/admin/sign-in";
            options.Cookie.Name = "stockroom-admin";
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
        });
        services.AddAuthorization();
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Admin";
            if (keys.Configured)
            {
                options.Conventions.AuthorizeFolder("/");
                options.Conventions.AllowAnonymousToPage("/SignIn");
            }
        })
        // The pages are found in this assembly even when another one hosts it (tests, the demo loader).
        .AddApplicationPart(typeof(AdminSetup).Assembly);
    }

    /// <summary>May this visitor answer holds (accept, decline)? Everyone, when Stockroom runs open.</summary>
    public static bool MayWrite(ClaimsPrincipal user, ApiKeys keys)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(keys);
        return !keys.Configured || user.HasClaim(ScopeClaim, "admin") || user.HasClaim(ScopeClaim, "reservations:write");
    }
}
