namespace Stockroom.Core.Catalog;

/// <summary>
/// Units a channel is not shown, on top of what its group could promise: a percentage of the
/// group's availability (rounded up, so a buffer never shows more than intended) plus fixed units.
/// </summary>
public sealed record ChannelBuffer(decimal? Percent, long? Units);

/// <summary>What marketplace intake does with an order line whose SKU it cannot map to an item.</summary>
public enum UnknownSkus
{
    /// <summary>Hold the order's other lines and mark the line (in the answer, the ledger and the delivery trail).</summary>
    Skip,

    /// <summary>Refuse the whole order, so that the marketplace delivers it again once the listing is mapped.</summary>
    Refuse,
}

/// <summary>
/// A sales channel (web, amazon, pos…) and the distribution group it sells from. Its availability
/// is published on every change (<c>PublishEverySeconds</c> 0) or at most every so many seconds,
/// with all the changes of one SKU in between coalesced into one update. <c>IntakeSecretSet</c> says
/// whether marketplace deliveries to the channel must be signed; the secret itself is never part of it.
/// <c>IntakeUnknownSkus</c> says what its marketplace orders' unmapped lines do.
/// </summary>
public sealed record Channel(
    string Id,
    string Name,
    string Group,
    ChannelBuffer? Buffer,
    int? ReservationTtlSeconds,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int PublishEverySeconds = 0,
    bool IntakeSecretSet = false,
    UnknownSkus IntakeUnknownSkus = UnknownSkus.Skip);
