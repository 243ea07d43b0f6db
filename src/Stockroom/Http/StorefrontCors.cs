using Microsoft.AspNetCore.Cors.Infrastructure;
using Stockroom.Features.Keys;

namespace Stockroom.Http;

/// <summary>
/// Which browser origins may call Stockroom directly: a storefront reading availability for its
/// product pages (and, when allowed, holding carts). Configured as <c>Stockroom:Cors</c>; with no
/// origin listed there is no CORS at all, and a browser refuses every cross-origin call.
/// </summary>
public sealed class StorefrontCorsOptions
{
    public const string Section = "Stockroom:Cors";

    /// <summary>Origins such as <c>https://shop.example.com</c>: scheme, host and port, nothing else.</summary>
    public List<string> Origins { get; set; } = [];

    /// <summary>Also lets those origins create, read and release reservations (a storefront holding carts).</summary>
    public bool AllowWrites { get; set; }

    /// <summary>How long a browser may keep a preflight's answer.</summary>
    public int PreflightMaxAgeSeconds { get; set; } = 600;

    public bool Enabled => Origins.Count > 0;

    public static StorefrontCorsOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(Section).Get<StorefrontCorsOptions>() ?? new StorefrontCorsOptions();
        foreach (var origin in options.Origins)
        {
            // An origin is compared as the browser sends it; a path, a trailing slash or a wildcard would never match and fail silently.
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/"
                || origin.EndsWith('/') || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new SettingException($"{Section}:Origins: '{origin}' is not an origin; give scheme, host and port only, e.g. https://shop.example.com.");
            }
        }

        if (options.PreflightMaxAgeSeconds is < 0 or > 86_400)
        {
            throw new SettingException($"{Section}:PreflightMaxAgeSeconds must be from 0 to 86400.");
        }

        return options;
    }
}

public static class StorefrontCors
{
    /// <summary>Availability reads: GET one SKU, POST a bulk query.</summary>
    public const string ReadPolicy = "storefront-read";

    /// <summary>Reservations, when <see cref="StorefrontCorsOptions.AllowWrites"/> is on.</summary>
    public const string WritePolicy = "storefront-write";

    /// <summary>The answer headers a storefront's script may read besides the simple ones.</summary>
    private static readonly string[] Exposed =
        ["ETag", "Retry-After", RateLimits.LimitHeader, RateLimits.RemainingHeader, RateLimits.ResetHeader, "Idempotent-Replayed", "Location"];

    public static IServiceCollection AddStorefrontCors(this IServiceCollection services, IConfiguration configuration)
    {
        var options = StorefrontCorsOptions.From(configuration);
        services.AddSingleton(options);
        services.AddCors(cors =>
        {
            if (!options.Enabled)
            {
                return;
            }

            var origins = options.Origins.ToArray();
            var maxAge = TimeSpan.FromSeconds(options.PreflightMaxAgeSeconds);
            // No credentials (cookies): a storefront sends its key in Authorization, which is listed, not implied.
            cors.AddPolicy(ReadPolicy, policy => policy.WithOrigins(origins).WithMethods("GET", "POST").WithHeaders("Authorization", "Content-Type")
                .WithExposedHeaders(Exposed).SetPreflightMaxAge(maxAge));
            cors.AddPolicy(WritePolicy, policy => policy.WithOrigins(origins).WithMethods("GET", "POST", "DELETE")
                .WithHeaders("Authorization", "Content-Type", IdempotencyKeys.Header).WithExposedHeaders(Exposed).SetPreflightMaxAge(maxAge));
        });
        return services;
    }

    /// <summary>Lets configured storefront origins call an availability endpoint; nothing when none is configured.</summary>
    public static TBuilder AllowStorefrontReads<TBuilder>(this TBuilder builder, IEndpointRouteBuilder app) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.ServiceProvider.GetRequiredService<StorefrontCorsOptions>().Enabled ? builder.RequireCors(ReadPolicy) : builder;
    }

    /// <summary>Lets configured storefront origins call a reservation endpoint, when <c>Stockroom:Cors:AllowWrites</c> is on.</summary>
    public static TBuilder AllowStorefrontWrites<TBuilder>(this TBuilder builder, IEndpointRouteBuilder app) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.ServiceProvider.GetRequiredService<StorefrontCorsOptions>() is { Enabled: true, AllowWrites: true } ? builder.RequireCors(WritePolicy) : builder;
    }
}
