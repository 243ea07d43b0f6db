using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Channels;

/// <summary>A channel's listing: the marketplace's id of what it sells and the Stockroom SKU it is.</summary>
public sealed record Listing(string Channel, string ExternalId, string Sku, DateTimeOffset UpdatedAt);

public sealed record PutListingRequest(string? Sku);

/// <summary>
/// What a marketplace calls an item — a Shopify variant id, an Amazon seller SKU or ASIN, a Walmart
/// SKU, a GTIN — mapped to the SKU Stockroom holds it as. Intake consults a channel's listings
/// before the SKU a marketplace line names, so a marketplace SKU that differs from Stockroom's, or
/// a line with none, still holds stock.
/// </summary>
public static class ChannelListings
{
    /// <summary>Marketplace ids are theirs, not Stockroom identifiers: any text without control characters, up to this length.</summary>
    public const int ExternalIdLengthMax = 200;

    public static void MapChannelListings(this RouteGroupBuilder channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        channels.MapPut("/{id}/listings/{externalId}", Put).RequireStoreWideScope(Scopes.Admin).WithName("PutChannelListing")
            .WithSummary("Map a marketplace's id of an item (variant id, ASIN, seller SKU, GTIN) to a Stockroom SKU for the channel's order intake.");
        channels.MapGet("/{id}/listings", List).RequireScope(Scopes.Read).WithName("ListChannelListings")
            .WithSummary("Page through a channel's listings, in marketplace id order.");
        channels.MapDelete("/{id}/listings/{externalId}", Delete).RequireStoreWideScope(Scopes.Admin).WithName("DeleteChannelListing")
            .WithSummary("Remove a listing; the channel's order lines are then read by the SKU they name.");
    }

    public static async Task<Results<Created<Listing>, Ok<Listing>, ProblemHttpResult>> Put(string id, string externalId, PutListingRequest request,
        IStockStore store, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        validation.Identifier("id", id);
        ValidateExternalId(validation, externalId);
        validation.Identifier("sku", request.Sku);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        await using var write = await store.BeginWriteAsync(cancellationToken);
        if (await write.GetChannelAsync(id, cancellationToken) is null)
        {
            return Problems.NotFound("channel", id);
        }

        if ((await write.ExistingSkusAsync([request.Sku!], cancellationToken)).Count == 0)
        {
            return Problems.Unprocessable(new Dictionary<string, string[]> { ["sku"] = [$"there is no item '{request.Sku}'"] },
                "A listing maps to an item Stockroom has. Nothing was changed.");
        }

        var listing = new Listing(id, externalId, request.Sku!, write.Now);
        var created = await write.UpsertListingAsync(listing, cancellationToken);
        write.Record("channel.listingMapped", listing);
        await write.CommitAsync(cancellationToken);
        return created ? TypedResults.Created($"/v1/channels/{id}/listings/{Uri.EscapeDataString(externalId)}", listing) : TypedResults.Ok(listing);
    }

    public static async Task<Results<Ok<Page<Listing>>, ProblemHttpResult>> List(string id, IStockStore store, CancellationToken cancellationToken,
        string? after = null, int? limit = null)
    {
        var (validation, size) = Paging.Validate(after, limit);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var listings = await store.QueryAsync("""
            SELECT channel_id, external_id, sku, updated_at FROM channel_listings
            WHERE channel_id = @channel AND external_id > @after ORDER BY external_id LIMIT @limit
            """, c => c.With("@channel", id).With("@after", after ?? "").With("@limit", size),
            r => new Listing(r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3)), cancellationToken);
        return TypedResults.Ok(Paging.Page(listings, size, l => l.ExternalId));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, string externalId, IStockStore store, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken);
        await using var command = write.Command("DELETE FROM channel_listings WHERE channel_id = @channel AND external_id = @externalId")
            .With("@channel", id).With("@externalId", externalId);
        if (await write.ExecuteAsync(command, cancellationToken) == 0)
        {
            return Problems.NotFound("listing", externalId);
        }

        write.Record("channel.listingRemoved", new { channel = id, externalId });
        await write.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static void ValidateExternalId(Validation validation, string externalId)
    {
        if (string.IsNullOrWhiteSpace(externalId) || externalId.Length > ExternalIdLengthMax || externalId.Any(char.IsControl))
        {
            validation.Add("externalId", $"must be 1 to {ExternalIdLengthMax} characters of text, without control characters");
        }
    }

    /// <summary>The SKUs a channel's listings map these marketplace ids to.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ListingSkusAsync(this IStockStore store, string channel,
        IReadOnlyCollection<string> externalIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(externalIds);
        if (externalIds.Count == 0)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        var rows = await store.QueryAsync(
            $"SELECT external_id, sku FROM channel_listings WHERE channel_id = @channel AND external_id IN ({store.Dialect.TextList("@ids")})",
            c => store.Dialect.BindTextList(c.With("@channel", channel), "@ids", externalIds), r => (r.GetString(0), r.GetString(1)), cancellationToken);
        return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    /// <summary>Creates or replaces a listing; true when it is new.</summary>
    private static async Task<bool> UpsertListingAsync(this IStockWrite write, Listing listing, CancellationToken cancellationToken)
    {
        await using var find = write.Command($"SELECT 1 FROM channel_listings WHERE channel_id = @channel AND external_id = @externalId{write.Dialect.ForUpdate}")
            .With("@channel", listing.Channel).With("@externalId", listing.ExternalId);
        var exists = (await find.ListAsync(r => true, cancellationToken)).Count > 0;
        await using var upsert = write.Command("""
            INSERT INTO channel_listings (channel_id, external_id, sku, updated_at) VALUES (@channel, @externalId, @sku, @now)
            ON CONFLICT (channel_id, external_id) DO UPDATE SET sku = excluded.sku, updated_at = excluded.updated_at
            """).With("@channel", listing.Channel).With("@externalId", listing.ExternalId).With("@sku", listing.Sku).With("@now", listing.UpdatedAt);
        await write.ExecuteAsync(upsert, cancellationToken);
        return !exists;
    }
}
