using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Stockroom.Core.Catalog;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;
using Stockroom.Features.Catalog;
using Stockroom.Features.Rules;
using Stockroom.Features.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Availability;

/// <summary>How availability is read. Configured as <c>Stockroom:Reads</c>.</summary>
public sealed class StockModelOptions
{
    /// <summary>Answer availability from this process's memory (<see cref="StockModel"/>); false reads the database every time.</summary>
    public bool FromMemory { get; set; } = true;
}

/// <summary>
/// Stock as availability reads it, kept in this process's memory: each SKU asked about is read
/// once — its item, its positions at every location and its inbound lots, in one snapshot with
/// the ledger sequence it stands at — and from then on kept current from the ledger, so that a
/// product page costs no round trip.
/// <list type="bullet">
/// <item>Positions follow the <c>positions.changed</c> deltas every stock-changing transaction
/// ends with, the same deltas <c>stockroom verify</c> rebuilds positions from.</item>
/// <item>Items and inbound lots are written only by events of <see cref="TermsEvents"/>; such an
/// event drops the SKUs it names, which are read again when next asked.</item>
/// <item>This process's commits are applied as they commit (<see cref="LedgerSignal.Committed"/>),
/// so its own writes are read at once; other processes' are read by the follower
/// (<see cref="StockModelFollower"/>) within <see cref="StockModelFollower.PollInterval"/> plus a query.</item>
/// </list>
/// The network (locations, groups, channels) and safety stock rules come through the catalog
/// cache, as before. Nothing here decides a hold: holds lock their positions in the database.
/// </summary>
public sealed class StockModel
{
    /// <summary>Event types whose data may change an item or an inbound lot: every caller of <c>UpsertItemAsync</c> and <c>SetInboundAsync</c> records one.</summary>
    public static readonly IReadOnlySet<string> TermsEvents = new HashSet<string>(StringComparer.Ordinal)
    {
        "item.upserted", "supply.synced", "supply.adjusted", "transfer.shipped", "transfer.received",
    };

    /// <summary>Positions kept at most; past it the model forgets everything and reads again as asked (memory stays bounded).</summary>
    public const long PositionsMax = 5_000_000;

    /// <summary>Recent position changes kept so that a SKU read while events were applied can be brought up to date.</summary>
    public const int RecentChangesMax = 200_000;

    private readonly IStockStore _store;
    private readonly ConcurrentDictionary<string, SkuStock> _skus = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, LedgerEvent> _ahead = [];
    private readonly LinkedList<Recent> _recent = new();
    private int _recentChanges;
    private long _forgottenThrough;
    private long _positions;
    private long _applied;
    private long _ownThrough;
    private readonly SortedSet<long> _sending = [];
    private bool _started;
    private TaskCompletionSource _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StockModel(IStockStore store, StockModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        Enabled = options.FromMemory;
        if (Enabled)
        {
            store.Ledger.Committing += OnCommitting;
            store.Ledger.Abandoned += OnAbandoned;
            store.Ledger.Committed += OnCommitted;
        }
    }

    public bool Enabled { get; }

    /// <summary>Whether the follower has started: before, every read goes to the database.</summary>
    public bool Ready => Volatile.Read(ref _started);

    /// <summary>Every ledger event through this sequence is applied.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>SKUs and positions held in memory now.</summary>
    public (int Skus, long Positions) Size => (_skus.Count, Interlocked.Read(ref _positions));

    /// <summary>Starts following the ledger from its head as it stands now.</summary>
    public void Start(long head)
    {
        lock (_gate)
        {
            _applied = head;
            _forgottenThrough = head;
            _started = true;
        }
    }

    /// <summary>
    /// What availability is computed from, for these SKUs at these locations: the same snapshot
    /// <see cref="StockReads.ReadStockAsync"/> reads from the database, from memory where held.
    /// </summary>
    public async Task<StockSnapshot> ReadStockAsync(IReadOnlyCollection<string> skus, IReadOnlyCollection<string> locations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skus);
        ArgumentNullException.ThrowIfNull(locations);
        if (!Enabled || !Ready || !await OwnWritesAppliedAsync(cancellationToken))
        {
            return await _store.ReadStockAsync(skus, locations, cancellationToken);
        }

        var held = new List<SkuStock>(skus.Count);
        List<string>? missing = null;
        foreach (var sku in skus)
        {
            if (_skus.TryGetValue(sku, out var stock))
            {
                held.Add(stock);
            }
            else
            {
                (missing ??= []).Add(sku);
            }
        }

        if (missing is not null)
        {
            held.AddRange(await LoadAsync(missing, cancellationToken));
        }

        var safetyStock = await _store.GetCachedSafetyPolicyAsync(skus, locations, cancellationToken);
        var items = new Dictionary<string, Item>(held.Count, StringComparer.Ordinal);
        var positions = new Dictionary<PositionKey, Position>();
        var inbound = new List<InboundSupply>();
        foreach (var stock in held)
        {
            items[stock.Item.Sku] = stock.Item;
            foreach (var location in locations)
            {
                if (stock.Positions.TryGetValue(location, out var position))
                {
                    positions[position.Key] = position;
                }

                if (stock.Inbound.TryGetValue(location, out var lots))
                {
                    inbound.AddRange(lots);
                }
            }
        }

