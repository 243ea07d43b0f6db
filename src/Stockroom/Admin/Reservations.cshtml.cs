using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Features.Keys;
using Stockroom.Features.Reservations;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// Holds by status with their expiry, searched by reservation, customer, order or SKU, a page at a
/// time; pending on-request holds with accept and decline, which run the API's own code.
/// </summary>
public sealed class ReservationsModel(IStockStore store, TimeProvider time, KeyRing keys, HoldWriterOptions options) : PageModel
{
    public const int PageSize = 100;

    public IReadOnlyList<Reservation> Reservations { get; private set; } = [];
    public ReservationStatus? Status { get; private set; }
    public string? Search { get; private set; }
    public string? Next { get; private set; }
    public string? Problem { get; private set; }
    public DateTimeOffset Now { get; private set; }
    public bool MayWrite { get; private set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Refusal { get; set; }

    public async Task OnGetAsync(string? status, string? q, string? after, CancellationToken cancellationToken)
    {
        // Pending holds are the ones waiting for someone, so the page opens on them; "any" shows every status.
        Status = status == "any" ? null : Enum.TryParse<ReservationStatus>(status, ignoreCase: true, out var parsed) && !int.TryParse(status, out _) ? parsed : ReservationStatus.Pending;
        Now = time.GetUtcNow();
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.ReservationsWrite, cancellationToken);
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (Search is not null && !Identifier.IsValid(Search))
        {
            Problem = "Search by a reservation, customer, order or SKU id: letters, digits and . _ : - only.";
            return;
        }

        Reservations = await store.SearchReservationsAsync(Status, Search, Identifier.IsValid(after) ? after : null, PageSize, cancellationToken);
        Next = Reservations.Count == PageSize ? Reservations[^1].Id : null;
    }

    public Task<IActionResult> OnPostAcceptAsync(string id, CancellationToken cancellationToken) => AnswerAsync(id, accept: true, cancellationToken);

    public Task<IActionResult> OnPostDeclineAsync(string id, CancellationToken cancellationToken) => AnswerAsync(id, accept: false, cancellationToken);

    private async Task<IActionResult> AnswerAsync(string id, bool accept, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.ReservationsWrite, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.ReservationsWrite);
        }

        var result = accept
            ? await SellerAnswer.Accept(id, store, options, User, cancellationToken)
            : await SellerAnswer.Decline(id, store, options, User, cancellationToken);
        (Message, Refusal) = result.Result switch
        {
            Microsoft.AspNetCore.Http.HttpResults.Ok<Reservation> ok => ($"Reservation {id} is {ok.Value!.Status.ToString().ToLowerInvariant()}.", null),
            Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem => (null, $"{id}: {problem.ProblemDetails.Title} {problem.ProblemDetails.Detail}"),
            _ => ((string?)null, (string?)null),
        };
        return RedirectToPage(new { status = "pending" });
    }

    /// <summary>A line as the seller reads it: what was asked, what is held where, and what is on their word.</summary>
    public static Microsoft.AspNetCore.Html.IHtmlContent Describe(ReservationLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Allocations.Select(a => $"{a.Quantity} at {a.Location}").ToList();
        if (line.SellerConfirmed > 0)
        {
            parts.Add($"{line.SellerConfirmed} on the seller's word at {line.SellerConfirmedLocation}");
        }

        return AdminText.Line(line.Requested, line.Sku, parts.Count > 0 ? $" ({string.Join(", ", parts)})" : "");
    }

    /// <summary>How long is left, as people read it ("13 min"), or "due" once the time has come.</summary>
    public static string Countdown(DateTimeOffset until, DateTimeOffset now) => until <= now ? "due" : AdminText.Duration(until - now);
}
