using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>Edits a distribution group and its locations through <c>PUT /v1/groups/{id}</c>'s own handler.</summary>
public sealed class GroupEditModel(IStockStore store, KeyRing keys) : EditPageModel<DistributionGroup, GroupForm, PutGroupRequest>(keys, Scopes.Admin, "group-")
{
    public IReadOnlyList<Location> Locations { get; private set; } = [];

    public IReadOnlyList<Channel> Channels { get; private set; } = [];

    protected override string Noun => "Group";

    protected override string PathOf(string id) => $"/admin/locations/groups/{Uri.EscapeDataString(id)}";

    protected override Task<DistributionGroup?> FindAsync(string id, CancellationToken cancellationToken) => store.GetGroupAsync(id, cancellationToken);

    protected override async Task LoadBesideAsync(string id, CancellationToken cancellationToken)
    {
        Locations = await ManagePages.ReadAllAsync((after, size) => store.ListLocationsAsync(after, size, cancellationToken), l => l.Id);
        var channels = await ManagePages.ReadAllAsync((after, size) => store.ListChannelsAsync(after, size, cancellationToken), c => c.Id);
        Channels = [.. channels.Where(c => c.Group == id)];
    }

    protected override GroupForm FormOf(DistributionGroup resource) => GroupForm.From(resource);

    protected override PutGroupRequest ToRequest(GroupForm form, FormFields fields) => form.ToRequest();

    // Members are a set: the same ones in another order change nothing.
    protected override bool Same(PutGroupRequest stored, PutGroupRequest sent) =>
        stored.Name == sent.Name && (sent.Locations ?? []).Order(StringComparer.Ordinal).SequenceEqual((stored.Locations ?? []).Order(StringComparer.Ordinal), StringComparer.Ordinal);

    protected override async Task<IResult> PutAsync(string id, PutGroupRequest request, CancellationToken cancellationToken) =>
        (await NetworkApi.PutGroup(id, request, store, Request, cancellationToken)).Result;
}
