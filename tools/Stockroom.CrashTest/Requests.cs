using System.Net;
using System.Text;
using System.Text.Json;

namespace Stockroom.CrashTest;

/// <summary>
/// One write as the client sent it: method, path and the exact body bytes, so that a retry is the
/// same request under the same id. <see cref="OnAnswer"/> records what an answer means for the
/// client's model; it runs once, for the first answer.
/// </summary>
public sealed class Request(string kind, HttpMethod method, string path, object? body, Action<HttpStatusCode, JsonElement?> onAnswer)
{
    public string Kind { get; } = kind;

    public HttpMethod Method { get; } = method;

    public string Path { get; } = path;

    public string? Body { get; } = body is null ? null : JsonSerializer.Serialize(body, JsonOptions);

    public Action<HttpStatusCode, JsonElement?> OnAnswer { get; } = onAnswer;

    /// <summary>Attempts so far, the first included.</summary>
    public int Attempts { get; set; }

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public override string ToString() => $"{Method} {Path} {Body}";
}

/// <summary>How one attempt at a call ended.</summary>
public enum Outcome
{
    /// <summary>An answer that settles the request: 2xx, or a 4xx refusal that changed nothing.</summary>
    Answered,

    /// <summary>No answer: the connection broke, the request timed out, or the server answered 5xx.</summary>
    Unanswered,
}

/// <summary>Sends calls and reads answers; counts what happened.</summary>
public sealed class ApiClient : IDisposable
{
    /// <summary>A request without an answer by then counts as unanswered and is retried.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        // A killed server leaves dead pooled connections behind; never reuse one for long.
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    private long _serverErrors;

    public Uri BaseAddress { get; set; } = new("http://127.0.0.1:1");

    /// <summary>5xx answers seen: each one is retried like a lost answer.</summary>
    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    /// <summary>One attempt. On an answer, the call's <see cref="Request.OnAnswer"/> runs before this returns.</summary>
    public async Task<Outcome> TryAsync(Request call, CancellationToken cancellationToken)
    {
        call.Attempts++;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(call.Method, new Uri(BaseAddress, call.Path));
            if (call.Body is not null)
            {
                request.Content = new StringContent(call.Body, Encoding.UTF8, "application/json");
            }

            using var response = await _http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if ((int)response.StatusCode >= 500)
            {
                Interlocked.Increment(ref _serverErrors);
                return Outcome.Unanswered;
            }

            JsonElement? json = text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true
                ? JsonDocument.Parse(text).RootElement.Clone()
                : null;
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.MethodNotAllowed)
            {
                // The harness sends only valid requests: a validation refusal is the harness's bug or the server's.
                throw new CrashCheckException($"{call} was refused as invalid ({(int)response.StatusCode}): {text}");
            }

            call.OnAnswer(response.StatusCode, json);
            return Outcome.Answered;
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return Outcome.Unanswered;
        }
    }

    /// <summary>A read that must succeed now: the checks run against a server that is up.</summary>
    public async Task<JsonElement?> GetAsync(string path, CancellationToken cancellationToken, bool allowNotFound = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            try
            {
                using var response = await _http.GetAsync(new Uri(BaseAddress, path), timeout.Token);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                if (response.StatusCode == HttpStatusCode.NotFound && allowNotFound)
                {
                    return null;
                }

                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return JsonDocument.Parse(text).RootElement.Clone();
                }

                if (attempt >= 3 || (int)response.StatusCode < 500)
                {
                    throw new CrashCheckException($"GET {path} answered {(int)response.StatusCode}: {text}");
                }
            }
            catch (Exception exception) when (attempt < 3 && (exception is HttpRequestException
                || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested)))
            {
                // A read right after a restart may meet a connection the old process left; try again.
            }

            await Task.Delay(200 * attempt, cancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();
}
