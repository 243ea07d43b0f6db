using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>Edits a distribution group and its locations through <c>PUT /v1/groups/{id}</c>'s own handler.</summary>
public sealed class GroupEditModel(IStockStore store, KeyRing keys) : PageModel
{
    public string Id { get; private set; } = "";
    public DistributionGroup? Group { get; private set; }
    public IReadOnlyList<Location> Locations { get; private set; } = [];
    public IReadOnlyList<Channel> Channels { get; private set; } = [];
    public GroupForm Form { get; private set; } = new();
    public FormFields Fields { get; } = new("group-");
    public bool MayWrite { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        Form = GroupForm.From(Group!);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, GroupForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        Form = form;
        var request = form.ToRequest();
        var current = GroupForm.From(Group!).ToRequest();
        // The same name and members again change nothing: no new version, no event.
        if (request.Name == current.Name && request.Locations!.Order(StringComparer.Ordinal).SequenceEqual(current.Locations!, StringComparer.Ordinal))
        {
            Message = $"Group {id} already had these locations: nothing was changed.";
            return Redirect($"/admin/locations/groups/{Uri.EscapeDataString(id)}");
        }

        var result = await NetworkApi.PutGroup(id, request, store, Request, cancellationToken);
        if (Fields.Accepted(result.Result))
        {
            Message = $"Group {id} saved.";
            return Redirect($"/admin/locations/groups/{Uri.EscapeDataString(id)}");
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        Id = id;
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken);
        Group = Core.Identifier.IsValid(id) ? await store.GetGroupAsync(id, cancellationToken) : null;
        if (Group is null)
        {
            return false;
        }

        Locations = await ManagePages.ReadAllAsync((after, size) => store.ListLocationsAsync(after, size, cancellationToken), l => l.Id);
        var channels = await ManagePages.ReadAllAsync((after, size) => store.ListChannelsAsync(after, size, cancellationToken), c => c.Id);
        Channels = [.. channels.Where(c => c.Group == id)];
        return true;
    }
}
