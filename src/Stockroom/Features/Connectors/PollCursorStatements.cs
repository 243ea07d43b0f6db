using Stockroom.Storage;

namespace Stockroom.Features.Connectors;

/// <summary>Where one connector's order polling stands, as <c>connector_poll_cursors</c> keeps it.</summary>
public sealed record PollCursor(string Channel, ConnectorKind Kind, string Cursor, DateTimeOffset? LastPolledAt, int? LastErrorStatus,
    string? LastErrorBody, int FailuresInARow, DateTimeOffset NextPollAt);

/// <summary>
/// The polling cursors. A process claims a connector's polling with a lease, in a short write of
/// its own (the marketplace is never called inside a transaction: on SQLite that would hold the
/// one write lock for a network round trip, and intake needs writes of its own); every later
/// write of the cursor is made only while the lease is still the claimant's.
/// </summary>
public static class PollCursorStatements
{
    private const string Columns = "channel_id, kind, cursor, last_polled_at, last_error_status, last_error_body, failures_in_a_row, next_poll_at";

    /// <summary>
    /// Claims the connector's polling for <paramref name="owner"/> until <paramref name="leaseUntil"/>
    /// if it is due and no live lease holds it (a first poll starts at <paramref name="initialCursor"/>);
    /// null when it is not due or another process has it. On PostgreSQL the row is locked with SKIP
    /// LOCKED, so two processes claiming at once do not wait on each other.
    /// </summary>
    public static async Task<PollCursor?> ClaimPollingAsync(this IStockStore store, string channel, ConnectorKind kind, string initialCursor, string owner,
        DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        // Read first: a connector that is not due, or is claimed, costs no write (on SQLite, a write
        // takes the one write lock), and the worker asks every second.
        var seen = await store.QueryAsync("SELECT next_poll_at, lease_until FROM connector_poll_cursors WHERE channel_id = @channel AND kind = @kind",
            c => c.With("@channel", channel).With("@kind", Sql.Text(kind)), r => (Next: r.GetFieldValue<DateTimeOffset>(0), Lease: r.Nullable<DateTimeOffset>(1)),
            cancellationToken);
        if (seen.Count == 1 && (seen[0].Next > now || seen[0].Lease > now))
        {
            return null;
        }

        return await Http.Writes.RetryAsync(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            await using (var insert = write.Command("""
                INSERT INTO connector_poll_cursors (channel_id, kind, cursor, failures_in_a_row, next_poll_at)
                VALUES (@channel, @kind, @cursor, 0, @now) ON CONFLICT (channel_id, kind) DO NOTHING
                """).With("@channel", channel).With("@kind", Sql.Text(kind)).With("@cursor", initialCursor).With("@now", now))
            {
                await write.ExecuteAsync(insert, cancellationToken);
            }

            await using var select = write.Command($"""
                SELECT {Columns} FROM connector_poll_cursors
                WHERE channel_id = @channel AND kind = @kind AND next_poll_at <= @now AND (lease_until IS NULL OR lease_until <= @now){write.Dialect.ForUpdateSkipLocked}
                """).With("@channel", channel).With("@kind", Sql.Text(kind)).With("@now", now);
            var due = await select.ListAsync(Read, cancellationToken);
            if (due.Count == 0)
            {
                // The insert of a first cursor is kept either way: it is the same row any process would write.
                await write.CommitAsync(cancellationToken);
                return null;
            }

            await using var claim = write.Command("UPDATE connector_poll_cursors SET lease_owner = @owner, lease_until = @until WHERE channel_id = @channel AND kind = @kind")
                .With("@owner", owner).With("@until", leaseUntil).With("@channel", channel).With("@kind", Sql.Text(kind));
            await write.ExecuteAsync(claim, cancellationToken);
            await write.CommitAsync(cancellationToken);
            return due[0];
        });
    }

    /// <summary>
    /// Stores a page's cursor after every order of it was taken, clears the failure run and moves
    /// the next poll to <paramref name="nextPollAt"/>; with <paramref name="leaseUntil"/> (another page
    /// follows at once) the lease is kept and renewed, otherwise given back. False when the lease was
    /// lost to another process.
    /// </summary>
    public static async Task<bool> SaveCursorAsync(this IStockStore store, string channel, ConnectorKind kind, string owner, string cursor,
        DateTimeOffset now, DateTimeOffset nextPollAt, DateTimeOffset? leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var lease = leaseUntil is null ? "lease_owner = NULL, lease_until = NULL" : "lease_until = @until";
        return await ReleaseAsync(store, $"""
            UPDATE connector_poll_cursors SET cursor = @cursor, last_polled_at = @now, last_error_status = NULL, last_error_body = NULL,
                failures_in_a_row = 0, next_poll_at = @next, {lease}
            WHERE channel_id = @channel AND kind = @kind AND lease_owner = @owner
            """, c =>
            {
                c.With("@cursor", cursor).With("@now", now).With("@next", nextPollAt);
                if (leaseUntil is { } until)
                {
                    c.With("@until", until);
                }
            }, channel, kind, owner, cancellationToken);
    }

    /// <summary>
    /// Records why a poll did not read a page (the marketplace's status and error body, or the
    /// failure's message), keeps the cursor where it was and gives the lease back until <paramref name="nextPollAt"/>.
    /// A throttled poll is not a failure: <paramref name="failed"/> is false and the run is not lengthened.
    /// </summary>
    public static async Task<bool> SaveProblemAsync(this IStockStore store, string channel, ConnectorKind kind, string owner, bool failed, int? status,
        string? body, DateTimeOffset nextPollAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var failures = failed ? "failures_in_a_row + 1" : "failures_in_a_row";
        return await ReleaseAsync(store, $"""
            UPDATE connector_poll_cursors SET last_error_status = @status, last_error_body = @body, failures_in_a_row = {failures},
                next_poll_at = @next, lease_owner = NULL, lease_until = NULL
            WHERE channel_id = @channel AND kind = @kind AND lease_owner = @owner
            """, c => c.With("@status", status).WithText("@body", body).With("@next", nextPollAt), channel, kind, owner, cancellationToken);
    }

    /// <summary>The polling cursors of every connector, by channel and kind.</summary>
    public static async Task<IReadOnlyList<PollCursor>> ListPollCursorsAsync(this IStockStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.QueryAsync($"SELECT {Columns} FROM connector_poll_cursors ORDER BY channel_id, kind", _ => { }, Read, cancellationToken);
    }

    private static async Task<bool> ReleaseAsync(IStockStore store, string sql, Action<System.Data.Common.DbCommand> bind, string channel, ConnectorKind kind,
        string owner, CancellationToken cancellationToken) => await Http.Writes.RetryAsync(store, async () =>
    {
        await using var write = await store.BeginWriteAsync(cancellationToken);
        await using var command = write.Command(sql).With("@channel", channel).With("@kind", Sql.Text(kind)).With("@owner", owner);
        bind(command);
        var changed = await write.ExecuteAsync(command, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return changed == 1;
    });

    private static PollCursor Read(System.Data.Common.DbDataReader r) => new(
        r.GetString(0), Sql.Parse<ConnectorKind>(r.GetString(1)), r.GetString(2), r.Nullable<DateTimeOffset>(3), r.Nullable<int>(4), r.NullableString(5),
        r.GetInt32(6), r.GetFieldValue<DateTimeOffset>(7));
}
