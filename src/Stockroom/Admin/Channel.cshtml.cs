using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Features.Channels;
using Stockroom.Features.Connectors;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// One channel: its plain fields (edited through <c>PUT /v1/channels/{id}</c>'s own handler), its
/// marketplace connector as <c>GET /v1/channels/{id}/connector</c> reports it (lag, last success, last
/// failure with the marketplace's answer) with a resync button, and its listings (marketplace id ↔ SKU).
/// </summary>
public sealed class ChannelModel(IStockStore store, KeyRing keys, TimeProvider time, ConnectorSetup connectors) : PageModel
{
    public const int ListingsPageSize = 100;

    public string Id { get; private set; } = "";
    public Channel? Channel { get; private set; }
    public ConnectorStatus? Connector { get; private set; }
    public Page<Listing> Listings { get; private set; } = new([], null);
    public IReadOnlyList<DistributionGroup> Groups { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public bool MayWrite { get; private set; }
    public ChannelForm Form { get; private set; } = new();
    public FormFields Fields { get; } = new("channel-");
    public FormFields ListingFields { get; } = new("listing-");
    public string? ListingExternalId { get; private set; }
    public string? ListingSku { get; private set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Refusal { get; set; }

    public async Task<IActionResult> OnGetAsync(string id, string? after, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, after, cancellationToken))
        {
            return NotFound();
        }

        Form = ChannelForm.From(Channel!);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, ChannelForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        if (!await LoadAsync(id, null, cancellationToken))
        {
            return NotFound();
        }

        Form = form;
        var request = form.ToRequest(Fields);
        if (!Fields.Failed)
        {
            // The same values again change nothing: no new version, no event.
            if (ChannelForm.Same(ChannelForm.From(Channel!).ToRequest(new FormFields("")), request))
            {
                Message = $"Channel {id} already had these values: nothing was changed.";
                return Redirect(Here(id));
            }

            var result = await NetworkApi.PutChannel(id, request, store, connectors, Request, cancellationToken);
            if (Fields.Accepted(result.Result))
            {
                Message = $"Channel {id} saved.";
                return Redirect(Here(id));
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public async Task<IActionResult> OnPostResyncAsync(string id, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        var result = await ConnectorsApi.Resync(id, store, cancellationToken);
        (Message, Refusal) = AdminOutcome.From(result.Result, "A full resync is asked for: the connector sends every listed SKU's availability on its next pass.").Flash;
        return Redirect(Here(id) + "#connector");
    }

    public async Task<IActionResult> OnPostListingAsync(string id, string? externalId, string? sku, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        if (!await LoadAsync(id, null, cancellationToken))
        {
            return NotFound();
        }

        (ListingExternalId, ListingSku) = (externalId?.Trim() ?? "", FormFields.Blank(sku));
        var result = await ChannelListings.Put(id, ListingExternalId, new PutListingRequest(ListingSku), store, cancellationToken);
        if (ListingFields.Accepted(result.Result))
        {
            Message = $"Listing {ListingExternalId} maps to {ListingSku}.";
            return Redirect(Here(id) + "#listings");
        }

        Form = ChannelForm.From(Channel!);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public async Task<IActionResult> OnPostUnlistAsync(string id, string externalId, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        var result = await ChannelListings.Delete(id, externalId ?? "", store, cancellationToken);
        (Message, Refusal) = AdminOutcome.From(result.Result, $"Listing {externalId} removed: the channel's order lines are read by the SKU they name.").Flash;
        return Redirect(Here(id) + "#listings");
    }

    private static string Here(string id) => $"/admin/channels/{Uri.EscapeDataString(id)}";

    private async Task<bool> LoadAsync(string id, string? after, CancellationToken cancellationToken)
    {
        Id = id;
        Now = time.GetUtcNow();
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken);
        Channel = Core.Identifier.IsValid(id) ? await store.GetChannelAsync(id, cancellationToken) : null;
        if (Channel is null)
        {
            return false;
        }

        // The API's own answers: the connector's status as GET /v1/channels/{id}/connector gives it, the listings as their list does.
        Connector = (await ConnectorsApi.Get(id, store, connectors, time, User, cancellationToken)).Result is Ok<ConnectorStatus> { Value: { } status } ? status : null;
        if ((await ChannelListings.List(id, store, cancellationToken, after, ListingsPageSize)).Result is Ok<Page<Listing>> { Value: { } listings })
        {
            Listings = listings;
        }

        Groups = await ManagePages.ReadAllAsync((a, size) => store.ListGroupsAsync(a, size, cancellationToken), g => g.Id);
        return true;
    }
}
