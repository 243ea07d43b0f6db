using System.Globalization;
using System.Data.Common;
using System.Text;
using Stockroom.Core;
using Stockroom.Core.Ledger;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>One write transaction over either store; see <see cref="IStockWrite"/>.</summary>
internal sealed class SqlWrite(SqlStore store, DbConnection connection, DbTransaction transaction, IDisposable? release, DateTimeOffset now)
    : IStockWrite
{
    private readonly List<PendingEvent> _pending = [];
    private readonly LockOrder _locks = new();
    private readonly HashSet<string> _freedSkus = new(StringComparer.Ordinal);
    private readonly Dictionary<PositionKey, PositionDelta> _deltas = [];
    private readonly Dictionary<PositionKey, (Position First, Position Last)> _changed = [];
    private readonly HashSet<PositionKey> _created = [];
    private readonly List<StockMovement> _movements = [];
    private readonly List<DbCommand> _later = [];
    private bool _catalogChanged;
    private bool _chaining;
    private bool _gated;
    private bool _finished;

    public DateTimeOffset Now { get; } = now;

    public Dialect Dialect => store.Dialect;

    public DbCommand Command(string sql)
    {
        Invariant.Require(!_finished, "statements run before the transaction ends");
        return connection.Command(transaction, sql);
    }

    public async Task<int> ExecuteAsync(DbCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await FlushLaterAsync(cancellationToken);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (DbException exception) when (Dialect.IsUniqueViolation(exception))
        {
            throw new WriteConflictException("a concurrent write took the same key", exception);
        }
    }

    public async Task InsertRowsAsync(string table, string columns, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        foreach (var command in InsertCommands(table, columns, rows))
        {
            await using (command)
            {
                await ExecuteAsync(command, cancellationToken);
            }
        }
    }

    public void InsertRowsLater(string table, string columns, IReadOnlyList<object?[]> rows)
    {
        foreach (var command in InsertCommands(table, columns, rows))
        {
            Later(command);
        }
    }

    public void Later(DbCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Invariant.Require(!_finished, "statements run before the transaction ends");
        _later.Add(command);
    }

    /// <summary>
    /// Multi-row INSERT statements, as few as the dialect's parameter limit allows, each made as it
    /// is enumerated: a large insert run at once keeps one command alive at a time (see
    /// <see cref="Dialect.PositionDeltaCommands"/>), and each chunk is read by index, not skipped to.
    /// </summary>
    private IEnumerable<DbCommand> InsertCommands(string table, string columns, IReadOnlyList<object?[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            yield break;
        }

        var width = rows[0].Length;
        var perStatement = Math.Max(1, Dialect.ParametersPerStatementMax / width);
        for (var offset = 0; offset < rows.Count; offset += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - offset);
            var values = new StringBuilder();
            var command = Command("");
            for (var r = 0; r < count; r++)
            {
                var row = rows[offset + r];
                Invariant.Require(row.Length == width, "every row has every column");
                values.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < width; c++)
                {
                    var name = $"@p{r}_{c}";
                    values.Append(c == 0 ? name : $", {name}");
                    command.With(name, row[c]);
                }

                values.Append(')');
            }

            command.CommandText = $"INSERT INTO {table} ({columns}) VALUES {values}";
            yield return command;
        }
    }

    /// <summary>
    /// Sends the statements queued with <see cref="Later"/>, in order: in one round trip where the
    /// store sends batches, else one by one. Every other statement the kernel runs sends them
    /// first, so that the transaction's statements run in the order they were given.
    /// </summary>
    private async Task FlushLaterAsync(CancellationToken cancellationToken)
    {
        Invariant.Require(!_chaining, "statements that depend on the ledger sequence are queued, not run, while the events are chained");
        if (_later.Count == 0)
        {
            return;
        }

        var commands = _later.ToList();
        _later.Clear();
        try
        {
            if (Dialect.SendsBatches)
            {
                await using var batch = Batch(commands);
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }
            else
            {
                foreach (var command in commands)
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
            }
        }
        catch (DbException exception) when (Dialect.IsUniqueViolation(exception))
        {
            throw new WriteConflictException("a concurrent write took the same key", exception);
        }
        finally
        {
            foreach (var command in commands)
            {
                await command.DisposeAsync();
            }
        }
    }

    /// <summary>One round trip of these statements, each with its own parameters.</summary>
    private DbBatch Batch(IEnumerable<DbCommand> commands)
    {
        var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var command in commands)
        {
            var statement = batch.CreateBatchCommand();
            statement.CommandText = command.CommandText;
            foreach (var parameter in command.Parameters.Cast<ICloneable>())
            {
                statement.Parameters.Add(parameter.Clone());
            }

            batch.BatchCommands.Add(statement);
        }

        return batch;
    }

    public void Locking(LockStage stage, IEnumerable<string> keys)
    {
        Invariant.Require(stage is not (LockStage.Positions or LockStage.LedgerHead), $"the kernel alone locks {stage}");
        _locks.Take(stage, keys);
    }

    public void CatalogChanged() => _catalogChanged = true;

    public async Task<IReadOnlyDictionary<PositionKey, Position>> LockPositionsAsync(IReadOnlyCollection<PositionKey> keys, CancellationToken cancellationToken)
    {
        var sorted = keys.Distinct().Order().ToList();
        if (sorted.Count == 0)
        {
            return new Dictionary<PositionKey, Position>();
        }

        _locks.Take(LockStage.Positions, sorted.Select(LockKeys.Of));
        await FlushLaterAsync(cancellationToken);
        // Create the missing rows first so that there is a row to lock (inserting in key order
        // keeps even these implicit locks in the global order), then lock them all: in one round
        // trip where the store sends batches. SQLite, which has no round trips to save, keeps two
        // plain commands.
        var create = $"""
            INSERT INTO positions (sku, location_id, on_hand, reserved, allocated, updated_at)
            SELECT k.sku, k.location_id, 0, 0, 0, @now FROM ({Dialect.KeyList("@keys")}) k WHERE true
            ON CONFLICT (sku, location_id) DO NOTHING
            RETURNING sku, location_id
            """;
        var select = $"""
            SELECT {Sql.PositionColumns} FROM positions
            WHERE (sku, location_id) IN (SELECT k.sku, k.location_id FROM ({Dialect.KeyList("@keys")}) k)
            ORDER BY sku, location_id{Dialect.ForUpdate}
            """;
        Dictionary<PositionKey, Position> positions;
        if (Dialect.SendsBatches)
        {
            await using var command = Command($"{create};\n{select};").With("@now", Now);
            Dialect.BindKeyList(command, "@keys", sorted);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            _created.UnionWith(await reader.RowsAsync(r => new PositionKey(r.GetString(0), r.GetString(1)), cancellationToken));
            positions = (await reader.NextRowsAsync(Sql.ReadPosition, cancellationToken)).ToDictionary(p => p.Key);
        }
        else
        {
            await using (var insert = Command(create).With("@now", Now))
            {
                Dialect.BindKeyList(insert, "@keys", sorted);
                _created.UnionWith(await insert.ListAsync(r => new PositionKey(r.GetString(0), r.GetString(1)), cancellationToken));
            }

            await using var command = Command(select);
            Dialect.BindKeyList(command, "@keys", sorted);
            positions = (await command.ListAsync(Sql.ReadPosition, cancellationToken)).ToDictionary(p => p.Key);
        }

        Invariant.Require(positions.Count == sorted.Count, "every position asked for is locked");
        return positions;
    }

    public bool Holds(LockStage stage, string key) => _locks.Holds(stage, key);

    public Task WritePositionsAsync(IReadOnlyCollection<(Position Before, Position After)> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        Invariant.Require(changes.All(c => c.Before.OnHand == c.After.OnHand), "every change of on-hand is written with its movement");
        return WriteAsync(changes, movement: null, cancellationToken);
    }

    public Task WritePositionsAsync(IReadOnlyCollection<(Position Before, Position After)> changes, StockMovement movement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(movement);
        _movements.Add(movement);
        return WriteAsync(changes, movement, cancellationToken);
    }

    public void WritePositionsLater(IReadOnlyCollection<(Position Before, Position After)> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        Invariant.Require(changes.All(c => c.Before.OnHand == c.After.OnHand), "every change of on-hand is written with its movement");
        foreach (var command in Dialect.PositionDeltaCommands(connection, transaction, Deltas(changes), Now))
        {
            Later(command);
        }
    }

    private async Task WriteAsync(IReadOnlyCollection<(Position Before, Position After)> changes, StockMovement? movement, CancellationToken cancellationToken)
    {
        var deltas = Deltas(changes);
        await FlushLaterAsync(cancellationToken);
        await Dialect.WritePositionDeltasAsync(connection, transaction, deltas, Now, cancellationToken);
        if (movement is not null)
        {
            await JournalAsync(deltas, movement, cancellationToken);
        }
    }

    /// <summary>Checks each change against the kernel's rules, adds it to the transaction's sums, and returns the deltas to write.</summary>
    private List<PositionDelta> Deltas(IReadOnlyCollection<(Position Before, Position After)> changes)
    {
        var deltas = new List<PositionDelta>(changes.Count);
        foreach (var (before, after) in changes)
        {
            Invariant.Require(before.Key == after.Key, "a change keeps its position");
            Invariant.Require(Holds(LockStage.Positions, LockKeys.Of(before.Key)), $"position {before.Key} is locked before it is written");
            Invariant.Require(after.OnHand >= 0 && after.Reserved >= 0 && after.Allocated >= 0 && after.Backordered >= 0, $"position {after.Key} stays non-negative");
            if (before == after)
            {
                continue;
            }

            if (after.OnHand - after.Committed - after.Backordered > before.OnHand - before.Committed - before.Backordered)
            {
                _freedSkus.Add(after.Key.Sku);
            }

            var delta = new PositionDelta(after.Key, after.OnHand - before.OnHand, after.Reserved - before.Reserved,
                after.Allocated - before.Allocated, after.Backordered - before.Backordered);
            deltas.Add(delta);
            _deltas[after.Key] = _deltas.TryGetValue(after.Key, out var sum) ? sum.Plus(delta) : delta;
            _changed[after.Key] = (_changed.TryGetValue(after.Key, out var seen) ? seen.First : before, after);
        }

        return deltas;
    }

    /// <summary>
    /// One row per position whose on-hand moved, or whose allocation an order's movement changed:
    /// what a later count as of an earlier time is brought forward by.
    /// </summary>
    private async Task JournalAsync(IReadOnlyList<PositionDelta> deltas, StockMovement movement, CancellationToken cancellationToken)
    {
        var rows = deltas
            .Select(d => (d.Key, d.OnHand, Allocated: movement.OrderId is null ? 0 : d.Allocated))
            .Where(d => d.OnHand != 0 || d.Allocated != 0)
            .Select(d => new object?[] { d.Key.Sku, d.Key.Location, Now, Sql.Text(movement.Kind), movement.Reference, movement.OrderId, d.OnHand, d.Allocated })
            .ToList();
        await InsertRowsAsync("stock_movements", "sku, location_id, at, kind, reference, order_id, on_hand, allocated", rows, cancellationToken);
    }

    public void Record<T>(string type, T data)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        Invariant.Require(!_finished, "events are recorded before the transaction ends");
        _pending.Add(new PendingEvent(type, Now, LedgerJson.Serialize(data)));
    }

    /// <summary>
    /// Runs the store's reactions around chaining the events onto the ledger, then commits. The
    /// head row is locked last, just before the commit, so that the one lock every writer shares
    /// is held for the shortest time.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        Invariant.Require(!_finished, "a transaction commits once");
        Invariant.Require(_deltas.Count == 0 || _pending.Count > 0, "every change of stock is recorded in the ledger");
        var deltas = _deltas.Values.Where(d => !d.IsZero).ToList();
        var changes = new StockChangeSet(_changed, _created, _movements, _freedSkus, _catalogChanged);
        foreach (var reaction in store.Reactions)
        {
            await reaction.BeforeAppendAsync(this, changes, cancellationToken);
        }

        if (deltas.Count > 0)
        {
            // The stock effect of the whole transaction, as deltas: what `stockroom verify` replays
            // to rebuild every position from the ledger alone.
            Record(PositionChanges.EventType, PositionChanges.Of(deltas));
        }

        IReadOnlyList<LedgerEvent> appendedEvents = [];
        if (_pending.Count > 0)
        {
            appendedEvents = await AppendEventsAsync(changes, cancellationToken);
        }

        await FlushLaterAsync(cancellationToken);
        var through = appendedEvents.Count > 0 ? appendedEvents[^1].Sequence : 0;
        if (through > 0)
        {
            store.Ledger.Sending(through);
        }

        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        catch when (through > 0)
        {
            store.Ledger.Failed(through);
            throw;
        }

        _finished = true;
        Telemetry.Commits.Add(1);
        if (appendedEvents.Count > 0)
        {
            store.HeadCommitted(appendedEvents[^1].Sequence, appendedEvents[^1].Hash);
        }

        ReleaseAppendGate();
        if (appendedEvents.Count > 0)
        {
            store.Ledger.Appended(appendedEvents);
        }

        foreach (var reaction in store.Reactions)
        {
            reaction.AfterCommit(store, changes);
        }
    }

    /// <summary>
    /// Locks the ledger head and chains the pending events onto it, then runs the reactions that
    /// need the events' sequences. Where the store sends batches and this process knows the head
    /// from its last commit, all of it — with the statements queued before — goes in one round
    /// trip that moves the head only if it is still where this process left it; if another
    /// process moved it, that round trip is undone to a savepoint and the head is read and locked.
    /// </summary>
    private async Task<IReadOnlyList<LedgerEvent>> AppendEventsAsync(StockChangeSet changes, CancellationToken cancellationToken)
    {
        _locks.Take(LockStage.LedgerHead, ["1"]);
        _gated = await store.AppendGate.WaitAsync(AppendGateWaitMax, cancellationToken);
        if (_gated && Dialect.SendsBatches && _pending.Count <= EventsPerRoundTripMax && store.HeadHint() is { } known)
        {
            var chained = LedgerChain.Append(known.Sequence, known.Hash, _pending);
            if (await TryAppendAtAsync(known, chained, changes, cancellationToken))
            {
                return chained;
            }

            store.HeadMoved();
        }

        await FlushLaterAsync(cancellationToken);
        (long Sequence, string Hash) head;
        await using (var select = Command($"SELECT sequence, hash FROM ledger_head WHERE id = 1{Dialect.ForUpdate}"))
        {
            head = (await select.ListAsync(r => (r.GetInt64(0), r.GetString(1)), cancellationToken)).Single();
        }

        var appended = LedgerChain.Append(head.Sequence, head.Hash, _pending);
        await InsertRowsAsync("events", "sequence, type, at, data, previous_hash, hash",
            [.. appended.Select(e => new object?[] { e.Sequence, e.Type, e.At, e.Data, e.PreviousHash, e.Hash })], cancellationToken);
        await using (var update = Command("UPDATE ledger_head SET sequence = @sequence, hash = @hash WHERE id = 1")
            .With("@sequence", appended[^1].Sequence).With("@hash", appended[^1].Hash))
        {
            await ExecuteAsync(update, cancellationToken);
        }

        foreach (var reaction in store.Reactions)
        {
            await reaction.AfterAppendAsync(this, changes, appended, cancellationToken);
        }

        return appended;
    }

    /// <summary>
    /// How long a writer waits for the one before it in this process to commit. Bounded, because a
    /// writer holding the gate may itself wait on a row this one holds (two holds with one id); past
    /// it, the writer goes on without the gate and reads the head under the database's lock.
    /// </summary>
    private static readonly TimeSpan AppendGateWaitMax = TimeSpan.FromMilliseconds(500);

    /// <summary>Events one optimistic append carries at most (six parameters each, within one statement's limit).</summary>
    private const int EventsPerRoundTripMax = 4_000;

    /// <summary>
    /// The one-round-trip append: the queued statements, a savepoint, the head moved from
    /// <paramref name="known"/> (and only from there), the events inserted only if it moved, and
    /// the statements the reactions queued with the events' sequences. True if the head moved.
    /// </summary>
    private async Task<bool> TryAppendAtAsync(HeadHint known, IReadOnlyList<LedgerEvent> chained, StockChangeSet changes, CancellationToken cancellationToken)
    {
        var before = _later.ToList();
        _later.Clear();
        _chaining = true;
        try
        {
            foreach (var reaction in store.Reactions)
            {
                await reaction.AfterAppendAsync(this, changes, chained, cancellationToken);
            }
        }
        finally
        {
            _chaining = false;
        }

        var stamped = _later.ToList();
        _later.Clear();
        var last = chained[^1];
        var moveHead = Command("UPDATE ledger_head SET sequence = @sequence, hash = @hash WHERE id = 1 AND sequence = @knownSequence AND hash = @knownHash")
            .With("@sequence", last.Sequence).With("@hash", last.Hash).With("@knownSequence", known.Sequence).With("@knownHash", known.Hash);
        var insert = Command("");
        var values = new StringBuilder();
        for (var i = 0; i < chained.Count; i++)
        {
            var e = chained[i];
            values.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"(@s{i}, @t{i}, @a{i}, @d{i}, @p{i}, @h{i})");
            insert.With($"@s{i}", e.Sequence).With($"@t{i}", e.Type).With($"@a{i}", e.At).With($"@d{i}", e.Data).With($"@p{i}", e.PreviousHash).With($"@h{i}", e.Hash);
        }

        insert.CommandText = $"""
            INSERT INTO events (sequence, type, at, data, previous_hash, hash)
            SELECT * FROM (VALUES {values}) AS v (sequence, type, at, data, previous_hash, hash)
            WHERE EXISTS (SELECT 1 FROM ledger_head WHERE id = 1 AND hash = @chainedHash)
            """;
        insert.With("@chainedHash", last.Hash);
        List<DbCommand> commands = [.. before, Command("SAVEPOINT ledger_chain"), moveHead, insert, .. stamped];
        var moved = false;
        try
        {
            await using var batch = Batch(commands);
            await batch.ExecuteNonQueryAsync(cancellationToken);
            moved = batch.BatchCommands[before.Count + 1].RecordsAffected == 1;
        }
        catch (DbException exception) when (Dialect.IsUniqueViolation(exception))
        {
            throw new WriteConflictException("a concurrent write took the same key", exception);
        }
        finally
        {
            foreach (var command in commands)
            {
                await command.DisposeAsync();
            }
        }

        if (!moved)
        {
            await using var undo = Command("ROLLBACK TO SAVEPOINT ledger_chain");
            await undo.ExecuteNonQueryAsync(cancellationToken);
        }

        return moved;
    }

    private void ReleaseAppendGate()
    {
        if (_gated)
        {
            _gated = false;
            store.AppendGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseAppendGate();
        try
        {
            if (!_finished)
            {
                _finished = true;
                await transaction.RollbackAsync();
            }
        }
        finally
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            release?.Dispose();
        }
    }
}

/// <summary>
/// The locks one transaction holds, checked against the one order (<see cref="LockStage"/>): a
/// stage is never entered after a later one, and keys new to a stage come after those it holds.
/// </summary>
internal sealed class LockOrder
{
    private readonly Dictionary<LockStage, SortedSet<string>> _held = [];
    private LockStage _stage;

    public bool Holds(LockStage stage, string key) => _held.TryGetValue(stage, out var keys) && keys.Contains(key);

    public void Take(LockStage stage, IEnumerable<string> keys)
    {
        var fresh = keys.Where(k => !Holds(stage, k)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        Invariant.Require(stage >= _stage, $"locks are taken in one order: {stage} after {_stage}");
        if (!_held.TryGetValue(stage, out var held))
        {
            _held[stage] = held = new SortedSet<string>(StringComparer.Ordinal);
        }

        Invariant.Require(held.Count == 0 || string.CompareOrdinal(fresh[0], held.Max) > 0,
            $"{stage} are locked in ascending order: '{fresh[0]}' after '{held.Max}'");
        held.UnionWith(fresh);
        _stage = stage;
    }
}
