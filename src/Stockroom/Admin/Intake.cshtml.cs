using System.Globalization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core;
using Stockroom.Features.Intake;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// Marketplace deliveries and what became of each order: refused ones first (what someone has to
/// look at), then newest first; searched by marketplace or Stockroom order id, by channel and outcome.
/// </summary>
public sealed class IntakeModel(IStockStore store, TimeProvider time) : PageModel
{
    public const int PageSize = 100;

    public IReadOnlyList<IntakeDelivery> Deliveries { get; private set; } = [];
    public string? Channel { get; private set; }
    public DeliveryOutcome? Outcome { get; private set; }
    public string? Search { get; private set; }
    public bool ProblemsFirst { get; private set; }
    public string? Next { get; private set; }
    public string? Problem { get; private set; }
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(string? channel, string? outcome, string? q, string? order, string? after, CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Channel = Identifier.IsValid(channel?.Trim()) ? channel!.Trim() : null;
        Outcome = Enum.TryParse<DeliveryOutcome>(outcome, ignoreCase: true, out var parsed) && !int.TryParse(outcome, out _) ? parsed : null;
        ProblemsFirst = order != "newest";
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (Search is not null && Search.Length > Limits.IdentifierLengthMax * 2)
        {
            Problem = "An order id is shorter than that.";
            return;
        }

        (int, long)? cursor = after?.Split('.') is [var rank, var id]
            && int.TryParse(rank, NumberStyles.None, CultureInfo.InvariantCulture, out var r)
            && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? (r, i) : null;
        var page = await store.SearchDeliveriesAsync(new DeliverySearch(Channel, Outcome, Search, ProblemsFirst, cursor, PageSize), cancellationToken);
        Deliveries = [.. page.Select(p => p.Delivery)];
        Next = page.Count == PageSize ? string.Create(CultureInfo.InvariantCulture, $"{page[^1].Rank}.{page[^1].Delivery.Id}") : null;
    }

    /// <summary>Does this outcome need someone to look at it?</summary>
    public static bool IsProblem(DeliveryOutcome outcome) => outcome is DeliveryOutcome.Refused or DeliveryOutcome.Unauthenticated;
}
