using System.Data.Common;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>
/// What SQLite and PostgreSQL say differently. Every statement is written once, against this: row
/// locks, arrival order, how a list travels as one parameter, which failures a rerun may cure.
/// </summary>
public abstract class Dialect
{
    public abstract StoreKind Kind { get; }

    /// <summary>Appended to a SELECT to lock the rows it reads until the transaction ends.</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Appended to a SELECT to lock the rows it reads, passing over rows another transaction holds.</summary>
    public abstract string ForUpdateSkipLocked { get; }

    /// <summary>A column of reservations that increases in the order they were inserted.</summary>
    public abstract string ArrivalOrder { get; }

    /// <summary>
    /// Parameters one multi-row statement may carry. SQLite looks parameters up by name one by one,
    /// so very wide statements cost it quadratic time; it gets narrower ones.
    /// </summary>
    public abstract int ParametersPerStatementMax { get; }

    /// <summary>SQL for a table <c>(value)</c> of the strings bound to <paramref name="name"/>.</summary>
    public abstract string TextList(string name);

    public abstract void BindTextList(DbCommand command, string name, IReadOnlyCollection<string> values);

    /// <summary>SQL for a table <c>(sku, location_id)</c> of the keys bound to <paramref name="name"/>.</summary>
    public abstract string KeyList(string name);

    public abstract void BindKeyList(DbCommand command, string name, IReadOnlyCollection<PositionKey> keys);

    public abstract bool IsUniqueViolation(DbException exception);

    /// <summary>
    /// A read-only transaction whose every statement sees the same snapshot, and takes no write
    /// lock: what a copy of stock kept in memory is loaded in, together with the ledger
    /// sequence it stands at.
    /// </summary>
    public abstract ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Unique violations, deadlocks and serialization failures: a rerun may succeed.</summary>
    public abstract bool IsRetryable(DbException exception);

    /// <summary>
    /// Whether statements queued for later are sent in one round trip (a <see cref="DbBatch"/>).
    /// SQLite's statements cost no round trip: it runs them one by one.
    /// </summary>
    public virtual bool SendsBatches => false;

    /// <summary>Adds deltas to positions, checking that every position was there.</summary>
    public async Task WritePositionDeltasAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<PositionDelta> deltas, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var rows = 0;
        foreach (var command in PositionDeltaCommands(connection, transaction, deltas, now))
        {
            await using (command)
            {
                rows += await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        Core.Invariant.Require(rows == deltas.Count, "every position written exists");
    }

    /// <summary>
    /// The statements that add deltas to positions: one per position here, made as they are
    /// enumerated, so that only one is alive at a time (made all at once, a 100,000-line count
    /// stalled for minutes in this loop; Microsoft.Data.Sqlite keeps track of a connection's live
    /// commands). A dialect may use one statement for all.
    /// </summary>
    public virtual IEnumerable<DbCommand> PositionDeltaCommands(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<PositionDelta> deltas, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(deltas);
        foreach (var d in deltas)
        {
            yield return connection.Command(transaction, """
                UPDATE positions SET on_hand = on_hand + @onHand, reserved = reserved + @reserved,
                    allocated = allocated + @allocated, backordered = backordered + @backordered, updated_at = @now
                WHERE sku = @sku AND location_id = @location
                """)
                .With("@onHand", d.OnHand).With("@reserved", d.Reserved).With("@allocated", d.Allocated).With("@backordered", d.Backordered)
                .With("@now", now).With("@sku", d.Key.Sku).With("@location", d.Key.Location);
        }
    }
}
