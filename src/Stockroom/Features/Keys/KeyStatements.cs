using System.Data.Common;
using Stockroom.Storage;

namespace Stockroom.Features.Keys;

/// <summary>API keys created through the API, kept by the SHA-256 digest of their secret.</summary>
public static class KeyStatements
{
    private const string Columns = "id, name, key_hash, prefix, scopes, channel_id, created_at, revoked_at, request_hash";

    private static (StoredApiKey Key, string RequestHash) Read(DbDataReader r) => (
        new StoredApiKey(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
            r.GetString(4).Split(' ', StringSplitOptions.RemoveEmptyEntries), r.IsDBNull(5) ? null : r.GetString(5),
            r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7)),
        r.GetString(8));

    public static async Task InsertApiKeyAsync(this IStockWrite write, StoredApiKey key, string requestHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(key);
        await write.InsertRowsAsync("api_keys", Columns,
            [[key.Id, key.Name, key.KeyHash, key.Prefix, string.Join(' ', key.Scopes), key.Channel, key.CreatedAt, key.RevokedAt, requestHash]], cancellationToken);
    }

    /// <summary>Revokes the key; false when there is none in force with this id.</summary>
    public static async Task<bool> RevokeApiKeyAsync(this IStockWrite write, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command("UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL").With("@id", id).With("@now", write.Now);
        return await write.ExecuteAsync(command, cancellationToken) == 1;
    }

    public static async Task<(StoredApiKey Key, string RequestHash)?> GetApiKeyAsync(this IStockStore store, string id, CancellationToken cancellationToken) =>
        (await store.QueryAsync($"SELECT {Columns} FROM api_keys WHERE id = @id", c => c.With("@id", id), Read, cancellationToken))
        .Select(k => ((StoredApiKey, string)?)k).SingleOrDefault();

    /// <summary>The unrevoked key whose secret has this SHA-256 digest (lower-case hex), if any.</summary>
    public static async Task<StoredApiKey?> FindApiKeyByHashAsync(this IStockStore store, string keyHash, CancellationToken cancellationToken) =>
        (await store.QueryAsync($"SELECT {Columns} FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL",
            c => c.With("@hash", keyHash), Read, cancellationToken)).Select(k => k.Key).SingleOrDefault();

    public static async Task<IReadOnlyList<StoredApiKey>> ListApiKeysAsync(this IStockStore store, CancellationToken cancellationToken,
        string? after = null, int limit = int.MaxValue) =>
        [.. (await store.QueryAsync($"SELECT {Columns} FROM api_keys WHERE id > @after ORDER BY id LIMIT @limit",
            c => c.With("@after", after ?? "").With("@limit", limit), Read, cancellationToken)).Select(k => k.Key)];

    /// <summary>Whether any key created through the API is still in force: if so, Stockroom is not open.</summary>
    public static async Task<bool> AnyActiveApiKeyAsync(this IStockStore store, CancellationToken cancellationToken) =>
        (await store.QueryAsync("SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1", _ => { }, r => r.GetInt32(0), cancellationToken)).Count > 0;
}
