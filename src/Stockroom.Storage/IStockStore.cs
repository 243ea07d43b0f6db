using System.Data.Common;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>What a write adds to each counter of a position.</summary>
public readonly record struct PositionDelta(PositionKey Key, long OnHand, long Reserved, long Allocated, long Backordered)
{
    public bool IsZero => OnHand == 0 && Reserved == 0 && Allocated == 0 && Backordered == 0;

    public PositionDelta Plus(PositionDelta other) =>
        this with { OnHand = OnHand + other.OnHand, Reserved = Reserved + other.Reserved, Allocated = Allocated + other.Allocated, Backordered = Backordered + other.Backordered };
}

/// <summary>
/// The rows a write may lock, in the one order every write takes them: a write locks nothing of an
/// earlier stage once it has locked a later one, and within a stage locks keys in ascending order.
/// Two writers therefore never wait on each other in a cycle. The ledger head is always last: the
/// kernel takes it at commit.
/// </summary>
public enum LockStage
{
    /// <summary>A source's snapshot watermarks, by location.</summary>
    Watermarks = 1,

    /// <summary>Transfers, by id.</summary>
    Transfers = 2,

    /// <summary>Orders, by id.</summary>
    Orders = 3,

    /// <summary>Reservations, by id — before their positions, even on the paths that fill or move holds.</summary>
    Reservations = 4,

    /// <summary>Positions, by SKU then location (<see cref="PositionKey"/> order).</summary>
    Positions = 5,

    /// <summary>Valuations, by SKU.</summary>
    Costs = 6,

    /// <summary>Channels whose publication is due, by id (the publisher's own transaction).</summary>
    Publications = 7,

    /// <summary>The ledger head, taken by the kernel just before commit.</summary>
    LedgerHead = 8,
}

public static class LockKeys
{
    /// <summary>A position's key as the lock order compares it: by SKU, then location, ordinal.</summary>
    public static string Of(PositionKey key) => key.Sku + '\0' + key.Location;
}

/// <summary>
/// The store: connections, migrations and the write kernel. Statements belong to the features that
/// use them (<c>Features/*/…Statements.cs</c>, written once against <see cref="Dialect"/>); the store
/// itself reads only what the kernel keeps — positions and the ledger.
/// </summary>
public interface IStockStore : IAsyncDisposable
{
    StoreKind Kind { get; }

    /// <summary>The store's SQL dialect, which every statement is written against.</summary>
    Dialect Dialect { get; }

    /// <summary>Applies the migrations this version knows and the database lacks.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    Task<bool> PingAsync(CancellationToken cancellationToken);

    Task<IStockWrite> BeginWriteAsync(CancellationToken cancellationToken);

    /// <summary>Opens a connection for reads outside any write; the caller disposes it.</summary>
    ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken);

    /// <summary>Runs one query on a fresh connection and maps its rows.</summary>
    Task<List<T>> QueryAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> map, CancellationToken cancellationToken);

    /// <summary>
    /// True for failures that running the same transaction again may cure: a concurrent write won
    /// a unique key, or the database broke a deadlock or a serialization conflict.
    /// </summary>
    bool IsTransient(Exception exception);

    Task<IReadOnlyList<LedgerEvent>> ReadEventsAsync(long after, int limit, CancellationToken cancellationToken);

    /// <summary>The ledger head: the last sequence and hash, as the writers keep them.</summary>
    Task<(long Sequence, string Hash)> ReadLedgerHeadAsync(CancellationToken cancellationToken);

    /// <summary>Positions in key order, after <paramref name="after"/>, for a full scan.</summary>
    Task<IReadOnlyList<Position>> ReadPositionsAsync(PositionKey? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Scopes (a SKU at a location, group or channel) recently seen with nothing left to promise,
    /// so that holds on sold-out stock are refused without a transaction.
    /// </summary>
    SoldOutCache SoldOut { get; }

    /// <summary>The catalog as the write paths read it, kept briefly; see <see cref="CatalogCache"/>.</summary>
    CatalogCache Catalog { get; }

    /// <summary>Signals appends to the ledger made by this process.</summary>
    LedgerSignal Ledger { get; }
}

