using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Features.Availability;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Features.Webhooks;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Channels;

/// <summary>A page of a channel's feed in the list envelope: <c>data</c> and the <c>next</c> cursor, with the channel it is of.</summary>
public sealed record ChannelFeedPage(string Channel, IReadOnlyList<ChannelUpdate> Data, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next);

/// <summary>
/// Publishes each channel's availability at its cadence: on every change, or at most every N
/// seconds, with all the changes of one SKU in between coalesced into one update carrying its
/// latest availability, and only when that differs from what was published last. A marketplace
/// connector reads the feed; webhooks deliver it as <c>availability.changed</c>.
/// </summary>
public sealed class ChannelPublisher(IStockStore store, TimeProvider time)
{
    /// <summary>Changed SKUs taken per channel per pass; a busy channel catches up over several.</summary>
    public const int SkusPerPass = 1_000;

    public async Task<int> PublishDueAsync(CancellationToken cancellationToken) => await Writes.RetryAsync(store, async () =>
    {
        await using var write = await store.BeginWriteAsync(cancellationToken);
        var published = 0;
        var wrote = false;
        foreach (var (channel, through) in await write.LockDueChannelsAsync(time.GetUtcNow(), cancellationToken))
        {
            var changed = await write.ChangedSkusAsync(through, SkusPerPass, cancellationToken);
            var updates = new List<(string Sku, long Available)>();
            var asOf = new Dictionary<string, long>(StringComparer.Ordinal);
            if (changed.Count > 0)
            {
                foreach (var (sku, sequence) in changed)
                {
                    asOf[sku] = Math.Max(asOf.GetValueOrDefault(sku), sequence);
                }

                var skus = changed.Select(c => c.Sku).ToList();
                var group = await store.GetGroupAsync(channel.Group, cancellationToken);
                var locations = group is null ? [] : (await store.GetLocationsAsync(group.Locations, cancellationToken)).Where(l => l.Active).ToList();
                var stock = await store.ReadStockAsync(skus, [.. locations.Select(l => l.Id)], cancellationToken);
                var scope = new AvailabilityApi.Scope(locations, null, group, channel);
                var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
                var before = await write.PublishedAsync(channel.Id, skus, cancellationToken);
                foreach (var sku in skus.Where(stock.Items.ContainsKey))
                {
                    var available = AvailabilityApi.Answer(sku, scope, stock, today, null, byLocation: false).Available;
                    if (!before.TryGetValue(sku, out var last) || last != available)
                    {
                        updates.Add((sku, available));
                    }
                }
            }

            if (changed.Count == 0 && channel.PublishEverySeconds == 0)
            {
                // Nothing changed on a channel told of every change: it stays due, and an idle pass
                // writes nothing (on SQLite, a commit takes the one write lock and a flush to disk).
                continue;
            }

            // More changes than one pass takes: come back at once rather than after the cadence.
            var caughtUp = changed.Count < SkusPerPass;
            var next = caughtUp ? time.GetUtcNow().AddSeconds(channel.PublishEverySeconds) : time.GetUtcNow();
            await write.PublishAsync(channel.Id, updates, changed.Count > 0 ? changed[^1].Sequence : through, next, cancellationToken);
            wrote = true;
            if (updates.Count > 0)
            {
                var at = time.GetUtcNow();
                await write.EnqueueDeliveriesAsync("availability.changed",
                    [.. updates.Select(u => AvailabilityChanged(channel.Id, u.Sku, u.Available, asOf[u.Sku], at))],
                    cancellationToken);
            }
            published += updates.Count;
        }

        if (wrote)
        {
            await write.CommitAsync(cancellationToken);
        }

        return published;
    });

    /// <summary>
    /// An <c>availability.changed</c> body: <c>sequence</c> is the ledger event the SKU's availability is
    /// as of, and <c>id</c> names that event for this channel, so that it is the same on every retry
    /// and differs between channels told of the same change.
    /// </summary>
    private static string AvailabilityChanged(string channel, string sku, long available, long sequence, DateTimeOffset at) =>
        StockroomJson.Serialize(new
        {
            id = $"{StandardWebhooks.EventId(sequence)}.{channel}.{sku}",
            type = "availability.changed",
            sequence,
            at,
            data = new { channel, sku, available },
        });
}

internal sealed partial class ChannelPublishingWorker(ChannelPublisher publisher, TimeProvider time, ILogger<ChannelPublishingWorker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await publisher.PublishDueAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(30, LogLevel.Warning, "Publishing channel availability failed; retrying on the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

public static class ChannelFeed
{
    public static async Task<Results<Ok<ChannelFeedPage>, ProblemHttpResult>> Get(
        string id, IStockStore store, ClaimsPrincipal user, CancellationToken cancellationToken, string? after = null, int? limit = null)
    {
        var (validation, from, size) = Paging.ValidateSequence(after, limit);
        validation.Identifier("id", id);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        if (Caller.Of(user).RefusesChannel(id) is { } refused)
        {
            return refused;
        }

        if (await store.GetChannelAsync(id, cancellationToken) is null)
        {
            return Problems.NotFound("channel", id);
        }

        var updates = await store.ReadChannelFeedAsync(id, from, size, cancellationToken);
        return TypedResults.Ok(new ChannelFeedPage(id, updates, Paging.Next(updates, size, u => Paging.Cursor(u.Id))));
    }
}
