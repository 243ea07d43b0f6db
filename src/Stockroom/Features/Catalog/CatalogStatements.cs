using System.Data.Common;
using System.Text.Json;
using Stockroom.Core.Catalog;
using Stockroom.Storage;

namespace Stockroom.Features.Catalog;

/// <summary>The catalog's rows: items, locations, distribution groups and channels.</summary>
public static class CatalogRows
{
    public const string ItemColumns =
        "sku, name, description, status, policy, accept_within_seconds, backorderable, parent_sku, attributes, price, unit_cost, created_at, updated_at";

    public static Item ReadItem(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.NullableString(2), Sql.Parse<ItemStatus>(r.GetString(3)), Sql.Parse<StockPolicy>(r.GetString(4)),
        r.Nullable<int>(5), r.GetBoolean(6), r.NullableString(7),
        r.IsDBNull(8) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(8)),
        r.Nullable<decimal>(9), r.Nullable<decimal>(10), r.GetFieldValue<DateTimeOffset>(11), r.GetFieldValue<DateTimeOffset>(12));

    public const string LocationColumns =
        "id, name, type, can_ship, can_pickup, latitude, longitude, priority, active, created_at, updated_at, lead_time_days";

    public static Location ReadLocation(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), Sql.Parse<LocationType>(r.GetString(2)), r.GetBoolean(3), r.GetBoolean(4),
        r.Nullable<double>(5), r.Nullable<double>(6), r.GetInt32(7), r.GetBoolean(8),
        r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), r.Nullable<int>(11));

    public const string ChannelColumns =
        "id, name, group_id, buffer_percent, buffer_units, reservation_ttl_seconds, created_at, updated_at, publish_every_seconds, intake_unknown_skus";

    /// <summary>A channel as it is read: its columns and whether it has an intake secret, never the secret.</summary>
    public const string ChannelSelect = $"SELECT {ChannelColumns}, intake_secret IS NOT NULL FROM channels";

    public static Channel ReadChannel(DbDataReader r)
    {
        var percent = r.Nullable<decimal>(3);
        var units = r.Nullable<long>(4);
        return new Channel(r.GetString(0), r.GetString(1), r.GetString(2),
            percent is null && units is null ? null : new ChannelBuffer(percent, units),
            r.Nullable<int>(5), r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7), r.GetInt32(8), r.GetBoolean(10),
            Sql.Parse<UnknownSkus>(r.GetString(9)));
    }

    /// <summary>Folds the rows of <see cref="GroupsQuery"/> into groups with their members.</summary>
    public static async Task<List<DistributionGroup>> ReadGroupsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
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

    /// <summary>One query for a page of groups: the groups that match joined to their members.</summary>
    public static string GroupsQuery(string filter) => $"""
        SELECT g.id, g.name, g.created_at, g.updated_at, gl.location_id
        FROM (SELECT id, name, created_at, updated_at FROM distribution_groups WHERE {filter} ORDER BY id LIMIT @limit) g
        LEFT JOIN group_locations gl ON gl.group_id = g.id
        ORDER BY g.id, gl.location_id
        """;
}

/// <summary>The catalog as a write reads and changes it.</summary>
public static class CatalogStatements
{
    public static async Task<Item?> GetItemAsync(this IStockWrite write, string sku, CancellationToken cancellationToken)
    {
        await using var command = write.Command($"SELECT {CatalogRows.ItemColumns} FROM items WHERE sku = @sku").With("@sku", sku);
        return (await command.ListAsync(CatalogRows.ReadItem, cancellationToken)).SingleOrDefault();
    }

    public static async Task<Location?> GetLocationAsync(this IStockWrite write, string id, CancellationToken cancellationToken)
    {
        await using var command = write.Command($"SELECT {CatalogRows.LocationColumns} FROM locations WHERE id = @id").With("@id", id);
        return (await command.ListAsync(CatalogRows.ReadLocation, cancellationToken)).SingleOrDefault();
    }

    public static async Task<DistributionGroup?> GetGroupAsync(this IStockWrite write, string id, CancellationToken cancellationToken)
    {
        await using var command = write.Command(CatalogRows.GroupsQuery("id = @id")).With("@id", id).With("@limit", 1);
        return (await CatalogRows.ReadGroupsAsync(command, cancellationToken)).SingleOrDefault();
    }

