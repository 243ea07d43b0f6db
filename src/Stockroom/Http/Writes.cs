using Stockroom.Storage;

namespace Stockroom.Http;

/// <summary>
/// Runs a write transaction again when it failed for a reason a rerun cures: a concurrent request
/// won a unique key, or the database broke a deadlock between two writers. Every write is one
/// transaction that either committed or left nothing, so running it again is safe.
/// </summary>
public static class Writes
{
    public const int AttemptsMax = 4;

    public static async Task<T> RetryAsync<T>(IStockStore store, Func<Task<T>> write)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(write);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await write();
            }
            catch (Exception exception) when (attempt < AttemptsMax && store.IsTransient(exception))
            {
            }
        }
    }
}
