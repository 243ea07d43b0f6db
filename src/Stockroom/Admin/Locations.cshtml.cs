using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// The network: locations (searched, sorted, paged) and the distribution groups they form, with the
/// forms that create either through <c>PUT /v1/locations/{id}</c> and <c>PUT /v1/groups/{id}</c>'s own handlers.
/// </summary>
public sealed class LocationsModel(IStockStore store, KeyRing keys) : PageModel
{
    public static readonly IReadOnlyDictionary<string, Func<Location, IComparable?>> Columns = new Dictionary<string, Func<Location, IComparable?>>(StringComparer.Ordinal)
    {
        ["id"] = l => l.Id,
        ["name"] = l => l.Name,
        ["type"] = l => Sql.Text(l.Type),
        ["priority"] = l => l.Priority,
        ["leadTime"] = l => l.LeadTimeDays,
    };

    public ListQuery Query { get; private set; } = new(null, "id", false, null);
    public ListPage<Location> Locations { get; private set; } = new([], null);
    public IReadOnlyList<Location> AllLocations { get; private set; } = [];
    public IReadOnlyList<DistributionGroup> Groups { get; private set; } = [];
    public bool MayWrite { get; private set; }
    public LocationForm LocationForm { get; private set; } = new() { Active = true, CanShip = true };
    public FormFields LocationFields { get; } = new("new-location-");
    public GroupForm GroupForm { get; private set; } = new();
    public FormFields GroupFields { get; } = new("new-group-");

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken);
        await ListAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostLocationAsync(LocationForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        MayWrite = true;
        LocationForm = form;
        var id = FormFields.Blank(form.Id) ?? "";
        if (await LocationFields.CreatedAsync("id", id, "a location", async () => await store.GetLocationAsync(id, cancellationToken) is not null,
                () => form.ToRequest(LocationFields), async request => (await NetworkApi.PutLocation(id, request, store, Request, cancellationToken)).Result))
        {
            Message = $"Location {id} created.";
            return Redirect("/admin/locations");
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostGroupAsync(GroupForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        MayWrite = true;
        GroupForm = form;
        var id = FormFields.Blank(form.Id) ?? "";
        if (await GroupFields.CreatedAsync("id", id, "a group", async () => await store.GetGroupAsync(id, cancellationToken) is not null,
                form.ToRequest, async request => (await NetworkApi.PutGroup(id, request, store, Request, cancellationToken)).Result))
        {
            Message = $"Group {id} created.";
            return Redirect("/admin/locations#groups");
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await ListAsync(cancellationToken);
        return Page();
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        Query = ListQuery.From(Request, [.. Columns.Keys], "id");
        AllLocations = await ManagePages.ReadAllAsync((after, size) => store.ListLocationsAsync(after, size, cancellationToken), l => l.Id);
        Locations = AdminLists.Page(AllLocations.Where(l => Query.Matches(l.Id, l.Name)), Query, Columns, l => l.Id);
        Groups = await ManagePages.ReadAllAsync((after, size) => store.ListGroupsAsync(after, size, cancellationToken), g => g.Id);
    }

    public static string Flags(Location location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var flags = new List<string>();
        if (location.CanShip)
        {
            flags.Add("ships");
        }

        if (location.CanPickup)
        {
            flags.Add("pickup");
        }

        return flags.Count == 0 ? "—" : string.Join(", ", flags);
    }
}
