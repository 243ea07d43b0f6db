using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Stockroom.Core.Ledger;
using Stockroom.Storage;

namespace Stockroom.Features.Webhooks;

/// <summary>Subscriptions and their queue of deliveries.</summary>
public static class WebhookStatements
{
    private const string Columns = "id, url, events, secret, created_at, request_hash, disabled_at, disabled_reason";

    private static (Webhook Webhook, string RequestHash) Read(DbDataReader r) => (
        new Webhook(r.GetString(0), r.GetString(1), JsonSerializer.Deserialize<List<string>>(r.GetString(2))!, r.GetString(3), r.GetFieldValue<DateTimeOffset>(4),
            r.Nullable<DateTimeOffset>(6), r.NullableString(7)),
        r.GetString(5));

    private const string DeliveryColumns =
        "id, webhook_id, event_type, payload, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at";

    private static WebhookDelivery ReadDelivery(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5), r.GetFieldValue<DateTimeOffset>(6),
        r.Nullable<int>(7), r.NullableString(8), r.GetFieldValue<DateTimeOffset>(9), r.Nullable<DateTimeOffset>(10));

    public static async Task InsertWebhookAsync(this IStockWrite write, Webhook webhook, string requestHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(webhook);
        await write.InsertRowsAsync("webhooks", "id, url, events, secret, created_at, request_hash",
            [[webhook.Id, webhook.Url, JsonSerializer.Serialize(webhook.Events), webhook.Secret, webhook.CreatedAt, requestHash]], cancellationToken);
    }

    public static async Task<bool> DeleteWebhookAsync(this IStockWrite write, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command("DELETE FROM webhooks WHERE id = @id").With("@id", id);
        return await write.ExecuteAsync(command, cancellationToken) == 1;
    }

    /// <summary>
    /// Queues deliveries of an event to every enabled subscription that asked for its type. A
    /// disabled subscription misses what happens while it is disabled, so that it does not come
    /// back to a backlog of stale news; the ledger (<c>GET /v1/events</c>) has it all.
    /// </summary>
    public static async Task EnqueueDeliveriesAsync(this IStockWrite write, string eventType, IReadOnlyList<string> payloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var select = write.Command($"SELECT {Columns} FROM webhooks WHERE disabled_at IS NULL");
        var subscribers = (await select.ListAsync(Read, cancellationToken)).Where(w => w.Webhook.Events.Contains(eventType)).ToList();
        // Queued: the payloads carry the events' sequences, which hold only if the append that gave them does.
        write.InsertRowsLater("webhook_deliveries", "webhook_id, event_type, payload, status, attempts, next_attempt_at, created_at",
            [.. subscribers.SelectMany(s => payloads.Select(payload => new object?[] { s.Webhook.Id, eventType, payload, "pending", 0, write.Now, write.Now }))]);
    }

    public static async Task<(Webhook Webhook, string RequestHash)?> GetWebhookAsync(this IStockStore store, string id, CancellationToken cancellationToken) =>
        (await store.QueryAsync($"SELECT {Columns} FROM webhooks WHERE id = @id", c => c.With("@id", id), Read, cancellationToken))
        .Select(w => ((Webhook, string)?)w).SingleOrDefault();

    public static async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(this IStockStore store, string? after, int limit, CancellationToken cancellationToken) =>
        [.. (await store.QueryAsync($"SELECT {Columns} FROM webhooks WHERE id > @after ORDER BY id LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), Read, cancellationToken)).Select(w => w.Webhook)];

    public static async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(this IStockStore store, string webhookId, long? before, int limit,
        CancellationToken cancellationToken) =>
        await store.QueryAsync($"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE webhook_id = @id AND id < @before ORDER BY id DESC LIMIT @limit",
            c => c.With("@id", webhookId).With("@before", before ?? long.MaxValue).With("@limit", limit), ReadDelivery, cancellationToken);

    /// <summary>
    /// Claims due deliveries for this process: locks them (skipping any another process holds) and
    /// pushes their next attempt past <paramref name="lease"/>, so that no one else takes them
    /// while they are being sent, and a crash mid-send only delays them. Takes the oldest first, at
    /// most <paramref name="perSubscriberMax"/> of one subscription less what
    /// <paramref name="inFlight"/> says this process is already sending it, and none of a disabled
    /// one: a subscriber with a deep backlog cannot fill a claim and starve the others.
    /// </summary>
    public static async Task<IReadOnlyList<(WebhookDelivery Delivery, Webhook Webhook)>> ClaimDeliveriesAsync(this IStockStore store, int limit, int perSubscriberMax,
        IReadOnlyDictionary<string, int> inFlight, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(inFlight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSubscriberMax);
        await using var write = await store.BeginWriteAsync(cancellationToken);
        List<WebhookDelivery> due;
        // The ranking runs in a subquery because PostgreSQL refuses FOR UPDATE in a query with window functions. The outer
        // query repeats the due test: PostgreSQL re-checks it on the newest version of a row it waited to lock, so a delivery
        // another process claimed meanwhile is skipped, where the subquery's answer would still hold it due.
        await using (var select = write.Command($"""
            SELECT {DeliveryColumns} FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= @now AND id IN (
                SELECT id FROM (
                    SELECT d.id, ROW_NUMBER() OVER (PARTITION BY d.webhook_id ORDER BY d.id) AS place
                    FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                    WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND w.disabled_at IS NULL
                        AND d.webhook_id NOT IN ({write.Dialect.TextList("@busy")})
                ) ranked
                WHERE place <= @perSubscriber)
            ORDER BY id LIMIT @limit{write.Dialect.ForUpdateSkipLocked}
            """).With("@now", write.Now).With("@limit", limit).With("@perSubscriber", perSubscriberMax))
        {
            write.Dialect.BindTextList(select, "@busy", [.. inFlight.Where(s => s.Value >= perSubscriberMax).Select(s => s.Key)]);
            due = await select.ListAsync(ReadDelivery, cancellationToken);
        }

        // A subscription with some deliveries in flight gets only the room it has left; the rows left out stay as they were.
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        due = [.. due.Where(d =>
        {
            var count = taken.GetValueOrDefault(d.WebhookId) + 1;
            taken[d.WebhookId] = count;
            return count + inFlight.GetValueOrDefault(d.WebhookId) <= perSubscriberMax;
        })];
        if (due.Count == 0)
        {
            return [];
        }

        // The ids travel as one text list, the one list parameter both stores take.
        await using (var extend = write.Command($"UPDATE webhook_deliveries SET next_attempt_at = @until WHERE CAST(id AS TEXT) IN ({write.Dialect.TextList("@ids")})")
            .With("@until", write.Now + lease))
        {
            write.Dialect.BindTextList(extend, "@ids", [.. due.Select(d => d.Id.ToString(CultureInfo.InvariantCulture))]);
            await write.ExecuteAsync(extend, cancellationToken);
        }

        await using var hooks = write.Command($"SELECT {Columns} FROM webhooks WHERE id IN ({write.Dialect.TextList("@ids")})");
        write.Dialect.BindTextList(hooks, "@ids", [.. due.Select(d => d.WebhookId).Distinct(StringComparer.Ordinal)]);
        var webhooks = (await hooks.ListAsync(Read, cancellationToken)).ToDictionary(w => w.Webhook.Id, w => w.Webhook, StringComparer.Ordinal);
        await write.CommitAsync(cancellationToken);
        return [.. due.Where(d => webhooks.ContainsKey(d.WebhookId)).Select(d => (d, webhooks[d.WebhookId]))];
    }

    /// <summary>
    /// Records an attempt: on the delivery, and on its subscription's run of failures. Returns why
    /// the subscription was disabled by this attempt, or null when it was not.
    /// </summary>
    public static async Task<string?> RecordDeliveryAsync(this IStockStore store, WebhookDelivery delivery, bool delivered, int? status, string? failure,
        DateTimeOffset nextAttemptAt, DateTimeOffset now, bool givenUp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(delivery);
        if (!delivered)
        {
            ArgumentNullException.ThrowIfNull(failure);
        }

        await using var connection = await store.OpenReadAsync(cancellationToken);
        await using (var command = connection.Command(null, """
            UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1, last_status = @code, last_error = @error,
                next_attempt_at = @next, delivered_at = @deliveredAt
            WHERE id = @id
            """)
            .With("@status", delivered ? "delivered" : givenUp ? "failed" : "pending").With("@code", status).With("@error", failure)
            .With("@next", nextAttemptAt).With("@deliveredAt", delivered ? now : null).With("@id", delivery.Id))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        if (delivered)
        {
            await using var healthy = connection.Command(null, "UPDATE webhooks SET consecutive_failures = 0, failing_since = NULL WHERE id = @id AND consecutive_failures > 0")
                .With("@id", delivery.WebhookId);
            await healthy.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }

        // Counted in SQL, never read-modify-written here: deliveries to one subscriber finish concurrently.
        List<(int Failures, DateTimeOffset Since, bool Disabled)> run;
        await using (var failed = connection.Command(null, """
            UPDATE webhooks SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, @now)
            WHERE id = @id
            RETURNING consecutive_failures, failing_since, disabled_at
            """).With("@now", now).With("@id", delivery.WebhookId))
        {
            run = await failed.ListAsync(r => (r.GetInt32(0), r.GetFieldValue<DateTimeOffset>(1), !r.IsDBNull(2)), cancellationToken);
        }

        if (run is not [(var failures, var since, false)] || WebhookHealth.DisableReason(failures, since, now, failure!) is not { } reason)
        {
            return null;
        }

        await using var disable = connection.Command(null, "UPDATE webhooks SET disabled_at = @now, disabled_reason = @reason WHERE id = @id AND disabled_at IS NULL")
            .With("@now", now).With("@reason", reason).With("@id", delivery.WebhookId);
        return await disable.ExecuteNonQueryAsync(cancellationToken) == 1 ? reason : null;
    }

    /// <summary>
    /// Makes a failed delivery pending and due now, under the row's lock, and answers the delivery
    /// as it then is: unchanged when it was not failed (pending or delivered), null when the
    /// subscription has no such delivery. Its attempts are kept, so the dispatcher gives it one try.
    /// </summary>
    public static async Task<WebhookDelivery?> ResendDeliveryAsync(this IStockWrite write, string webhookId, long deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using (var select = write.Command($"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE id = @id AND webhook_id = @webhook{write.Dialect.ForUpdate}")
            .With("@id", deliveryId).With("@webhook", webhookId))
        {
            if ((await select.ListAsync(ReadDelivery, cancellationToken)).SingleOrDefault() is not { } delivery)
            {
                return null;
            }

            if (delivery.Status != "failed")
            {
                return delivery;
            }
        }

        await using var resend = write.Command("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = @now WHERE id = @id AND status = 'failed'")
            .With("@now", write.Now).With("@id", deliveryId);
        Core.Invariant.Require(await write.ExecuteAsync(resend, cancellationToken) == 1, $"webhook delivery {deliveryId} is failed while locked");
        await using var reread = write.Command($"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE id = @id").With("@id", deliveryId);
        return (await reread.ListAsync(ReadDelivery, cancellationToken)).Single();
    }

    /// <summary>Deliveries, counted back from the newest, that the list of failing ones looks through.</summary>
    public const long FailingScanWindow = 50_000;

    /// <summary>
    /// The latest deliveries that failed or are failing (an attempt answered with an error), of every
    /// subscription, newest first: what an operator looks at when a subscriber complains. Only the
    /// newest <see cref="FailingScanWindow"/> deliveries are looked through, so that a log of
    /// millions of delivered ones is never read whole to find that nothing failed.
    /// </summary>
    public static async Task<IReadOnlyList<WebhookDelivery>> ListFailingDeliveriesAsync(this IStockStore store, int limit, CancellationToken cancellationToken) =>
        await store.QueryAsync($"""
            SELECT {DeliveryColumns} FROM webhook_deliveries
            WHERE id > (SELECT COALESCE(MAX(id), 0) FROM webhook_deliveries) - @window
              AND (status = 'failed' OR (status = 'pending' AND last_error IS NOT NULL))
            ORDER BY id DESC LIMIT @limit
            """, c => c.With("@window", FailingScanWindow).With("@limit", limit), ReadDelivery, cancellationToken);

    /// <summary>
    /// Enables a subscription again, with a clean run of failures. Its pending deliveries waiting
    /// out a long back-off become due now; those due within a lease are left alone, since one of
    /// them may be in flight and making it due would send it twice.
    /// </summary>
    public static async Task<bool> EnableWebhookAsync(this IStockWrite write, string id, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using (var enable = write.Command("""
            UPDATE webhooks SET disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0, failing_since = NULL WHERE id = @id
            """).With("@id", id))
        {
            if (await write.ExecuteAsync(enable, cancellationToken) != 1)
            {
                return false;
            }
        }

        await using var due = write.Command("""
            UPDATE webhook_deliveries SET next_attempt_at = @now WHERE webhook_id = @id AND status = 'pending' AND next_attempt_at > @leaseEnd
            """).With("@now", write.Now).With("@id", id).With("@leaseEnd", write.Now + lease);
        await write.ExecuteAsync(due, cancellationToken);
        return true;
    }
}

/// <summary>Queues a delivery of every deliverable event a transaction appends, in the same transaction.</summary>
public sealed class WebhookQueue : IStockReaction
{
    public async Task AfterAppendAsync(IStockWrite write, StockChangeSet changes, IReadOnlyList<LedgerEvent> appended, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(appended);
        foreach (var group in appended.Where(e => WebhookEvents.Deliverable.Contains(e.Type)).GroupBy(e => e.Type, StringComparer.Ordinal))
        {
            await write.EnqueueDeliveriesAsync(group.Key, [.. group.Select(Payload)], cancellationToken);
        }
    }

    /// <summary>What a subscriber receives: the event as the ledger has it, with an id that stays the same on every retry.</summary>
    private static string Payload(LedgerEvent entry)
    {
        using var data = JsonDocument.Parse(entry.Data);
        return LedgerJson.Serialize(new { id = StandardWebhooks.EventId(entry.Sequence), type = entry.Type, sequence = entry.Sequence, at = entry.At, data = data.RootElement });
    }
}
