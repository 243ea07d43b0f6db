using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Ledger;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>The ledger, newest page first, and its verification on demand.</summary>
public sealed class LedgerModel(IStockStore store) : PageModel
{
    public const int PageSize = 100;

    public IReadOnlyList<LedgerEvent> Events { get; private set; } = [];
    public long Head { get; private set; }
    public long? Older { get; private set; }

    [TempData]
    public string? Verification { get; set; }

    [TempData]
    public bool VerificationIntact { get; set; }

    public async Task<IActionResult> OnGetAsync(long? before, CancellationToken cancellationToken)
    {
        if (before is < 1)
        {
            // Sequences start at 1: nothing comes before it, and a page ending there would be a negative LIMIT.
            await Http.Problems.Validation("before", "must be a ledger sequence, 1 or more").ExecuteAsync(HttpContext);
            return new EmptyResult();
        }

        Head = (await store.ReadLedgerHeadAsync(cancellationToken)).Sequence;
        var end = Math.Min(before ?? Head + 1, Head + 1);
        var start = Math.Max(0, end - 1 - PageSize);
        Events = [.. (await store.ReadEventsAsync(start, (int)(end - 1 - start), cancellationToken)).Reverse()];
        Older = start > 0 ? start + 1 : null;
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
