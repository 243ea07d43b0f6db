using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Stockroom.Http;

namespace Stockroom.Features.Keys;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> on the API; the admin pages use a cookie set by
/// signing in with the same keys. No key, or one not in force: 401. A key whose scopes or
/// channel do not allow the request: 403. A key not known to be in force from an address that
/// has presented too many that were not: 429, unlooked-at. All answer problem+json.
/// </summary>
public static class KeyAuthentication
{
    public const string Scheme = "ApiKey";
    private const string Selector = "Stockroom";

    public static IServiceCollection AddKeyAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(Selector)
            .AddPolicyScheme(Selector, "API key or admin cookie", options => options.ForwardDefaultSelector = context =>
                context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase) ? CookieAuthenticationDefaults.AuthenticationScheme : Scheme)
            .AddScheme<AuthenticationSchemeOptions, KeyAuthenticationHandler>(Scheme, null)
            .AddCookie(options =>
            {
                options.LoginPath = "/admin/sign-in";
                options.AccessDeniedPath = "/admin/sign-in";
                options.Cookie.Name = "stockroom-admin";
                options.Cookie.HttpOnly = true;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                // The session lasts no longer than its key: checked on every request, through the key ring's memory.
                options.Events.OnValidatePrincipal = AdminSessions.ValidateAsync;
            });
        services.AddSingleton<IAuthorizationHandler, ScopeHandler>();
        services.AddAuthorization(options =>
        {
            foreach (var scope in Scopes.All)
            {
                options.AddPolicy(scope, policy => policy.AddRequirements(new ScopeRequirement(scope, ChannelKeysAllowed: true)));
                options.AddPolicy(StoreWidePolicy(scope), policy => policy.AddRequirements(new ScopeRequirement(scope, ChannelKeysAllowed: false)));
            }
        });
        return services;
    }

    /// <summary>The policy of <paramref name="scope"/> for resources every channel shares.</summary>
    public static string StoreWidePolicy(string scope) => $"{scope}+store-wide";

    /// <summary>Callers need <paramref name="scope"/>; the handler checks a channel-bound key's channel itself.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(scope);

    /// <summary>
    /// Callers need <paramref name="scope"/>, or send no key and a signature in <paramref name="signatureHeader"/>:
    /// the handler then verifies the signature itself before it reads or writes anything.
    /// </summary>
    public static TBuilder RequireScopeOrSignature<TBuilder>(this TBuilder builder, string scope, string signatureHeader) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(new AuthorizationPolicyBuilder().AddRequirements(new ScopeRequirement(scope, ChannelKeysAllowed: true, signatureHeader)).Build());

    /// <summary>Callers need <paramref name="scope"/>, and a key bound to a channel may not: the resource belongs to every channel.</summary>
    public static TBuilder RequireStoreWideScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(StoreWidePolicy(scope));
}

/// <summary>A scope to hold; <c>SignatureHeader</c>, when set, also lets in a request with no key that carries that header, for the handler to verify.</summary>
public sealed record ScopeRequirement(string Scope, bool ChannelKeysAllowed, string? SignatureHeader = null) : IAuthorizationRequirement;

/// <summary>Grants a requirement while Stockroom runs open, or when the caller's key allows it.</summary>
internal sealed class ScopeHandler(KeyRing keys) : AuthorizationHandler<ScopeRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var aborted = (context.Resource as HttpContext)?.RequestAborted ?? CancellationToken.None;
        if (!await keys.IsSecuredAsync(aborted))
        {
            context.Succeed(requirement);
            return;
        }

        // Only an authenticated key counts: with none, the requirement fails and the challenge is a 401.
        if (context.User.FindFirst(Caller.KeyClaim) is null)
        {
            // Unless it is a signed delivery that sends no key at all: the endpoint checks the signature.
            if (requirement.SignatureHeader is { } signature && context.Resource is HttpContext { Request.Headers: var headers }
                && headers.ContainsKey(signature) && !headers.ContainsKey("Authorization"))
            {
                context.Succeed(requirement);
            }

            return;
        }

        var caller = Caller.Of(context.User);
        if (caller.May(requirement.Scope) && (requirement.ChannelKeysAllowed || caller.Channel is null))
        {
            context.Succeed(requirement);
        }
    }
}

internal sealed class KeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, KeyRing keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <key>'.");
        }

        var lookup = await keys.FindAsync(header["Bearer ".Length..].Trim(), Context.Connection.RemoteIpAddress, Context.RequestAborted);
        if (lookup.Caller is { } caller)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(KeyAuthentication.Scheme), KeyAuthentication.Scheme));
        }

        if (lookup.RetryAfterSeconds is { } retryAfter)
        {
            // Answered by the challenge, which every request that needs a key ends in.
            FailedAuthentication.MarkRefused(Context, retryAfter);
            return AuthenticateResult.Fail("Too many keys that are not in force from this address.");
        }

        return AuthenticateResult.Fail("The key is not one in force.");
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (FailedAuthentication.WasRefused(Context, out var retryAfter))
        {
            await FailedAuthentication.RefuseAsync(Context, retryAfter);
            return;
        }

        Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.Unauthorized().ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Problems.Forbidden("This key's scopes do not allow this request.").ExecuteAsync(Context);
}
