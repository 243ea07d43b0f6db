using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Connectors;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// Sales channels with their group, buffer, hold expiry, publishing cadence and how their
/// marketplace connector is doing, and the form that creates one through <c>PUT /v1/channels/{id}</c>'s own handler.
/// </summary>
public sealed class ChannelsModel(IStockStore store, KeyRing keys, TimeProvider time, ConnectorSetup connectors) : PageModel
{
    public static readonly IReadOnlyDictionary<string, Func<Channel, IComparable?>> Columns = new Dictionary<string, Func<Channel, IComparable?>>(StringComparer.Ordinal)
    {
        ["id"] = c => c.Id,
        ["name"] = c => c.Name,
        ["group"] = c => c.Group,
        ["ttl"] = c => c.ReservationTtlSeconds,
        ["publish"] = c => c.PublishEverySeconds,
    };

    public ListQuery Query { get; private set; } = new(null, "id", false, null);
    public ListPage<Channel> Channels { get; private set; } = new([], null);
    public IReadOnlyDictionary<string, ConnectorSummary> Connectors { get; private set; } = new Dictionary<string, ConnectorSummary>();
    public IReadOnlyList<DistributionGroup> Groups { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public bool MayWrite { get; private set; }
    public ChannelForm Form { get; private set; } = new() { PublishEverySeconds = "0" };
    public FormFields Fields { get; } = new("new-channel-");

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken);
        await ListAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(ChannelForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        MayWrite = true;
        Form = form;
        var id = FormFields.Blank(form.Id) ?? "";
        if (await Fields.CreatedAsync("id", id, "a channel", async () => await store.GetChannelAsync(id, cancellationToken) is not null,
                () => form.ToRequest(Fields), async request => (await NetworkApi.PutChannel(id, request, store, connectors, Request, cancellationToken)).Result))
        {
            Message = $"Channel {id} created.";
            return Redirect($"/admin/channels/{Uri.EscapeDataString(id)}");
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await ListAsync(cancellationToken);
        return Page();
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Query = ListQuery.From(Request, [.. Columns.Keys], "id");
        var all = await ManagePages.ReadAllAsync((after, size) => store.ListChannelsAsync(after, size, cancellationToken), c => c.Id);
        Channels = AdminLists.Page(all.Where(c => Query.Matches(c.Id, c.Name, c.Group)), Query, Columns, c => c.Id);
        Connectors = await store.ReadConnectorSummariesAsync([.. Channels.Rows.Select(c => c.Id)], time, cancellationToken);
        Groups = await ManagePages.ReadAllAsync((after, size) => store.ListGroupsAsync(after, size, cancellationToken), g => g.Id);
    }

    /// <summary>A channel's buffer as people say it: "10 % + 2 units", or "none".</summary>
    public static string Buffer(ChannelBuffer? buffer)
    {
        if (buffer is null)
        {
            return "none";
        }

        var parts = new List<string>();
        if (buffer.Percent is { } percent)
        {
            parts.Add($"{percent.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} %");
        }

        if (buffer.Units is { } units)
        {
            parts.Add($"{units} unit{(units == 1 ? "" : "s")}");
        }

        return string.Join(" + ", parts);
    }

    /// <summary>How often a channel publishes: "every change", or "at most every 5 min".</summary>
    public static string Cadence(int publishEverySeconds) =>
        publishEverySeconds == 0 ? "every change" : $"at most every {AdminText.Duration(TimeSpan.FromSeconds(publishEverySeconds))}";

    public static string Ttl(int? seconds) => seconds is { } s ? AdminText.Duration(TimeSpan.FromSeconds(s)) : "default";
}
