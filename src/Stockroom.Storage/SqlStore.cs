using System.Data.Common;
using System.Reflection;
using Stockroom.Core.Alerts;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>
/// What SQLite and PostgreSQL share: the statements, the row mapping, the migrations runner and
/// the write transaction. The subclasses supply only what truly differs — how connections and
/// transactions open, row locks, and how a list is passed as one parameter.
/// </summary>
public abstract class SqlStore(TimeProvider time) : IStockStore
{
    protected TimeProvider Time { get; } = time;

    public SoldOutCache SoldOut { get; } = new(time);

    public LedgerSignal Ledger { get; } = new();

    private readonly Lock _headGate = new();

    /// <summary>
    /// Taken by this process's writers from chaining their events until they commit, so that one
    /// chains onto the head the one before it has just left rather than finding it moved. Only
    /// ever waited for a short while: the database's own lock on the head is what keeps the ledger whole.
    /// </summary>
    internal SemaphoreSlim AppendGate { get; } = new(1, 1);
    private HeadHint? _headHint;
    private int _headSkips;

    /// <summary>
    /// The ledger head as this process's last commit left it, which a writer may chain onto
    /// without reading it first (it checks, in the same round trip, that no one moved it). None
    /// for a while after another process was found to have moved it.
    /// </summary>
    internal HeadHint? HeadHint()
    {
        lock (_headGate)
        {
            if (_headSkips > 0)
            {
                _headSkips--;
                return null;
            }

            return _headHint;
        }
    }

    internal void HeadCommitted(long sequence, string hash)
    {
        lock (_headGate)
        {
            if (_headHint is null || sequence > _headHint.Sequence)
            {
                _headHint = new HeadHint(sequence, hash);
            }
        }
    }

    /// <summary>Another process moved the head: read it for the next few commits, as they would likely miss it too.</summary>
    internal void HeadMoved()
    {
        lock (_headGate)
        {
            _headHint = null;
            _headSkips = 8;
        }
    }

    public CatalogCache Catalog { get; } = new(time);

    public StoreKind Kind => Dialect.Kind;

    public abstract Dialect Dialect { get; }

    /// <summary>The reactions every commit runs, in order; see <see cref="IStockReaction"/>.</summary>
    public IReadOnlyList<IStockReaction> Reactions { get; private set; } = [new CacheClearing()];

    /// <summary>Registers the reactions to every change, once, before the store is used.</summary>
    public void React(IReadOnlyList<IStockReaction> reactions) => Reactions = reactions;

    /// <summary>The folder of migration scripts for this dialect.</summary>
    protected abstract string MigrationFolder { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a write transaction; the returned handle is released when it ends.</summary>
    protected internal abstract Task<(DbTransaction Transaction, IDisposable? Release)> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>A statement run first in the migration transaction, so that one process migrates at a time.</summary>
    protected abstract string MigrationLock { get; }

    public virtual async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var migrations = Migrations();
        await using var connection = await OpenAsync(cancellationToken);
        var (transaction, release) = await BeginAsync(connection, cancellationToken);
        using (release)
        await using (transaction)
        {
            if (MigrationLock.Length > 0)
            {
                await connection.Command(transaction, MigrationLock).ExecuteNonQueryAsync(cancellationToken);
            }

            await connection.Command(transaction,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
                .ExecuteNonQueryAsync(cancellationToken);
            var applied = (await connection.Command(transaction, "SELECT version FROM schema_migrations")
                .ListAsync(r => r.GetInt32(0), cancellationToken)).ToHashSet();

            foreach (var (version, name, script) in migrations.Where(m => !applied.Contains(m.Version)))
            {
                await connection.Command(transaction, script).ExecuteNonQueryAsync(cancellationToken);
                await connection.Command(transaction, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)")
                    .With("@version", version).With("@name", name).With("@at", Time.GetUtcNow().ToString("O"))
                    .ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>Scripts named <c>NNNN_name.sql</c>, embedded in this assembly, in version order.</summary>
    private List<(int Version, string Name, string Script)> Migrations()
    {
        var assembly = typeof(SqlStore).Assembly;
        var prefix = $"migrations/{MigrationFolder}/";
        var migrations = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(file[..4], System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add((version, file[5..], reader.ReadToEnd()));
        }

        return [.. migrations.OrderBy(m => m.Item1)];
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.Command(null, "SELECT 1").ExecuteScalarAsync(cancellationToken) is not null;
    }

    public async Task<IStockWrite> BeginWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            var (transaction, release) = await BeginAsync(connection, cancellationToken);
            // Whole microseconds, as PostgreSQL keeps them: an answer made now and its replay read
            // back from the store must be the same to the tick.
            var now = Time.GetUtcNow();
            return new SqlWrite(this, connection, transaction, release, now.AddTicks(-(now.Ticks % 10)));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    public async Task<List<T>> QueryAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bind);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(null, sql);
        bind(command);
        return await command.ListAsync(map, cancellationToken);
    }

    public bool IsTransient(Exception exception) =>
        exception is WriteConflictException || (exception is DbException db && Dialect.IsRetryable(db));

    public async Task<(long Sequence, string Hash)> ReadLedgerHeadAsync(CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT sequence, hash FROM ledger_head WHERE id = 1", _ => { }, r => (r.GetInt64(0), r.GetString(1)), cancellationToken)).Single();

    public async Task<IReadOnlyList<Position>> ReadPositionsAsync(PositionKey? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"""
            SELECT {Sql.PositionColumns} FROM positions
            WHERE sku > @sku OR (sku = @sku AND location_id > @location)
            ORDER BY sku, location_id LIMIT @limit
            """, c => c.With("@sku", after?.Sku ?? "").With("@location", after?.Location ?? "").With("@limit", limit), Sql.ReadPosition, cancellationToken);

    public async Task<IReadOnlyList<LedgerEvent>> ReadEventsAsync(long after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync("SELECT sequence, type, at, data, previous_hash, hash FROM events WHERE sequence > @after ORDER BY sequence LIMIT @limit",
            c => c.With("@after", after).With("@limit", limit),
            r => new LedgerEvent(r.GetInt64(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3), r.GetString(4), r.GetString(5)),
            cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A ledger head: its last sequence and hash.</summary>
internal sealed record HeadHint(long Sequence, string Hash);
