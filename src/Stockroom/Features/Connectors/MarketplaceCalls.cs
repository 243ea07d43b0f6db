using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Stockroom.Features.Connectors;

/// <summary>What the order pollers share: reading a marketplace's answer and turning a refusal into a <see cref="PushOutcome"/>.</summary>
internal static class MarketplaceCalls
{
    /// <summary>Marketplace bodies read at most this many bytes; an order page is far smaller.</summary>
    public const int BodyBytesMax = 16 * 1024 * 1024;

    /// <summary>Sends a request; a connection failure or a timeout is a retryable failure, not an exception.</summary>
    public static async Task<(HttpResponseMessage? Response, PushOutcome? Problem)> SendAsync(HttpClient http, HttpRequestMessage request,
        CancellationToken cancellationToken)
    {
        try
        {
            return (await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken), null);
        }
        catch (HttpRequestException exception)
        {
            return (null, new PushOutcome.Failed(true, null, exception.Message));
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, new PushOutcome.Failed(true, null, $"no answer in time: {exception.Message}"));
        }
    }

    /// <summary>The answer's body as text, bounded.</summary>
    public static async Task<string> BodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > BodyBytesMax)
            {
                throw new HttpRequestException($"the marketplace's answer is over {BodyBytesMax} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// The outcome of an answer that is not a success: 429 is throttling (after its <c>Retry-After</c>,
    /// a date counted from <paramref name="now"/>, or <paramref name="defaultWait"/>), a 5xx is retryable, anything else waits for an operator.
    /// </summary>
    public static PushOutcome Refusal(HttpResponseMessage response, string body, TimeSpan defaultWait, DateTimeOffset now)
    {
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return new PushOutcome.Throttled(RetryAfter(response, now) ?? defaultWait);
        }

        return new PushOutcome.Failed((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout, (int)response.StatusCode,
            MarketplaceCall.Truncate(body));
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - now is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

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

    /// <summary>The connector's base URL joined with a path and query, keeping any path the base URL has.</summary>
    public static Uri Url(Uri baseUrl, string pathAndQuery) => new($"{baseUrl.AbsoluteUri.TrimEnd('/')}{pathAndQuery}");
}
