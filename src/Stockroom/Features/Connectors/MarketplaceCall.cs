using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Stockroom.Features.Connectors;

/// <summary>A marketplace's answer, read whole: its status, headers and body.</summary>
internal sealed record MarketplaceAnswer(int Status, HttpResponseHeaders Headers, string Body)
{
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>The first value of a response header, or null.</summary>
    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>
/// What the pushers and the order pollers share: one request sent with its answer read within a bound,
/// and the answers every marketplace gives the same meaning (429 is a throttle, 5xx is retried, any other
/// refusal waits for an operator with the marketplace's own body kept).
/// </summary>
internal static class MarketplaceCall
{
    /// <summary>A marketplace answer longer than this is not read: no documented answer to an inventory request comes near it.</summary>
    public const int AnswerBytesMax = 1 << 20;

    /// <summary>A page of polled orders is read up to this: a full page of Walmart's 200 orders stays well within it.</summary>
    public const int OrderPageBytesMax = 16 << 20;

    /// <summary>A Retry-After further away than this is taken as this: the worker asks again rather than sleep for days.</summary>
    public static readonly TimeSpan WaitMax = TimeSpan.FromHours(1);

    /// <summary>
    /// Sends <paramref name="request"/> and reads the whole answer. A connection failure, a timeout or an
    /// answer over <paramref name="answerBytesMax"/> (<see cref="AnswerBytesMax"/> unless given) comes back
    /// as a retryable failure instead; cancellation throws.
    /// </summary>
    public static async Task<(MarketplaceAnswer? Answer, PushOutcome? Failure)> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken,
        int answerBytesMax = AnswerBytesMax)
    {
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            await response.Content.LoadIntoBufferAsync(answerBytesMax, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return (new MarketplaceAnswer((int)response.StatusCode, response.Headers, body), null);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, new PushOutcome.Failed(Retryable: true, Status: null, Truncate(exception.Message)));
        }
    }

    /// <summary>
    /// The outcome of an answer that did not succeed: 429 is a throttle (the answer's Retry-After, else
    /// <paramref name="throttleWait"/>), 408 and 5xx are retried, anything else is the marketplace's refusal.
    /// </summary>
    public static PushOutcome Refusal(MarketplaceAnswer answer, TimeSpan throttleWait, DateTimeOffset now)
    {
        if (answer.Status == 429)
        {
            return new PushOutcome.Throttled(RetryAfter(answer, now) ?? throttleWait);
        }

        var retryable = answer.Status is 408 or >= 500;
        return new PushOutcome.Failed(retryable, answer.Status, Truncate(answer.Body));
    }

    /// <summary>The answer's Retry-After (seconds or a date), within 0 and <see cref="WaitMax"/>, or null when it has none.</summary>
    public static TimeSpan? RetryAfter(MarketplaceAnswer answer, DateTimeOffset now)
    {
        var retryAfter = answer.Headers.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        return wait is { } value ? Clamp(value) : null;
    }

    public static TimeSpan Clamp(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > WaitMax ? WaitMax : wait;

    public static string Truncate(string body) =>
        body.Length <= PushOutcome.Failed.BodyLengthMax ? body : body[..PushOutcome.Failed.BodyLengthMax];

    /// <summary>The base URL with the marketplace's path appended, whatever the operator wrote at the end of it.</summary>
    public static Uri Endpoint(Uri baseUrl, string pathAndQuery) =>
        new(baseUrl.ToString().TrimEnd('/') + pathAndQuery, UriKind.Absolute);

    /// <summary>An OAuth token answer's <c>access_token</c> and <c>expires_in</c> (seconds; one hour when absent, as Amazon documents).</summary>
    internal static (string? Token, long ExpiresIn) ReadToken(MarketplaceAnswer answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(token.GetString()))
            {
                return (null, 0);
            }

            var expiresIn = root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number && expires.TryGetInt64(out var seconds)
                ? seconds
                : 3600;
            return (token.GetString(), expiresIn);
        }
        catch (JsonException)
        {
            return (null, 0);
        }
    }

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A JSON body, or null when it is not JSON.</summary>
    public static JsonElement? Json(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A time as the marketplaces take it in a query: ISO 8601, UTC, to the millisecond.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The first <paramref name="length"/> characters of a body, for a message that quotes it.</summary>
    public static string Quote(string body, int length = 500) => body.Length <= length ? body : body[..length];
}

/// <summary>
/// Access tokens a marketplace hands out for a while (Login with Amazon, Walmart's client credentials,
/// Google's service accounts), kept per connector and credential until shortly before they lapse, so a
/// push or a poll does not cost a token request each time. One cache serves a process's pushers and
/// order pollers alike, so that pushing to and polling one connector share its token. The key holds a
/// hash of the secret, so a changed secret fetches a new token.
/// </summary>
public sealed class AccessTokenCache(TimeProvider time)
{
    /// <summary>How long before its stated expiry a token is no longer used: a request started with it must still arrive in time.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset UsableUntil)> _tokens = new(StringComparer.Ordinal);

    public static string Key(string channel, string endpoint, string clientId, string secret) =>
        string.Join('\n', channel, endpoint, clientId, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret))));

    public string? Get(string key) =>
        _tokens.TryGetValue(key, out var entry) && time.GetUtcNow() < entry.UsableUntil ? entry.Token : null;

    public void Put(string key, string token, long expiresInSeconds)
    {
        // A token granted for less than twice the margin is used for half its life instead.
        var life = TimeSpan.FromSeconds(Math.Max(0, expiresInSeconds));
        var usable = life > Margin * 2 ? life - Margin : life / 2;
        _tokens[key] = (token, time.GetUtcNow() + usable);
    }

    /// <summary>Forgets a token the marketplace no longer takes (revoked before its time).</summary>
    public void Forget(string key) => _tokens.TryRemove(key, out _);
}
