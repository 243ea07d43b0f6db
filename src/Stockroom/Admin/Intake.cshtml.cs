using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core;
using Stockroom.Features.Intake;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>Recent marketplace deliveries, newest first, and what became of each order; by channel and outcome.</summary>
public sealed class IntakeModel(IStockStore store) : PageModel
{
    public const int PageSize = 200;

    public IReadOnlyList<IntakeDelivery> Deliveries { get; private set; } = [];
    public string? Channel { get; private set; }
    public DeliveryOutcome? Outcome { get; private set; }

    public async Task OnGetAsync(string? channel, string? outcome, CancellationToken cancellationToken)
    {
        Channel = Identifier.IsValid(channel?.Trim()) ? channel!.Trim() : null;
        Outcome = Enum.TryParse<DeliveryOutcome>(outcome, ignoreCase: true, out var parsed) && !int.TryParse(outcome, out _) ? parsed : null;
        Deliveries = await store.ListDeliveriesAsync(new DeliveryFilter(Channel, Outcome, 0, PageSize, NewestFirst: true), cancellationToken);
    }
}
