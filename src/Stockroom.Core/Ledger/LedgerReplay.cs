using System.Text.Json;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Ledger;

/// <summary>One position's change within a transaction, as the ledger records it.</summary>
public sealed record PositionChange(string Sku, string Location, long OnHand, long Reserved, long Allocated, long Backordered);

/// <summary>What broke: the first event whose link in the chain does not hold, or a position that disagrees.</summary>
public sealed record LedgerBreak(long? Sequence, PositionKey? Position, string Reason);

/// <summary>
/// Re-walks the ledger: every event must follow the one before it (sequence and previous hash)
/// and hash to what it says; the <c>positions.changed</c> deltas, summed, rebuild every position.
/// Feed events in sequence order, then compare the rebuilt positions with the stored ones.
/// </summary>
public sealed class LedgerReplay
{
    public const string PositionsChanged = "positions.changed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<PositionKey, Position> _positions = [];

    public long Sequence { get; private set; }

    public string Hash { get; private set; } = LedgerChain.Genesis;

    public IReadOnlyDictionary<PositionKey, Position> Positions => _positions;

    /// <summary>Checks and applies one event; returns the break it shows, or null.</summary>
    public LedgerBreak? Feed(LedgerEvent entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Sequence != Sequence + 1)
        {
            return new LedgerBreak(entry.Sequence, null, $"expected event {Sequence + 1} next, found {entry.Sequence}: an event is missing");
        }

        if (entry.PreviousHash != Hash)
        {
            return new LedgerBreak(entry.Sequence, null, "its previous hash is not the hash of the event before it: an earlier event was altered or removed");
        }

        if (!LedgerChain.Verify(entry, Hash))
        {
            return new LedgerBreak(entry.Sequence, null, "its content does not match its hash: the event was altered");
        }

        if (entry.Type == PositionsChanged)
        {
            foreach (var change in ChangesOf(entry.Data))
            {
                var key = new PositionKey(change.Sku, change.Location);
                var p = _positions.GetValueOrDefault(key) ?? Position.Empty(key);
                p = new Position(key, p.OnHand + change.OnHand, p.Reserved + change.Reserved, p.Allocated + change.Allocated, p.Backordered + change.Backordered);
                if (p.OnHand < 0 || p.Reserved < 0 || p.Allocated < 0 || p.Backordered < 0)
                {
                    return new LedgerBreak(entry.Sequence, key, "replaying it takes the position below zero");
                }

                _positions[key] = p;
            }
        }

        Sequence = entry.Sequence;
        Hash = entry.Hash;
        return null;
    }

    /// <summary>A stored position that differs from the rebuilt one, or null when they agree.</summary>
    public LedgerBreak? Compare(Position stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var rebuilt = _positions.GetValueOrDefault(stored.Key) ?? Position.Empty(stored.Key);
        return rebuilt == stored ? null : new LedgerBreak(null, stored.Key,
            $"stored on-hand {stored.OnHand}, reserved {stored.Reserved}, allocated {stored.Allocated}, backordered {stored.Backordered}; " +
            $"the ledger gives {rebuilt.OnHand}, {rebuilt.Reserved}, {rebuilt.Allocated}, {rebuilt.Backordered}");
    }

    /// <summary>The deltas a <c>positions.changed</c> event carries.</summary>
    public static IReadOnlyList<PositionChange> ChangesOf(string data) => JsonSerializer.Deserialize<ChangeSet>(data, Json)?.Changes ?? [];

    private sealed record ChangeSet(List<PositionChange> Changes);
}
