using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;
using Stockroom.Storage;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// The two dialects' migrations build the same schema: the same tables, the same columns (by name,
/// and whether they admit NULL; types differ by dialect), the same primary keys and unique
/// constraints (by table and columns, since each engine names their indexes its own way) and the
/// same indexes (by name, table, columns, uniqueness and whether they are partial).
/// </summary>
public sealed partial class SchemaTests
{
    /// <summary>
    /// What differs on purpose, as the line of the one side that has it. Each must still differ:
    /// an exception the migrations no longer need fails the test until it is taken off this list.
    /// </summary>
    private static readonly (string Line, string Why)[] Intentional =
    [
        // Migration 0003: an identity column orders holds made in the same instant; SQLite's rowid does that there.
        ("postgres: column reservations.arrival not null", "SQLite orders by rowid"),
        // A TEXT PRIMARY KEY of a rowid table admits NULL in SQLite (a documented legacy quirk of the engine);
        // PostgreSQL makes every primary key column NOT NULL. The application always sends these ids.
        ("sqlite: column api_keys.id null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("sqlite: column availability_changes.sku null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("sqlite: column channel_publishing.channel_id null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("sqlite: column orders.id null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("sqlite: column reservations.id null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("sqlite: column webhooks.id null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("postgres: column api_keys.id not null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("postgres: column availability_changes.sku not null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("postgres: column channel_publishing.channel_id not null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("postgres: column orders.id not null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("postgres: column reservations.id not null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
        ("postgres: column webhooks.id not null", "SQLite legacy: non-INTEGER primary key of a rowid table"),
    ];

    [Fact]
    public async Task Sqlite_and_postgres_migrations_build_the_same_tables_columns_keys_and_indexes()
    {
        var sqlite = $"Data Source={Path.Combine(Path.GetTempPath(), $"stockroom-schema-{Guid.NewGuid():N}.db")}";
        var postgres = await PostgresServer.CreateDatabaseAsync();
        await MigrateAsync(sqlite);
        await MigrateAsync(postgres);

        var sqliteSchema = await SqliteSchemaAsync(sqlite);
        var postgresSchema = await PostgresSchemaAsync(postgres);
        Assert.Contains("table reservations", sqliteSchema);
        Assert.Contains("index positions_by_location on positions (location_id, sku)", postgresSchema);

        var differences = sqliteSchema.Except(postgresSchema).Select(line => $"sqlite: {line}")
            .Concat(postgresSchema.Except(sqliteSchema).Select(line => $"postgres: {line}"))
            .Order(StringComparer.Ordinal).ToList();
        var intentional = Intentional.Select(e => e.Line).ToHashSet();
        var unexpected = differences.Where(d => !intentional.Contains(d)).ToList();
        var stale = intentional.Where(e => !differences.Contains(e)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unexpected.Count == 0, $"Only one dialect's migrations have:\n{string.Join('\n', unexpected)}");
        Assert.True(stale.Count == 0, $"No longer differs; take off the list of intentional differences:\n{string.Join('\n', stale)}");
    }

    private static async Task MigrateAsync(string connectionString)
    {
        await using var store = Stores.Open(connectionString, TimeProvider.System);
        await store.MigrateAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The schema as lines, from <c>sqlite_master</c> and the table and index pragmas; SQLite's own tables and autoindexes left out.</summary>
    private static async Task<HashSet<string>> SqliteSchemaAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        const string Tables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
        var schema = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in await ReadAsync(connection, Tables, r => r.GetString(0)))
        {
            schema.Add($"table {table}");
        }

        // pk is the column's place in the primary key (0 if not in it). An INTEGER PRIMARY KEY is the
        // rowid, which is never NULL whatever notnull says.
        var columns = await ReadAsync(connection,
            $"""
            SELECT m.name, c.name, c."notnull", c.pk, upper(c.type),
                   (SELECT count(*) FROM pragma_table_info(m.name) k WHERE k.pk > 0)
            FROM ({Tables}) m JOIN pragma_table_info(m.name) c
            """,
            r => (Table: r.GetString(0), Column: r.GetString(1), NotNull: r.GetInt64(2) == 1, Key: r.GetInt32(3), Type: r.GetString(4), KeyColumns: r.GetInt64(5)));
        foreach (var c in columns)
        {
            var notNull = c.NotNull || (c.Key == 1 && c.KeyColumns == 1 && c.Type == "INTEGER");
            schema.Add($"column {c.Table}.{c.Column} {(notNull ? "not null" : "null")}");
        }

        foreach (var key in columns.Where(c => c.Key > 0).GroupBy(c => c.Table))
        {
            schema.Add($"primary key {key.Key} ({string.Join(", ", key.OrderBy(c => c.Key).Select(c => c.Column))})");
        }

        // origin: 'c' an index made by CREATE INDEX, 'u' a UNIQUE constraint, 'pk' the primary key.
        var indexes = await ReadAsync(connection,
            $"""
            SELECT m.name, i.name, i."unique", i.origin, i.partial,
                   (SELECT group_concat(name, ', ') FROM (SELECT x.name FROM pragma_index_info(i.name) x ORDER BY x.seqno))
            FROM ({Tables}) m JOIN pragma_index_list(m.name) i
            WHERE i.origin IN ('c', 'u')
            """,
            r => (Table: r.GetString(0), Name: r.GetString(1), Unique: r.GetInt64(2) == 1, Origin: r.GetString(3), Partial: r.GetInt64(4) == 1, Columns: r.GetString(5)));
        foreach (var i in indexes)
        {
            schema.Add(i.Origin == "u" ? $"unique {i.Table} ({i.Columns})" : IndexLine(i.Name, i.Table, i.Columns, i.Unique, i.Partial));
        }

        return schema;
    }

    /// <summary>The schema as lines, from <c>information_schema</c> and <c>pg_indexes</c>; the indexes behind constraints are compared as the constraints.</summary>
    private static async Task<HashSet<string>> PostgresSchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var schema = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in await ReadAsync(connection,
                     "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", r => r.GetString(0)))
        {
            schema.Add($"table {table}");
        }

        foreach (var (table, column, nullable) in await ReadAsync(connection,
                     """
                     SELECT c.table_name, c.column_name, c.is_nullable
                     FROM information_schema.columns c
                     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
                     WHERE c.table_schema = 'public'
                     """,
                     r => (r.GetString(0), r.GetString(1), r.GetString(2) == "YES")))
        {
            schema.Add($"column {table}.{column} {(nullable ? "null" : "not null")}");
        }

        foreach (var (table, type, columns) in await ReadAsync(connection,
                     """
                     SELECT tc.table_name, tc.constraint_type, string_agg(k.column_name, ', ' ORDER BY k.ordinal_position)
                     FROM information_schema.table_constraints tc
                     JOIN information_schema.key_column_usage k
                       ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name
                     WHERE tc.table_schema = 'public' AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
                     GROUP BY tc.table_name, tc.constraint_name, tc.constraint_type
                     """,
                     r => (r.GetString(0), r.GetString(1), r.GetString(2))))
        {
            schema.Add($"{(type == "UNIQUE" ? "unique" : "primary key")} {table} ({columns})");
        }

        foreach (var (table, name, definition) in await ReadAsync(connection,
                     """
                     SELECT tablename, indexname, indexdef FROM pg_indexes
                     WHERE schemaname = 'public'
                       AND indexname NOT IN (SELECT constraint_name FROM information_schema.table_constraints WHERE table_schema = 'public')
                     """,
                     r => (r.GetString(0), r.GetString(1), r.GetString(2))))
        {
            // e.g. CREATE UNIQUE INDEX name ON public.table USING btree (a, b) WHERE (...)
            var parts = IndexDefinition().Match(definition);
            Assert.True(parts.Success, definition);
            schema.Add(IndexLine(name, table, parts.Groups["columns"].Value, definition.StartsWith("CREATE UNIQUE", StringComparison.Ordinal),
                parts.Groups["where"].Success));
        }

        return schema;
    }

    private static string IndexLine(string name, string table, string columns, bool unique, bool partial) =>
        $"{(unique ? "unique " : "")}index {name} on {table} ({columns}){(partial ? " partial" : "")}";

    [GeneratedRegex(@" USING \w+ \((?<columns>[^()]*)\)(?<where> WHERE .*)?$")]
    private static partial Regex IndexDefinition();

    private static async Task<List<T>> ReadAsync<T>(DbConnection connection, string sql, Func<DbDataReader, T> read)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
