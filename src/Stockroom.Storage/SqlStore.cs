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
public abstract partial class SqlStore(TimeProvider time) : IStockStore
{
    protected TimeProvider Time { get; } = time;

    public SoldOutCache SoldOut { get; } = new(time);

    public LedgerSignal Ledger { get; } = new();

    public CatalogCache Catalog { get; } = new(time);

    /// <summary>
    /// Parameters one multi-row statement may carry. SQLite looks parameters up by name one by one,
    /// so very wide statements cost it quadratic time; it gets narrower ones.
    /// </summary>
    protected internal abstract int ParametersPerStatementMax { get; }

    /// <summary>A column of reservations that increases in the order they were inserted.</summary>
    protected internal abstract string ArrivalOrder { get; }

    /// <summary>Appended to a SELECT to lock the rows it reads, passing over rows another transaction holds.</summary>
    protected internal abstract string ForUpdateSkipLocked { get; }

    /// <summary>Adds deltas to positions; a store may do it in one statement.</summary>
    protected internal virtual async Task WritePositionDeltasAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<PositionDelta> deltas, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var (key, onHand, reserved, allocated, backordered) in deltas)
        {
            await using var command = connection.Command(transaction, """
                UPDATE positions SET on_hand = on_hand + @onHand, reserved = reserved + @reserved,
                    allocated = allocated + @allocated, backordered = backordered + @backordered, updated_at = @now
                WHERE sku = @sku AND location_id = @location
                """)
                .With("@onHand", onHand).With("@reserved", reserved).With("@allocated", allocated).With("@backordered", backordered)
                .With("@now", now).With("@sku", key.Sku).With("@location", key.Location);
            var rows = await command.ExecuteNonQueryAsync(cancellationToken);
            Core.Invariant.Require(rows == 1, $"position {key} exists when written");
        }
    }

    public abstract StoreKind Kind { get; }

    /// <summary>The folder of migration scripts for this dialect.</summary>
    protected abstract string MigrationFolder { get; }

    /// <summary>Appended to a SELECT to lock the rows it reads until the transaction ends.</summary>
    protected internal abstract string ForUpdate { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a write transaction; the returned handle is released when it ends.</summary>
    protected internal abstract Task<(DbTransaction Transaction, IDisposable? Release)> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>A statement run first in the migration transaction, so that one process migrates at a time.</summary>
    protected abstract string MigrationLock { get; }

    /// <summary>SQL for a table <c>(value)</c> of the strings bound to <paramref name="name"/>.</summary>
    protected internal abstract string TextList(string name);

    protected internal abstract void BindTextList(DbCommand command, string name, IReadOnlyCollection<string> values);

    /// <summary>SQL for a table <c>(sku, location_id)</c> of the keys bound to <paramref name="name"/>.</summary>
    protected internal abstract string KeyList(string name);

    protected internal abstract void BindKeyList(DbCommand command, string name, IReadOnlyCollection<PositionKey> keys);

    protected internal abstract bool IsUniqueViolation(DbException exception);

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

    private async Task<List<T>> QueryAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(null, sql);
        bind(command);
        return await command.ListAsync(map, cancellationToken);
    }

    public async Task<Item?> GetItemAsync(string sku, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Sql.ItemColumns} FROM items WHERE sku = @sku", c => c.With("@sku", sku), Sql.ReadItem, cancellationToken))
        .SingleOrDefault();

    public async Task<IReadOnlyList<Item>> ListItemsAsync(string? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Sql.ItemColumns} FROM items WHERE sku > @after ORDER BY sku LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), Sql.ReadItem, cancellationToken);

    public async Task<Location?> GetLocationAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Sql.LocationColumns} FROM locations WHERE id = @id", c => c.With("@id", id), Sql.ReadLocation, cancellationToken))
        .SingleOrDefault();

    public async Task<IReadOnlyList<Location>> ListLocationsAsync(string? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Sql.LocationColumns} FROM locations WHERE id > @after ORDER BY id LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), Sql.ReadLocation, cancellationToken);

    public async Task<IReadOnlyList<Location>> GetLocationsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await QueryAsync(
            $"SELECT {Sql.LocationColumns} FROM locations WHERE id IN ({TextList("@ids")}) ORDER BY id",
            c => BindTextList(c, "@ids", ids), Sql.ReadLocation, cancellationToken);

    public async Task<IReadOnlyList<Item>> GetItemsAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken) =>
        skus.Count == 0 ? [] : await QueryAsync($"SELECT {Sql.ItemColumns} FROM items WHERE sku IN ({TextList("@skus")})",
            c => BindTextList(c, "@skus", skus), Sql.ReadItem, cancellationToken);

    public async Task<IReadOnlyList<DistributionGroup>> GetGroupsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await ListGroupsAsync($"id IN ({TextList("@ids")})", c => BindTextList(c, "@ids", ids), ids.Count, cancellationToken);

    public async Task<IReadOnlyList<Channel>> GetChannelsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await QueryAsync($"SELECT {Sql.ChannelColumns} FROM channels WHERE id IN ({TextList("@ids")})",
            c => BindTextList(c, "@ids", ids), Sql.ReadChannel, cancellationToken);

    public async Task<IReadOnlyList<LowStockRule>> ListLowStockRulesAsync(string? sku, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Sql.LowStockRuleColumns} FROM low_stock_rules WHERE @sku IS NULL OR sku = @sku ORDER BY sku, location_id, group_id",
            c => c.WithText("@sku", sku), Sql.ReadLowStockRule, cancellationToken);

    public Task<(SafetyStockPolicy SafetyStock, LowStockPolicy LowStock)> GetAlertPoliciesAsync(IReadOnlyCollection<PositionKey> keys, CancellationToken cancellationToken) =>
        Catalog.AlertPoliciesAsync(
            async () =>
            {
                var (safety, low, rules) = await ReadAlertPoliciesAsync(null, cancellationToken);
                return ((safety, low), rules);
            },
            async () =>
            {
                var (safety, low, _) = await ReadAlertPoliciesAsync(keys, cancellationToken);
                return (safety, low);
            });

    /// <summary>The alert rules bearing on these positions, or all of them (null), and how many rules there were.</summary>
    private async Task<(SafetyStockPolicy SafetyStock, LowStockPolicy LowStock, int Rules)> ReadAlertPoliciesAsync(IReadOnlyCollection<PositionKey>? keys,
        CancellationToken cancellationToken)
    {
        var skus = keys?.Select(k => k.Sku).Distinct(StringComparer.Ordinal).ToList();
        var locations = keys?.Select(k => k.Location).Distinct(StringComparer.Ordinal).ToList();
        var forSkus = skus is null ? "" : $" WHERE sku = '' OR sku IN ({TextList("@skus")})";
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(null, $"""
            SELECT {Sql.SafetyRuleColumns} FROM safety_stock_rules{forSkus};
            SELECT {Sql.LowStockRuleColumns} FROM low_stock_rules{forSkus};
            SELECT location_id, group_id FROM group_locations{(locations is null ? "" : $" WHERE location_id IN ({TextList("@locations")})")};
            """);
        if (skus is not null)
        {
            BindTextList(command, "@skus", skus);
            BindTextList(command, "@locations", locations!);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var safety = new List<SafetyStockRule>();
        while (await reader.ReadAsync(cancellationToken))
        {
            safety.Add(Sql.ReadSafetyRule(reader));
        }

        await reader.NextResultAsync(cancellationToken);
        var low = new List<LowStockRule>();
        while (await reader.ReadAsync(cancellationToken))
        {
            low.Add(Sql.ReadLowStockRule(reader));
        }

        await reader.NextResultAsync(cancellationToken);
        var memberships = new List<(string Location, string Group)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            memberships.Add((reader.GetString(0), reader.GetString(1)));
        }

        var groupsOf = memberships.ToLookup(m => m.Location, m => m.Group, StringComparer.Ordinal);
        IReadOnlyCollection<string> GroupsOf(string location) => [.. groupsOf[location]];
        return (safety.Count == 0 ? SafetyStockPolicy.None : new SafetyStockPolicy(safety, GroupsOf),
            low.Count == 0 ? LowStockPolicy.None : new LowStockPolicy(low, GroupsOf), safety.Count + low.Count);
    }

    public async Task<(Webhook Webhook, string RequestHash)?> GetWebhookAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Sql.WebhookColumns} FROM webhooks WHERE id = @id", c => c.With("@id", id), Sql.ReadWebhook, cancellationToken))
        .Select(w => ((Webhook, string)?)w).SingleOrDefault();

    public async Task<(StoredApiKey Key, string RequestHash)?> GetApiKeyAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Sql.ApiKeyColumns} FROM api_keys WHERE id = @id", c => c.With("@id", id), Sql.ReadApiKey, cancellationToken))
        .Select(k => ((StoredApiKey, string)?)k).SingleOrDefault();

    public async Task<StoredApiKey?> FindApiKeyByHashAsync(string keyHash, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Sql.ApiKeyColumns} FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL",
            c => c.With("@hash", keyHash), Sql.ReadApiKey, cancellationToken)).Select(k => k.Key).SingleOrDefault();

    public async Task<IReadOnlyList<StoredApiKey>> ListApiKeysAsync(CancellationToken cancellationToken) =>
        [.. (await QueryAsync($"SELECT {Sql.ApiKeyColumns} FROM api_keys ORDER BY id", _ => { }, Sql.ReadApiKey, cancellationToken)).Select(k => k.Key)];

    public async Task<bool> AnyActiveApiKeyAsync(CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1", _ => { }, r => r.GetInt32(0), cancellationToken)).Count > 0;

    public async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken) =>
        [.. (await QueryAsync($"SELECT {Sql.WebhookColumns} FROM webhooks ORDER BY id", _ => { }, Sql.ReadWebhook, cancellationToken)).Select(w => w.Webhook)];

    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string webhookId, long? before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Sql.DeliveryColumns} FROM webhook_deliveries WHERE webhook_id = @id AND id < @before ORDER BY id DESC LIMIT @limit",
            c => c.With("@id", webhookId).With("@before", before ?? long.MaxValue).With("@limit", limit), Sql.ReadDelivery, cancellationToken);

    public async Task<IReadOnlyList<(WebhookDelivery Delivery, Webhook Webhook)>> ClaimDeliveriesAsync(int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var write = await BeginWriteAsync(cancellationToken);
        var claimed = await ((SqlWrite)write).ClaimDeliveriesAsync(limit, lease, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return claimed;
    }

    public async Task RecordDeliveryAsync(long id, bool delivered, int? status, string? failure, DateTimeOffset nextAttemptAt, bool givenUp, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(null, """
            UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1, last_status = @code, last_error = @error,
                next_attempt_at = @next, delivered_at = @deliveredAt
            WHERE id = @id
            """)
            .With("@status", delivered ? "delivered" : givenUp ? "failed" : "pending").With("@code", status).With("@error", failure)
            .With("@next", nextAttemptAt).With("@deliveredAt", delivered ? Time.GetUtcNow() : null).With("@id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Reservation>> GetHoldingReservationsAsync(IReadOnlyCollection<string> skus, int limit, CancellationToken cancellationToken) =>
        skus.Count == 0 ? [] : [.. (await QueryAsync($"""
            SELECT {Sql.ReservationColumns} FROM reservations r
            WHERE r.status IN ('active', 'partial')
              AND EXISTS (SELECT 1 FROM reservation_lines l WHERE l.reservation_id = r.id AND l.sku IN ({TextList("@skus")}))
            ORDER BY r.created_at DESC, r.{ArrivalOrder} DESC LIMIT @limit
            """, c => BindTextList(c.With("@limit", limit), "@skus", skus), Sql.ReadReservation, cancellationToken)).Select(r => r.Reservation)];

    public async Task<IReadOnlyList<Reservation>> GetBackorderedReservationsAsync(IReadOnlyCollection<string> skus, int limit, CancellationToken cancellationToken) =>
        skus.Count == 0 ? [] : [.. (await QueryAsync($"""
            SELECT {Sql.ReservationColumns} FROM reservations r
            WHERE r.status = 'backordered'
              AND EXISTS (SELECT 1 FROM reservation_lines l WHERE l.reservation_id = r.id AND l.sku IN ({TextList("@skus")}))
            ORDER BY r.priority DESC, r.created_at, r.{ArrivalOrder} LIMIT @limit
            """, c => BindTextList(c.With("@limit", limit), "@skus", skus), Sql.ReadReservation, cancellationToken)).Select(r => r.Reservation)];

    public async Task<IReadOnlyList<WaitingAllocation>> ListWaitingAllocationsAsync(string? location, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"""
            SELECT o.id, o.channel_id, l.sku, l.location_id, l.quantity - l.shipped - l.cancelled, o.created_at, o.sent_to_pos_at
            FROM orders o JOIN order_lines l ON l.order_id = o.id
            WHERE o.status IN ({Sql.OpenOrderStatuses}) AND o.pos_acknowledged_at IS NULL AND l.quantity > l.shipped + l.cancelled AND l.seller_confirmed = 0
              AND (@location IS NULL OR l.location_id = @location)
            ORDER BY o.created_at, o.id, l.line LIMIT @limit
            """, c => c.WithText("@location", location).With("@limit", limit),
            r => new WaitingAllocation(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4),
                r.GetFieldValue<DateTimeOffset>(5), r.Nullable<DateTimeOffset>(6)),
            cancellationToken);

    public async Task<IReadOnlyList<ChannelUpdate>> ReadChannelFeedAsync(string channel, long after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync("SELECT id, sku, available, published_at FROM channel_feed WHERE channel_id = @channel AND id > @after ORDER BY id LIMIT @limit",
            c => c.With("@channel", channel).With("@after", after).With("@limit", limit),
            r => new ChannelUpdate(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetFieldValue<DateTimeOffset>(3)), cancellationToken);

    public bool IsTransient(Exception exception) =>
        exception is WriteConflictException || (exception is DbException db && IsRetryable(db));

    /// <summary>Unique violations, deadlocks and serialization failures: a rerun may succeed.</summary>
    protected internal abstract bool IsRetryable(DbException exception);

    public async Task<IReadOnlyList<SafetyStockRule>> ListSafetyRulesAsync(string? sku, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Sql.SafetyRuleColumns} FROM safety_stock_rules WHERE @sku IS NULL OR sku = @sku ORDER BY sku, location_id, group_id",
            c => c.WithText("@sku", sku), Sql.ReadSafetyRule, cancellationToken);

    public async Task<SafetyStockPolicy> GetSafetyPolicyAsync(IReadOnlyCollection<string>? skus, IReadOnlyCollection<string>? locations, CancellationToken cancellationToken)
    {
        // The rules that name one of these SKUs or none, and the groups of these locations, for group rules; null asks for all.
        var rules = skus is null
            ? await QueryAsync($"SELECT {Sql.SafetyRuleColumns} FROM safety_stock_rules", _ => { }, Sql.ReadSafetyRule, cancellationToken)
            : await QueryAsync($"SELECT {Sql.SafetyRuleColumns} FROM safety_stock_rules WHERE sku = '' OR sku IN ({TextList("@skus")})",
                c => BindTextList(c, "@skus", skus), Sql.ReadSafetyRule, cancellationToken);
        if (rules.Count == 0)
        {
            return SafetyStockPolicy.None;
        }

        var memberships = !rules.Any(r => r.Group is not null) || locations is { Count: 0 } ? []
            : locations is null
                ? await QueryAsync("SELECT location_id, group_id FROM group_locations", _ => { }, r => (Location: r.GetString(0), Group: r.GetString(1)), cancellationToken)
                : await QueryAsync($"SELECT location_id, group_id FROM group_locations WHERE location_id IN ({TextList("@locations")})",
                    c => BindTextList(c, "@locations", locations), r => (Location: r.GetString(0), Group: r.GetString(1)), cancellationToken);
        var groupsOf = memberships.ToLookup(m => m.Location, m => m.Group, StringComparer.Ordinal);
        return new SafetyStockPolicy(rules, location => [.. groupsOf[location]]);
    }

    public Task<SafetyStockPolicy> GetCachedSafetyPolicyAsync(IReadOnlyCollection<string> skus, IReadOnlyCollection<string> locations,
        CancellationToken cancellationToken) =>
        Catalog.SafetyStockAsync(
            async () =>
            {
                var all = await GetSafetyPolicyAsync(null, null, cancellationToken);
                return (all, all.RuleCount);
            },
            () => GetSafetyPolicyAsync(skus, locations, cancellationToken));

    public async Task<IReadOnlyDictionary<string, StoredReservation>> GetReservationsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? new Dictionary<string, StoredReservation>() : (await QueryAsync(
            $"SELECT {Sql.ReservationColumns} FROM reservations WHERE id IN ({TextList("@ids")})",
            c => BindTextList(c, "@ids", ids), Sql.ReadReservation, cancellationToken)).ToDictionary(r => r.Reservation.Id, StringComparer.Ordinal);

    public async Task<IReadOnlyList<Reservation>> ListReservationsAsync(ReservationFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = $"""
            SELECT {Sql.ReservationColumns} FROM reservations r
            WHERE r.id > @after
              AND (@status IS NULL OR r.status = @status)
              AND (@channel IS NULL OR r.channel_id = @channel)
              AND (@sku IS NULL OR EXISTS (SELECT 1 FROM reservation_lines l WHERE l.reservation_id = r.id AND l.sku = @sku))
            ORDER BY r.id LIMIT @limit
            """;
        return [.. (await QueryAsync(sql, c => c.With("@after", filter.After ?? "")
                .WithText("@status", filter.Status is { } status ? Sql.Text(status) : null).WithText("@channel", filter.Channel).WithText("@sku", filter.Sku)
                .With("@limit", filter.Limit), Sql.ReadReservation, cancellationToken))
            .Select(r => r.Reservation)];
    }

    public async Task<Order?> GetOrderAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await ReadOrderAsync(connection, null, id, "", cancellationToken))?.Order;
    }

    public async Task<IReadOnlyList<Order>> ListOrdersAsync(OrderFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var createdAfter = filter.CreatedAfter is null ? "" : "AND o.created_at > @createdAfter";
        var orders = await QueryAsync($"""
            SELECT {Sql.OrderColumns} FROM orders o
            WHERE o.id > @after {createdAfter}
              AND (@status IS NULL OR o.status = @status)
              AND (@channel IS NULL OR o.channel_id = @channel)
              AND (@sku IS NULL OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku = @sku))
              AND (@location IS NULL OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.location_id = @location))
            ORDER BY o.id LIMIT @limit
            """, c =>
            {
                c.With("@after", filter.After ?? "").WithText("@status", filter.Status is { } status ? Sql.Text(status) : null)
                    .WithText("@channel", filter.Channel).WithText("@sku", filter.Sku).WithText("@location", filter.Location).With("@limit", filter.Limit);
                if (filter.CreatedAfter is { } after)
                {
                    c.With("@createdAfter", after);
                }
            }, Sql.ReadOrder, cancellationToken);
        if (orders.Count == 0)
        {
            return [];
        }

        // Every line of the page in one round trip; the order's id comes last, after the columns a line reads.
        var lines = (await QueryAsync($"SELECT {Sql.OrderLineColumns}, order_id FROM order_lines WHERE order_id IN ({TextList("@ids")}) ORDER BY order_id, line",
                c => BindTextList(c, "@ids", [.. orders.Select(o => o.Order.Id)]), r => (OrderId: r.GetString(r.FieldCount - 1), Line: Sql.ReadOrderLine(r)),
                cancellationToken))
            .ToLookup(l => l.OrderId, l => l.Line, StringComparer.Ordinal);
        return [.. orders.Select(o => o.Order with { Lines = [.. lines[o.Order.Id]] })];
    }

    internal static async Task<StoredOrder?> ReadOrderAsync(DbConnection connection, DbTransaction? transaction, string id, string lockClause, CancellationToken cancellationToken)
    {
        StoredOrder? stored;
        await using (var command = connection.Command(transaction, $"SELECT {Sql.OrderColumns} FROM orders WHERE id = @id{lockClause}").With("@id", id))
        {
            stored = (await command.ListAsync(Sql.ReadOrder, cancellationToken)).SingleOrDefault();
        }

        if (stored is null)
        {
            return null;
        }

        await using var lines = connection.Command(transaction, $"SELECT {Sql.OrderLineColumns} FROM order_lines WHERE order_id = @id ORDER BY line")
            .With("@id", id);
        return stored with { Order = stored.Order with { Lines = await lines.ListAsync(Sql.ReadOrderLine, cancellationToken) } };
    }

    public async Task<DistributionGroup?> GetGroupAsync(string id, CancellationToken cancellationToken) =>
        (await ListGroupsAsync("id = @id", c => c.With("@id", id), int.MaxValue, cancellationToken)).SingleOrDefault();

    public async Task<IReadOnlyList<DistributionGroup>> ListGroupsAsync(string? after, int limit, CancellationToken cancellationToken) =>
        await ListGroupsAsync("id > @after", c => c.With("@after", after ?? ""), limit, cancellationToken);

    private async Task<List<DistributionGroup>> ListGroupsAsync(string filter, Action<DbCommand> bind, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ReadGroupsAsync(connection, null, filter, bind, limit, cancellationToken);
    }

    internal static async Task<List<DistributionGroup>> ReadGroupsAsync(
        DbConnection connection, DbTransaction? transaction, string filter, Action<DbCommand> bind, int limit, CancellationToken cancellationToken)
    {
        // One query: the groups of the page joined to their members, folded in order.
        var sql = $"""
            SELECT g.id, g.name, g.created_at, g.updated_at, gl.location_id
            FROM (SELECT id, name, created_at, updated_at FROM distribution_groups WHERE {filter} ORDER BY id LIMIT @limit) g
            LEFT JOIN group_locations gl ON gl.group_id = g.id
            ORDER BY g.id, gl.location_id
            """;
        await using var command = connection.Command(transaction, sql).With("@limit", limit);
        bind(command);
        var groups = new List<DistributionGroup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<string>? members = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            if (groups.Count == 0 || groups[^1].Id != id)
            {
                members = [];
                groups.Add(new DistributionGroup(id, reader.GetString(1), members,
                    reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3)));
            }

            if (!reader.IsDBNull(4))
            {
                members!.Add(reader.GetString(4));
            }
        }

        return groups;
    }

    public async Task<Channel?> GetChannelAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Sql.ChannelColumns} FROM channels WHERE id = @id", c => c.With("@id", id), Sql.ReadChannel, cancellationToken))
        .SingleOrDefault();

    public async Task<IReadOnlyList<Channel>> ListChannelsAsync(string? after, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Sql.ChannelColumns} FROM channels WHERE id > @after ORDER BY id LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), Sql.ReadChannel, cancellationToken);

    public async Task<StockSnapshot> ReadStockAsync(IReadOnlyCollection<string> skus, IReadOnlyCollection<string> locations, CancellationToken cancellationToken)
    {
        // One round trip: the SKUs' items, positions and inbound lots in one command of three
        // statements. Items are read with their stock rather than through the cache, which a
        // listing page's thousand SKUs would mostly miss; the network and rules, few and slow to
        // change, come from the cache.
        var safetyStock = await GetCachedSafetyPolicyAsync(skus, locations, cancellationToken);
        var sql = $"""
            SELECT {Sql.ItemColumns} FROM items WHERE sku IN ({TextList("@skus")});
            SELECT {Sql.PositionColumns} FROM positions WHERE sku IN ({TextList("@skus")}) AND location_id IN ({TextList("@locations")});
            SELECT {Sql.InboundColumns} FROM inbound_supply WHERE sku IN ({TextList("@skus")}) AND location_id IN ({TextList("@locations")})
                ORDER BY sku, location_id, eta, type, reference;
            """;
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.Command(null, sql);
        BindTextList(command, "@skus", skus);
        BindTextList(command, "@locations", locations);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = await ReadAllAsync(reader, Sql.ReadItem, cancellationToken);
        var positions = await NextAsync(reader, Sql.ReadPosition, cancellationToken);
        var inbound = await NextAsync(reader, Sql.ReadInbound, cancellationToken);
        return new StockSnapshot(
            items.ToDictionary(i => i.Sku, StringComparer.Ordinal),
            positions.ToDictionary(p => p.Key),
            inbound.ToLookup(l => l.Key),
            safetyStock);

        static async Task<List<T>> NextAsync<T>(DbDataReader reader, Func<DbDataReader, T> map, CancellationToken cancellationToken)
        {
            Core.Invariant.Require(await reader.NextResultAsync(cancellationToken), "every statement of the stock read answers");
            return await ReadAllAsync(reader, map, cancellationToken);
        }

        static async Task<List<T>> ReadAllAsync<T>(DbDataReader reader, Func<DbDataReader, T> map, CancellationToken cancellationToken)
        {
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(map(reader));
            }

            return rows;
        }
    }

    public async Task<(long Sequence, string Hash)> ReadLedgerHeadAsync(CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT sequence, hash FROM ledger_head WHERE id = 1", _ => { }, r => (r.GetInt64(0), r.GetString(1)), cancellationToken)).Single();

    public async Task<IReadOnlyList<Position>> SearchPositionsAsync(string? skuPrefix, IReadOnlyCollection<string>? locations, PositionKey? after, int limit,
        CancellationToken cancellationToken) =>
        await QueryAsync($"""
            SELECT {Sql.PositionColumns} FROM positions
            WHERE sku >= @prefix AND sku < @prefixEnd
              AND (sku > @sku OR (sku = @sku AND location_id > @location))
              {(locations is null ? "" : $"AND location_id IN ({TextList("@locations")})")}
            ORDER BY sku, location_id LIMIT @limit
            """, c =>
            {
                // A prefix is the range [prefix, prefix + the highest character): it uses the key's index.
                c.With("@prefix", skuPrefix ?? "").With("@prefixEnd", (skuPrefix ?? "") + "\uffff")
                    .With("@sku", after?.Sku ?? "").With("@location", after?.Location ?? "").With("@limit", limit);
                if (locations is not null)
                {
                    BindTextList(c, "@locations", locations);
                }
            }, Sql.ReadPosition, cancellationToken);

    public async Task<IReadOnlyList<Position>> ListTightPositionsAsync(long availableMax, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"""
            SELECT {Sql.PositionColumns} FROM positions
            WHERE (on_hand > 0 OR reserved + allocated + backordered > 0)
              AND on_hand - reserved - allocated - backordered <= @max
            ORDER BY on_hand - reserved - allocated - backordered, sku, location_id LIMIT @limit
            """, c => c.With("@max", availableMax).With("@limit", limit), Sql.ReadPosition, cancellationToken);

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

internal static class CommandExtensions
{
    /// <summary>A text parameter that may be null; typed, so that <c>@p IS NULL</c> is understood by PostgreSQL.</summary>
    public static DbCommand WithText(this DbCommand command, string name, string? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = System.Data.DbType.String;
        parameter.Value = (object?)value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

}
