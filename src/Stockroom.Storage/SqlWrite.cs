using System.Data.Common;
using System.Text.Json;
using Stockroom.Core;
using Stockroom.Core.Alerts;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>One write transaction over either store; see <see cref="IStockWrite"/>.</summary>
internal sealed partial class SqlWrite(SqlStore store, DbConnection connection, DbTransaction transaction, IDisposable? release, DateTimeOffset now)
    : IStockWrite
{
    private readonly List<PendingEvent> _pending = [];
    private readonly HashSet<PositionKey> _locked = [];
    private readonly HashSet<string> _freedSkus = new(StringComparer.Ordinal);
    private readonly Dictionary<PositionKey, PositionDelta> _deltas = [];
    private readonly Dictionary<PositionKey, (Position First, Position Last)> _changed = [];
    private readonly HashSet<PositionKey> _created = [];
    private bool _networkChanged;
    private long _appendedThrough;
    private bool _finished;

    public DateTimeOffset Now { get; } = now;

    private DbCommand Command(string sql) => connection.Command(transaction, sql);

    public async Task<IdempotencyRecord?> FindIdempotencyAsync(string scope, string key, CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT request_hash, status_code, response, created_at FROM idempotency_keys WHERE scope = @scope AND key = @key")
            .With("@scope", scope).With("@key", key);
        var rows = await command.ListAsync(
            r => new IdempotencyRecord(scope, key, r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3)), cancellationToken);
        return rows.SingleOrDefault();
    }

    public async Task SaveIdempotencyAsync(IdempotencyRecord record, CancellationToken cancellationToken)
    {
        await using var command = Command("""
            INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at)
            VALUES (@scope, @key, @hash, @status, @response, @at)
            """)
            .With("@scope", record.Scope).With("@key", record.Key).With("@hash", record.RequestHash)
            .With("@status", record.StatusCode).With("@response", record.Response).With("@at", record.CreatedAt);
        await ExecuteAsync(command, cancellationToken);
    }

    public async Task<Item?> GetItemAsync(string sku, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT {Sql.ItemColumns} FROM items WHERE sku = @sku").With("@sku", sku);
        return (await command.ListAsync(Sql.ReadItem, cancellationToken)).SingleOrDefault();
    }

    public async Task<Location?> GetLocationAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT {Sql.LocationColumns} FROM locations WHERE id = @id").With("@id", id);
        return (await command.ListAsync(Sql.ReadLocation, cancellationToken)).SingleOrDefault();
    }

    public async Task<DistributionGroup?> GetGroupAsync(string id, CancellationToken cancellationToken) =>
        (await SqlStore.ReadGroupsAsync(connection, transaction, "id = @id", c => c.With("@id", id), 1, cancellationToken)).SingleOrDefault();

    public async Task<Channel?> GetChannelAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT {Sql.ChannelColumns} FROM channels WHERE id = @id").With("@id", id);
        return (await command.ListAsync(Sql.ReadChannel, cancellationToken)).SingleOrDefault();
    }

    public Task<IReadOnlySet<string>> ExistingSkusAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken) =>
        ExistingAsync("items", "sku", skus, cancellationToken);

    public Task<IReadOnlySet<string>> ExistingLocationsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ExistingAsync("locations", "id", ids, cancellationToken);

    private async Task<IReadOnlySet<string>> ExistingAsync(string table, string column, IReadOnlyCollection<string> values, CancellationToken cancellationToken)
    {
        if (values.Count == 0)
        {
            return new HashSet<string>();
        }

        await using var command = Command($"SELECT {column} FROM {table} WHERE {column} IN ({store.TextList("@values")})");
        store.BindTextList(command, "@values", values);
        return (await command.ListAsync(r => r.GetString(0), cancellationToken)).ToHashSet(StringComparer.Ordinal);
    }

    public async Task UpsertItemAsync(Item item, CancellationToken cancellationToken)
    {
        _networkChanged = true;
        await using var command = Command($"""
            INSERT INTO items ({Sql.ItemColumns})
            VALUES (@sku, @name, @description, @status, @policy, @acceptWithin, @backorderable, @parent, @attributes, @price, @unitCost, @createdAt, @updatedAt)
            ON CONFLICT (sku) DO UPDATE SET
                name = excluded.name, description = excluded.description, status = excluded.status, policy = excluded.policy,
                accept_within_seconds = excluded.accept_within_seconds, backorderable = excluded.backorderable,
                parent_sku = excluded.parent_sku, attributes = excluded.attributes, price = excluded.price,
                unit_cost = excluded.unit_cost, updated_at = excluded.updated_at
            """)
            .With("@sku", item.Sku).With("@name", item.Name).With("@description", item.Description)
            .With("@status", Sql.Text(item.Status)).With("@policy", Sql.Text(item.Policy))
            .With("@acceptWithin", item.AcceptWithinSeconds).With("@backorderable", item.Backorderable)
            .With("@parent", item.ParentSku)
            .With("@attributes", item.Attributes is null ? null : JsonSerializer.Serialize(item.Attributes))
            .With("@price", item.Price).With("@unitCost", item.UnitCost)
            .With("@createdAt", item.CreatedAt).With("@updatedAt", item.UpdatedAt);
        await ExecuteAsync(command, cancellationToken);
    }

    public async Task UpsertLocationAsync(Location location, CancellationToken cancellationToken)
    {
        _networkChanged = true;
        await using var command = Command($"""
            INSERT INTO locations ({Sql.LocationColumns})
            VALUES (@id, @name, @type, @canShip, @canPickup, @latitude, @longitude, @priority, @active, @createdAt, @updatedAt, @leadTime)
            ON CONFLICT (id) DO UPDATE SET
                name = excluded.name, type = excluded.type, can_ship = excluded.can_ship, can_pickup = excluded.can_pickup,
                latitude = excluded.latitude, longitude = excluded.longitude, priority = excluded.priority,
                active = excluded.active, updated_at = excluded.updated_at, lead_time_days = excluded.lead_time_days
            """)
            .With("@id", location.Id).With("@name", location.Name).With("@type", Sql.Text(location.Type))
            .With("@canShip", location.CanShip).With("@canPickup", location.CanPickup)
            .With("@latitude", location.Latitude).With("@longitude", location.Longitude)
            .With("@priority", location.Priority).With("@active", location.Active)
            .With("@createdAt", location.CreatedAt).With("@updatedAt", location.UpdatedAt).With("@leadTime", location.LeadTimeDays);
        await ExecuteAsync(command, cancellationToken);
    }

    public async Task UpsertGroupAsync(DistributionGroup group, CancellationToken cancellationToken)
    {
        _networkChanged = true;
        await using (var command = Command("""
            INSERT INTO distribution_groups (id, name, created_at, updated_at) VALUES (@id, @name, @createdAt, @updatedAt)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
            """).With("@id", group.Id).With("@name", group.Name).With("@createdAt", group.CreatedAt).With("@updatedAt", group.UpdatedAt))
        {
            await ExecuteAsync(command, cancellationToken);
        }

        await using (var command = Command("DELETE FROM group_locations WHERE group_id = @id").With("@id", group.Id))
        {
            await ExecuteAsync(command, cancellationToken);
        }

        if (group.Locations.Count > 0)
        {
            await using var command = Command($"INSERT INTO group_locations (group_id, location_id) SELECT @id, value FROM ({store.TextList("@locations")}) l")
                .With("@id", group.Id);
            store.BindTextList(command, "@locations", group.Locations);
            await ExecuteAsync(command, cancellationToken);
        }
    }

    public async Task UpsertChannelAsync(Channel channel, CancellationToken cancellationToken)
    {
        _networkChanged = true;
        await using var command = Command($"""
            INSERT INTO channels ({Sql.ChannelColumns})
            VALUES (@id, @name, @group, @percent, @units, @ttl, @createdAt, @updatedAt, @publishEvery)
            ON CONFLICT (id) DO UPDATE SET
                name = excluded.name, group_id = excluded.group_id, buffer_percent = excluded.buffer_percent,
                buffer_units = excluded.buffer_units, reservation_ttl_seconds = excluded.reservation_ttl_seconds,
                updated_at = excluded.updated_at, publish_every_seconds = excluded.publish_every_seconds;
            INSERT INTO channel_publishing (channel_id, through, next_due_at)
            SELECT @id, sequence, @updatedAt FROM ledger_head WHERE id = 1
            ON CONFLICT (channel_id) DO NOTHING
            """).With("@publishEvery", channel.PublishEverySeconds)
            .With("@id", channel.Id).With("@name", channel.Name).With("@group", channel.Group)
            .With("@percent", channel.Buffer?.Percent).With("@units", channel.Buffer?.Units)
            .With("@ttl", channel.ReservationTtlSeconds)
            .With("@createdAt", channel.CreatedAt).With("@updatedAt", channel.UpdatedAt);
        await ExecuteAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<PositionKey, Position>> LockPositionsAsync(IReadOnlyCollection<PositionKey> keys, CancellationToken cancellationToken)
    {
        var sorted = keys.Distinct().Order().ToList();
        if (sorted.Count == 0)
        {
            return new Dictionary<PositionKey, Position>();
        }

        // Create the missing rows first so that there is a row to lock; inserting in key order
        // keeps even these implicit locks in the global order.
        await using (var insert = Command($"""
            INSERT INTO positions (sku, location_id, on_hand, reserved, allocated, updated_at)
            SELECT k.sku, k.location_id, 0, 0, 0, @now FROM ({store.KeyList("@keys")}) k WHERE true
            ON CONFLICT (sku, location_id) DO NOTHING
            RETURNING sku, location_id
            """).With("@now", Now))
        {
            store.BindKeyList(insert, "@keys", sorted);
            _created.UnionWith(await insert.ListAsync(r => new PositionKey(r.GetString(0), r.GetString(1)), cancellationToken));
        }

        await using var select = Command($"""
            SELECT {Sql.PositionColumns} FROM positions
            WHERE (sku, location_id) IN (SELECT k.sku, k.location_id FROM ({store.KeyList("@keys")}) k)
            ORDER BY sku, location_id{store.ForUpdate}
            """);
        store.BindKeyList(select, "@keys", sorted);
        var positions = (await select.ListAsync(Sql.ReadPosition, cancellationToken)).ToDictionary(p => p.Key);
        Invariant.Require(positions.Count == sorted.Count, "every position asked for is locked");
        _locked.UnionWith(sorted);
        return positions;
    }

    public Task WritePositionsAsync(IReadOnlyCollection<(Position Before, Position After)> changes, CancellationToken cancellationToken)
    {
        Invariant.Require(changes.All(c => c.Before.OnHand == c.After.OnHand), "every change of on-hand is written with its movement");
        return WritePositionsAsync(changes, movement: null, cancellationToken);
    }

    public async Task WritePositionsAsync(IReadOnlyCollection<(Position Before, Position After)> changes, StockMovement? movement, CancellationToken cancellationToken)
    {
        var deltas = new List<PositionDelta>(changes.Count);
        foreach (var (before, after) in changes)
        {
            Invariant.Require(before.Key == after.Key, "a change keeps its position");
            Invariant.Require(_locked.Contains(before.Key), $"position {before.Key} is locked before it is written");
            Invariant.Require(after.OnHand >= 0 && after.Reserved >= 0 && after.Allocated >= 0 && after.Backordered >= 0, $"position {after.Key} stays non-negative");
            if (before == after)
            {
                continue;
            }

            // Units freed or added may end a sell-out; the cache must not refuse them.
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

        await store.WritePositionDeltasAsync(connection, transaction, deltas, Now, cancellationToken);
        if (movement is not null)
        {
            await JournalAsync(deltas, movement, cancellationToken);
        }
    }

    /// <summary>
    /// One row per position whose on-hand moved, or whose allocation an order's movement changed:
    /// what a later count as of an earlier time is brought forward by (see <see cref="CountBasisAsync"/>).
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

    public async Task<IReadOnlyList<InboundSupply>> ReadInboundAsync(IReadOnlyCollection<PositionKey> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        await using var command = Command($"""
            SELECT {Sql.InboundColumns} FROM inbound_supply
            WHERE (sku, location_id) IN (SELECT k.sku, k.location_id FROM ({store.KeyList("@keys")}) k)
            ORDER BY sku, location_id, type, reference
            """);
        store.BindKeyList(command, "@keys", [.. keys.Distinct()]);
        return await command.ListAsync(Sql.ReadInbound, cancellationToken);
    }

    public async Task SetInboundAsync(IReadOnlyCollection<InboundSupply> lots, CancellationToken cancellationToken)
    {
        foreach (var lot in lots)
        {
            Invariant.Require(lot.Type != SupplyType.OnHand, "on-hand is a position, not an inbound lot");
            Invariant.Require(lot.Quantity >= 0, "an inbound lot is never negative");
            Invariant.Require(_locked.Contains(lot.Key), $"position {lot.Key} is locked before its inbound changes");
            await using var command = lot.Quantity == 0
                ? Command("DELETE FROM inbound_supply WHERE sku = @sku AND location_id = @location AND type = @type AND reference = @reference")
                : Command("""
                    INSERT INTO inbound_supply (sku, location_id, type, reference, quantity, eta, source, snapshot_id, updated_at)
                    VALUES (@sku, @location, @type, @reference, @quantity, @eta, @source, @snapshot, @now)
                    ON CONFLICT (sku, location_id, type, reference) DO UPDATE SET
                        quantity = excluded.quantity, eta = excluded.eta, source = excluded.source, snapshot_id = excluded.snapshot_id,
                        updated_at = excluded.updated_at
                    """).With("@quantity", lot.Quantity).With("@eta", lot.Eta).WithText("@source", lot.Source).WithText("@snapshot", lot.SnapshotId).With("@now", Now);
            command.With("@sku", lot.Key.Sku).With("@location", lot.Key.Location)
                .With("@type", Sql.Text(lot.Type)).With("@reference", lot.Reference);
            await ExecuteAsync(command, cancellationToken);
        }
    }

    public void Record<T>(string type, T data)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        Invariant.Require(!_finished, "events are recorded before the transaction ends");
        _pending.Add(new PendingEvent(type, Now, LedgerJson.Serialize(data)));
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        Invariant.Require(!_finished, "a transaction commits once");
        Invariant.Require(_deltas.Count == 0 || _pending.Count > 0, "every change of stock is recorded in the ledger");
        await RecordAlertsAsync(cancellationToken);
        if (_deltas.Values.Any(d => !d.IsZero))
        {
            // The stock effect of the whole transaction, as deltas: what `stockroom verify` replays
            // to rebuild every position from the ledger alone.
            Record(PositionChanges.EventType, PositionChanges.Of(_deltas.Values.Where(d => !d.IsZero)));
        }

        if (_pending.Count > 0)
        {
            await AppendEventsAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        _finished = true;
        Telemetry.Commits.Add(1);
        if (_appendedThrough > 0)
        {
            store.Ledger.Appended(_appendedThrough);
        }

        if (_networkChanged)
        {
            store.SoldOut.Clear();
            store.Catalog.Clear();
        }
        else
        {
            store.SoldOut.Forget(_freedSkus);
        }
    }

    /// <summary>
    /// Alerts are the transitions this transaction makes, recorded in it like every other event,
    /// so that a sell-out is announced exactly once, and only if it happened.
    /// </summary>
    private async Task RecordAlertsAsync(CancellationToken cancellationToken)
    {
        // A position stocked for the first time is news for the catalogue, not "back in stock".
        var changed = _changed.Where(c => c.Value.First != c.Value.Last && !_created.Contains(c.Key)).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        var (safety, low) = await store.GetAlertPoliciesAsync([.. changed.Select(c => c.Key)], cancellationToken);
        foreach (var (key, (first, last)) in changed.OrderBy(c => c.Key))
        {
            foreach (var alert in StockAlerts.Detect(first, last, safety.For(first), safety.For(last), low.ThresholdFor(key)))
            {
                Record(alert.Type, alert);
            }
        }
    }

    /// <summary>
    /// Chains the pending events onto the ledger. The head row is locked last, just before the
    /// commit, so that the one lock every writer shares is held for the shortest time.
    /// </summary>
    private async Task AppendEventsAsync(CancellationToken cancellationToken)
    {
        (long Sequence, string Hash) head;
        await using (var select = Command($"SELECT sequence, hash FROM ledger_head WHERE id = 1{store.ForUpdate}"))
        {
            head = (await select.ListAsync(r => (r.GetInt64(0), r.GetString(1)), cancellationToken)).Single();
        }

        var appended = LedgerChain.Append(head.Sequence, head.Hash, _pending);
        await InsertRowsAsync("events", "sequence, type, at, data, previous_hash, hash",
            [.. appended.Select(e => new object?[] { e.Sequence, e.Type, e.At, e.Data, e.PreviousHash, e.Hash })], cancellationToken);

        var last = appended[^1];
        _appendedThrough = last.Sequence;
        foreach (var group in appended.Where(e => WebhookEvents.Deliverable.Contains(e.Type)).GroupBy(e => e.Type, StringComparer.Ordinal))
        {
            await EnqueueDeliveriesAsync(group.Key, [.. group.Select(e => WebhookPayload(e))], cancellationToken);
        }

        var changedSkus = _deltas.Keys.Select(k => k.Sku).ToHashSet(StringComparer.Ordinal);
        if (changedSkus.Count > 0)
        {
            // Stamped with this transaction's last sequence, taken under the head lock: publishers
            // that read "changed after N" see changes in commit order and miss none.
            await using var changed = Command($"""
                INSERT INTO availability_changes (sku, sequence) SELECT value, @sequence FROM ({store.TextList("@skus")}) s WHERE true
                ON CONFLICT (sku) DO UPDATE SET sequence = excluded.sequence
                """).With("@sequence", last.Sequence);
            store.BindTextList(changed, "@skus", changedSkus);
            await ExecuteAsync(changed, cancellationToken);
        }

        await using var update = Command("UPDATE ledger_head SET sequence = @sequence, hash = @hash WHERE id = 1")
            .With("@sequence", last.Sequence).With("@hash", last.Hash);
        await ExecuteAsync(update, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, StoredReservation>> FindReservationsAsync(IReadOnlyCollection<string> ids, bool forUpdate, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return new Dictionary<string, StoredReservation>();
        }

        // Reservations are locked in id order, before any position, in every transaction that locks both.
        await using var command = Command(
            $"SELECT {Sql.ReservationColumns} FROM reservations WHERE id IN ({store.TextList("@ids")}) ORDER BY id{(forUpdate ? store.ForUpdate : "")}");
        store.BindTextList(command, "@ids", ids);
        return (await command.ListAsync(Sql.ReadReservation, cancellationToken)).ToDictionary(r => r.Reservation.Id, StringComparer.Ordinal);
    }

    public async Task InsertReservationsAsync(IReadOnlyCollection<StoredReservation> reservations, CancellationToken cancellationToken)
    {
        await InsertRowsAsync("reservations", Sql.ReservationColumns, [.. reservations.Select(Sql.ReservationRow)], cancellationToken);
        await InsertRowsAsync("reservation_lines", "reservation_id, line, sku",
            [.. reservations.SelectMany(r => r.Reservation.Lines.Select(l => new object?[] { r.Reservation.Id, l.Line, l.Sku }))], cancellationToken);
    }

    public async Task UpdateReservationsAsync(IReadOnlyCollection<Reservation> reservations, CancellationToken cancellationToken)
    {
        foreach (var reservation in reservations)
        {
            await using var command = Command("""
                UPDATE reservations SET status = @status, lines = @lines, order_id = @order, expires_at = @expiresAt, updated_at = @updatedAt,
                    accept_by = @acceptBy
                WHERE id = @id
                """).With("@acceptBy", reservation.AcceptBy)
                .With("@status", Sql.Text(reservation.Status)).With("@lines", JsonSerializer.Serialize(reservation.Lines, Sql.LinesJson))
                .With("@order", reservation.OrderId).With("@expiresAt", reservation.ExpiresAt).With("@updatedAt", reservation.UpdatedAt)
                .With("@id", reservation.Id);
            Invariant.Require(await command.ExecuteNonQueryAsync(cancellationToken) == 1, $"reservation {reservation.Id} exists when updated");
        }
    }

    public async Task<IReadOnlyList<Reservation>> LockExpiredReservationsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command($"""
            SELECT {Sql.ReservationColumns} FROM reservations
            WHERE status IN ('pending', 'active', 'partial', 'backordered') AND expires_at <= @now
            ORDER BY id LIMIT @limit{store.ForUpdateSkipLocked}
            """).With("@now", now).With("@limit", limit);
        return [.. (await command.ListAsync(Sql.ReadReservation, cancellationToken)).Select(r => r.Reservation)];
    }

    public async Task UpsertSafetyRuleAsync(SafetyStockRule rule, CancellationToken cancellationToken)
    {
        _networkChanged = true;
        await using var command = Command($"""
            INSERT INTO safety_stock_rules ({Sql.SafetyRuleColumns})
            VALUES (@sku, @location, @group, @units, @percent, @vip, @createdAt, @updatedAt)
            ON CONFLICT (sku, location_id, group_id) DO UPDATE SET
                units = excluded.units, percent = excluded.percent, vip_priority = excluded.vip_priority, updated_at = excluded.updated_at
            """)
            .With("@sku", rule.Sku ?? "").With("@location", rule.Location ?? "").With("@group", rule.Group ?? "")
            .With("@units", rule.Units).With("@percent", rule.Percent).With("@vip", rule.VipPriority)
            .With("@createdAt", rule.CreatedAt).With("@updatedAt", rule.UpdatedAt);
        await ExecuteAsync(command, cancellationToken);
    }

    public async Task<SafetyStockRule?> DeleteSafetyRuleAsync(string? sku, string? location, string? group, CancellationToken cancellationToken)
    {
        _networkChanged = true;
        await using var command = Command($"DELETE FROM safety_stock_rules WHERE sku = @sku AND location_id = @location AND group_id = @group RETURNING {Sql.SafetyRuleColumns}")
            .With("@sku", sku ?? "").With("@location", location ?? "").With("@group", group ?? "");
        return (await command.ListAsync(Sql.ReadSafetyRule, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> LockWatermarksAsync(string source, IReadOnlyCollection<string> locations, CancellationToken cancellationToken)
    {
        await using var command = Command(
            $"SELECT location_id, as_of FROM supply_watermarks WHERE source = @source AND location_id IN ({store.TextList("@locations")}) ORDER BY location_id{store.ForUpdate}")
            .With("@source", source);
        store.BindTextList(command, "@locations", locations);
        return (await command.ListAsync(r => (r.GetString(0), r.GetFieldValue<DateTimeOffset>(1)), cancellationToken))
            .ToDictionary(w => w.Item1, w => w.Item2, StringComparer.Ordinal);
    }

    public async Task SetWatermarksAsync(string source, IReadOnlyCollection<string> locations, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        await using var command = Command($"""
            INSERT INTO supply_watermarks (source, location_id, as_of, updated_at)
            SELECT @source, value, @asOf, @now FROM ({store.TextList("@locations")}) l WHERE true
            ON CONFLICT (source, location_id) DO UPDATE SET as_of = excluded.as_of, updated_at = excluded.updated_at
            """).With("@source", source).With("@asOf", asOf).With("@now", Now);
        store.BindTextList(command, "@locations", locations);
        await ExecuteAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<PositionKey, CountBasis>> CountBasisAsync(IReadOnlyCollection<PositionKey> keys, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return new Dictionary<PositionKey, CountBasis>();
        }

        // Seen: units still allocated now to orders acknowledged by asOf, plus the units such
        // orders shipped or cancelled after asOf (still allocated, and so deducted, at asOf).
        // Moved: every change of on-hand recorded after asOf but counts.
        var keyList = $"(SELECT k.sku, k.location_id FROM ({store.KeyList("@keys")}) k)";
        await using var command = Command($"""
            SELECT sku, location_id, SUM(seen), SUM(moved) FROM (
                SELECT l.sku, l.location_id, CASE WHEN l.seller_confirmed = 0 THEN l.quantity - l.shipped - l.cancelled ELSE 0 END AS seen, 0 AS moved
                FROM order_lines l JOIN orders o ON o.id = l.order_id
                WHERE o.status IN ({Sql.OpenOrderStatuses}) AND o.pos_acknowledged_at <= @asOf AND (l.sku, l.location_id) IN {keyList}
                UNION ALL
                SELECT m.sku, m.location_id, CASE WHEN o.pos_acknowledged_at <= @asOf THEN -m.allocated ELSE 0 END, CASE WHEN m.kind = 'counted' THEN 0 ELSE m.on_hand END
                FROM stock_movements m LEFT JOIN orders o ON o.id = m.order_id
                WHERE m.at > @asOf AND (m.sku, m.location_id) IN {keyList}
            ) s
            GROUP BY sku, location_id
            """).With("@asOf", asOf.ToUniversalTime());
        store.BindKeyList(command, "@keys", [.. keys.Distinct()]);
        return (await command.ListAsync(r => (Key: new PositionKey(r.GetString(0), r.GetString(1)), Basis: new CountBasis(r.GetInt64(2), r.GetInt64(3))), cancellationToken))
            .ToDictionary(s => s.Key, s => s.Basis);
    }

    public async Task<IReadOnlyList<(Channel Channel, long Through)>> LockDueChannelsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command($"""
            SELECT p.channel_id, p.through FROM channel_publishing p
            WHERE p.next_due_at <= @now ORDER BY p.channel_id{store.ForUpdateSkipLocked}
            """).With("@now", now);
        var due = await command.ListAsync(r => (Id: r.GetString(0), Through: r.GetInt64(1)), cancellationToken);
        var result = new List<(Channel, long)>(due.Count);
        foreach (var (id, through) in due)
        {
            if (await GetChannelAsync(id, cancellationToken) is { } channel)
            {
                result.Add((channel, through));
            }
        }

        return result;
    }

    public async Task<IReadOnlyList<(string Sku, long Sequence)>> ChangedSkusAsync(long after, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT sku, sequence FROM availability_changes WHERE sequence > @after ORDER BY sequence, sku LIMIT @limit")
            .With("@after", after).With("@limit", limit);
        return await command.ListAsync(r => (r.GetString(0), r.GetInt64(1)), cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, long>> PublishedAsync(string channel, IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT sku, available FROM channel_published WHERE channel_id = @channel AND sku IN ({store.TextList("@skus")})")
            .With("@channel", channel);
        store.BindTextList(command, "@skus", skus);
        return (await command.ListAsync(r => (r.GetString(0), r.GetInt64(1)), cancellationToken)).ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);
    }

    public async Task PublishAsync(string channel, IReadOnlyList<(string Sku, long Available)> updates, long through, DateTimeOffset nextDueAt, CancellationToken cancellationToken)
    {
        await InsertRowsAsync("channel_feed", "channel_id, sku, available, published_at",
            [.. updates.Select(u => new object?[] { channel, u.Sku, u.Available, Now })], cancellationToken);
        foreach (var (sku, available) in updates)
        {
            await using var upsert = Command("""
                INSERT INTO channel_published (channel_id, sku, available) VALUES (@channel, @sku, @available)
                ON CONFLICT (channel_id, sku) DO UPDATE SET available = excluded.available
                """).With("@channel", channel).With("@sku", sku).With("@available", available);
            await ExecuteAsync(upsert, cancellationToken);
        }

        await using var progress = Command("UPDATE channel_publishing SET through = @through, next_due_at = @next WHERE channel_id = @channel")
            .With("@through", through).With("@next", nextDueAt).With("@channel", channel);
        await ExecuteAsync(progress, cancellationToken);
    }

    public async Task UpsertLowStockRuleAsync(LowStockRule rule, CancellationToken cancellationToken)
    {
        _networkChanged = true;
        await using var command = Command($"""
            INSERT INTO low_stock_rules ({Sql.LowStockRuleColumns}) VALUES (@sku, @location, @group, @threshold, @createdAt, @updatedAt)
            ON CONFLICT (sku, location_id, group_id) DO UPDATE SET threshold = excluded.threshold, updated_at = excluded.updated_at
            """)
            .With("@sku", rule.Sku ?? "").With("@location", rule.Location ?? "").With("@group", rule.Group ?? "")
            .With("@threshold", rule.Threshold).With("@createdAt", rule.CreatedAt).With("@updatedAt", rule.UpdatedAt);
        await ExecuteAsync(command, cancellationToken);
    }

    public async Task<LowStockRule?> DeleteLowStockRuleAsync(string? sku, string? location, string? group, CancellationToken cancellationToken)
    {
        _networkChanged = true;
        await using var command = Command($"DELETE FROM low_stock_rules WHERE sku = @sku AND location_id = @location AND group_id = @group RETURNING {Sql.LowStockRuleColumns}")
            .With("@sku", sku ?? "").With("@location", location ?? "").With("@group", group ?? "");
        return (await command.ListAsync(Sql.ReadLowStockRule, cancellationToken)).SingleOrDefault();
    }

    public async Task InsertWebhookAsync(Webhook webhook, string requestHash, CancellationToken cancellationToken) =>
        await InsertRowsAsync("webhooks", Sql.WebhookColumns,
            [[webhook.Id, webhook.Url, JsonSerializer.Serialize(webhook.Events), webhook.Secret, webhook.CreatedAt, requestHash]], cancellationToken);

    public async Task InsertApiKeyAsync(StoredApiKey key, string requestHash, CancellationToken cancellationToken) =>
        await InsertRowsAsync("api_keys", Sql.ApiKeyColumns,
            [[key.Id, key.Name, key.KeyHash, key.Prefix, string.Join(' ', key.Scopes), key.Channel, key.CreatedAt, key.RevokedAt, requestHash]], cancellationToken);

    public async Task<bool> RevokeApiKeyAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = Command("UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL").With("@id", id).With("@now", Now);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> DeleteWebhookAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = Command("DELETE FROM webhooks WHERE id = @id").With("@id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task EnqueueDeliveriesAsync(string eventType, IReadOnlyList<string> payloads, CancellationToken cancellationToken)
    {
        await using var select = Command($"SELECT {Sql.WebhookColumns} FROM webhooks");
        var subscribers = (await select.ListAsync(Sql.ReadWebhook, cancellationToken)).Where(w => w.Webhook.Events.Contains(eventType)).ToList();
        await InsertRowsAsync("webhook_deliveries", "webhook_id, event_type, payload, status, attempts, next_attempt_at, created_at",
            [.. subscribers.SelectMany(s => payloads.Select(payload => new object?[] { s.Webhook.Id, eventType, payload, "pending", 0, Now, Now }))],
            cancellationToken);
    }

    internal async Task<IReadOnlyList<(WebhookDelivery, Webhook)>> ClaimDeliveriesAsync(int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        List<WebhookDelivery> due;
        await using (var select = Command($"""
            SELECT {Sql.DeliveryColumns} FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= @now ORDER BY id LIMIT @limit{store.ForUpdateSkipLocked}
            """).With("@now", Now).With("@limit", limit))
        {
            due = await select.ListAsync(Sql.ReadDelivery, cancellationToken);
        }

        if (due.Count == 0)
        {
            return [];
        }

        // The ids travel as one text list, the one list parameter both stores take.
        await using (var extend = Command($"UPDATE webhook_deliveries SET next_attempt_at = @until WHERE CAST(id AS TEXT) IN ({store.TextList("@ids")})")
            .With("@until", Now + lease))
        {
            store.BindTextList(extend, "@ids", [.. due.Select(d => d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            await ExecuteAsync(extend, cancellationToken);
        }

        await using var hooks = Command($"SELECT {Sql.WebhookColumns} FROM webhooks WHERE id IN ({store.TextList("@ids")})");
        store.BindTextList(hooks, "@ids", [.. due.Select(d => d.WebhookId).Distinct(StringComparer.Ordinal)]);
        var webhooks = (await hooks.ListAsync(Sql.ReadWebhook, cancellationToken)).ToDictionary(w => w.Webhook.Id, w => w.Webhook, StringComparer.Ordinal);
        return [.. due.Where(d => webhooks.ContainsKey(d.WebhookId)).Select(d => (d, webhooks[d.WebhookId]))];
    }

    /// <summary>What a subscriber receives: the event as the ledger has it.</summary>
    private static string WebhookPayload(LedgerEvent entry)
    {
        using var data = JsonDocument.Parse(entry.Data);
        return LedgerJson.Serialize(new { type = entry.Type, sequence = entry.Sequence, at = entry.At, data = data.RootElement });
    }

    public Task<StoredOrder?> FindOrderAsync(string id, bool forUpdate, CancellationToken cancellationToken) =>
        SqlStore.ReadOrderAsync(connection, transaction, id, forUpdate ? store.ForUpdate : "", cancellationToken);

    public async Task InsertOrderAsync(StoredOrder order, CancellationToken cancellationToken)
    {
        var o = order.Order;
        await InsertRowsAsync("orders", Sql.OrderColumns,
            [[o.Id, o.Channel, o.ReservationId, Sql.Text(o.Status), order.RequestHash, o.CreatedAt, o.UpdatedAt, o.SentToPosAt, o.PosAcknowledgedAt, o.TrackingNumber]],
            cancellationToken);
        await InsertRowsAsync("order_lines", $"order_id, {Sql.OrderLineColumns}",
            [.. o.Lines.Select(l => new object?[] { o.Id, l.Line, l.Sku, l.Location, l.Quantity, l.Returned, l.Shipped, l.Cancelled, l.SellerConfirmed })], cancellationToken);
    }

    public async Task UpdateOrderAsync(Order order, CancellationToken cancellationToken)
    {
        await using (var command = Command("""
            UPDATE orders SET status = @status, updated_at = @updatedAt, sent_to_pos_at = @sent, pos_acknowledged_at = @acknowledged,
                tracking_number = @tracking
            WHERE id = @id
            """)
            .With("@status", Sql.Text(order.Status)).With("@updatedAt", order.UpdatedAt).With("@sent", order.SentToPosAt)
            .With("@acknowledged", order.PosAcknowledgedAt).With("@tracking", order.TrackingNumber).With("@id", order.Id))
        {
            Invariant.Require(await command.ExecuteNonQueryAsync(cancellationToken) == 1, $"order {order.Id} exists when updated");
        }

        foreach (var line in order.Lines)
        {
            await using var command = Command("UPDATE order_lines SET returned = @returned, shipped = @shipped, cancelled = @cancelled WHERE order_id = @id AND line = @line")
                .With("@returned", line.Returned).With("@shipped", line.Shipped).With("@cancelled", line.Cancelled).With("@id", order.Id).With("@line", line.Line);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Inserts rows with multi-row VALUES statements, as few as the providers' parameter limits
    /// allow: a batch of a thousand holds is a handful of statements, not a thousand.
    /// </summary>
    private async Task InsertRowsAsync(string table, string columns, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var width = rows[0].Length;
        var perStatement = Math.Max(1, store.ParametersPerStatementMax / width);
        for (var offset = 0; offset < rows.Count; offset += perStatement)
        {
            var chunk = rows.Skip(offset).Take(perStatement).ToList();
            var values = new System.Text.StringBuilder();
            await using var command = Command("");
            for (var r = 0; r < chunk.Count; r++)
            {
                Invariant.Require(chunk[r].Length == width, "every row has every column");
                values.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < width; c++)
                {
                    var name = $"@p{r}_{c}";
                    values.Append(c == 0 ? name : $", {name}");
                    command.With(name, chunk[r][c]);
                }

                values.Append(')');
            }

            command.CommandText = $"INSERT INTO {table} ({columns}) VALUES {values}";
            await ExecuteAsync(command, cancellationToken);
        }
    }

    private async Task ExecuteAsync(DbCommand command, CancellationToken cancellationToken)
    {
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (DbException exception) when (store.IsUniqueViolation(exception))
        {
            throw new WriteConflictException("a concurrent write took the same key", exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
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
