using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Stockroom.Core.Supply;

namespace Stockroom.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. SQLite has one writer at a time, so writes
/// queue on a semaphore in the process (rather than spin on SQLITE_BUSY) and open with
/// <c>BEGIN IMMEDIATE</c>, which takes the write lock up front; readers carry on beside them.
/// </summary>
public sealed class SqliteStore : SqlStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writer = new(1, 1);

    public SqliteStore(string connectionString, TimeProvider time) : base(time)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        };
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    public override Dialect Dialect { get; } = new SqliteDialect();

    protected override string MigrationFolder => "Sqlite";

    // WAL lets readers proceed beside the writer. It is persistent, and must be set outside a
    // transaction, so it is set before migrating rather than on every connection.
    protected override string MigrationLock => "";

    public override async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await OpenAsync(cancellationToken))
        await using (var wal = connection.Command(null, "PRAGMA journal_mode = WAL;"))
        {
            await wal.ExecuteNonQueryAsync(cancellationToken);
        }

        await base.MigrateAsync(cancellationToken);
    }

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // synchronous=FULL makes every commit durable across a power cut, not only a process
            // crash. (WAL mode is set once, at migration: it is a property of the file.)
            await using var pragma = connection.Command(null, "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;");
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected internal override async Task<(DbTransaction Transaction, IDisposable? Release)> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            // Microsoft.Data.Sqlite begins non-deferred transactions with BEGIN IMMEDIATE.
            var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
            return (transaction, new Releaser(_writer));
        }
        catch
        {
            _writer.Release();
            throw;
        }
    }

    public override ValueTask DisposeAsync()
    {
        _writer.Dispose();
        return base.DisposeAsync();
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}

/// <summary>SQLite's words: no row locks (the writer has the whole file), lists as JSON, short statements.</summary>
public sealed class SqliteDialect : Dialect
{
    public override StoreKind Kind => StoreKind.Sqlite;

    // SQLite has no row locks: BEGIN IMMEDIATE already gives the writer the whole database.
    public override string ForUpdate => "";

    // A deferred transaction reads one WAL snapshot from its first read on and never takes the
    // write lock, which BEGIN IMMEDIATE (the library's default) would.
    public override ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    public override string ForUpdateSkipLocked => "";

    public override string ArrivalOrder => "rowid";

    // SQLite allows more, but binds each named parameter by a linear search of the statement's
    // names, so a statement of n parameters costs n² string comparisons: short statements are
    // cheaper (in process, another statement costs no round trip).
    public override int ParametersPerStatementMax => 120;

    public override string TextList(string name) => $"SELECT value FROM json_each({name})";

    public override void BindTextList(DbCommand command, string name, IReadOnlyCollection<string> values) =>
        command.With(name, JsonSerializer.Serialize(values));

    public override string KeyList(string name) =>
        $"SELECT json_extract(value, '$[0]') AS sku, json_extract(value, '$[1]') AS location_id FROM json_each({name})";

    public override void BindKeyList(DbCommand command, string name, IReadOnlyCollection<PositionKey> keys) =>
        command.With(name, JsonSerializer.Serialize(keys.Select(k => new[] { k.Sku, k.Location })));

    // One writer at a time: SQLite never deadlocks; SQLITE_BUSY past the timeout is worth a rerun.
    public override bool IsRetryable(DbException exception) =>
        IsUniqueViolation(exception) || exception is SqliteException { SqliteErrorCode: 5 or 6 };

    public override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 1555 or 2067 };
}
