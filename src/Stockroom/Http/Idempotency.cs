using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Storage;

namespace Stockroom.Http;

/// <summary>The result of an idempotent write: done now, replayed from the first time, or refused.</summary>
public abstract record IdempotentOutcome<TResponse>
{
    private IdempotentOutcome()
    {
    }

    public sealed record Done(TResponse Response, bool Replayed) : IdempotentOutcome<TResponse>;

    public sealed record Clash : IdempotentOutcome<TResponse>;

    /// <summary>Refused by the work itself; nothing was written and the id stays free.</summary>
    public sealed record Refused(Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem) : IdempotentOutcome<TResponse>;
}

/// <summary>
/// Runs a write at most once per (scope, id). The same request again gets the first answer; a
/// different request under the same id is a clash. Refusals are not remembered: a request
/// refused for want of stock may be retried under its id once stock arrives.
/// </summary>
public static class Idempotency
{
    /// <summary>A digest of the request as parsed, so that whitespace and key order do not matter.</summary>
    public static string Hash<TRequest>(TRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(StockroomJson.Serialize(request))));

    /// <summary>The HTTP answer to an outcome: 200 with the (first) response, the refusal, or a clash.</summary>
    public static Results<Ok<TResponse>, ProblemHttpResult> ToResult<TResponse>(IdempotentOutcome<TResponse> outcome, string key, HttpResponse httpResponse)
    {
        ArgumentNullException.ThrowIfNull(httpResponse);
        switch (outcome)
        {
            case IdempotentOutcome<TResponse>.Done done:
                httpResponse.Headers["Idempotent-Replayed"] = done.Replayed ? "true" : "false";
                return TypedResults.Ok(done.Response);
            case IdempotentOutcome<TResponse>.Refused refused:
                return refused.Problem;
            default:
                return Problems.IdempotencyClash(key);
        }
    }

    public static async Task<IdempotentOutcome<TResponse>> RunAsync<TResponse>(
        IStockStore store,
        string scope,
        string key,
        string requestHash,
        Func<IStockWrite, Task<(TResponse? Response, Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Problem)>> work,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(work);
        // A concurrent request with the same id may win the insert of the idempotency row; the
        // loser runs again and then finds the winner's answer.
        return await Writes.RetryAsync<IdempotentOutcome<TResponse>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            if (await write.FindIdempotencyAsync(scope, key, cancellationToken) is { } seen)
            {
                return Replay(seen);
            }

            var (response, problem) = await work(write);
            if (problem is not null)
            {
                // A concurrent request with the same id may have committed while this one waited
                // for the locks the work takes, and left the state this refusal was decided from
                // (a shipped order, a received transfer): its answer is this one's too.
                return await write.FindIdempotencyAsync(scope, key, cancellationToken) is { } winner
                    ? Replay(winner)
                    : new IdempotentOutcome<TResponse>.Refused(problem);
            }

            await write.SaveIdempotencyAsync(
                new IdempotencyRecord(scope, key, requestHash, StatusCodes.Status200OK, StockroomJson.Serialize(response), write.Now),
                cancellationToken);
            await write.CommitAsync(cancellationToken);
            return new IdempotentOutcome<TResponse>.Done(response!, Replayed: false);
        });

        IdempotentOutcome<TResponse> Replay(IdempotencyRecord seen) => seen.RequestHash == requestHash
            ? new IdempotentOutcome<TResponse>.Done(JsonSerializer.Deserialize<TResponse>(seen.Response, StockroomJson.Options)!, Replayed: true)
            : new IdempotentOutcome<TResponse>.Clash();
    }
}
