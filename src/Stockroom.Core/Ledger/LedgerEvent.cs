using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Stockroom.Core.Ledger;

/// <summary>A change about to be recorded: its type, when it happened, and its data as JSON.</summary>
public sealed record PendingEvent(string Type, DateTimeOffset At, string Data);

/// <summary>
/// One entry of the append-only ledger. <c>Hash</c> covers the entry's content and the hash of
/// the entry before it, so that changing, removing or reordering any entry breaks every hash
/// after it.
/// </summary>
public sealed record LedgerEvent(long Sequence, string Type, DateTimeOffset At, string Data, string PreviousHash, string Hash);

public static class LedgerChain
{
    /// <summary>The previous hash of the first event.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>
    /// Timestamps are kept to the microsecond, the finest both stores hold, so that the time
    /// read back is the very time that was hashed.
    /// </summary>
    public static DateTimeOffset Normalize(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
    }

    public static string FormatTime(DateTimeOffset at) =>
        Normalize(at).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Appends pending events after the entry with <paramref name="sequence"/> and <paramref name="hash"/>.</summary>
    public static IReadOnlyList<LedgerEvent> Append(long sequence, string hash, IReadOnlyList<PendingEvent> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        Invariant.Require(sequence >= 0, "ledger sequences start at 1");
        var appended = new List<LedgerEvent>(pending.Count);
        foreach (var change in pending)
        {
            sequence++;
            var at = Normalize(change.At);
            var next = ComputeHash(sequence, change.Type, at, change.Data, hash);
            appended.Add(new LedgerEvent(sequence, change.Type, at, change.Data, hash, next));
            hash = next;
        }

        return appended;
    }

    /// <summary>SHA-256, hex, over the sequence, type, time, data and previous hash, one per line.</summary>
    public static string ComputeHash(long sequence, string type, DateTimeOffset at, string data, string previousHash)
    {
        var content = string.Join('\n',
            sequence.ToString(CultureInfo.InvariantCulture), type, FormatTime(at), data, previousHash);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
    }

    /// <summary>True when the event's hash matches its content and the hash of the event before.</summary>
    public static bool Verify(LedgerEvent entry, string expectedPreviousHash)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.PreviousHash == expectedPreviousHash
            && entry.Hash == ComputeHash(entry.Sequence, entry.Type, entry.At, entry.Data, entry.PreviousHash);
    }
}
