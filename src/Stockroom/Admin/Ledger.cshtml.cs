using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core;
using Stockroom.Core.Ledger;
using Stockroom.Features.Ledger;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// The ledger, newest first, searched by event type and by text in the events (an order id, a SKU,
/// a reference), a page at a time; and its verification on demand.
/// </summary>
public sealed class LedgerModel(IStockStore store, TimeProvider time) : PageModel
{
    public const int PageSize = 100;
    public const int SearchLengthMax = 200;

    public IReadOnlyList<LedgerEvent> Events { get; private set; } = [];
    public long Head { get; private set; }
    public string? Type { get; private set; }
    public string? Search { get; private set; }
    public long? Older { get; private set; }

    /// <summary>The oldest sequence this page looked at: a search that found fewer than a page looked no further back.</summary>
    public long SearchedFrom { get; private set; }

    public DateTimeOffset Now { get; private set; }

    [TempData]
    public string? Verification { get; set; }

    [TempData]
    public bool VerificationIntact { get; set; }

    public async Task<IActionResult> OnGetAsync(long? before, string? type, string? q, CancellationToken cancellationToken)
    {
        if (before is < 1)
        {
            // Sequences start at 1: nothing comes before it, and a page ending there would be a negative LIMIT.
            await Http.Problems.Validation("before", "must be a ledger sequence, 1 or more").ExecuteAsync(HttpContext);
            return new EmptyResult();
        }

        Now = time.GetUtcNow();
        Type = Identifier.IsValid(type?.Trim()) ? type!.Trim() : null;
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim()[..Math.Min(q.Trim().Length, SearchLengthMax)];
        Head = (await store.ReadLedgerHeadAsync(cancellationToken)).Sequence;
        var end = Math.Min(before ?? Head + 1, Head + 1);
        Events = await store.SearchEventsAsync(Type, Search, end, PageSize, cancellationToken);
        SearchedFrom = Math.Max(1, end - LedgerSearch.ScanWindow);
        // A full page continues from its last event; a short one from where its window ended, if anything is older.
        Older = Events.Count == PageSize ? Events[^1].Sequence : SearchedFrom > 1 ? SearchedFrom : null;
        return Page();
    }

    public async Task<IActionResult> OnPostVerifyAsync(CancellationToken cancellationToken)
    {
        var result = await LedgerVerification.RunAsync(store, null, cancellationToken);
        VerificationIntact = result.Intact;
        Verification = result.Break is { } broken
            ? LedgerVerification.Describe(broken)
            : $"Intact: {result.EventsVerified:N0} events re-hashed, {result.PositionsCompared:N0} positions rebuilt and matched.";
        return RedirectToPage();
    }
}