/// <summary>
/// One write transaction: the kernel every write path shares. It locks positions in key order and
/// writes them back as deltas, so two writers never read-modify-write the same counter; asserts
/// the one lock order (<see cref="LockStage"/>); records ledger events; runs the feature's own
/// statements; and at commit runs the store's reactions to the change (<see cref="IStockReaction"/>),
/// chains the events onto the ledger and commits. Nothing is visible to others until
/// <see cref="CommitAsync"/>; disposing without committing rolls everything back.
/// </summary>
public interface IStockWrite : IAsyncDisposable
{
    /// <summary>The moment this transaction records its changes at.</summary>
    DateTimeOffset Now { get; }

    Dialect Dialect { get; }

    /// <summary>A command in this transaction.</summary>
    DbCommand Command(string sql);

    /// <summary>Runs a command that changes rows; a lost race for a unique key becomes a <see cref="WriteConflictException"/>.</summary>
    Task<int> ExecuteAsync(DbCommand command, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts rows with multi-row VALUES statements, as few as the dialect's parameter limit
    /// allows: a batch of a thousand holds is a handful of statements, not a thousand.
    /// </summary>
    Task InsertRowsAsync(string table, string columns, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken);

    /// <summary>
    /// Queues a statement that changes rows, to run later in this transaction, in the order queued,
    /// before any other statement the kernel runs and at the latest with the commit: on PostgreSQL
    /// in the commit's own round trip. For statements whose outcome nothing in the transaction
    /// reads back; a lost race for a unique key surfaces as a <see cref="WriteConflictException"/>
    /// when they run. Statements that carry ledger sequences, queued by reactions after the
    /// events are chained, must be queued this way.
    /// </summary>
    void Later(DbCommand command);

    /// <summary>The rows of <see cref="InsertRowsAsync"/>, queued with <see cref="Later"/>.</summary>
    void InsertRowsLater(string table, string columns, IReadOnlyList<object?[]> rows);

    /// <summary>
    /// Declares that the statement about to run locks rows of <paramref name="stage"/> with these
    /// keys, and stops on an invariant failure if that breaks the one lock order.
    /// </summary>
    void Locking(LockStage stage, IEnumerable<string> keys);

    /// <summary>Locks the positions (creating empty ones as needed) in key order and reads them.</summary>
    Task<IReadOnlyDictionary<PositionKey, Position>> LockPositionsAsync(IReadOnlyCollection<PositionKey> keys, CancellationToken cancellationToken);

    /// <summary>Whether this transaction holds the lock of this key (<see cref="LockStage"/>), as rows written only under it must be.</summary>
    bool Holds(LockStage stage, string key);

    /// <summary>Writes the difference between each pair as a delta on the locked row. Such changes never move on-hand.</summary>
    Task WritePositionsAsync(IReadOnlyCollection<(Position Before, Position After)> changes, CancellationToken cancellationToken);

    /// <summary>The changes of <see cref="WritePositionsAsync(IReadOnlyCollection{ValueTuple{Position, Position}}, CancellationToken)"/>, queued with <see cref="Later"/>.</summary>
    void WritePositionsLater(IReadOnlyCollection<(Position Before, Position After)> changes);

    /// <summary>
    /// Writes changes that move stock, journalling each change of on-hand (and, for an order's
    /// movement, of its allocation) with its cause and this transaction's time, so that a count
    /// as of an earlier time can be brought forward by what happened since.
    /// </summary>
    Task WritePositionsAsync(IReadOnlyCollection<(Position Before, Position After)> changes, StockMovement movement, CancellationToken cancellationToken);

    /// <summary>
    /// Queues an event, its data serialized in the ledger's one format (<see cref="LedgerJson"/>);
    /// it is chained onto the ledger when the transaction commits.
    /// </summary>
    void Record<T>(string type, T data);

    /// <summary>The catalog or its rules changed: caches of them are cleared when this commits.</summary>
    void CatalogChanged();

    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>A write lost a race for a unique key with a concurrent one; running it again resolves it.</summary>
public sealed class WriteConflictException(string message, Exception inner) : Exception(message, inner);
