using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

public class TransferTests
{
    private static readonly PositionKey Key = new("A", "wh");

    [Fact]
    public void Only_units_beyond_those_promised_may_leave()
    {
        var position = new Position(Key, OnHand: 10, Reserved: 3, Allocated: 2);
        var shipped = Assert.IsType<TransferOutcome.Shipped>(Transfers.Ship(position, 5));
        Assert.Equal(position with { OnHand = 5 }, shipped.After);
        Assert.IsType<TransferOutcome.Refused>(Transfers.Ship(position, 6));
    }

    [Fact]
    public void A_short_position_can_send_nothing()
    {
        var position = new Position(Key, OnHand: 2, Reserved: 4, Allocated: 0);
        Assert.IsType<TransferOutcome.Refused>(Transfers.Ship(position, 1));
    }

    [Fact]
    public void Received_units_become_on_hand() =>
        Assert.Equal(12, Transfers.Receive(new Position(Key, 7, 1, 0), 5).OnHand);
}
