namespace Stockroom.Features.Webhooks;

/// <summary>A subscription: deliveries of these event types go to this URL, signed with this secret.</summary>
public sealed record Webhook(string Id, string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt);

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