        return new StockSnapshot(items, positions, inbound.ToLookup(l => l.Key), safetyStock);
    }

    /// <summary>Applies events the follower read from the database, in sequence order.</summary>
    public void Follow(IReadOnlyList<LedgerEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_gate)
        {
            foreach (var entry in events)
            {
                // The database's order is the ledger's: a sequence it skips is one the ledger lacks
                // (which `stockroom verify` reports), not one still to come.
                if (entry.Sequence > _applied)
                {
                    ApplyNext(entry);
                }
            }

            DrainAhead();
        }

        Advanced();
    }

    /// <summary>Waits for this process's next commit, a wake-up or the timeout: what the follower sleeps on.</summary>
    public async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _wake).Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // A poll: another process may have appended.
        }

        Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private void Wake() => Volatile.Read(ref _wake).TrySetResult();

    private void Advanced() => Interlocked.Exchange(ref _advanced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private void OnCommitting(long through)
    {
        lock (_gate)
        {
            _sending.Add(through);
        }
    }

    private void OnAbandoned(long through)
    {
        lock (_gate)
        {
            _sending.Remove(through);
        }

        Advanced();
    }

    private void OnCommitted(IReadOnlyList<LedgerEvent> events)
    {
        lock (_gate)
        {
            _sending.Remove(events[^1].Sequence);
            _ownThrough = Math.Max(_ownThrough, events[^1].Sequence);
            if (!_started)
            {
                return;
            }

            foreach (var entry in events)
            {
                if (entry.Sequence == _applied + 1)
                {
                    ApplyNext(entry);
                }
                else if (entry.Sequence > _applied)
                {
                    // Another process committed in between: the follower reads its events first.
                    _ahead[entry.Sequence] = entry;
                }
            }

            DrainAhead();
            if (_ahead.Count > 0)
            {
                Wake();
            }
        }

        Advanced();
    }

    /// <summary>
    /// True once every commit this process made, or was sending when the read began, is applied:
    /// a caller that wrote and then reads sees its write, and so does one that saw this process's
    /// commit in the database (a hold that expired, say) before it reached memory. Waits for the
    /// follower to read what other processes committed in between; false if that takes longer
    /// than a second (the read then goes to the database).
    /// </summary>
    private async ValueTask<bool> OwnWritesAppliedAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(1);
        long target;
        lock (_gate)
        {
            target = Math.Max(_ownThrough, _sending.Count > 0 ? _sending.Max : 0);
        }

        while (true)
        {
            Task advanced;
            lock (_gate)
            {
                // A commit sent but abandoned is one to wait for no more.
                if (_applied >= target || (_applied >= _ownThrough && !_sending.Any(s => s <= target)))
                {
                    return true;
                }

                advanced = _advanced.Task;
            }

            Wake();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                await advanced.WaitAsync(left, cancellationToken);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    private void DrainAhead()
    {
        while (_ahead.Remove(_applied + 1, out var next))
        {
            ApplyNext(next);
        }

        // Events at or below what is applied came back through the follower already.
        while (_ahead.Count > 0 && _ahead.First().Key <= _applied)
        {
            _ahead.Remove(_ahead.First().Key);
        }
    }

    /// <summary>Applies the event after the last applied one. Under the gate.</summary>
    private void ApplyNext(LedgerEvent entry)
    {
        if (entry.Type == LedgerReplay.PositionsChanged)
        {
            var changes = LedgerReplay.ChangesOf(entry.Data);
            foreach (var change in changes)
            {
                if (_skus.TryGetValue(change.Sku, out var stock) && entry.Sequence > stock.LoadedAt)
                {
                    Apply(stock, change);
                }
            }

            Remember(new Recent(entry.Sequence, changes, null));
        }
        else if (TermsEvents.Contains(entry.Type))
        {
            var named = SkusNamed(entry.Data);
            foreach (var sku in named)
            {
                if (_skus.TryRemove(sku, out var dropped))
                {
                    Interlocked.Add(ref _positions, -dropped.Positions.Count);
                }
            }

            Remember(new Recent(entry.Sequence, null, named));
        }

        Interlocked.Exchange(ref _applied, entry.Sequence);
    }

    private void Apply(SkuStock stock, PositionChange change)
    {
        var key = new PositionKey(change.Sku, change.Location);
        if (!stock.Positions.TryGetValue(change.Location, out var position))
        {
            position = Position.Empty(key);
            Interlocked.Increment(ref _positions);
        }

        // A whole new record, never an edit in place: a reader sees a position before or after, never half of it.
        stock.Positions[change.Location] = new Position(key, position.OnHand + change.OnHand, position.Reserved + change.Reserved,
            position.Allocated + change.Allocated, position.Backordered + change.Backordered);
    }

    private void Remember(Recent recent)
    {
        _recent.AddLast(recent);
        _recentChanges += recent.Size;
        while (_recentChanges > RecentChangesMax && _recent.Count > 1)
        {
            _recentChanges -= _recent.First!.Value.Size;
            _forgottenThrough = _recent.First.Value.Sequence;
            _recent.RemoveFirst();
        }
    }

    /// <summary>
    /// Reads these SKUs from the database in one snapshot and keeps those it can bring up to
    /// the applied sequence. The snapshot answers the read that asked, either way.
    /// </summary>
    private async Task<IReadOnlyList<SkuStock>> LoadAsync(IReadOnlyList<string> skus, CancellationToken cancellationToken)
    {
        var dialect = _store.Dialect;
        var sql = $"""
            SELECT sequence FROM ledger_head WHERE id = 1;
            SELECT {CatalogRows.ItemColumns} FROM items WHERE sku IN ({dialect.TextList("@skus")});
            SELECT {Sql.PositionColumns} FROM positions WHERE sku IN ({dialect.TextList("@skus")});
            SELECT {SupplyStatements.InboundColumns} FROM inbound_supply WHERE sku IN ({dialect.TextList("@skus")})
                ORDER BY sku, location_id, eta, type, reference;
            """;
        await using var connection = await _store.OpenReadAsync(cancellationToken);
        await using var transaction = await dialect.BeginSnapshotAsync(connection, cancellationToken);
        await using var command = connection.Command(transaction, sql);
        dialect.BindTextList(command, "@skus", skus);
        long loadedAt;
        List<Item> items;
        List<Position> positions;
        List<InboundSupply> inbound;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            loadedAt = (await reader.RowsAsync(r => r.GetInt64(0), cancellationToken)).Single();
            items = await reader.NextRowsAsync(CatalogRows.ReadItem, cancellationToken);
            positions = await reader.NextRowsAsync(Sql.ReadPosition, cancellationToken);
            inbound = await reader.NextRowsAsync(SupplyStatements.ReadInbound, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        var positionsBySku = positions.ToLookup(p => p.Key.Sku, StringComparer.Ordinal);
        var inboundBySku = inbound.ToLookup(l => l.Key.Sku, StringComparer.Ordinal);
        var loaded = items.Select(item => new SkuStock(item, loadedAt,
            new ConcurrentDictionary<string, Position>(positionsBySku[item.Sku].Select(p => KeyValuePair.Create(p.Key.Location, p)), StringComparer.Ordinal),
            inboundBySku[item.Sku].GroupBy(l => l.Key.Location, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal)))
            .ToList();
        Keep(loaded);
        return loaded;
    }

    /// <summary>
    /// Keeps SKUs just read. One read at a sequence the model has since passed is brought up
    /// to date from the recent changes; it is left out if those no longer reach back to it, or
    /// if an event since changed its item or lots.
    /// </summary>
    private void Keep(IReadOnlyList<SkuStock> loaded)
    {
        if (loaded.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (Interlocked.Read(ref _positions) + loaded.Sum(s => s.Positions.Count) > PositionsMax)
            {
                _skus.Clear();
                Interlocked.Exchange(ref _positions, 0);
            }

            var loadedAt = loaded[0].LoadedAt;
            IReadOnlyList<Recent> since = [];
            if (loadedAt < _applied)
            {
                if (loadedAt < _forgottenThrough)
                {
                    return;
                }

                since = [.. _recent.Where(r => r.Sequence > loadedAt)];
            }

            foreach (var stock in loaded)
            {
                var sku = stock.Item.Sku;
                if (since.Any(r => r.Dropped?.Contains(sku) == true) || _skus.ContainsKey(sku))
                {
                    continue;
                }

                foreach (var change in since.Where(r => r.Changes is not null).SelectMany(r => r.Changes!).Where(c => c.Sku == sku))
                {
                    Apply(stock, change);
                }

                _skus[sku] = stock;
                Interlocked.Add(ref _positions, stock.Positions.Count);
            }
        }
    }

    /// <summary>Every string value of a property named <c>sku</c>, at any depth of an event's data.</summary>
    internal static IReadOnlySet<string> SkusNamed(string data)
    {
        var skus = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(data));
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("sku"u8) && reader.Read()
                && reader.TokenType == JsonTokenType.String)
            {
                skus.Add(reader.GetString()!);
            }
        }

        return skus;
    }

    /// <summary>One SKU as of <see cref="LoadedAt"/> plus every position change applied since; the item and lots never change in place.</summary>
    private sealed record SkuStock(Item Item, long LoadedAt, ConcurrentDictionary<string, Position> Positions, IReadOnlyDictionary<string, InboundSupply[]> Inbound);

    /// <summary>An applied event as far as a late read needs it: its position changes, or the SKUs it dropped.</summary>
    private sealed record Recent(long Sequence, IReadOnlyList<PositionChange>? Changes, IReadOnlySet<string>? Dropped)
    {
        public int Size => Math.Max(1, (Changes?.Count ?? 0) + (Dropped?.Count ?? 0));
    }
}
