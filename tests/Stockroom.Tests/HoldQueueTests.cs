using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Features.Reservations;

namespace Stockroom.Tests;

/// <summary>The writer's two lanes, without a store: where requests wait, and which of them a batch takes.</summary>
public sealed class HoldQueueTests
{
    private static readonly HoldWriterOptions Options = new();

    private static HoldFootprint AtOneLocation(string sku) => HoldFootprint.Of([new HoldLineRequest(sku, 1, "store-1", null)], null, _ => null);

    private static HoldFootprint OverTheChain(params string[] skus) =>
        HoldFootprint.Of([.. skus.Select(sku => new HoldLineRequest(sku, 1, null, null))], "every-store", _ => Limits.GroupLocationsMax);

    /// <summary>Ten lines over a whole 1,000-location group: ten thousand positions, a wide hold.</summary>
    private static HoldFootprint Wide(int n) => OverTheChain([.. Enumerable.Range(0, 10).Select(i => $"WIDE-{n}-{i}")]);

    private static List<string> Take(HoldLane<string> lane)
    {
        var batch = new List<string>();
        lane.Take(batch);
        return batch;
    }

    [Fact]
    public void A_one_unit_hold_queued_behind_many_wide_ones_is_the_narrow_lanes_next_batch()
    {
        var queue = new HoldQueue<string>(Options);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(queue.TryAdd($"wide-{i}", Wide(i)));
        }

        Assert.True(queue.TryAdd("cart", AtOneLocation("LAMP")));
        Assert.Equal(["cart"], Take(queue.Narrow));
        Assert.Equal(20, queue.Wide.Count);
        // Wide holds go two at a time: each locks ten thousand positions of its own.
        Assert.Equal(["wide-0", "wide-1"], Take(queue.Wide));
    }

    [Fact]
    public void One_line_over_the_largest_group_is_narrow_and_a_second_line_makes_a_hold_wide()
    {
        var queue = new HoldQueue<string>(Options);
        Assert.False(queue.IsWide(OverTheChain("A")));
        Assert.True(queue.IsWide(OverTheChain("A", "B")));
        Assert.False(queue.IsWide(HoldFootprint.Of([.. Enumerable.Range(0, Limits.DemandLinesMax).Select(i => new HoldLineRequest($"S{i}", 1, "store-1", null))], null, _ => null)));
    }

    [Fact]
    public void A_batch_stays_within_its_positions_and_holds_on_the_same_sku_and_scope_weigh_once()
    {
        var lane = new HoldQueue<string>(Options).Narrow;
        // One line over a whole 1,000-location group each: twenty-one different SKUs exceed a batch.
        var distinct = Options.BatchPositionsMax / Limits.GroupLocationsMax + 1;
        for (var i = 0; i < distinct; i++)
        {
            Assert.True(lane.TryAdd($"group-{i}", OverTheChain($"SKU-{i}")));
        }

        Assert.Equal(distinct - 1, Take(lane).Count);
        Assert.Single(Take(lane));

        // A flash sale on one SKU over the same group locks the same thousand rows: a full batch fits.
        for (var i = 0; i < Options.BatchSizeMax + 1; i++)
        {
            Assert.True(lane.TryAdd($"flash-{i}", OverTheChain("HOT")));
        }

        Assert.Equal(Options.BatchSizeMax, Take(lane).Count);
        Assert.Single(Take(lane));
    }

    [Fact]
    public void A_single_request_wider_than_a_batch_still_gets_a_batch_of_its_own()
    {
        var lane = new HoldQueue<string>(new HoldWriterOptions { BatchPositionsMax = 10 }).Narrow;
        Assert.True(lane.TryAdd("over", HoldFootprint.Of([new HoldLineRequest("A", 1, null, null)], "g", _ => 500)));
        Assert.True(lane.TryAdd("next", AtOneLocation("B")));
        Assert.Equal(["over"], Take(lane));
        Assert.Equal(["next"], Take(lane));
    }

    [Fact]
    public async Task A_lane_waits_for_work_and_ends_once_completed_and_empty()
    {
        var queue = new HoldQueue<string>(Options);
        var waiting = queue.Wide.WaitAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.True(queue.TryAdd("wide", Wide(0)));
        Assert.True(await waiting);

        queue.Complete();
        Assert.False(queue.TryAdd("late", AtOneLocation("C")));
        Assert.Equal(["wide"], Take(queue.Wide));
        Assert.False(await queue.Wide.WaitAsync());
        Assert.False(await queue.Narrow.WaitAsync());
    }
}
