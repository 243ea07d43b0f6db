using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Stockroom.Core.Supply;

namespace Stockroom.Storage.Postgres;

/// <summary>
/// The production store. Several processes may share one database: writers lock the position
/// rows they decide on (<c>SELECT … FOR UPDATE</c>, in key order) and the ledger head last, so
/// they serialise only where they touch the same stock.
/// </summary>
public sealed class PostgresStore : SqlStore
{
    // An arbitrary constant naming the migration lock among advisory locks.
    private const long MigrationLockKey = 0x53544f434b;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresStore(string connectionString, TimeProvider time) : base(time)
    {
        _dataSource = NpgsqlDataSource.Create(Tuned(connectionString));
    }

    /// <summary>
    /// Defaults the profile asked for, unless the connection string sets them: statements used
    /// twice are prepared on each connection (the server stops re-parsing and re-planning the
    /// same few queries), and a pooled connection is not sent <c>DISCARD ALL</c> each time it
    /// is returned, which would also throw those prepared statements away. Stockroom sets no
    /// session state that a reset would need to clear.
    /// </summary>
    private static string Tuned(string connectionString)
    {
        // Npgsql's own builder says it "contains" every keyword it knows, set or not: what the
        // string itself gives is read with the plain builder, spaces in keywords ignored.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        if (!given.Contains("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    public override Dialect Dialect { get; } = new PostgresDialect();

    protected override string MigrationFolder => "Postgres";

    protected override string MigrationLock => $"SELECT pg_advisory_xact_lock({MigrationLockKey})";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    protected internal override async Task<(DbTransaction Transaction, IDisposable? Release)> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.BeginTransactionAsync(cancellationToken), null);

    public override async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>PostgreSQL's words: row locks, arrays as list parameters, all deltas in one statement.</summary>
public sealed class PostgresDialect : Dialect
{
    public override StoreKind Kind => StoreKind.Postgres;

    public override string ForUpdate => " FOR UPDATE";

    // Under READ COMMITTED each statement takes its own snapshot; REPEATABLE READ shares one.
    public override ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

    public override string ForUpdateSkipLocked => " FOR UPDATE SKIP LOCKED";

    public override string ArrivalOrder => "arrival";

    public override int ParametersPerStatementMax => 30_000;

    /// <summary>All deltas in one statement: one round trip however many positions a batch touched.</summary>
    public override bool SendsBatches => true;

    public override IEnumerable<DbCommand> PositionDeltaCommands(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<PositionDelta> deltas, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.Count == 0)
        {
            return [];
        }

        var command = connection.Command(transaction, """
            UPDATE positions p SET on_hand = p.on_hand + d.on_hand, reserved = p.reserved + d.reserved,
                allocated = p.allocated + d.allocated, backordered = p.backordered + d.backordered, updated_at = @now
            FROM unnest(@skus::text[], @locations::text[], @onHand::bigint[], @reserved::bigint[], @allocated::bigint[], @backordered::bigint[])
                AS d (sku, location_id, on_hand, reserved, allocated, backordered)
            WHERE p.sku = d.sku AND p.location_id = d.location_id
            """).With("@now", now);
        command.Parameters.Add(new NpgsqlParameter("@skus", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = deltas.Select(d => d.Key.Sku).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("@locations", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = deltas.Select(d => d.Key.Location).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("@onHand", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = deltas.Select(d => d.OnHand).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("@reserved", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = deltas.Select(d => d.Reserved).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("@allocated", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = deltas.Select(d => d.Allocated).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("@backordered", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = deltas.Select(d => d.Backordered).ToArray() });
        return [command];
    }

    public override string TextList(string name) => $"SELECT unnest({name}::text[]) AS value";

    public override void BindTextList(DbCommand command, string name, IReadOnlyCollection<string> values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() });

    public override string KeyList(string name) =>
        $"SELECT * FROM unnest({name}_skus::text[], {name}_locations::text[]) AS keys (sku, location_id)";

    public override void BindKeyList(DbCommand command, string name, IReadOnlyCollection<PositionKey> keys)
    {
        command.Parameters.Add(new NpgsqlParameter($"{name}_skus", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = keys.Select(k => k.Sku).ToArray() });
        command.Parameters.Add(new NpgsqlParameter($"{name}_locations", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = keys.Select(k => k.Location).ToArray() });
    }

    public override bool IsRetryable(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    public override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
