namespace Stockroom.Client;

/// <summary>
/// Sends a call again when the server asked to wait (429, 503 with <c>Retry-After</c>) or the
/// connection failed. Only for calls that are safe to repeat: reads, and writes that carry their
/// id — a reservation, an order, an adjustment or a transfer sent again with the same id and body
/// answers the first result, so a request whose answer was lost is sent again without holding twice.
/// </summary>
public static class StockroomRetry
{
    /// <summary>The longest wait between attempts, unless the caller gives another.</summary>
    public static readonly TimeSpan WaitMaxDefault = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <paramref name="call"/> up to <paramref name="attemptsMax"/> times. A refusal other than
    /// 429 or 503, or one that asks to wait longer than <paramref name="waitMax"/>, is thrown at once.
    /// </summary>
    public static async Task<T> IdempotentAsync<T>(Func<CancellationToken, Task<T>> call, int attemptsMax = 3, TimeSpan? waitMax = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentOutOfRangeException.ThrowIfLessThan(attemptsMax, 1);
        var cap = waitMax ?? WaitMaxDefault;
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan wait;
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (StockroomProblemException problem) when (attempt < attemptsMax && problem.Status is 429 or 503 && (problem.RetryAfter ?? TimeSpan.FromSeconds(1)) <= cap)
            {
                wait = problem.RetryAfter ?? TimeSpan.FromSeconds(1);
            }
            catch (HttpRequestException) when (attempt < attemptsMax && !cancellationToken.IsCancellationRequested)
            {
                // No answer came, so whether the server applied the request is unknown; the same id makes sending it again safe.
                wait = TimeSpan.FromMilliseconds(Math.Min(cap.TotalMilliseconds, 250 * Math.Pow(2, attempt - 1)));
            }

            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }
}
