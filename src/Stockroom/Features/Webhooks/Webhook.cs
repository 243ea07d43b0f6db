using System.Globalization;

namespace Stockroom.Features.Webhooks;

/// <summary>
/// A subscription: deliveries of these event types go to this URL, signed with this secret. A
/// subscription disabled for failing too long (<see cref="WebhookHealth"/>) gets no deliveries until
/// it is enabled again.
/// </summary>
public sealed record Webhook(
    string Id,
    string Url,
    IReadOnlyList<string> Events,
    string Secret,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DisabledAt = null,
    string? DisabledReason = null);

/// <summary>When a subscriber that keeps failing is disabled, so that a dead one stops taking delivery slots and log space.</summary>
public static class WebhookHealth
{
    /// <summary>Failed attempts in a row, over all of a subscription's deliveries, that disable it.</summary>
    public const int ConsecutiveFailuresMax = 100;

    /// <summary>How long every attempt may fail before the subscription is disabled, however few attempts that was.</summary>
    public static readonly TimeSpan FailingForMax = TimeSpan.FromHours(24);

    /// <summary>
    /// Why a subscription is disabled after another failed attempt, or null when it stays enabled:
    /// <paramref name="consecutiveFailures"/> counts this attempt, <paramref name="failingSince"/> is
    /// when the first failure of the run was recorded.
    /// </summary>
    public static string? DisableReason(int consecutiveFailures, DateTimeOffset failingSince, DateTimeOffset now, string failure)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(consecutiveFailures);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(failingSince, now);
        if (consecutiveFailures >= ConsecutiveFailuresMax)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{consecutiveFailures} delivery attempts in a row failed; the last: {failure}");
        }

        return now - failingSince >= FailingForMax
            ? string.Create(CultureInfo.InvariantCulture, $"every delivery attempt failed for {(now - failingSince).TotalHours:0} hours ({consecutiveFailures} attempts); the last: {failure}")
            : null;
    }
}

/// <summary>One delivery of one event to one subscription, and how it went.</summary>
public sealed record WebhookDelivery(
    long Id,
    string WebhookId,
    string EventType,
    string Payload,
    string Status,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    int? LastStatus,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt);

public static class WebhookEvents
{
    /// <summary>The event types a subscription may ask for.</summary>
    public static readonly IReadOnlySet<string> Deliverable = new HashSet<string>(StringComparer.Ordinal)
    {
        "availability.changed", "stock.low", "stock.soldOut", "stock.backInStock", "reservation.expired", "shortage.detected",
    };
}
