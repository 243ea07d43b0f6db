using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>Edits a location through <c>PUT /v1/locations/{id}</c>'s own handler; shows the groups it is in.</summary>
public sealed class LocationEditModel(IStockStore store, KeyRing keys) : PageModel
{
    public string Id { get; private set; } = "";
    public Location? Location { get; private set; }
    public IReadOnlyList<DistributionGroup> Groups { get; private set; } = [];
    public LocationForm Form { get; private set; } = new();
    public FormFields Fields { get; } = new("location-");
    public bool MayWrite { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        Form = LocationForm.From(Location!);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, LocationForm form, CancellationToken cancellationToken)
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
        var request = form.ToRequest(Fields);
        if (!Fields.Failed)
        {
            // The same values again change nothing: no new version, no event.
            if (LocationForm.From(Location!).ToRequest(new FormFields("")) == request)
            {
                Message = $"Location {id} already had these values: nothing was changed.";
                return Redirect($"/admin/locations/{Uri.EscapeDataString(id)}");
            }

            var result = await NetworkApi.PutLocation(id, request, store, Request, cancellationToken);
            if (Fields.Accepted(result.Result))
            {
                Message = $"Location {id} saved.";
                return Redirect($"/admin/locations/{Uri.EscapeDataString(id)}");
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        Id = id;
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken);
        Location = Core.Identifier.IsValid(id) ? await store.GetLocationAsync(id, cancellationToken) : null;
        if (Location is null)
        {
            return false;
        }

        // Groups are few: the ones holding this location are picked from all of them.
        var groups = await ManagePages.ReadAllAsync((after, size) => store.ListGroupsAsync(after, size, cancellationToken), g => g.Id);
        Groups = [.. groups.Where(g => g.Locations.Contains(id, StringComparer.Ordinal))];
        return true;
    }
}
