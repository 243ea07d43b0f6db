using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Demand;
using Stockroom.Features.Keys;
using Stockroom.Features.Reservations;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>Holds by status with their expiry; pending on-request holds with accept and decline, which run the API's own code.</summary>
public sealed class ReservationsModel(IStockStore store, TimeProvider time, KeyRing keys, HoldWriterOptions options) : PageModel
{
    public const int PageSize = 200;

    public IReadOnlyList<Reservation> Reservations { get; private set; } = [];
    public ReservationStatus? Status { get; private set; }
    public DateTimeOffset Now { get; private set; }
    public bool MayWrite { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(string? status, CancellationToken cancellationToken)
    {
        Status = Enum.TryParse<ReservationStatus>(status, ignoreCase: true, out var parsed) ? parsed : ReservationStatus.Pending;
        Now = time.GetUtcNow();
        MayWrite = await AdminSetup.MayWriteAsync(User, keys, cancellationToken);
        Reservations = await store.ListReservationsAsync(new ReservationFilter(Status, null, null, null, PageSize), cancellationToken);
    }

    public Task<IActionResult> OnPostAcceptAsync(string id, CancellationToken cancellationToken) => AnswerAsync(id, accept: true, cancellationToken);

    public Task<IActionResult> OnPostDeclineAsync(string id, CancellationToken cancellationToken) => AnswerAsync(id, accept: false, cancellationToken);

    private async Task<IActionResult> AnswerAsync(string id, bool accept, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayWriteAsync(User, keys, cancellationToken))
        {
            return Forbid();
        }

        var result = accept
            ? await SellerAnswer.Accept(id, store, options, User, cancellationToken)
            : await SellerAnswer.Decline(id, store, options, User, cancellationToken);
        Message = result.Result switch
        {
            Microsoft.AspNetCore.Http.HttpResults.Ok<Reservation> ok => $"Reservation {id} is {ok.Value!.Status.ToString().ToLowerInvariant()}.",
            Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem => $"{id}: {problem.ProblemDetails.Title} {problem.ProblemDetails.Detail}",
            _ => null,
        };
        return RedirectToPage(new { status = "pending" });
    }

    /// <summary>A line as the seller reads it: what was asked, what is held where, and what is on their word.</summary>
    public static string Describe(ReservationLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Allocations.Select(a => $"{a.Quantity} at {a.Location}").ToList();
        if (line.SellerConfirmed > 0)
        {
            parts.Add($"{line.SellerConfirmed} on the seller's word at {line.SellerConfirmedLocation}");
        }

        return $"{line.Requested} × {line.Sku}" + (parts.Count > 0 ? $" ({string.Join(", ", parts)})" : "");
    }

    public static string Countdown(DateTimeOffset until, DateTimeOffset now)
    {
        var left = until - now;
        return left <= TimeSpan.Zero ? "due" : left.TotalHours >= 1 ? $"{(int)left.TotalHours}h {left.Minutes}m" : $"{left.Minutes}m {left.Seconds}s";
    }
}
