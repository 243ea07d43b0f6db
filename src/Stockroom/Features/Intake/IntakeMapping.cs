using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Features.Catalog;
using Stockroom.Features.Channels;
using Stockroom.Storage;

namespace Stockroom.Features.Intake;

/// <summary>
/// A marketplace order in Stockroom's SKUs: units owed and shipped per SKU, the lines not held and
/// why, and which of those name SKUs Stockroom does not know (as opposed to lines with no stock,
/// such as gift cards and custom items).
/// </summary>
public sealed record MappedOrder(IReadOnlyList<OwedUnits> Lines, IReadOnlyList<SkippedLine> Skipped, IReadOnlyList<SkippedLine> Unknown)
{
    public bool OwesNothing(bool cancelled) => cancelled || Lines.Sum(l => l.Owed) == 0;
}

/// <summary>
/// Maps the lines of a marketplace order to SKUs: a channel's listing of one of the line's
/// marketplace ids (most specific first, the SKU the line names among them) wins; otherwise the
/// SKU the line names, if Stockroom knows it. A line naming no SKU and no listed id is not stock.
/// </summary>
public static class IntakeMapping
{
    public static MappedOrder Map(MarketplaceOrder order, IReadOnlyDictionary<string, string> listings, IReadOnlySet<string> known)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(listings);
        ArgumentNullException.ThrowIfNull(known);
        var owed = new List<OwedUnits>();
        var skipped = new List<SkippedLine>(order.Skipped);
        var unknown = new List<SkippedLine>();
        foreach (var line in order.Lines)
        {
            var listed = line.Listings.Select(id => listings.GetValueOrDefault(id)).FirstOrDefault(sku => sku is not null);
            var sku = listed ?? line.Sku;
            if (sku is null)
            {
                skipped.Add(new SkippedLine(line.Path, $"the line has no {line.SkuField}"));
            }
            else if (!known.Contains(sku))
            {
                unknown.Add(new SkippedLine(line.Path, $"'{sku}' is not an item in Stockroom and no listing of the channel maps it"));
                skipped.Add(unknown[^1]);
            }
            else
            {
                owed.Add(new OwedUnits(sku, line.Owed, line.Shipped));
            }
        }

        return new MappedOrder(owed, skipped, unknown);
    }

    /// <summary>Reads the channel's listings of the order's marketplace ids and which of the candidate SKUs are items, then maps.</summary>
    public static async Task<MappedOrder> MapAsync(IStockStore store, string channel, MarketplaceOrder order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(order);
        var ids = order.Lines.SelectMany(l => l.Listings).Distinct(StringComparer.Ordinal).ToList();
        var listings = await store.ListingSkusAsync(channel, ids, cancellationToken);
        var candidates = order.Lines.Select(l => l.Sku).OfType<string>().Concat(listings.Values)
            .Where(Identifier.IsValid).Distinct(StringComparer.Ordinal).ToList();
        var items = await store.CachedItemsAsync(candidates, cancellationToken);
        return Map(order, listings, items.Select(i => i.Sku).ToHashSet(StringComparer.Ordinal));
    }
}
