using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Stockroom.Core;
using Stockroom.Features.Availability;
using Stockroom.Features.Catalog;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Connectors;

/// <summary>
/// Sends each channel's availability to its marketplace: the channel's feed after the connector's
/// cursor, coalesced per SKU and in feed order, mapped to the marketplace's ids, in batches of the
/// kind's size. The cursor moves only after a batch is delivered, so a crash resends from the right
/// place (at least once). A full resync, on demand or daily, sends every SKU from current stock.
/// A connector is claimed with a lease before its push, so several processes never push one
/// channel at once, and no transaction is held open while the marketplace answers.
/// </summary>
public sealed partial class ConnectorPushes(IStockStore store, TimeProvider time, IHttpClientFactory httpClients, ConnectorSetup setup,
    ILogger<ConnectorPushes> logger)
{
    public const string HttpClientName = "connectors";

    /// <summary>One request to a marketplace, answered or given up.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a claim lasts: well past the time one pass may take, so that it only runs out for a process that died.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    public static readonly TimeSpan BackoffMin = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan BackoffMax = TimeSpan.FromMinutes(5);

    /// <summary>After a refusal only an operator can cure (bad token, unknown location): retried rarely, or at once after a new PUT.</summary>
    public static readonly TimeSpan RefusedBackoff = TimeSpan.FromHours(1);

    /// <summary>Feed rows taken per connector per pass; a busy channel catches up over several.</summary>
    public const int FeedRowsPerPass = 5_000;

    /// <summary>Connectors claimed per pass.</summary>
    public const int ClaimsMax = 16;

    private static readonly ConcurrentDictionary<string, double> LagSeconds = new(StringComparer.Ordinal);

    private static readonly ObservableGauge<double> LagGauge = Telemetry.Meter.CreateObservableGauge("stockroom.connector.lag",
        () => LagSeconds.Select(l => new Measurement<double>(l.Value, new KeyValuePair<string, object?>("channel", l.Key))),
        "s", "Age of the oldest feed update a channel's connector has not delivered yet, by channel.");

    private sealed record Claimed(ConnectorSettings Settings, long ThroughFeedId, bool Resync, int Failures, string Lease);

    /// <summary>Runs every connector that is due; returns how many were run.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        _ = LagGauge;
        var now = time.GetUtcNow();
        var resyncBefore = now.AddHours(-Math.Max(1, setup.Options.ResyncEveryHours));
        // A read first, outside any write: an idle connector costs no write transaction (on SQLite, the one write lock and a flush).
        var overview = await store.QueryAsync("""
            SELECT c.channel_id, c.next_attempt_at, c.resync_requested, c.last_resync_at,
                (SELECT f.published_at FROM channel_feed f WHERE f.channel_id = c.channel_id AND f.id > c.through_feed_id ORDER BY f.id LIMIT 1)
            FROM channel_connectors c
            """, _ => { }, r => (Channel: r.GetString(0), Next: r.GetFieldValue<DateTimeOffset>(1), Resync: r.GetBoolean(2),
                LastResync: r.Nullable<DateTimeOffset>(3), Pending: r.Nullable<DateTimeOffset>(4)), cancellationToken);
        foreach (var key in LagSeconds.Keys.Except(overview.Select(o => o.Channel)))
        {
            LagSeconds.TryRemove(key, out _);
        }

        foreach (var row in overview)
        {
            LagSeconds[row.Channel] = row.Pending is { } pending ? Math.Max(0, (now - pending).TotalSeconds) : 0;
        }

        var due = overview.Where(o => o.Next <= now && (o.Pending is not null || o.Resync || o.LastResync is null || o.LastResync <= resyncBefore))
            .Select(o => o.Channel).Take(ClaimsMax).ToList();
        if (due.Count == 0)
        {
            return 0;
        }

        var claimed = await ClaimAsync(due, cancellationToken);
        foreach (var connector in claimed)
        {
            await RunAsync(connector, resyncBefore, cancellationToken);
        }

        return claimed.Count;
    }

    private async Task<IReadOnlyList<Claimed>> ClaimAsync(IReadOnlyCollection<string> channels, CancellationToken cancellationToken) =>
        await Writes.RetryAsync(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            var lease = Guid.NewGuid().ToString("N");
            await using var select = write.Command($"""
                SELECT channel_id, kind, base_url, settings, secrets, through_feed_id, resync_requested, failures FROM channel_connectors
                WHERE channel_id IN ({write.Dialect.TextList("@channels")}) AND next_attempt_at <= @now ORDER BY channel_id{write.Dialect.ForUpdateSkipLocked}
                """).With("@now", write.Now);
            write.Dialect.BindTextList(select, "@channels", channels);
            var rows = await select.ListAsync(r => new Claimed(setup.Settings(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4)),
                r.GetInt64(5), r.GetBoolean(6), r.GetInt32(7), lease), cancellationToken);
            foreach (var row in rows)
            {
                await using var claim = write.Command("UPDATE channel_connectors SET lease = @lease, next_attempt_at = @until, last_attempt_at = @now WHERE channel_id = @channel")
                    .With("@lease", lease).With("@until", write.Now + Lease).With("@now", write.Now).With("@channel", row.Settings.Channel);
                await write.ExecuteAsync(claim, cancellationToken);
            }

            if (rows.Count > 0)
            {
                await write.CommitAsync(cancellationToken);
            }

            return (IReadOnlyList<Claimed>)rows;
        });

    private async Task RunAsync(Claimed connector, DateTimeOffset resyncBefore, CancellationToken cancellationToken)
    {
        var channelId = connector.Settings.Channel;
        var kind = ConnectorSetup.KindName(connector.Settings.Kind);
        if (setup.Pusher(connector.Settings.Kind) is not { } pusher)
        {
            await FinishAsync(connector, new PushOutcome.Failed(false, null, $"this server has no {kind} connector"), null, false, cancellationToken);
            return;
        }

        var channel = await store.GetChannelAsync(channelId, cancellationToken);
        if (channel is null)
        {
            return;
        }

        var http = httpClients.CreateClient(HttpClientName);
        var lastResync = await LastResyncAsync(channelId, cancellationToken);
        if (connector.Resync || lastResync is null || lastResync <= resyncBefore)
        {
            var feedHead = await store.QueryAsync("SELECT COALESCE(MAX(id), 0) FROM channel_feed WHERE channel_id = @channel",
                c => c.With("@channel", channelId), r => Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            var sequence = (await store.ReadLedgerHeadAsync(cancellationToken)).Sequence;
            var skus = await store.QueryAsync($"""
                SELECT sku FROM channel_listings WHERE channel_id = @channel
                UNION SELECT DISTINCT p.sku FROM positions p WHERE p.location_id IN (SELECT l.location_id FROM group_locations l WHERE l.group_id = @group)
                """, c => c.With("@channel", channelId).With("@group", channel.Group), r => r.GetString(0), cancellationToken);
            var figures = await FiguresAsync(channel, skus.Order(StringComparer.Ordinal).ToList(), pusher.NeedsLocations, cancellationToken);
            var pushes = await MapAsync(channelId, [.. figures.Select(f => (f.Sku, f.Available, sequence, f.ByLocation))], cancellationToken);
            foreach (var batch in pushes.Chunk(pusher.BatchSizeMax))
            {
                var outcome = await PushAsync(pusher, http, connector.Settings, batch, kind, cancellationToken);
                if (outcome is not PushOutcome.Delivered)
                {
                    await FinishAsync(connector, outcome, null, false, cancellationToken);
                    return;
                }
            }

            // Everything in the feed up to its head at the start is in the stock just sent, or older than it.
            if (!await FinishAsync(connector, new PushOutcome.Delivered(), (feedHead[0], sequence, Resynced: true), true, cancellationToken))
            {
                return;
            }

            connector = connector with { ThroughFeedId = Math.Max(connector.ThroughFeedId, feedHead[0]) };
        }

        var rows = await store.QueryAsync("""
            SELECT id, sku, available, sequence FROM channel_feed WHERE channel_id = @channel AND id > @after ORDER BY id LIMIT @limit
            """, c => c.With("@channel", channelId).With("@after", connector.ThroughFeedId).With("@limit", FeedRowsPerPass),
            r => (Id: r.GetInt64(0), Sku: r.GetString(1), Available: r.GetInt64(2), Sequence: r.GetInt64(3)), cancellationToken);
        if (rows.Count == 0)
        {
            await FinishAsync(connector, new PushOutcome.Delivered(), null, false, cancellationToken);
            return;
        }

        // The latest update of each SKU, in feed order: an older figure of a SKU is never sent after a newer one.
        var latest = rows.GroupBy(r => r.Sku, StringComparer.Ordinal).Select(g => g.MaxBy(r => r.Id)).OrderBy(r => r.Id).ToList();
        var byLocation = pusher.NeedsLocations
            ? (await FiguresAsync(channel, [.. latest.Select(l => l.Sku)], true, cancellationToken)).ToDictionary(f => f.Sku, f => f.ByLocation, StringComparer.Ordinal)
            : null;
        var stocked = await StockedInGroupAsync(channel.Group, [.. latest.Select(l => l.Sku)], cancellationToken);
        var mapped = await MapAsync(channelId, [.. latest.Select(l => (l.Sku, l.Available, l.Sequence, byLocation?.GetValueOrDefault(l.Sku)))], cancellationToken, stocked);
        var feedIds = latest.ToDictionary(l => l.Sku, l => l.Id, StringComparer.Ordinal);
        var sequences = latest.ToDictionary(l => l.Sku, l => l.Sequence, StringComparer.Ordinal);
        var batches = mapped.Chunk(pusher.BatchSizeMax).ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            var batch = batches[i];
            var outcome = await PushAsync(pusher, http, connector.Settings, batch, kind, cancellationToken);
            // The last batch moves the cursor past every row read, superseded ones included.
            var through = i == batches.Count - 1 ? rows[^1].Id : batch.Max(p => feedIds[p.Sku]);
            var progress = outcome is PushOutcome.Delivered ? (through, batch.Max(p => sequences[p.Sku]), false) : ((long, long, bool)?)null;
            if (!await FinishAsync(connector, outcome, progress, i < batches.Count - 1, cancellationToken) || outcome is not PushOutcome.Delivered)
            {
                return;
            }
        }
    }

    private async Task<PushOutcome> PushAsync(IAvailabilityPusher pusher, HttpClient http, ConnectorSettings settings, IReadOnlyList<AvailabilityPush> batch,
        string kind, CancellationToken cancellationToken)
    {
        PushOutcome outcome;
        try
        {
            outcome = await pusher.PushAsync(http, settings, batch, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            outcome = new PushOutcome.Failed(true, null, exception.Message);
        }

        Telemetry.ConnectorPush(kind, outcome switch
        {
            PushOutcome.Delivered => "delivered",
            PushOutcome.Throttled => "throttled",
            PushOutcome.Failed { Retryable: true } => "failed",
            _ => "refused",
        });
        if (outcome is PushOutcome.Failed failed)
        {
            LogFailed(logger, settings.Channel, kind, failed.Status, failed.Retryable);
        }

        return outcome;
    }

    /// <summary>The channel's availability of these SKUs now, as its feed would publish it, with each location's when asked.</summary>
    private async Task<List<(string Sku, long Available, IReadOnlyDictionary<string, long>? ByLocation)>> FiguresAsync(Core.Catalog.Channel channel,
        IReadOnlyList<string> skus, bool byLocation, CancellationToken cancellationToken)
    {
        var result = new List<(string, long, IReadOnlyDictionary<string, long>?)>(skus.Count);
        var group = await store.GetGroupAsync(channel.Group, cancellationToken);
        var locations = group is null ? [] : (await store.GetLocationsAsync(group.Locations, cancellationToken)).Where(l => l.Active).ToList();
        var scope = new AvailabilityApi.Scope(locations, null, group, channel);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        foreach (var chunk in skus.Chunk(Limits.BulkSkusMax))
        {
            var stock = await store.ReadStockAsync(chunk, [.. locations.Select(l => l.Id)], cancellationToken);
            foreach (var sku in chunk.Where(stock.Items.ContainsKey))
            {
                var answer = AvailabilityApi.Answer(sku, scope, stock, today, null, byLocation);
                IReadOnlyDictionary<string, long>? perLocation = byLocation ? answer.ByLocation?.ToDictionary(l => l.Location, l => l.Available, StringComparer.Ordinal) : null;
                result.Add((sku, answer.Available, perLocation));
            }
        }

        return result;
    }

    /// <summary>
    /// Each SKU under each of the channel's listings for it, or under its own name when it has none.
    /// When <paramref name="stocked"/> is given, a SKU with no listing is sent only if the channel's group
    /// stocks it: the feed carries every SKU whose figure changed, and a marketplace refuses a seller SKU it
    /// has never heard of, which would hold up the rest of the batch.
    /// </summary>
    private async Task<List<AvailabilityPush>> MapAsync(string channel,
        IReadOnlyList<(string Sku, long Available, long Sequence, IReadOnlyDictionary<string, long>? ByLocation)> figures, CancellationToken cancellationToken,
        IReadOnlySet<string>? stocked = null)
    {
        var listings = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var chunk in figures.Select(f => f.Sku).Chunk(Limits.BulkSkusMax))
        {
            var rows = await store.QueryAsync(
                $"SELECT sku, external_id FROM channel_listings WHERE channel_id = @channel AND sku IN ({store.Dialect.TextList("@skus")}) ORDER BY external_id",
                c => store.Dialect.BindTextList(c.With("@channel", channel), "@skus", chunk), r => (Sku: r.GetString(0), ExternalId: r.GetString(1)), cancellationToken);
            foreach (var (sku, externalId) in rows)
            {
                (listings.TryGetValue(sku, out var ids) ? ids : listings[sku] = []).Add(externalId);
            }
        }

        return [.. figures.SelectMany(f => (listings.TryGetValue(f.Sku, out var ids) ? ids : stocked is null || stocked.Contains(f.Sku) ? [f.Sku] : [])
            .Select(id => new AvailabilityPush(f.Sku, id, Math.Max(0, f.Available), f.Sequence, f.ByLocation)))];
    }

    /// <summary>Which of <paramref name="skus"/> have a position at a location of <paramref name="group"/>.</summary>
    private async Task<HashSet<string>> StockedInGroupAsync(string group, IReadOnlyList<string> skus, CancellationToken cancellationToken)
    {
        var stocked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in skus.Chunk(Limits.BulkSkusMax))
        {
            stocked.UnionWith(await store.QueryAsync($"""
                SELECT DISTINCT p.sku FROM positions p
                WHERE p.sku IN ({store.Dialect.TextList("@skus")}) AND p.location_id IN (SELECT l.location_id FROM group_locations l WHERE l.group_id = @group)
                """, c => store.Dialect.BindTextList(c.With("@group", group), "@skus", chunk), r => r.GetString(0), cancellationToken));
        }

        return stocked;
    }

    private async Task<DateTimeOffset?> LastResyncAsync(string channel, CancellationToken cancellationToken) =>
        (await store.QueryAsync("SELECT last_resync_at FROM channel_connectors WHERE channel_id = @channel", c => c.With("@channel", channel),
            r => r.Nullable<DateTimeOffset>(0), cancellationToken)).FirstOrDefault();

    /// <summary>
    /// Records what became of an attempt, under the connector's lease: false when the lease was lost
    /// (the connector was set again meanwhile), and the pass stops.
    /// </summary>
    private async Task<bool> FinishAsync(Claimed connector, PushOutcome outcome, (long FeedId, long Sequence, bool Resynced)? progress, bool more,
        CancellationToken cancellationToken) => await Writes.RetryAsync(store, async () =>
    {
        await using var write = await store.BeginWriteAsync(cancellationToken);
        var now = write.Now;
        var failures = outcome is PushOutcome.Failed ? connector.Failures + 1 : 0;
        var next = outcome switch
        {
            PushOutcome.Throttled throttled => now + Clamp(throttled.RetryAfter, TimeSpan.Zero, RefusedBackoff),
            PushOutcome.Failed { Retryable: true } => now + Backoff(failures),
            PushOutcome.Failed => now + RefusedBackoff,
            // Delivered, and nothing more read: due again at once, when the feed has something.
            _ => now,
        };
        var failed = outcome as PushOutcome.Failed;
        await using var command = write.Command("""
            UPDATE channel_connectors SET
                through_feed_id = CASE WHEN @feedId > through_feed_id THEN @feedId ELSE through_feed_id END,
                through_sequence = CASE WHEN @sequence > through_sequence THEN @sequence ELSE through_sequence END,
                resync_requested = CASE WHEN @resynced THEN @no ELSE resync_requested END,
                last_resync_at = CASE WHEN @resynced THEN @now ELSE last_resync_at END,
                last_success_at = CASE WHEN @delivered THEN @now ELSE last_success_at END,
                last_error_status = CASE WHEN @failed THEN @status ELSE last_error_status END,
                last_error_body = CASE WHEN @failed THEN @body ELSE last_error_body END,
                last_error_at = CASE WHEN @failed THEN @now ELSE last_error_at END,
                failures = @failures, next_attempt_at = @next, lease = CASE WHEN @keep THEN lease ELSE NULL END
            WHERE channel_id = @channel AND lease = @lease
            """)
            .With("@feedId", progress?.FeedId ?? 0L).With("@sequence", progress?.Sequence ?? 0L).With("@resynced", progress?.Resynced ?? false)
            .With("@no", false).With("@now", now).With("@delivered", outcome is PushOutcome.Delivered).With("@failed", failed is not null)
            .With("@status", failed?.Status).With("@body", failed is null ? null : Truncate(failed.Body)).With("@failures", failures)
            .With("@next", more && outcome is PushOutcome.Delivered ? now + Lease : next)
            .With("@keep", more && outcome is PushOutcome.Delivered)
            .With("@channel", connector.Settings.Channel).With("@lease", connector.Lease);
        var kept = await write.ExecuteAsync(command, cancellationToken) > 0;
        await write.CommitAsync(cancellationToken);
        return kept;
    });

    /// <summary>Exponential from <see cref="BackoffMin"/> to <see cref="BackoffMax"/>, with jitter so that connectors failing together spread out.</summary>
    public static TimeSpan Backoff(int failures)
    {
        var exponential = BackoffMin.TotalSeconds * Math.Pow(2, Math.Min(failures - 1, 20));
        var bounded = Math.Min(BackoffMax.TotalSeconds, exponential);
        return TimeSpan.FromSeconds(bounded * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

    private static string Truncate(string body) => body.Length <= PushOutcome.Failed.BodyLengthMax ? body : body[..PushOutcome.Failed.BodyLengthMax];

    [LoggerMessage(80, LogLevel.Warning, "A push to channel {Channel}'s {Kind} connector failed (status {Status}, retryable {Retryable})")]
    private static partial void LogFailed(ILogger logger, string channel, string kind, int? status, bool retryable);
}

internal sealed partial class ConnectorWorker(ConnectorPushes pushes, ConnectorOptions options, TimeProvider time, ILogger<ConnectorWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(10, options.IntervalMilliseconds)), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await pushes.RunDueAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(81, LogLevel.Warning, "Running channel connectors failed; retrying on the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
