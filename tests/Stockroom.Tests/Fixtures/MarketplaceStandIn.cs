using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Stockroom.Tests.Fixtures;

/// <summary>One request a stand-in received: method, decoded path, query, headers (lower-case names) and body.</summary>
public sealed record StandInRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, string Body, string? ContentType)
{
    /// <summary>The path's segments, each decoded: Kestrel leaves %2F encoded in <see cref="Path"/>, and a seller SKU may hold a slash.</summary>
    public IReadOnlyList<string> Segments => [.. Path.Split('/').Select(Uri.UnescapeDataString)];
}

/// <summary>An answer a test scripts for the next marketplace call (token requests are not scripted).</summary>
public sealed record StandInAnswer(int Status, string Body, params (string Name, string Value)[] Headers);

/// <summary>
/// A marketplace API on 127.0.0.1, one server for all a connector calls there: its token endpoint, its
/// inventory calls and, where orders are polled, its order calls. Each request is checked against the
/// published request schema (the subclass's <see cref="Check"/>, written from the named documents); one
/// that does not conform is recorded in <see cref="Violations"/> and refused as the marketplace would.
/// A conforming request with credentials the marketplace does not know is answered with its documented
/// authentication failure (<see cref="Unauthorized"/>). Other calls are recorded and answered with the
/// next scripted answer (which changes nothing), or taken: the subclass's <see cref="Apply"/> changes the
/// quantities the marketplace holds, as the marketplace would, and the documented answer is given.
/// </summary>
public abstract class MarketplaceStandIn : IAsyncDisposable
{
    private WebApplication? _app;
    private int _tokensIssued;
    private int _abortNext;
    private int _listCalls;
    private int _throttleNext;

    public ConcurrentQueue<StandInRequest> Calls { get; } = new();

    /// <summary>The quantity the marketplace holds now, per item (the subclass names its items: a seller SKU, a product at a store).</summary>
    public ConcurrentDictionary<string, long> Stock { get; } = new(StringComparer.Ordinal);

    /// <summary>Every quantity taken, in the order the marketplace took them.</summary>
    public ConcurrentQueue<(string Item, long Quantity)> History { get; } = new();

    /// <summary>
    /// Take the next N conforming calls, then cut the connection before answering: the marketplace
    /// changed, and the caller never learns it, as when a push is interrupted mid-request.
    /// </summary>
    public int AbortNext { get => Volatile.Read(ref _abortNext); set => Volatile.Write(ref _abortNext, value); }

    public ConcurrentQueue<string> Violations { get; } = new();

    public ConcurrentQueue<StandInAnswer> Scripted { get; } = new();

    public ConcurrentBag<string> IssuedTokens { get; } = [];

    public int TokenRequests => Volatile.Read(ref _tokensIssued);

    /// <summary>Calls of the order list answered, throttled ones included.</summary>
    public int ListCalls => Volatile.Read(ref _listCalls);

    /// <summary>Orders per page at most, whatever the caller asks, so that a few orders span several pages.</summary>
    public int PageMax { get; set; } = 2;

    /// <summary>Answer the next N calls of the order list with the marketplace's 429.</summary>
    public int ThrottleNext { get => Volatile.Read(ref _throttleNext); set => Volatile.Write(ref _throttleNext, value); }

    public Uri BaseUrl => new(_app!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    protected async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var request = new StandInRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
                body,
                context.Request.ContentType);
            var (answer, abort) = Answer(request);
            if (abort)
            {
                // Headers and half the body, then the connection drops: a dropped connection before any answer
                // would be retried by HttpClient on its own, while one cut mid-answer reaches the caller as a failure.
                context.Response.StatusCode = answer.Status;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = answer.Body.Length + 64;
                await context.Response.StartAsync();
                await context.Response.WriteAsync(answer.Body[..(answer.Body.Length / 2)]);
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }

            context.Response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Body);
        });
        await _app.StartAsync();
    }

    private (StandInAnswer Answer, bool Abort) Answer(StandInRequest request)
    {
        var problems = new List<string>();
        var token = IsTokenRequest(request);
        Check(request, problems);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                Violations.Enqueue($"{request.Method} {request.Path}: {problem}");
            }

            return (Invalid(problems), false);
        }

        if (Unauthorized(request) is { } unauthorized)
        {
            return (unauthorized, false);
        }

        if (token)
        {
            var issued = $"token-{Interlocked.Increment(ref _tokensIssued)}";
            IssuedTokens.Add(issued);
            return (TokenAnswer(issued), false);
        }

        Calls.Enqueue(request);
        if (Scripted.TryDequeue(out var scripted))
        {
            return (scripted, false);
        }

        Apply(request);
        return (Success(request), Interlocked.Decrement(ref _abortNext) >= 0);
    }

    /// <summary>Changes what the marketplace holds as a conforming call of this kind does (an upload only stores the document; a feed applies it).</summary>
    protected abstract void Apply(StandInRequest request);

    /// <summary>Records that the marketplace now holds <paramref name="quantity"/> of <paramref name="item"/>.</summary>
    protected void Set(string item, long quantity)
    {
        Stock[item] = quantity;
        History.Enqueue((item, quantity));
    }

    protected abstract bool IsTokenRequest(StandInRequest request);

    /// <summary>
    /// The marketplace's documented answer to credentials it does not know (a token request with the wrong
    /// client secret, a call with a token it never issued), or null when they are good.
    /// </summary>
    protected abstract StandInAnswer? Unauthorized(StandInRequest request);

    /// <summary>Counts a call of the order list; true when it is to be throttled.</summary>
    protected bool ListCall()
    {
        Interlocked.Increment(ref _listCalls);
        int left;
        do
        {
            left = ThrottleNext;
            if (left <= 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _throttleNext, left - 1, left) != left);
        return true;
    }

    /// <summary>An ISO 8601 date and time, as the order APIs take in their queries.</summary>
    protected static bool Iso(string? value, out DateTimeOffset at) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at) && value!.Contains('T', StringComparison.Ordinal);

    /// <summary>Adds a sentence to <paramref name="problems"/> for each way the request departs from the documented schema.</summary>
    protected abstract void Check(StandInRequest request, List<string> problems);

    protected abstract StandInAnswer TokenAnswer(string token);

    protected abstract StandInAnswer Success(StandInRequest request);

    protected abstract StandInAnswer Invalid(IReadOnlyList<string> problems);

    protected static string Json(object value) => JsonSerializer.Serialize(value);

    protected static void Require(bool condition, string problem, List<string> problems)
    {
        if (!condition)
        {
            problems.Add(problem);
        }
    }

    protected static JsonElement? ParseObject(string body, List<string> problems)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add("the body is not a JSON object");
                return null;
            }

            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            problems.Add("the body is not JSON");
            return null;
        }
    }

    protected static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    protected static string Form(string body, string name) =>
        body.Split('&').Select(pair => pair.Split('=', 2)).Where(p => p.Length == 2 && Uri.UnescapeDataString(p[0]) == name)
            .Select(p => Uri.UnescapeDataString(p[1].Replace('+', ' '))).FirstOrDefault() ?? "";

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
