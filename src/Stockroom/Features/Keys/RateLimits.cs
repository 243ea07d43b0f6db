using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Stockroom.Http;

namespace Stockroom.Features.Keys;

/// <summary>Requests per second each key may make, with a burst allowance. Configured as <c>Stockroom:RateLimit</c>.</summary>
public sealed class RateLimitOptions
{
    public int RequestsPerSecond { get; set; } = 500;
    public int Burst { get; set; } = 1_000;
}

/// <summary>
/// A token bucket per key, so that one integration gone wrong cannot starve the others. Over its
/// budget a key gets 429 with Retry-After. Running open there is no key to count by, and no limit.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddKeyRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection("Stockroom:RateLimit").Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (limits.RequestsPerSecond <= 0 || limits.Burst <= 0)
        {
            throw new SettingException("Stockroom:RateLimit:RequestsPerSecond and :Burst must be positive.");
        }

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
