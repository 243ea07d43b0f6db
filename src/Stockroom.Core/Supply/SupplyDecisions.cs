namespace Stockroom.Core.Supply;

/// <summary>What a supply change does to a position, or why it cannot.</summary>
public abstract record SupplyOutcome
{
    private SupplyOutcome()
    {
    }

    public sealed record Applied(Position Before, Position After) : SupplyOutcome;

    /// <summary>The change would leave the position outside its bounds.</summary>
    public sealed record Refused(PositionKey Key, string Reason) : SupplyOutcome;
}

/// <summary>
/// Pure decisions for supply: absolute counts from a system of record, and relative adjustments.
/// Neither ever touches demand: a count that falls below committed units leaves a
/// <see cref="Position.Shortage"/> to resolve, it does not silently cancel holds.
/// </summary>
public static class SupplyDecisions
{
    /// <summary>An absolute on-hand count replaces what was there.</summary>
    public static SupplyOutcome SetOnHand(Position position, long onHand)
    {
        ArgumentNullException.ThrowIfNull(position);
        if (onHand is < 0 or > Limits.PositionUnitsMax)
        {
            return new SupplyOutcome.Refused(position.Key, $"on-hand must be between 0 and {Limits.PositionUnitsMax}");
        }

        var after = position with { OnHand = onHand };
        Invariant.Require(after.Reserved == position.Reserved && after.Allocated == position.Allocated,
            "a supply count never changes committed demand");
        return new SupplyOutcome.Applied(position, after);
    }

    /// <summary>
    /// A count from a POS or ERP. The system of record deducts an order from its own count once it
    /// knows the order, though the units stay on the shelf until they ship. Units of open orders
    /// the source had acknowledged by the count's time are therefore added back: they are still
    /// here, and they stay subtracted as allocated demand — once, not twice. Orders the source did
    /// not know of yet are in its count already and need nothing added.
    /// </summary>
    public static SupplyOutcome Count(Position position, long counted, long seenBySource)
    {
        ArgumentNullException.ThrowIfNull(position);
        Invariant.Require(seenBySource >= 0 && seenBySource <= position.Allocated, "the demand a source has seen is allocated demand");
        return SetOnHand(position, counted + seenBySource);
    }

    /// <summary>A relative change of on-hand: a receipt, a count correction, damage, shrink.</summary>
    public static SupplyOutcome AdjustOnHand(Position position, long delta)
    {
        ArgumentNullException.ThrowIfNull(position);
        var onHand = position.OnHand + delta;
        if (onHand < 0)
        {
            return new SupplyOutcome.Refused(position.Key,
                $"on-hand is {position.OnHand}; removing {-delta} would leave it below zero");
        }

        if (onHand > Limits.PositionUnitsMax)
        {
            return new SupplyOutcome.Refused(position.Key, $"on-hand would exceed {Limits.PositionUnitsMax}");
        }

        return SetOnHand(position, onHand);
    }

    /// <summary>
    /// A relative change of one inbound lot. Returns the lot's new quantity, or null with the
    /// reason when the change would take it below zero.
    /// </summary>
    public static (long? Quantity, string? Refusal) AdjustInbound(long current, long delta)
    {
        Invariant.Require(current >= 0, "an inbound lot is never negative");
        var quantity = current + delta;
        if (quantity < 0)
        {
            return (null, $"inbound is {current}; removing {-delta} would leave it below zero");
        }

        return quantity > Limits.PositionUnitsMax
            ? (null, $"inbound would exceed {Limits.PositionUnitsMax}")
            : (quantity, null);
    }
}
