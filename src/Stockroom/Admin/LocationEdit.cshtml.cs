using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>Edits a location through <c>PUT /v1/locations/{id}</c>'s own handler; shows the groups it is in.</summary>
public sealed class LocationEditModel(IStockStore store, KeyRing keys) : EditPageModel<Location, LocationForm, PutLocationRequest>(keys, Scopes.Admin, "location-")
{
    public IReadOnlyList<DistributionGroup> Groups { get; private set; } = [];

    protected override string Noun => "Location";

    protected override string PathOf(string id) => $"/admin/locations/{Uri.EscapeDataString(id)}";

    protected override Task<Location?> FindAsync(string id, CancellationToken cancellationToken) => store.GetLocationAsync(id, cancellationToken);

    // Groups are few: the ones holding this location are picked from all of them.
    protected override async Task LoadBesideAsync(string id, CancellationToken cancellationToken)
    {
        var groups = await ManagePages.ReadAllAsync((after, size) => store.ListGroupsAsync(after, size, cancellationToken), g => g.Id);
        Groups = [.. groups.Where(g => g.Locations.Contains(id, StringComparer.Ordinal))];
    }

    protected override LocationForm FormOf(Location resource) => LocationForm.From(resource);

    protected override PutLocationRequest ToRequest(LocationForm form, FormFields fields) => form.ToRequest(fields);

    protected override bool Same(PutLocationRequest stored, PutLocationRequest sent) => stored == sent;

    protected override async Task<IResult> PutAsync(string id, PutLocationRequest request, CancellationToken cancellationToken) =>
        (await NetworkApi.PutLocation(id, request, store, Request, cancellationToken)).Result;
}
