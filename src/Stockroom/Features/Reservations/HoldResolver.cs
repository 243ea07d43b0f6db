using Stockroom.Core.Demand;
using Stockroom.Core.Supply;
using Stockroom.Features.Catalog;
using Stockroom.Features.Rules;
using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>
/// Reservations a supply change may touch (backorders to fill, holds to move), read before the
/// write begins so that every position they could need is locked at once, in the global order,
/// with the supply's own.
/// </summary>
public sealed record ReservationCandidates(IReadOnlyList<Reservation> Reservations, HoldResolver? Resolver, IReadOnlyList<PositionKey> Keys)
{
    public static readonly ReservationCandidates None = new([], null, []);

    /// <summary>Resolves the chosen lines of the reservations and collects the positions they may take units from.</summary>
    public static async Task<ReservationCandidates> LoadAsync(IStockStore store, IReadOnlyList<Reservation> reservations, Func<ReservationLine, bool> which,
        Func<Reservation, ReservationLine, IEnumerable<PositionKey>> alsoLock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservations);
        ArgumentNullException.ThrowIfNull(which);
        ArgumentNullException.ThrowIfNull(alsoLock);
        if (reservations.Count == 0)
        {
            return None;
        }

        var lines = reservations.SelectMany(r => r.Lines.Where(which).Select(l => (r.Channel, Line: HoldLineRequest.From(l)))).ToList();
        var resolver = await HoldResolver.LoadAsync(store, [.. lines.Select(l => l.Channel)], [.. lines.Select(l => l.Line)], cancellationToken);
        var keys = reservations
            .SelectMany(r => r.Lines.Where(which).SelectMany(l => resolver.SourcesOf(r.Channel, l).Select(s => new PositionKey(l.Sku, s.Location)).Concat(alsoLock(r, l))))
            .ToList();
        return new ReservationCandidates(reservations, resolver, keys);
    }
}

/// <summary>
/// Reads what a <see cref="HoldResolver"/> resolves against: the items, channels, groups, locations
/// and safety stock rules of a batch, in a few queries through the catalog cache, before any position
/// is locked. A static extension, so that every write path reads <c>HoldResolver.LoadAsync</c> while
/// the resolver itself stays in the pure core.
/// </summary>
public static class HoldResolverLoading
{
    extension(HoldResolver)
    {
        public static async Task<HoldResolver> LoadAsync(IStockStore store, IReadOnlyCollection<string> channels,
            IReadOnlyCollection<HoldLineRequest> lines, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(store);
            ArgumentNullException.ThrowIfNull(lines);
            // Through the catalog cache: a batch of holds on hot SKUs reads the catalog once a second, not per batch.
            var skus = lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToList();
            var items = await store.CachedItemsAsync(skus, cancellationToken);
            var channelRows = await store.CachedChannelsAsync([.. channels.Distinct(StringComparer.Ordinal)], cancellationToken);
            var groupIds = lines.Where(l => l.Group is not null).Select(l => l.Group!).Concat(channelRows.Select(c => c.Group)).Distinct(StringComparer.Ordinal).ToList();
            var groups = await store.CachedGroupsAsync(groupIds, cancellationToken);
            var locationIds = lines.Where(l => l.Location is not null).Select(l => l.Location!)
                .Concat(groups.SelectMany(g => g.Locations)).Distinct(StringComparer.Ordinal).ToList();
            var locations = await store.CachedLocationsAsync(locationIds, cancellationToken);
            var safetyStock = await store.GetCachedSafetyPolicyAsync(skus, locationIds, cancellationToken);
            return new HoldResolver(items, channelRows, groups, locations, safetyStock);
        }
    }
}
