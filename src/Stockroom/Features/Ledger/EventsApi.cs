using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Core.Ledger;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Ledger;

/// <summary>
/// A ledger entry on the wire. <c>data</c> is the recorded JSON itself, byte for byte what the
/// hash covers, so a client can re-check the chain.
/// </summary>
public sealed record EventView(long Sequence, string Type, DateTimeOffset At, JsonElement Data, string PreviousHash, string Hash)
{
    public static EventView From(LedgerEvent entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using var data = JsonDocument.Parse(entry.Data);
        return new(entry.Sequence, entry.Type, entry.At, data.RootElement.Clone(), entry.PreviousHash, entry.Hash);
    }
}

/// <summary>
/// A page of the ledger in the list envelope. <c>events</c> is the same list as <c>data</c>, kept
/// because contract v1 named the field so; it is deprecated and will go in a later version.
/// </summary>
public sealed record EventsPage(IReadOnlyList<EventView> Data, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next)
{
    /// <summary>Deprecated: the same list as <see cref="Data"/>, under the field name contract v1 gave it.</summary>
    public IReadOnlyList<EventView> Events => Data;
}

public static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/events").WithTags("Ledger");
        group.MapGet("/", List).RequireStoreWideScope(Scopes.Read).WithName("ListEvents").WithSummary("Page through the append-only, hash-chained ledger of every change.");
        group.MapGet("/stream", Stream).RequireStoreWideScope(Scopes.Read).WithName("StreamEvents").Produces<EventView>(StatusCodes.Status200OK, "text/event-stream")
            .WithSummary("The ledger as server-sent events, from ?after= or Last-Event-ID (else from now), live.");
        return group;
    }

    /// <summary>How long the stream waits for an append before it looks again (other processes append too).</summary>
    public static readonly TimeSpan StreamPoll = TimeSpan.FromMilliseconds(500);

    public static async Task<Results<EventStreamResult, ProblemHttpResult>> Stream(
        IStockStore store, HttpRequest request, CancellationToken cancellationToken, long? after = null)
    {
        var validation = new Validation();
        validation.Range("after", after, 0, long.MaxValue, required: false);
        long? resume = null;
        if (request.Headers["Last-Event-ID"].FirstOrDefault() is { } lastEventId)
        {
            if (long.TryParse(lastEventId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                resume = parsed;
            }
            else
            {
                validation.Add("Last-Event-ID", "must be the sequence of an event");
            }
        }

        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var from = resume ?? after ?? (await store.ReadLedgerHeadAsync(cancellationToken)).Sequence;
        return new EventStreamResult(Follow(store, from, cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<string>> Follow(IStockStore store, long after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var page = await store.ReadEventsAsync(after, Limits.PageSizeMax, cancellationToken);
            foreach (var entry in page)
            {
                yield return new SseItem<string>(StockroomJson.Serialize(EventView.From(entry)), entry.Type)
                {
                    EventId = entry.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                after = entry.Sequence;
            }

            if (page.Count < Limits.PageSizeMax)
            {
                await store.Ledger.WaitAsync(StreamPoll, cancellationToken);
            }
        }
    }

    public static async Task<Results<Ok<EventsPage>, ProblemHttpResult>> List(
        IStockStore store, CancellationToken cancellationToken, string? after = null, int? limit = null)
    {
        // The cursor is a sequence number; as the list envelope's next it travels as a string of digits.
        var (validation, from, size) = Paging.ValidateSequence(after, limit);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var events = await store.ReadEventsAsync(from, size, cancellationToken);
        return TypedResults.Ok(new EventsPage([.. events.Select(EventView.From)], Paging.Next(events, size, e => Paging.Cursor(e.Sequence))));
    }
}

/// <summary>
/// Sends the response headers at once, then the events as they come: a client that subscribes
/// while nothing happens sees its stream open, not a request that hangs until the first change.
/// </summary>
public sealed class EventStreamResult(IAsyncEnumerable<SseItem<string>> events) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(httpContext.RequestAborted);
        await response.Body.FlushAsync(httpContext.RequestAborted);
        await SseFormatter.WriteAsync(events, response.Body, httpContext.RequestAborted);
    }
}
