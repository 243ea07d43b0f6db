using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Features.Reservations;

namespace Stockroom.Tests;

/// <summary>The writer's two lanes, without a store: which requests a batch takes, and in what order.</summary>
public sealed class HoldQueueTests
{
    private static readonly HoldWriterOptions Options = new();

    private static HoldFootprint AtOneLocation(string sku) => HoldFootprint.Of([new HoldLineRequest(sku, 1, "store-1", null)], null, _ => null);

    /// <summary>Ten lines over a whole 1,000-location group: ten thousand positions, a wide hold.</summary>
    private static HoldFootprint Wide(int n) =>
        HoldFootprint.Of([.. Enumerable.Range(0, 10).Select(i => new HoldLineRequest($"WIDE-{n}-{i}", 1, null, null))], "every-store", _ => Limits.GroupLocationsMax);

    private static List<string> Take(HoldQueue<string> queue)
    {
        var batch = new List<string>();
        queue.Take(batch);
        return batch;
    }

    [Fact]
    public void A_one_unit_hold_queued_behind_many_wide_ones_goes_in_the_next_batch()
    {
        var queue = new HoldQueue<string>(Options);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(queue.TryAdd($"wide-{i}", Wide(i)));
        }

        Assert.True(queue.TryAdd("cart", AtOneLocation("LAMP")));
        Assert.Equal(["wide-0", "cart"], Take(queue));
        Assert.Equal(["wide-1"], Take(queue));
        Assert.Equal(18, queue.Count);
    }

    [Fact]
    public void Wide_holds_keep_moving_one_a_batch_under_a_steady_stream_of_narrow_ones()
    {
        var queue = new HoldQueue<string>(Options);
        Assert.True(queue.TryAdd("wide-0", Wide(0)));
        Assert.True(queue.TryAdd("wide-1", Wide(1)));
        for (var i = 0; i < Options.BatchSizeMax * 3; i++)
        {
            Assert.True(queue.TryAdd($"cart-{i}", AtOneLocation($"SKU-{i}")));
        }

        var first = Take(queue);
        Assert.Equal("wide-0", first[0]);
        Assert.DoesNotContain("wide-1", first);
        Assert.Equal("wide-1", Take(queue)[0]);
        Assert.DoesNotContain(Take(queue), r => r.StartsWith("wide", StringComparison.Ordinal));
    }

    [Fact]
    public void A_batch_stays_within_its_positions_and_holds_on_the_same_sku_and_scope_weigh_once()
    {
        var queue = new HoldQueue<string>(Options);
        // One line over a whole 1,000-location group is narrow, but twenty-one different SKUs that way exceed a batch.
        var distinct = Options.BatchPositionsMax / Limits.GroupLocationsMax + 1;
        for (var i = 0; i < distinct; i++)
        {
            Assert.True(queue.TryAdd($"group-{i}", HoldFootprint.Of([new HoldLineRequest($"SKU-{i}", 1, null, null)], "every-store", _ => Limits.GroupLocationsMax)));
        }

        Assert.Equal(distinct - 1, Take(queue).Count);
        Assert.Single(Take(queue));

        // A flash sale on one SKU over the same group locks the same thousand rows: every hold fits one batch.
        for (var i = 0; i < Options.BatchSizeMax; i++)
        {
            Assert.True(queue.TryAdd($"flash-{i}", HoldFootprint.Of([new HoldLineRequest("HOT", 1, null, null)], "every-store", _ => Limits.GroupLocationsMax)));
        }

        Assert.Equal(Options.BatchSizeMax, Take(queue).Count);
    }

    [Fact]
    public void A_single_request_wider_than_a_batch_still_gets_a_batch_of_its_own()
    {
        var queue = new HoldQueue<string>(new HoldWriterOptions { BatchPositionsMax = 10 });
        Assert.True(queue.TryAdd("narrow-but-over", HoldFootprint.Of([new HoldLineRequest("A", 1, null, null)], "g", _ => 500)));
        Assert.True(queue.TryAdd("next", AtOneLocation("B")));
        Assert.Equal(["narrow-but-over"], Take(queue));
        Assert.Equal(["next"], Take(queue));
    }

    [Fact]
    public async Task Waiting_ends_with_work_in_either_lane_and_once_both_are_completed_and_empty()
    {
        var queue = new HoldQueue<string>(Options);
        var waiting = queue.WaitAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.True(queue.TryAdd("wide", Wide(0)));
        Assert.True(await waiting);
        Assert.Equal(["wide"], Take(queue));

        queue.Complete();
        Assert.False(queue.TryAdd("late", AtOneLocation("C")));
        Assert.False(await queue.WaitAsync());
    }
}
