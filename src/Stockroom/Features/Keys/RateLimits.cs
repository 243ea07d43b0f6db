using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Stockroom.Http;

namespace Stockroom.Features.Keys;

/// <summary>
/// Requests per second each key may make, with a burst allowance; and keys not in force each client
/// address may present a minute, with a burst allowance. Configured as <c>Stockroom:RateLimit</c>.
/// </summary>
public sealed class RateLimitOptions
{
    public int RequestsPerSecond { get; set; } = 500;
    public int Burst { get; set; } = 1_000;

    /// <summary>Keys not in force one address may present a minute, once its burst is spent.</summary>
    public int FailedAuthPerMinute { get; set; } = 60;

    /// <summary>Keys not in force one address may present at once (a mistyped key, retried, stays well inside it).</summary>
    public int FailedAuthBurst { get; set; } = 60;

    public static RateLimitOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var limits = configuration.GetSection("Stockroom:RateLimit").Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (limits.RequestsPerSecond <= 0 || limits.Burst <= 0 || limits.FailedAuthPerMinute <= 0 || limits.FailedAuthBurst <= 0)
        {
            throw new SettingException("Stockroom:RateLimit:RequestsPerSecond, :Burst, :FailedAuthPerMinute and :FailedAuthBurst must be positive.");
        }

        return limits;
    }
}

/// <summary>
/// A token bucket per key, so that one integration gone wrong cannot starve the others. Over its
/// budget a key gets 429 with Retry-After. Running open there is no key to count by, and no limit.
/// Requests with keys not in force are limited per address before this, by <see cref="FailedAuthentication"/>.
/// Every answer to a keyed request says where its key stands, in the fields of the IETF draft
/// <c>draft-ietf-httpapi-ratelimit-headers</c> (RateLimit-Limit, -Remaining, -Reset).
/// </summary>
public static class RateLimits
{
    public const string LimitHeader = "RateLimit-Limit";
    public const string RemainingHeader = "RateLimit-Remaining";
    public const string ResetHeader = "RateLimit-Reset";

    public static IServiceCollection AddKeyRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = RateLimitOptions.From(configuration);
        var limiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            context.User.FindFirst(Caller.KeyClaim)?.Value is { } key
                ? RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst,
                    TokensPerPeriod = limits.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                })
                : RateLimitPartition.GetNoLimiter(""));
        services.AddSingleton(new KeyRateLimiter(limiter, limits));
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = limiter;
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                var headers = context.HttpContext.Response.Headers;
                headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                headers[LimitHeader] = limits.Burst.ToString(CultureInfo.InvariantCulture);
                headers[RemainingHeader] = "0";
                headers[ResetHeader] = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Problems.TooManyRequests(retryAfter).ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    /// <summary>The limiter, and then the RateLimit fields on every answer it let through for a key.</summary>
    public static IApplicationBuilder UseKeyRateLimits(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRateLimiter();
        var limiter = app.ApplicationServices.GetRequiredService<KeyRateLimiter>();
        return app.Use((context, next) =>
        {
            limiter.WriteHeaders(context);
            return next(context);
        });
    }
}

/// <summary>The per-key limiter, kept to read how many requests a key has left after its request took one.</summary>
public sealed class KeyRateLimiter(PartitionedRateLimiter<HttpContext> limiter, RateLimitOptions limits)
{
    public void WriteHeaders(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User.FindFirst(Caller.KeyClaim) is null || limiter.GetStatistics(context) is not { } statistics)
        {
            return;
        }

        // The bucket holds Burst tokens and gains RequestsPerSecond a second: Reset is when it is full
        // again, the moment the whole quota (RateLimit-Limit) is back.
        var remaining = Math.Clamp(statistics.CurrentAvailablePermits, 0, limits.Burst);
        var resetSeconds = (long)Math.Ceiling((double)(limits.Burst - remaining) / limits.RequestsPerSecond);
        var headers = context.Response.Headers;
        headers[RateLimits.LimitHeader] = limits.Burst.ToString(CultureInfo.InvariantCulture);
        headers[RateLimits.RemainingHeader] = remaining.ToString(CultureInfo.InvariantCulture);
        headers[RateLimits.ResetHeader] = resetSeconds.ToString(CultureInfo.InvariantCulture);
    }
}
