using System.Security.Claims;
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

    /// <summary>May this visitor answer holds (accept, decline)? Everyone, when Stockroom runs open.</summary>
    public static Task<bool> MayWriteAsync(ClaimsPrincipal user, KeyRing keys, CancellationToken cancellationToken) =>
        MayAsync(user, keys, Scopes.ReservationsWrite, cancellationToken);

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
}
