using Stockroom.Core.Ledger;

namespace Stockroom.Core.Tests;

public sealed class LedgerChainTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Appended_events_link_each_to_the_one_before()
    {
        var events = LedgerChain.Append(0, LedgerChain.Genesis, [new("a", At, "{}"), new("b", At, "{\"x\":1}")]);
        Assert.Equal([1L, 2L], events.Select(e => e.Sequence));
        Assert.Equal(LedgerChain.Genesis, events[0].PreviousHash);
        Assert.Equal(events[0].Hash, events[1].PreviousHash);
        Assert.True(LedgerChain.Verify(events[0], LedgerChain.Genesis));
        Assert.True(LedgerChain.Verify(events[1], events[0].Hash));
    }

    [Fact]
    public void Changing_any_field_breaks_the_hash()
    {
        var entry = LedgerChain.Append(0, LedgerChain.Genesis, [new("supply.adjusted", At, "{\"delta\":1}")])[0];
        Assert.False(LedgerChain.Verify(entry with { Data = "{\"delta\":2}" }, LedgerChain.Genesis));
        Assert.False(LedgerChain.Verify(entry with { Type = "supply.synced" }, LedgerChain.Genesis));
        Assert.False(LedgerChain.Verify(entry with { At = At.AddSeconds(1) }, LedgerChain.Genesis));
        Assert.False(LedgerChain.Verify(entry with { Sequence = 2 }, LedgerChain.Genesis));
        Assert.False(LedgerChain.Verify(entry, new string('1', 64)));
    }

    [Fact]
    public void Times_are_kept_to_the_microsecond_in_utc()
    {
        var precise = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567);
        var normal = LedgerChain.Normalize(precise);
        Assert.Equal(TimeSpan.Zero, normal.Offset);
        Assert.Equal(0, normal.Ticks % 10);
        Assert.Equal("2026-11-22T10:00:00.123456Z", LedgerChain.FormatTime(precise));
    }
}
