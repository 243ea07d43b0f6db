using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>What one transaction did to stock, as the reactions to it see it.</summary>
public sealed class StockChangeSet(
    IReadOnlyDictionary<PositionKey, (Position First, Position Last)> changed,
    IReadOnlySet<PositionKey> created,
    IReadOnlyList<StockMovement> movements,
    IReadOnlySet<string> freedSkus,
    bool catalogChanged)
{
    /// <summary>Each position written, as it was before the transaction's first write and after its last.</summary>
    public IReadOnlyDictionary<PositionKey, (Position First, Position Last)> Changed { get; } = changed;

    /// <summary>Positions this transaction created (empty rows made to be locked).</summary>
    public IReadOnlySet<PositionKey> Created { get; } = created;

    /// <summary>The causes the transaction gave its movements of stock, in the order it wrote them.</summary>
    public IReadOnlyList<StockMovement> Movements { get; } = movements;

    /// <summary>SKUs with more left to promise somewhere than before.</summary>
    public IReadOnlySet<string> FreedSkus { get; } = freedSkus;

    /// <summary>Whether the catalog or its rules changed.</summary>
    public bool CatalogChanged { get; } = catalogChanged;
}

/// <summary>
/// A reaction to a committed change, registered once with the store (<see cref="StoreFactory"/>)
/// and run by the kernel for every write, in registration order: alerts, webhook deliveries,
/// channel publication stamps, cache clears. Reactions run inside the transaction, so what they
/// write commits or rolls back with the change.
/// </summary>
public interface IStockReaction
{
    /// <summary>Before the transaction's events are chained: a reaction may record events of its own.</summary>
    Task BeforeAppendAsync(IStockWrite write, StockChangeSet changes, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the events are chained, under the ledger head's lock, with the events as appended.</summary>
    Task AfterAppendAsync(IStockWrite write, StockChangeSet changes, IReadOnlyList<LedgerEvent> appended, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>After the commit, outside the transaction: in-process state only.</summary>
    void AfterCommit(IStockStore store, StockChangeSet changes)
    {
    }
}

/// <summary>The kernel's own reaction: caches that a change may have made wrong are cleared once it commits.</summary>
public sealed class CacheClearing : IStockReaction
{
    public void AfterCommit(IStockStore store, StockChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.CatalogChanged)
        {
            store.SoldOut.Clear();
            store.Catalog.Clear();
        }
        else
        {
            // Units freed or added may end a sell-out; the cache must not refuse them.
            store.SoldOut.Forget(changes.FreedSkus);
        }
    }
}
