using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Core.Ledger;
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

public sealed record EventsPage(IReadOnlyList<EventView> Events, long? Next);

public static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/events").WithTags("Ledger");
        group.MapGet("/", List).WithName("ListEvents").WithSummary("Page through the append-only, hash-chained ledger of every change.");
        return group;
    }

    public static async Task<Results<Ok<EventsPage>, ProblemHttpResult>> List(
        IStockStore store, CancellationToken cancellationToken, long? after = null, int? limit = null)
    {
        var validation = new Validation();
        validation.Range("after", after, 0, long.MaxValue, required: false);
        validation.Range("limit", limit, 1, Limits.PageSizeMax, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var size = limit ?? Limits.PageSizeDefault;
        var events = await store.ReadEventsAsync(after ?? 0, size, cancellationToken);
        return TypedResults.Ok(new EventsPage([.. events.Select(EventView.From)], events.Count == size ? events[^1].Sequence : null));
    }
}