    public static async Task<Channel?> GetChannelAsync(this IStockWrite write, string id, CancellationToken cancellationToken)
    {
        await using var command = write.Command($"{CatalogRows.ChannelSelect} WHERE id = @id").With("@id", id);
        return (await command.ListAsync(CatalogRows.ReadChannel, cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// Locks one catalog row, if it exists, for the rest of the write: a write that checks a precondition
    /// against the row then changes it with no other write in between. SQLite's writer already holds the
    /// whole database; PostgreSQL takes the row lock, and the resource's name lock for a row not there yet.
    /// </summary>
    public static async Task LockRowAsync(this IStockWrite write, CatalogTable table, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await write.LockNameAsync($"{table}/{id}", cancellationToken);
        var (name, key) = table switch
        {
            CatalogTable.Items => ("items", "sku"),
            CatalogTable.Locations => ("locations", "id"),
            CatalogTable.Groups => ("distribution_groups", "id"),
            _ => ("channels", "id"),
        };
        await using var command = write.Command($"SELECT {key} FROM {name} WHERE {key} = @id{write.Dialect.ForUpdate}").With("@id", id);
        await command.ListAsync(r => r.GetString(0), cancellationToken);
    }

    /// <summary>
    /// Serialises conditional writes of one resource, row or no row: two <c>If-None-Match: *</c> creates
    /// of the same id must not both see it missing. On PostgreSQL a transaction-scoped advisory lock on the
    /// name's 64-bit hash (a collision only makes two writes take turns); SQLite's writer holds the whole
    /// database already.
    /// </summary>
    public static async Task LockNameAsync(this IStockWrite write, string resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (write.Dialect.Kind != StoreKind.Postgres)
        {
            return;
        }

        await using var command = write.Command("SELECT pg_advisory_xact_lock(hashtextextended(@resource, 0))").With("@resource", resource);
        await command.ListAsync(r => 0, cancellationToken);
    }

    /// <summary>Which of these SKUs exist.</summary>
    public static Task<IReadOnlySet<string>> ExistingSkusAsync(this IStockWrite write, IReadOnlyCollection<string> skus, CancellationToken cancellationToken) =>
        write.ExistingAsync("items", "sku", skus, cancellationToken);

    /// <summary>Which of these locations exist.</summary>
    public static Task<IReadOnlySet<string>> ExistingLocationsAsync(this IStockWrite write, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        write.ExistingAsync("locations", "id", ids, cancellationToken);

    private static async Task<IReadOnlySet<string>> ExistingAsync(this IStockWrite write, string table, string column, IReadOnlyCollection<string> values,
        CancellationToken cancellationToken)
    {
        if (values.Count == 0)
        {
            return new HashSet<string>();
        }

        await using var command = write.Command($"SELECT {column} FROM {table} WHERE {column} IN ({write.Dialect.TextList("@values")})");
        write.Dialect.BindTextList(command, "@values", values);
        return (await command.ListAsync(r => r.GetString(0), cancellationToken)).ToHashSet(StringComparer.Ordinal);
    }

    public static async Task UpsertItemAsync(this IStockWrite write, Item item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(item);
        write.CatalogChanged();
        await using var command = write.Command($"""
            INSERT INTO items ({CatalogRows.ItemColumns})
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
        await write.ExecuteAsync(command, cancellationToken);
    }

    public static async Task UpsertLocationAsync(this IStockWrite write, Location location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(location);
        write.CatalogChanged();
        await using var command = write.Command($"""
            INSERT INTO locations ({CatalogRows.LocationColumns})
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
        await write.ExecuteAsync(command, cancellationToken);
    }

    public static async Task UpsertGroupAsync(this IStockWrite write, DistributionGroup group, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(group);
        write.CatalogChanged();
        await using (var command = write.Command("""
            INSERT INTO distribution_groups (id, name, created_at, updated_at) VALUES (@id, @name, @createdAt, @updatedAt)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
            """).With("@id", group.Id).With("@name", group.Name).With("@createdAt", group.CreatedAt).With("@updatedAt", group.UpdatedAt))
        {
            await write.ExecuteAsync(command, cancellationToken);
        }

        await using (var command = write.Command("DELETE FROM group_locations WHERE group_id = @id").With("@id", group.Id))
        {
            await write.ExecuteAsync(command, cancellationToken);
        }

        if (group.Locations.Count > 0)
        {
            await using var command = write.Command($"INSERT INTO group_locations (group_id, location_id) SELECT @id, value FROM ({write.Dialect.TextList("@locations")}) l")
                .With("@id", group.Id);
            write.Dialect.BindTextList(command, "@locations", group.Locations);
            await write.ExecuteAsync(command, cancellationToken);
        }
    }

    /// <summary>
    /// Creates or replaces a channel. Its intake secret is set to <paramref name="intakeSecret"/>
    /// (null clears it) unless <paramref name="keepIntakeSecret"/>, when the one it has stays.
    /// </summary>
    public static async Task UpsertChannelAsync(this IStockWrite write, Channel channel, bool keepIntakeSecret, string? intakeSecret,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(channel);
        write.CatalogChanged();
        var secretUpdate = keepIntakeSecret ? "" : ", intake_secret = excluded.intake_secret";
        // A new channel publishes from the ledger's head on: it starts with nothing to catch up on.
        await using var command = write.Command($"""
            INSERT INTO channels ({CatalogRows.ChannelColumns}, intake_secret)
            VALUES (@id, @name, @group, @percent, @units, @ttl, @createdAt, @updatedAt, @publishEvery, @unknownSkus, @secret)
            ON CONFLICT (id) DO UPDATE SET
                name = excluded.name, group_id = excluded.group_id, buffer_percent = excluded.buffer_percent,
                buffer_units = excluded.buffer_units, reservation_ttl_seconds = excluded.reservation_ttl_seconds,
                updated_at = excluded.updated_at, publish_every_seconds = excluded.publish_every_seconds,
                intake_unknown_skus = excluded.intake_unknown_skus{secretUpdate};
            INSERT INTO channel_publishing (channel_id, through, next_due_at)
            SELECT @id, sequence, @updatedAt FROM ledger_head WHERE id = 1
            ON CONFLICT (channel_id) DO NOTHING
            """).With("@publishEvery", channel.PublishEverySeconds)
            .With("@id", channel.Id).With("@name", channel.Name).With("@group", channel.Group)
            .With("@percent", channel.Buffer?.Percent).With("@units", channel.Buffer?.Units)
            .With("@ttl", channel.ReservationTtlSeconds).With("@unknownSkus", Sql.Text(channel.IntakeUnknownSkus))
            .With("@createdAt", channel.CreatedAt).With("@updatedAt", channel.UpdatedAt)
            .With("@secret", keepIntakeSecret ? null : intakeSecret);
        await write.ExecuteAsync(command, cancellationToken);
    }
}

public enum CatalogTable
{
    Items,
    Locations,
    Groups,
    Channels,
}
