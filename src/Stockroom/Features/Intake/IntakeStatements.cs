using System.Text.Json;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Storage;

namespace Stockroom.Features.Intake;

/// <summary>
/// What intake has seen of one marketplace order: whether any version came, the latest one's time,
/// and the units per SKU the marketplace had shipped when Stockroom took the order.
/// </summary>
public readonly record struct SeenVersion(bool Known, DateTimeOffset? Version, IReadOnlyDictionary<string, long>? ShippedBefore)
{
    /// <summary>A version older than the one applied changes nothing; one without a time is never older.</summary>
    public bool IsNewerThan(DateTimeOffset? version) => Known && Version is { } seen && version is { } other && other < seen;
}

/// <summary>The versions and refunds intake has applied, and what a channel does with lines it cannot map.</summary>
public static class IntakeStatements
{
    /// <summary>
    /// The version last applied to an order. Read under the order's own lock (every intake write
    /// takes it first, whether the order exists or not), so two deliveries of one order are
    /// compared one after the other; a first version inserted twice at once fails one insert,
    /// which is retried and then sees the other.
    /// </summary>
    public static async Task<SeenVersion> IntakeVersionAsync(this IStockWrite write, string orderId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command($"SELECT version, shipped_before FROM intake_orders WHERE order_id = @id{write.Dialect.ForUpdate}")
            .With("@id", orderId);
        var rows = await command.ListAsync(r => new SeenVersion(true, r.Nullable<DateTimeOffset>(0),
            r.NullableString(1) is { } json ? JsonSerializer.Deserialize<Dictionary<string, long>>(json) : null), cancellationToken);
        return rows.Count == 0 ? new SeenVersion(false, null, null) : rows[0];
    }

    /// <summary>Keeps the later of the seen and delivered versions, and, when given, the units shipped before the order was taken.</summary>
    public static async Task SaveIntakeVersionAsync(this IStockWrite write, string orderId, SeenVersion seen, DateTimeOffset? version,
        IReadOnlyDictionary<string, long>? shippedBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        // A delivery without a time leaves the last time seen in place.
        var kept = version is { } v && (seen.Version is not { } last || v > last) ? v : seen.Version;
        var before = shippedBefore ?? seen.ShippedBefore;
        await using var command = write.Command(seen.Known
                ? "UPDATE intake_orders SET version = @version, shipped_before = @before, updated_at = @now WHERE order_id = @id"
                : "INSERT INTO intake_orders (order_id, version, shipped_before, updated_at) VALUES (@id, @version, @before, @now)")
            .With("@id", orderId).With("@version", kept).WithText("@before", before is null ? null : JsonSerializer.Serialize(before)).With("@now", write.Now);
        await write.ExecuteAsync(command, cancellationToken);
    }

    /// <summary>Records a refund as applied to an order; false when it already was (under the order's lock, so once).</summary>
    public static async Task<bool> RecordRefundAsync(this IStockWrite write, string orderId, string refundId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command("""
            INSERT INTO intake_refunds (order_id, refund_id, applied_at) VALUES (@order, @refund, @now) ON CONFLICT (order_id, refund_id) DO NOTHING
            """).With("@order", orderId).With("@refund", refundId).With("@now", write.Now);
        return await write.ExecuteAsync(command, cancellationToken) == 1;
    }

    /// <summary>What the channel does with unmapped lines; a channel that does not exist skips them (its orders are refused for the channel anyway).</summary>
    public static async Task<UnknownSkus> UnknownSkusAsync(this IStockStore store, string channel, CancellationToken cancellationToken) =>
        (await store.CachedChannelsAsync([channel], cancellationToken)).SingleOrDefault()?.IntakeUnknownSkus ?? UnknownSkus.Skip;
}
