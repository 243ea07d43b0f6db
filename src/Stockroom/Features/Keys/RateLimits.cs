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
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddKeyRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = RateLimitOptions.From(configuration);

        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
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
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Problems.TooManyRequests(retryAfter).ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }
}
