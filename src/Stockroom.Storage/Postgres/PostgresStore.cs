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
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public override StoreKind Kind => StoreKind.Postgres;

    protected override string MigrationFolder => "Postgres";

    protected internal override string ForUpdate => " FOR UPDATE";

    protected override string MigrationLock => $"SELECT pg_advisory_xact_lock({MigrationLockKey})";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    protected internal override async Task<(DbTransaction Transaction, IDisposable? Release)> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.BeginTransactionAsync(cancellationToken), null);

    protected internal override string TextList(string name) => $"SELECT unnest({name}::text[]) AS value";

    protected internal override void BindTextList(DbCommand command, string name, IReadOnlyCollection<string> values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() });

    protected internal override string KeyList(string name) =>
        $"SELECT * FROM unnest({name}_skus::text[], {name}_locations::text[]) AS keys (sku, location_id)";

    protected internal override void BindKeyList(DbCommand command, string name, IReadOnlyCollection<PositionKey> keys)
    {
        command.Parameters.Add(new NpgsqlParameter($"{name}_skus", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = keys.Select(k => k.Sku).ToArray() });
        command.Parameters.Add(new NpgsqlParameter($"{name}_locations", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = keys.Select(k => k.Location).ToArray() });
    }

    protected internal override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await base.DisposeAsync();
    }
}
