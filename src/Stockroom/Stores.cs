using Stockroom.Features.Alerts;
using Stockroom.Features.Channels;
using Stockroom.Features.Insights;
using Stockroom.Features.Ledger;
using Stockroom.Features.Webhooks;
using Stockroom.Storage;

namespace Stockroom;

/// <summary>Opens the store with the reactions every change runs, registered here and nowhere else.</summary>
public static class Stores
{
    /// <summary>
    /// In the order they run: demand history and valuation follow the change's movements; alerts are recorded with the change's events; webhook deliveries and
    /// channel publication stamps and each position's history by SKU are written under the ledger head's lock, with the sequences the
    /// events were given; caches are cleared once the change is committed.
    /// </summary>
    public static IStockStore Open(string? connectionString, TimeProvider time)
    {
        try
        {
            return StoreFactory.Create(connectionString, time,
                store => [new Bookkeeping(), new AlertReaction(store), new WebhookQueue(), new ChannelStamps(), new PositionHistory(), new CacheClearing()]);
        }
        catch (ArgumentException exception)
        {
            // The drivers' own words name the keyword they could not read; the secret-bearing string itself is not repeated.
            throw new SettingException($"ConnectionStrings:Stockroom is not a connection string Stockroom can use: {exception.Message}", exception);
        }
    }
}
