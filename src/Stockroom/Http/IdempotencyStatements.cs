using Stockroom.Storage;

namespace Stockroom.Http;

/// <summary>The stored answer to an idempotent write, replayed when the same request comes again.</summary>
public sealed record IdempotencyRecord(string Scope, string Key, string RequestHash, int StatusCode, string Response, DateTimeOffset CreatedAt);

/// <summary>Answers kept by (scope, key), written in the transaction that made them.</summary>
public static class IdempotencyStatements
{
    public static async Task<IdempotencyRecord?> FindIdempotencyAsync(this IStockWrite write, string scope, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var command = write.Command("SELECT request_hash, status_code, response, created_at FROM idempotency_keys WHERE scope = @scope AND key = @key")
            .With("@scope", scope).With("@key", key);
        var rows = await command.ListAsync(
            r => new IdempotencyRecord(scope, key, r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3)), cancellationToken);
        return rows.SingleOrDefault();
    }

    public static async Task SaveIdempotencyAsync(this IStockWrite write, IdempotencyRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(record);
        await using var command = write.Command("""
            INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at)
            VALUES (@scope, @key, @hash, @status, @response, @at)
            """)
            .With("@scope", record.Scope).With("@key", record.Key).With("@hash", record.RequestHash)
            .With("@status", record.StatusCode).With("@response", record.Response).With("@at", record.CreatedAt);
        await write.ExecuteAsync(command, cancellationToken);
    }
}
