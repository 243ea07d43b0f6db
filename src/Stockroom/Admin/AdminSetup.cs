using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Features.Keys;

namespace Stockroom.Admin;

/// <summary>
/// The admin pages: server-rendered Razor Pages in this folder, served by the same process. When
/// any API key exists they sit behind a sign-in that takes a key (one with <c>read</c> or more,
/// not bound to a channel: the pages show every channel) and sets an HTTP-only cookie, secure
/// whenever the request is; every form carries an anti-forgery token.
/// </summary>
public static class AdminSetup
{
    public static void AddAdmin(this IServiceCollection services)
    {
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Admin";
            options.Conventions.AuthorizeFolder("/", KeyAuthentication.StoreWidePolicy(Scopes.Read));
            options.Conventions.AllowAnonymousToPage("/SignIn");
        })
        // The pages are found in this assembly even when another one hosts it (tests, the demo loader).
        .AddApplicationPart(typeof(AdminSetup).Assembly);
    }

    /// <summary>
    /// Does the signed-in key carry <paramref name="scope"/>? A form asks for the scope its API
    /// endpoint asks for, so the pages never let a key do more than it could through the API.
    /// Everyone may, when Stockroom runs open.
    /// </summary>
    public static async Task<bool> MayAsync(ClaimsPrincipal user, KeyRing keys, string scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(keys);
        return !await keys.IsSecuredAsync(cancellationToken) || Caller.Of(user).May(scope);
    }

    /// <summary>
    /// The answer to a form posted by a key without <paramref name="scope"/>, the scope the form's API
    /// endpoint needs: a 403 that names it. <c>Forbid()</c> would hand the signed-in visitor to the
    /// cookie scheme, which sends them to sign in again as though their key were unknown; the key is
    /// known, and the answer is that it may not do this, as the API answers it.
    /// </summary>
    public static IActionResult Forbidden(string scope) => new ContentResult
    {
        StatusCode = StatusCodes.Status403Forbidden,
        ContentType = "text/plain; charset=utf-8",
        Content = $"This key may not make this change: it needs the '{scope}' scope.",
    };
}
