using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Features.Allocations;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>Units waiting for the POS/ERP, per location and in total, oldest first; long waits stand out.</summary>
public sealed class AllocationsModel(IStockStore store, TimeProvider time) : PageModel
{
    /// <summary>Past this, an order the POS has not acknowledged is flagged.</summary>
    public static readonly TimeSpan WaitingTooLong = TimeSpan.FromMinutes(30);

    public AllocationsReport Report { get; private set; } = new(0, 0, [], false);

    public async Task OnGetAsync(string? location, CancellationToken cancellationToken)
    {
        var result = await AllocationsApi.Get(store, time, cancellationToken, string.IsNullOrWhiteSpace(location) ? null : location.Trim());
        if (result.Result is Microsoft.AspNetCore.Http.HttpResults.Ok<AllocationsReport> ok)
        {
            Report = ok.Value!;
        }
    }
}
