namespace Stockroom.Core.Catalog;

/// <summary>
/// Units a channel is not shown, on top of what its group could promise: a percentage of the
/// group's availability (rounded up, so a buffer never shows more than intended) plus fixed units.
/// </summary>
public sealed record ChannelBuffer(decimal? Percent, long? Units);

/// <summary>
/// A sales channel (web, amazon, pos…) and the distribution group it sells from. Its availability
/// is published on every change (<c>PublishEverySeconds</c> 0) or at most every so many seconds,
/// with all the changes of one SKU in between coalesced into one update. <c>IntakeSecretSet</c> says
/// whether marketplace deliveries to the channel must be signed; the secret itself is never part of it.
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
    bool IntakeSecretSet = false);
