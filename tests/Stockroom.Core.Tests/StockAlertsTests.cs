using Stockroom.Core.Alerts;
using Stockroom.Core.Supply;

namespace Stockroom.Core.Tests;

public sealed class StockAlertsTests
{
    private static readonly PositionKey Key = new("LAMP", "store");

    private static Position P(long onHand, long reserved = 0) => new(Key, onHand, reserved, 0);

    private static string[] Types(Position before, Position after, long? threshold = null, long safety = 0) =>
        [.. StockAlerts.Detect(before, after, safety, safety, threshold).Select(a => a.Type)];

    [Fact]
    public void Selling_the_last_unit_is_a_sell_out_once()
    {
        Assert.Equal([StockAlerts.SoldOut], Types(P(5, 4), P(5, 5)));
        Assert.Empty(Types(P(5, 5), P(5, 5)));
    }

    [Fact]
    public void Units_coming_back_are_back_in_stock()
    {
        Assert.Equal([StockAlerts.BackInStock], Types(P(5, 5), P(5, 4)));
    }

    [Fact]
    public void Crossing_below_the_threshold_is_low_stock_and_staying_below_is_not()
    {
        Assert.Equal([StockAlerts.Low], Types(P(10), P(10, 8), threshold: 3));
        Assert.Empty(Types(P(10, 8), P(10, 9), threshold: 3));
        Assert.Equal([StockAlerts.SoldOut], Types(P(10, 5), P(10, 10), threshold: 3));
    }

    [Fact]
    public void Safety_stock_counts_towards_selling_out()
    {
        Assert.Equal([StockAlerts.SoldOut], Types(P(5, 2), P(5, 3), safety: 2));
    }

    [Fact]
    public void A_count_below_committed_units_is_a_shortage_with_the_units_short()
    {
        var alerts = StockAlerts.Detect(P(5, 4), P(2, 4), 0, 0, null);
        var shortage = Assert.Single(alerts, a => a.Type == StockAlerts.ShortageDetected);
        Assert.Equal(2, shortage.Shortage);
    }

    [Fact]
    public void A_position_as_it_stands_is_short_sold_out_or_low()
    {
        Assert.Equal([StockAlerts.ShortageDetected, StockAlerts.SoldOut], StockAlerts.Current(P(2, 4), 0, 3).Select(a => a.Type));
        Assert.Equal([StockAlerts.Low], StockAlerts.Current(P(10, 8), 0, 3).Select(a => a.Type));
        Assert.Empty(StockAlerts.Current(P(10, 2), 0, 3));
    }
}
