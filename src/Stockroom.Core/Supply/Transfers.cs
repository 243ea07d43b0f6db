namespace Stockroom.Core.Supply;

/// <summary>What a transfer does to the position it leaves, or why it cannot.</summary>
public abstract record TransferOutcome
{
    private TransferOutcome()
    {
    }

    public sealed record Shipped(Position Before, Position After) : TransferOutcome;

    public sealed record Refused(PositionKey Key, string Reason) : TransferOutcome;
}

/// <summary>
/// Stock moved between locations: units leave the sending position's on-hand and travel as
/// in-transit supply to the receiving one, where they become on-hand when received.
/// </summary>
public static class Transfers
{
    /// <summary>Lines in one transfer.</summary>
    public const int LinesMax = 1_000;

    /// <summary>
    /// Sends <paramref name="quantity"/> units out of a position. Units promised there (held or
    /// allocated) stay: a transfer may take only what is on hand beyond them.
    /// </summary>
    public static TransferOutcome Ship(Position source, long quantity)
    {
        ArgumentNullException.ThrowIfNull(source);
        Invariant.Require(quantity > 0, "a transfer moves at least one unit");
        var free = Math.Max(0, source.OnHand - source.Committed);
        if (quantity > free)
        {
            return new TransferOutcome.Refused(source.Key,
                $"on-hand is {source.OnHand} with {source.Committed} promised; at most {free} can leave, not {quantity}");
        }

        var after = source with { OnHand = source.OnHand - quantity };
        Invariant.Require(after.OnHand >= after.Committed, "a transfer never takes units promised at its source");
        Invariant.Require(after.Reserved == source.Reserved && after.Allocated == source.Allocated && after.Backordered == source.Backordered,
            "a transfer never changes demand");
        return new TransferOutcome.Shipped(source, after);
    }

    /// <summary>Units arriving at a position from a transfer become on-hand there.</summary>
    public static Position Receive(Position to, long quantity)
    {
        ArgumentNullException.ThrowIfNull(to);
        Invariant.Require(quantity >= 0, "a receipt is never negative");
        Invariant.Require(to.OnHand + quantity <= Limits.PositionUnitsMax, $"on-hand stays within {Limits.PositionUnitsMax}");
        return to with { OnHand = to.OnHand + quantity };
    }
}

public enum TransferStatus
{
    InTransit,
    Received,
}

/// <summary>Units of one SKU sent, and how many arrived (zero until received; less if the lot was adjusted on the way).</summary>
public sealed record TransferLine(string Sku, long Quantity, long Received = 0);

/// <summary>
/// Units sent from one location to another. While <c>InTransit</c> they are inbound supply at
/// <c>To</c> (type in-transit, reference = the transfer's id, due on <c>Eta</c>); received, on-hand there.
/// </summary>
public sealed record Transfer(
    string Id,
    string From,
    string To,
    DateOnly? Eta,
    TransferStatus Status,
    IReadOnlyList<TransferLine> Lines,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReceivedAt);
