using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Stockroom.Core.Ledger;
using Stockroom.Storage;

namespace Stockroom.Features.Webhooks;

/// <summary>Subscriptions and their queue of deliveries.</summary>
public static class WebhookStatements
{
    private const string Columns = "id, url, events, secret, created_at, request_hash";

    private static (Webhook Webhook, string RequestHash) Read(DbDataReader r) => (
        new Webhook(r.GetString(0), r.GetString(1), JsonSerializer.Deserialize<List<string>>(r.GetString(2))!, r.GetString(3), r.GetFieldValue<DateTimeOffset>(4)),
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
        await write.InsertRowsAsync("webhooks", Columns,
            [[webhook.Id, webhook.Url, JsonSerializer.Serialize(webhook.Events), webhook.Secret, webhook.CreatedAt, requestHash]], cancellationToken);
    }

    public static async Task<bool> DeleteWebhookAsync(this IStockWrite write, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command("DELETE FROM webhooks WHERE id = @id").With("@id", id);
        return await write.ExecuteAsync(command, cancellationToken) == 1;
    }

    /// <summary>Queues deliveries of an event to every subscription that asked for its type.</summary>
    public static async Task EnqueueDeliveriesAsync(this IStockWrite write, string eventType, IReadOnlyList<string> payloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var select = write.Command($"SELECT {Columns} FROM webhooks");
        var subscribers = (await select.ListAsync(Read, cancellationToken)).Where(w => w.Webhook.Events.Contains(eventType)).ToList();
        await write.InsertRowsAsync("webhook_deliveries", "webhook_id, event_type, payload, status, attempts, next_attempt_at, created_at",
            [.. subscribers.SelectMany(s => payloads.Select(payload => new object?[] { s.Webhook.Id, eventType, payload, "pending", 0, write.Now, write.Now }))],
            cancellationToken);
    }

    public static async Task<(Webhook Webhook, string RequestHash)?> GetWebhookAsync(this IStockStore store, string id, CancellationToken cancellationToken) =>
        (await store.QueryAsync($"SELECT {Columns} FROM webhooks WHERE id = @id", c => c.With("@id", id), Read, cancellationToken))
        .Select(w => ((Webhook, string)?)w).SingleOrDefault();

    public static async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(this IStockStore store, CancellationToken cancellationToken) =>
        [.. (await store.QueryAsync($"SELECT {Columns} FROM webhooks ORDER BY id", _ => { }, Read, cancellationToken)).Select(w => w.Webhook)];

    public static async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(this IStockStore store, string webhookId, long? before, int limit,
        CancellationToken cancellationToken) =>
        await store.QueryAsync($"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE webhook_id = @id AND id < @before ORDER BY id DESC LIMIT @limit",
            c => c.With("@id", webhookId).With("@before", before ?? long.MaxValue).With("@limit", limit), ReadDelivery, cancellationToken);

    /// <summary>
    /// Claims due deliveries for this process: locks them (skipping any another process holds) and
    /// pushes their next attempt past <paramref name="lease"/>, so that no one else takes them
    /// while they are being sent, and a crash mid-send only delays them.
    /// </summary>
    public static async Task<IReadOnlyList<(WebhookDelivery Delivery, Webhook Webhook)>> ClaimDeliveriesAsync(this IStockStore store, int limit, TimeSpan lease,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var write = await store.BeginWriteAsync(cancellationToken);
        List<WebhookDelivery> due;
        await using (var select = write.Command($"""
            SELECT {DeliveryColumns} FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= @now ORDER BY id LIMIT @limit{write.Dialect.ForUpdateSkipLocked}
            """).With("@now", write.Now).With("@limit", limit))
        {
            due = await select.ListAsync(ReadDelivery, cancellationToken);
        }

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

    public static async Task RecordDeliveryAsync(this IStockStore store, long id, bool delivered, int? status, string? failure, DateTimeOffset nextAttemptAt,
        DateTimeOffset now, bool givenUp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var connection = await store.OpenReadAsync(cancellationToken);
        await using var command = connection.Command(null, """
            UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1, last_status = @code, last_error = @error,
                next_attempt_at = @next, delivered_at = @deliveredAt
            WHERE id = @id
            """)
            .With("@status", delivered ? "delivered" : givenUp ? "failed" : "pending").With("@code", status).With("@error", failure)
            .With("@next", nextAttemptAt).With("@deliveredAt", delivered ? now : null).With("@id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
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

    /// <summary>What a subscriber receives: the event as the ledger has it.</summary>
    private static string Payload(LedgerEvent entry)
    {
        using var data = JsonDocument.Parse(entry.Data);
        return LedgerJson.Serialize(new { type = entry.Type, sequence = entry.Sequence, at = entry.At, data = data.RootElement });
    }
}
