using Stockroom.Storage;

namespace Stockroom.Features.Connectors;

/// <summary>A line of the channels list about a channel's connector: what <c>GET /v1/channels/{id}/connector</c> answers, in brief.</summary>
public sealed record ConnectorSummary(string Channel, string Kind, DateTimeOffset? LastSuccessAt, int FailuresInARow, int? LastErrorStatus,
    DateTimeOffset? LastErrorAt, long LagSequences, double LagSeconds);

/// <summary>
/// The connectors of many channels in one query, for the admin channels list: the lag is worked
/// out as <see cref="ConnectorsApi.Get"/> works it out for one.
/// </summary>
public static class ConnectorOverview
{
    public static async Task<IReadOnlyDictionary<string, ConnectorSummary>> ReadConnectorSummariesAsync(this IStockStore store,
        IReadOnlyCollection<string> channels, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(time);
        if (channels.Count == 0)
        {
            return new Dictionary<string, ConnectorSummary>(StringComparer.Ordinal);
        }

        var rows = await store.QueryAsync($"""
            SELECT c.channel_id, c.kind, c.last_success_at, c.failures, c.last_error_status, c.last_error_at, c.through_sequence,
                (SELECT f.published_at FROM channel_feed f WHERE f.channel_id = c.channel_id AND f.id > c.through_feed_id ORDER BY f.id LIMIT 1),
                (SELECT p.through FROM channel_publishing p WHERE p.channel_id = c.channel_id)
            FROM channel_connectors c WHERE c.channel_id IN ({store.Dialect.TextList("@channels")})
            """, c => store.Dialect.BindTextList(c, "@channels", channels), r => (
                Channel: r.GetString(0), Kind: r.GetString(1), LastSuccess: r.Nullable<DateTimeOffset>(2), Failures: r.GetInt32(3),
                ErrorStatus: r.IsDBNull(4) ? (int?)null : r.GetInt32(4), ErrorAt: r.Nullable<DateTimeOffset>(5), Through: r.GetInt64(6),
                Pending: r.Nullable<DateTimeOffset>(7), Published: r.IsDBNull(8) ? 0L : r.GetInt64(8)), cancellationToken);
        if (rows.Count == 0)
        {
            return new Dictionary<string, ConnectorSummary>(StringComparer.Ordinal);
        }

        var head = (await store.ReadLedgerHeadAsync(cancellationToken)).Sequence;
        var now = time.GetUtcNow();
        return rows.ToDictionary(r => r.Channel, r =>
        {
            // Nothing waiting in the feed: the connector is as far behind as the channel's publication is.
            var delivered = r.Pending is null ? Math.Max(r.Through, r.Published) : r.Through;
            var lagSeconds = r.Pending is { } pending ? Math.Max(0, (now - pending).TotalSeconds) : 0;
            return new ConnectorSummary(r.Channel, r.Kind, r.LastSuccess, r.Failures, r.ErrorStatus, r.ErrorAt, Math.Max(0, head - delivered), lagSeconds);
        }, StringComparer.Ordinal);
    }
}
