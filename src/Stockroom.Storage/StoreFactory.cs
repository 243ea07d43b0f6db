using Stockroom.Storage.Postgres;
using Stockroom.Storage.Sqlite;

namespace Stockroom.Storage;

public static class StoreFactory
{
    public const string DefaultConnectionString = "Data Source=stockroom.db";

    /// <summary>
    /// Picks the store by the connection string's form: <c>Host=…</c> is PostgreSQL,
    /// <c>Data Source=…</c> (or nothing) is SQLite. The reactions are what every commit runs, in
    /// order (see <see cref="IStockReaction"/>), registered once, here.
    /// </summary>
    public static IStockStore Create(string? connectionString, TimeProvider time, Func<IStockStore, IReadOnlyList<IStockReaction>> reactions)
    {
        ArgumentNullException.ThrowIfNull(reactions);
        var text = string.IsNullOrWhiteSpace(connectionString) ? DefaultConnectionString : connectionString;
        SqlStore store = IsPostgres(text) ? new PostgresStore(text, time) : new SqliteStore(text, time);
        store.React(reactions(store));
        return store;
    }

    public static bool IsPostgres(string connectionString)
    {
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var key = part.Split('=', 2)[0].Trim();
            if (key.Equals("Host", StringComparison.OrdinalIgnoreCase) || key.Equals("Server", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
