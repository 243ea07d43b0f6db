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

/// <summary>What a snapshot does to inbound lots: lots to write (zero ends one), and lots it listed that someone else holds.</summary>
public sealed record LotReplacement(IReadOnlyList<InboundSupply> Lots, IReadOnlyList<InboundSupply> HeldElsewhere);

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
    /// A count from a POS or ERP, true as of its own time (<c>asOf</c>), applied now.
    /// <para>The system of record deducts an order from its own count once it knows the order,
    /// though the units stay on the shelf until they ship. Units of orders the source had
    /// acknowledged by the count's time and that were still allocated then
    /// (<paramref name="seenBySource"/>) are therefore added back: they were on the shelf, and
    /// they stay subtracted as allocated demand (or have shipped since) — once, not twice.</para>
    /// <para>Everything Stockroom recorded at the position after the count's time — shipments,
    /// write-offs, receipts, returns, transfers out and in (<paramref name="movedSince"/>) — is
    /// then applied on top, so a late count never resurrects units that left since.</para>
    /// A count and later movements that disagree (units shipped that the count says were never
    /// there) leave on-hand at zero, never below.
    /// </summary>
    public static SupplyOutcome Count(Position position, long counted, long seenBySource, long movedSince)
    {
        ArgumentNullException.ThrowIfNull(position);
        Invariant.Require(counted >= 0 && seenBySource >= 0, "a count and the demand its source has seen are never negative");
        return SetOnHand(position, Math.Clamp(counted + seenBySource + movedSince, 0, Limits.PositionUnitsMax));
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
    /// The lots a snapshot from <paramref name="source"/> leaves at the positions and types it
    /// lists. Lots belong to whoever made them: the snapshot replaces only its own source's lots
    /// (and lots from before ownership was kept, <see cref="InboundSupply.AnySource"/>), setting the
    /// ones it lists and ending the others; a lot another source or Stockroom itself (a transfer in
    /// transit) holds under the same reference is left alone and reported. A snapshot sent in
    /// several requests carries one <paramref name="snapshotId"/>, so a lot an earlier request of
    /// it set is kept, not ended by the next request.
    /// </summary>
    public static LotReplacement ReplaceLots(string source, string snapshotId, IReadOnlyCollection<InboundSupply> existing, IReadOnlyList<InboundSupply> listed)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(listed);
        bool Ours(InboundSupply lot) => lot.Source == source || lot.Source == InboundSupply.AnySource;
        var byLot = existing.ToDictionary(l => (l.Key, l.Type, l.Reference));
        var result = new Dictionary<(PositionKey, SupplyType, string), InboundSupply>();
        var spoken = listed.Select(l => (l.Key, l.Type)).ToHashSet();
        foreach (var lot in existing.Where(l => spoken.Contains((l.Key, l.Type)) && Ours(l) && l.SnapshotId != snapshotId))
        {
            result[(lot.Key, lot.Type, lot.Reference)] = lot with { Quantity = 0 };
        }

        var heldElsewhere = new List<InboundSupply>();
        foreach (var lot in listed)
        {
            Invariant.Require(lot.Type != SupplyType.OnHand, "on-hand is a position, not an inbound lot");
            if (byLot.TryGetValue((lot.Key, lot.Type, lot.Reference), out var current) && !Ours(current))
            {
                heldElsewhere.Add(current);
                continue;
            }

            result[(lot.Key, lot.Type, lot.Reference)] = lot with { Source = source, SnapshotId = snapshotId };
        }

        Invariant.Require(result.Values.All(l => l.Quantity == 0 || l.Source == source), "a snapshot only ever sets its own source's lots");
        Invariant.Require(heldElsewhere.All(l => !result.ContainsKey((l.Key, l.Type, l.Reference))), "a lot held elsewhere is never written");
        return new LotReplacement([.. result.Values], heldElsewhere);
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
