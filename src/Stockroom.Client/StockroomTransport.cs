using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stockroom.Client;

/// <summary>A page of a list and the cursor to the next one (null on the last page).</summary>
/// <param name="Data">The elements of this page, in the list's order.</param>
/// <param name="Next">An opaque cursor: pass it back as <c>after</c> for the next page; null when there is none.</param>
public sealed record Page<T>(IReadOnlyList<T> Data, string? Next);

/// <summary>A value and the entity tag the server answered it with, to send back as <c>If-Match</c>.</summary>
internal readonly record struct Tagged<T>(T Value, string? ETag);

/// <summary>
/// Sends requests and reads answers: JSON in and out, the API key on each request, and every
/// answer that is not a success turned into the exception its problem details call for.
/// </summary>
/// <remarks>
/// Awaits use <c>ConfigureAwait(false)</c>: the client is a library, and may be called from an
/// application with a synchronization context (a desktop UI) that must not be waited on.
/// </remarks>
internal sealed class StockroomTransport(HttpClient http, string? apiKey)
{
    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // The server refuses a field it does not know, and reads a field left out as "not given".
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        (await SendAsync<T>(HttpMethod.Get, path, body: null, ifMatch: null, idempotencyKey: null, cancellationToken).ConfigureAwait(false)).Value;

    public async Task<Tagged<T>> GetTaggedAsync<T>(string path, CancellationToken cancellationToken) =>
        await SendAsync<T>(HttpMethod.Get, path, body: null, ifMatch: null, idempotencyKey: null, cancellationToken).ConfigureAwait(false);

    public async Task<Tagged<T>> SendAsync<T>(HttpMethod method, string path, object? body, string? ifMatch, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, ifMatch, idempotencyKey, cancellationToken).ConfigureAwait(false);
        var value = await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException($"{method} {path} answered {(int)response.StatusCode} with no body.");
        return new Tagged<T>(value, response.Headers.ETag?.ToString());
    }

    /// <summary>Sends a request whose answer has no body worth reading (204).</summary>
    public async Task SendAsync(HttpMethod method, string path, string? ifMatch, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body: null, ifMatch, idempotencyKey: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a page. Lists answer <c>{ "data": [...], "next": "…" }</c>; <paramref name="listField"/>
    /// names the field an older server answered the list in instead (<c>events</c>, <c>rules</c>…),
    /// read when there is no <c>data</c>. <c>next</c> is a cursor string, or a number on an older
    /// server; either way it is handed back as it came.
    /// </summary>
    public async Task<Page<T>> GetPageAsync<T>(string path, string? listField, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpMethod.Get, path, body: null, ifMatch: null, idempotencyKey: null, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return ReadPage<T>(document.RootElement, listField, path);
        }
    }

    public async Task<Page<T>> PostForPageAsync<T>(string path, object body, string? listField, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpMethod.Post, path, body, ifMatch: null, idempotencyKey: null, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return ReadPage<T>(document.RootElement, listField, path);
        }
    }

    /// <summary>
    /// Follows a <c>text/event-stream</c> answer, reading each event's data as <typeparamref name="T"/>,
    /// until the server ends the stream or <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async IAsyncEnumerable<T> StreamAsync<T>(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpMethod.Get, path, body: null, ifMatch: null, idempotencyKey: null, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var parser = SseParser.Create(stream, (_, data) => JsonSerializer.Deserialize<T>(data, Json)!);
            await foreach (var item in parser.EnumerateAsync(cancellationToken).ConfigureAwait(false))
            {
                if (item.Data is { } value)
                {
                    yield return value;
                }
            }
        }
    }

    internal static Page<T> ReadPage<T>(JsonElement root, string? listField, string path)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !(root.TryGetProperty("data", out var list) || (listField is not null && root.TryGetProperty(listField, out list)))
            || list.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException($"{path} answered no list: expected {{ \"data\": [...] }}.");
        }

        var data = list.Deserialize<List<T>>(Json) ?? [];
        var next = root.TryGetProperty("next", out var cursor)
            ? cursor.ValueKind switch
            {
                JsonValueKind.String => cursor.GetString(),
                JsonValueKind.Number => cursor.GetRawText(),
                _ => null,
            }
            : null;
        return new Page<T>(data, string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>
    /// Every element of a list from <paramref name="after"/> on, a page at a time. A server that
    /// hands back the cursor it was given would page forever; that is refused rather than followed.
    /// </summary>
    public static async IAsyncEnumerable<T> ListAsync<T>(Func<string?, CancellationToken, Task<Page<T>>> page, string? after,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = after;
        while (true)
        {
            var current = await page(cursor, cancellationToken).ConfigureAwait(false);
            foreach (var element in current.Data)
            {
                yield return element;
            }

            if (current.Next is null)
            {
                yield break;
            }

            if (string.Equals(current.Next, cursor, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The server answered the cursor it was given ('{cursor}') as the next one; paging stops here.");
            }

            cursor = current.Next;
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, string? ifMatch, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        if (ifMatch is not null)
        {
            // Entity tags are sent back exactly as the server gave them, weak or strong.
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            // Serialized here, once, so that the body is the same bytes however often the request is sent.
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } },
            };
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ProblemAsync(method, path, response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a refusal's problem details (or whatever else came back) into the exception for its kind.</summary>
    private static async Task<StockroomProblemException> ProblemAsync(HttpMethod method, string path, HttpResponseMessage response,
        CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        StockroomProblem? problem = null;
        if (text.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                problem = StockroomProblem.From(document.RootElement, status);
            }
            catch (JsonException)
            {
                // Not problem details: a proxy's error page, say. It is reported below as it came.
            }
        }

        problem ??= new StockroomProblem
        {
            Type = "about:blank",
            Status = status,
            Title = response.ReasonPhrase ?? ((HttpStatusCode)status).ToString(),
            Detail = $"{method} {path} answered {status} without problem details{(text.Length > 0 ? ": " + Truncate(text, 500) : ".")}",
        };
        return StockroomProblemException.Create(problem, response.Headers, response.Content.Headers);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length), "…");
}

/// <summary>Paths and query strings, with every caller-given part escaped.</summary>
internal static class Paths
{
    public static string Of(string root, params ReadOnlySpan<string> segments)
    {
        var path = new StringBuilder(root);
        foreach (var segment in segments)
        {
            ArgumentException.ThrowIfNullOrEmpty(segment);
            path.Append('/').Append(Uri.EscapeDataString(segment));
        }

        return path.ToString();
    }

    public static string Query(string path, params ReadOnlySpan<(string Name, string? Value)> parameters)
    {
        var query = new StringBuilder(path);
        var separator = '?';
        foreach (var (name, value) in parameters)
        {
            if (value is not null)
            {
                query.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        return query.ToString();
    }

    public static string? Text(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    public static string? Text(DateOnly? value) => value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string? Text(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>An enum member as the server spells it: its name in camelCase.</summary>
    public static string? Member<TEnum>(TEnum? value) where TEnum : struct, Enum =>
        value is { } member ? JsonNamingPolicy.CamelCase.ConvertName(member.ToString()) : null;
}
