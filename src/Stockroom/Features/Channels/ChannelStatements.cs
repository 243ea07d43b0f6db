using Stockroom.Core.Catalog;
using Stockroom.Core.Ledger;
using Stockroom.Features.Catalog;
using Stockroom.Storage;

namespace Stockroom.Features.Channels;

/// <summary>One published change of a SKU's availability on a channel.</summary>
public sealed record ChannelUpdate(long Id, string Sku, long Available, DateTimeOffset PublishedAt);

/// <summary>Channel publication: which SKUs changed, what each channel was last told, and its feed.</summary>
public static class ChannelStatements
{
    /// <summary>Locks the channels whose publication is due, skipping any another process is publishing.</summary>
    public static async Task<IReadOnlyList<(Channel Channel, long Through)>> LockDueChannelsAsync(this IStockWrite write, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command($"""
            SELECT p.channel_id, p.through FROM channel_publishing p
            WHERE p.next_due_at <= @now ORDER BY p.channel_id{write.Dialect.ForUpdateSkipLocked}
            """).With("@now", now);
        var due = await command.ListAsync(r => (Id: r.GetString(0), Through: r.GetInt64(1)), cancellationToken);
        write.Locking(LockStage.Publications, due.Select(d => d.Id));
        var result = new List<(Channel, long)>(due.Count);
        foreach (var (id, through) in due)
        {
            if (await write.GetChannelAsync(id, cancellationToken) is { } channel)
            {
                result.Add((channel, through));
            }
        }

        return result;
    }

    /// <summary>SKUs whose stock changed after ledger sequence <paramref name="after"/>, in sequence order.</summary>
    public static async Task<IReadOnlyList<(string Sku, long Sequence)>> ChangedSkusAsync(this IStockWrite write, long after, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command("SELECT sku, sequence FROM availability_changes WHERE sequence > @after ORDER BY sequence, sku LIMIT @limit")
            .With("@after", after).With("@limit", limit);
        return await command.ListAsync(r => (r.GetString(0), r.GetInt64(1)), cancellationToken);
    }

    /// <summary>The availability last published to a channel for these SKUs.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> PublishedAsync(this IStockWrite write, string channel, IReadOnlyCollection<string> skus,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command($"SELECT sku, available FROM channel_published WHERE channel_id = @channel AND sku IN ({write.Dialect.TextList("@skus")})")
            .With("@channel", channel);
        write.Dialect.BindTextList(command, "@skus", skus);
        return (await command.ListAsync(r => (r.GetString(0), r.GetInt64(1)), cancellationToken)).ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
    }

    /// <summary>Appends updates to a channel's feed and moves its publication on.</summary>
    public static async Task PublishAsync(this IStockWrite write, string channel, IReadOnlyList<(string Sku, long Available)> updates, long through,
        DateTimeOffset nextDueAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(updates);
        // Every figure of one pass is computed from stock read after the pass's last change, so it stands at that sequence.
        await write.InsertRowsAsync("channel_feed", "channel_id, sku, available, published_at, sequence",
            [.. updates.Select(u => new object?[] { channel, u.Sku, u.Available, write.Now, through })], cancellationToken);
        foreach (var (sku, available) in updates)
        {
            await using var upsert = write.Command("""
                INSERT INTO channel_published (channel_id, sku, available) VALUES (@channel, @sku, @available)
                ON CONFLICT (channel_id, sku) DO UPDATE SET available = excluded.available
                """).With("@channel", channel).With("@sku", sku).With("@available", available);
            await write.ExecuteAsync(upsert, cancellationToken);
        }

        await using var progress = write.Command("UPDATE channel_publishing SET through = @through, next_due_at = @next WHERE channel_id = @channel")
            .With("@through", through).With("@next", nextDueAt).With("@channel", channel);
        await write.ExecuteAsync(progress, cancellationToken);
    }

    /// <summary>A channel's published availability updates, oldest first.</summary>
    public static async Task<IReadOnlyList<ChannelUpdate>> ReadChannelFeedAsync(this IStockStore store, string channel, long after, int limit,
        CancellationToken cancellationToken) =>
        await store.QueryAsync("SELECT id, sku, available, published_at FROM channel_feed WHERE channel_id = @channel AND id > @after ORDER BY id LIMIT @limit",
            c => c.With("@channel", channel).With("@after", after).With("@limit", limit),
            r => new ChannelUpdate(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetFieldValue<DateTimeOffset>(3)), cancellationToken);
}

/// <summary>
/// Stamps the SKUs a transaction changed with its last ledger sequence, taken under the head's
/// lock: publishers that read "changed after N" see changes in commit order and miss none.
/// </summary>
public sealed class ChannelStamps : IStockReaction
{
    public Task AfterAppendAsync(IStockWrite write, StockChangeSet changes, IReadOnlyList<LedgerEvent> appended, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(appended);
        var skus = changes.Changed.Keys.Select(k => k.Sku).ToHashSet(StringComparer.Ordinal);
        if (skus.Count > 0)
        {
            var command = write.Command($"""
                INSERT INTO availability_changes (sku, sequence) SELECT value, @sequence FROM ({write.Dialect.TextList("@skus")}) s WHERE true
                ON CONFLICT (sku) DO UPDATE SET sequence = excluded.sequence
                """).With("@sequence", appended[^1].Sequence);
            write.Dialect.BindTextList(command, "@skus", skus);
            write.Later(command);
        }

        return Task.CompletedTask;
    }
}
