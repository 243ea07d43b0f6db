using Stockroom.Core.Alerts;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Insights;
using Stockroom.Core.Ledger;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>The stored answer to an idempotent write, replayed when the same request comes again.</summary>
public sealed record IdempotencyRecord(string Scope, string Key, string RequestHash, int StatusCode, string Response, DateTimeOffset CreatedAt);

/// <summary>A reservation with the digest of the request that made it, for idempotent replays.</summary>
public sealed record StoredReservation(Reservation Reservation, string RequestHash);

/// <summary>An order with the digest of the request that made it, for idempotent replays.</summary>
public sealed record StoredOrder(Order Order, string RequestHash);

/// <summary>Which reservations to list; null filters match everything.</summary>
public sealed record ReservationFilter(ReservationStatus? Status, string? Channel, string? Sku, string? After, int Limit);

/// <summary>Which orders to list, in id order after <c>After</c>; null filters match everything.</summary>
public sealed record OrderFilter(OrderStatus? Status, string? Channel, string? Sku, string? Location, DateTimeOffset? CreatedAfter, string? After, int Limit);

/// <summary>Units allocated for an open order at a location that its POS or ERP does not know of yet (none on the seller's word).</summary>
public sealed record WaitingAllocation(string OrderId, string Channel, string Sku, string Location, long Quantity,
    DateTimeOffset AllocatedAt, DateTimeOffset? SentToPosAt);

/// <summary>One published change of a SKU's availability on a channel.</summary>
public sealed record ChannelUpdate(long Id, string Sku, long Available, DateTimeOffset PublishedAt);

/// <summary>See <see cref="IStockWrite.CountBasisAsync"/>.</summary>
public readonly record struct CountBasis(long SeenBySource, long MovedSince);

/// <summary>What a write adds to each counter of a position.</summary>
public readonly record struct PositionDelta(PositionKey Key, long OnHand, long Reserved, long Allocated, long Backordered)
{
    public bool IsZero => OnHand == 0 && Reserved == 0 && Allocated == 0 && Backordered == 0;

    public PositionDelta Plus(PositionDelta other) =>
        this with { OnHand = OnHand + other.OnHand, Reserved = Reserved + other.Reserved, Allocated = Allocated + other.Allocated, Backordered = Backordered + other.Backordered };
}

/// <summary>
/// What availability is computed from, for a set of SKUs at a set of locations: the items, their
/// positions (absent ones read as empty), inbound lots and the safety stock rules that apply.
/// </summary>
public sealed record StockSnapshot(
    IReadOnlyDictionary<string, Item> Items,
    IReadOnlyDictionary<PositionKey, Position> Positions,
    ILookup<PositionKey, InboundSupply> Inbound,
    SafetyStockPolicy SafetyStock)
{
    public Position PositionAt(string sku, string location) =>
        Positions.GetValueOrDefault(new PositionKey(sku, location)) ?? Position.Empty(new PositionKey(sku, location));
}

/// <summary>
/// The store. Reads are plain queries; every change goes through one <see cref="IStockWrite"/>,
/// one database transaction that also appends the change's ledger events.
/// </summary>
public interface IStockStore : IAsyncDisposable
{
    StoreKind Kind { get; }

    /// <summary>Applies the migrations this version knows and the database lacks.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    Task<bool> PingAsync(CancellationToken cancellationToken);

    Task<IStockWrite> BeginWriteAsync(CancellationToken cancellationToken);

    Task<Item?> GetItemAsync(string sku, CancellationToken cancellationToken);
    Task<IReadOnlyList<Item>> ListItemsAsync(string? after, int limit, CancellationToken cancellationToken);
    Task<Location?> GetLocationAsync(string id, CancellationToken cancellationToken);
    Task<IReadOnlyList<Location>> ListLocationsAsync(string? after, int limit, CancellationToken cancellationToken);
    Task<IReadOnlyList<Location>> GetLocationsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);
    Task<IReadOnlyList<Item>> GetItemsAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken);
    Task<IReadOnlyList<DistributionGroup>> GetGroupsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);
    Task<IReadOnlyList<Channel>> GetChannelsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);
    Task<DistributionGroup?> GetGroupAsync(string id, CancellationToken cancellationToken);
    Task<IReadOnlyList<DistributionGroup>> ListGroupsAsync(string? after, int limit, CancellationToken cancellationToken);
    Task<Channel?> GetChannelAsync(string id, CancellationToken cancellationToken);
    Task<IReadOnlyList<Channel>> ListChannelsAsync(string? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Everything availability needs for these SKUs at these locations: items and stock (positions
    /// and inbound) read fresh in one round trip, the safety stock rules through <see cref="Catalog"/>.
    /// </summary>
    Task<StockSnapshot> ReadStockAsync(IReadOnlyCollection<string> skus, IReadOnlyCollection<string> locations, CancellationToken cancellationToken);


    Task<IReadOnlyList<LedgerEvent>> ReadEventsAsync(long after, int limit, CancellationToken cancellationToken);

    /// <summary>The ledger head: the last sequence and hash, as the writers keep them.</summary>
    Task<(long Sequence, string Hash)> ReadLedgerHeadAsync(CancellationToken cancellationToken);

    /// <summary>Positions whose SKU starts with <paramref name="skuPrefix"/>, at these locations (null: all), in key order.</summary>
    Task<IReadOnlyList<Position>> SearchPositionsAsync(string? skuPrefix, IReadOnlyCollection<string>? locations, PositionKey? after, int limit, CancellationToken cancellationToken);

    /// <summary>Positions with little or nothing left to promise, or short, for the alerts page.</summary>
    Task<IReadOnlyList<Position>> ListTightPositionsAsync(long availableMax, int limit, CancellationToken cancellationToken);

    /// <summary>Positions in key order, after <paramref name="after"/>, for a full scan.</summary>
    Task<IReadOnlyList<Position>> ReadPositionsAsync(PositionKey? after, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, StoredReservation>> GetReservationsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);
    Task<IReadOnlyList<Reservation>> ListReservationsAsync(ReservationFilter filter, CancellationToken cancellationToken);
    Task<Order?> GetOrderAsync(string id, CancellationToken cancellationToken);

    /// <summary>Orders with their lines, in id order; see <see cref="OrderFilter"/>.</summary>
    Task<IReadOnlyList<Order>> ListOrdersAsync(OrderFilter filter, CancellationToken cancellationToken);

    /// <summary>A channel's published availability updates, oldest first.</summary>
    Task<IReadOnlyList<ChannelUpdate>> ReadChannelFeedAsync(string channel, long after, int limit, CancellationToken cancellationToken);

    /// <summary>Active and partial reservations with a line for one of these SKUs, newest first.</summary>
    Task<IReadOnlyList<Reservation>> GetHoldingReservationsAsync(IReadOnlyCollection<string> skus, int limit, CancellationToken cancellationToken);

    /// <summary>Backordered reservations with a line for one of these SKUs: highest priority, then oldest, first.</summary>
    Task<IReadOnlyList<Reservation>> GetBackorderedReservationsAsync(IReadOnlyCollection<string> skus, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// True for failures that running the same transaction again may cure: a concurrent write won
    /// a unique key, or the database broke a deadlock or a serialization conflict.
    /// </summary>
    bool IsTransient(Exception exception);

    Task<IReadOnlyList<SafetyStockRule>> ListSafetyRulesAsync(string? sku, CancellationToken cancellationToken);

    Task<IReadOnlyList<LowStockRule>> ListLowStockRulesAsync(string? sku, CancellationToken cancellationToken);

    /// <summary>The safety stock and low-stock rules that bear on these positions, through <see cref="Catalog"/>.</summary>
    Task<(SafetyStockPolicy SafetyStock, LowStockPolicy LowStock)> GetAlertPoliciesAsync(IReadOnlyCollection<PositionKey> keys, CancellationToken cancellationToken);

    Task<(Webhook Webhook, string RequestHash)?> GetWebhookAsync(string id, CancellationToken cancellationToken);
    Task<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken);

    Task<(StoredApiKey Key, string RequestHash)?> GetApiKeyAsync(string id, CancellationToken cancellationToken);

    /// <summary>The unrevoked key whose secret has this SHA-256 digest (lower-case hex), if any.</summary>
    Task<StoredApiKey?> FindApiKeyByHashAsync(string keyHash, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredApiKey>> ListApiKeysAsync(CancellationToken cancellationToken);

    /// <summary>Whether any key created through the API is still in force: if so, Stockroom is not open.</summary>
    Task<bool> AnyActiveApiKeyAsync(CancellationToken cancellationToken);
    Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string webhookId, long? before, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Claims due deliveries for this process: locks them (skipping any another process holds) and
    /// pushes their next attempt past <paramref name="lease"/>, so that no one else takes them
    /// while they are being sent, and a crash mid-send only delays them.
    /// </summary>
    Task<IReadOnlyList<(WebhookDelivery Delivery, Webhook Webhook)>> ClaimDeliveriesAsync(int limit, TimeSpan lease, CancellationToken cancellationToken);

    Task RecordDeliveryAsync(long id, bool delivered, int? status, string? failure, DateTimeOffset nextAttemptAt, bool givenUp, CancellationToken cancellationToken);

    /// <summary>Lines of open orders their POS or ERP has not acknowledged, oldest first.</summary>
    Task<IReadOnlyList<WaitingAllocation>> ListWaitingAllocationsAsync(string? location, int limit, CancellationToken cancellationToken);

    /// <summary>The safety stock rules that bear on these SKUs at these locations (null: all of them).</summary>
    Task<SafetyStockPolicy> GetSafetyPolicyAsync(IReadOnlyCollection<string>? skus, IReadOnlyCollection<string>? locations, CancellationToken cancellationToken);

    /// <summary>The same rules through <see cref="Catalog"/>: every rule kept while they are few, else these SKUs' own.</summary>
    Task<SafetyStockPolicy> GetCachedSafetyPolicyAsync(IReadOnlyCollection<string> skus, IReadOnlyCollection<string> locations, CancellationToken cancellationToken);

    /// <summary>
    /// Scopes (a SKU at a location, group or channel) recently seen with nothing left to promise,
    /// so that holds on sold-out stock are refused without a transaction.
    /// </summary>
    SoldOutCache SoldOut { get; }

    /// <summary>The catalog as the write paths read it, kept briefly; see <see cref="CatalogCache"/>.</summary>
    CatalogCache Catalog { get; }

    /// <summary>Signals appends to the ledger made by this process.</summary>
    LedgerSignal Ledger { get; }

    /// <summary>Demand history of these SKUs at these locations (null: all), day by day from <paramref name="first"/> to <paramref name="last"/> inclusive.</summary>
    Task<IReadOnlyList<DemandDay>> ReadDemandAsync(IReadOnlyCollection<string> skus, IReadOnlyCollection<string>? locations, DateOnly first, DateOnly last,
        CancellationToken cancellationToken);

    /// <summary>Valuations at weighted average cost, in SKU order, after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<CostLayer>> ReadCostsAsync(string? after, int limit, CancellationToken cancellationToken);

    /// <summary>On-hand units of each of these SKUs, summed over every location.</summary>
    Task<IReadOnlyDictionary<string, long>> ReadOnHandTotalsAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken);

    Task<Transfer?> GetTransferAsync(string id, CancellationToken cancellationToken);
}

/// <summary>
/// One write transaction. Positions are locked in the global <see cref="PositionKey"/> order
/// before they are read for a decision, and written back as deltas, so two writers never
/// read-modify-write the same counter. Nothing is visible to others until <see cref="CommitAsync"/>;
/// disposing without committing rolls everything back.
/// </summary>
public interface IStockWrite : IAsyncDisposable
{
    /// <summary>The moment this transaction records its changes at.</summary>
    DateTimeOffset Now { get; }

    Task<IdempotencyRecord?> FindIdempotencyAsync(string scope, string key, CancellationToken cancellationToken);
    Task SaveIdempotencyAsync(IdempotencyRecord record, CancellationToken cancellationToken);

    Task<Item?> GetItemAsync(string sku, CancellationToken cancellationToken);
    Task<Location?> GetLocationAsync(string id, CancellationToken cancellationToken);
    Task<DistributionGroup?> GetGroupAsync(string id, CancellationToken cancellationToken);
    Task<Channel?> GetChannelAsync(string id, CancellationToken cancellationToken);

    /// <summary>Which of these SKUs exist.</summary>
    Task<IReadOnlySet<string>> ExistingSkusAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken);

    /// <summary>Which of these locations exist.</summary>
    Task<IReadOnlySet<string>> ExistingLocationsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    Task UpsertItemAsync(Item item, CancellationToken cancellationToken);
    Task UpsertLocationAsync(Location location, CancellationToken cancellationToken);
    Task UpsertGroupAsync(DistributionGroup group, CancellationToken cancellationToken);
    Task UpsertChannelAsync(Channel channel, CancellationToken cancellationToken);

    /// <summary>Locks the positions (creating empty ones as needed) in key order and reads them.</summary>
    Task<IReadOnlyDictionary<PositionKey, Position>> LockPositionsAsync(IReadOnlyCollection<PositionKey> keys, CancellationToken cancellationToken);

    /// <summary>Writes the difference between each pair as a delta on the locked row. Such changes never move on-hand.</summary>
    Task WritePositionsAsync(IReadOnlyCollection<(Position Before, Position After)> changes, CancellationToken cancellationToken);

    /// <summary>
    /// Writes changes that move stock, journalling each change of on-hand (and, for an order's
    /// movement, of its allocation) with its cause and this transaction's time, so that a count
    /// as of an earlier time can be brought forward by what happened since.
    /// </summary>
    Task WritePositionsAsync(IReadOnlyCollection<(Position Before, Position After)> changes, StockMovement movement, CancellationToken cancellationToken);

    /// <summary>Reads the inbound lots of locked positions.</summary>
    Task<IReadOnlyList<InboundSupply>> ReadInboundAsync(IReadOnlyCollection<PositionKey> keys, CancellationToken cancellationToken);

    /// <summary>Sets inbound lots to their quantity; a lot of zero is removed.</summary>
    Task SetInboundAsync(IReadOnlyCollection<InboundSupply> lots, CancellationToken cancellationToken);

    /// <summary>Reads reservations by id; with <paramref name="forUpdate"/>, locks them until the transaction ends.</summary>
    Task<IReadOnlyDictionary<string, StoredReservation>> FindReservationsAsync(IReadOnlyCollection<string> ids, bool forUpdate, CancellationToken cancellationToken);

    Task InsertReservationsAsync(IReadOnlyCollection<StoredReservation> reservations, CancellationToken cancellationToken);

    /// <summary>Writes the status, lines and order of reservations read in this transaction.</summary>
    Task UpdateReservationsAsync(IReadOnlyCollection<Reservation> reservations, CancellationToken cancellationToken);

    /// <summary>
    /// Locks up to <paramref name="limit"/> open reservations whose time ran out, skipping any that
    /// another process is working on, so each expiry happens once.
    /// </summary>
    Task<IReadOnlyList<Reservation>> LockExpiredReservationsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    Task<StoredOrder?> FindOrderAsync(string id, bool forUpdate, CancellationToken cancellationToken);

    /// <summary>Locks the channels whose publication is due, skipping any another process is publishing.</summary>
    Task<IReadOnlyList<(Channel Channel, long Through)>> LockDueChannelsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>SKUs whose stock changed after ledger sequence <paramref name="after"/>, in sequence order.</summary>
    Task<IReadOnlyList<(string Sku, long Sequence)>> ChangedSkusAsync(long after, int limit, CancellationToken cancellationToken);

    /// <summary>The availability last published to a channel for these SKUs.</summary>
    Task<IReadOnlyDictionary<string, long>> PublishedAsync(string channel, IReadOnlyCollection<string> skus, CancellationToken cancellationToken);

    /// <summary>Appends updates to a channel's feed and moves its publication on.</summary>
    Task PublishAsync(string channel, IReadOnlyList<(string Sku, long Available)> updates, long through, DateTimeOffset nextDueAt, CancellationToken cancellationToken);

    Task UpsertSafetyRuleAsync(SafetyStockRule rule, CancellationToken cancellationToken);

    Task UpsertLowStockRuleAsync(LowStockRule rule, CancellationToken cancellationToken);

    Task<LowStockRule?> DeleteLowStockRuleAsync(string? sku, string? location, string? group, CancellationToken cancellationToken);

    Task InsertWebhookAsync(Webhook webhook, string requestHash, CancellationToken cancellationToken);

    Task<bool> DeleteWebhookAsync(string id, CancellationToken cancellationToken);

    Task InsertApiKeyAsync(StoredApiKey key, string requestHash, CancellationToken cancellationToken);

    /// <summary>Revokes the key; false when there is none in force with this id.</summary>
    Task<bool> RevokeApiKeyAsync(string id, CancellationToken cancellationToken);

    /// <summary>Queues deliveries of an event to every subscription that asked for its type.</summary>
    Task EnqueueDeliveriesAsync(string eventType, IReadOnlyList<string> payloads, CancellationToken cancellationToken);


    /// <summary>Locks and reads the last snapshot time of a source at these locations.</summary>
    Task<IReadOnlyDictionary<string, DateTimeOffset>> LockWatermarksAsync(string source, IReadOnlyCollection<string> locations, CancellationToken cancellationToken);

    Task SetWatermarksAsync(string source, IReadOnlyCollection<string> locations, DateTimeOffset asOf, CancellationToken cancellationToken);

    /// <summary>
    /// What a count as of <paramref name="asOf"/> is brought forward by at each of these positions:
    /// units of orders their POS or ERP had acknowledged by then and that were still allocated
    /// then, and the sum of every movement of on-hand but counts recorded after it.
    /// </summary>
    Task<IReadOnlyDictionary<PositionKey, CountBasis>> CountBasisAsync(IReadOnlyCollection<PositionKey> keys, DateTimeOffset asOf, CancellationToken cancellationToken);

    /// <summary>Deletes the rule with exactly these selectors; returns it, or null when there was none.</summary>
    Task<SafetyStockRule?> DeleteSafetyRuleAsync(string? sku, string? location, string? group, CancellationToken cancellationToken);
    Task InsertOrderAsync(StoredOrder order, CancellationToken cancellationToken);
    Task UpdateOrderAsync(Order order, CancellationToken cancellationToken);

    /// <summary>Adds shipped and lost units to the demand history, day by day.</summary>
    Task AddDemandAsync(IReadOnlyCollection<DemandDay> days, CancellationToken cancellationToken);

    /// <summary>
    /// Locks the valuations of these SKUs (creating empty ones as needed), in SKU order, and reads
    /// them. Taken after the positions a write locks, and before the ledger head.
    /// </summary>
    Task<IReadOnlyDictionary<string, CostLayer>> LockCostsAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken);

    /// <summary>Writes valuations locked in this transaction.</summary>
    Task WriteCostsAsync(IReadOnlyCollection<CostLayer> layers, CancellationToken cancellationToken);

    Task<Transfer?> FindTransferAsync(string id, bool forUpdate, CancellationToken cancellationToken);
    Task InsertTransferAsync(Transfer transfer, CancellationToken cancellationToken);

    /// <summary>Writes a transfer's status, receipt time and received quantities.</summary>
    Task UpdateTransferAsync(Transfer transfer, CancellationToken cancellationToken);

    /// <summary>
    /// Queues an event, its data serialized in the ledger's one format (<see cref="LedgerJson"/>);
    /// it is chained onto the ledger when the transaction commits.
    /// </summary>
    void Record<T>(string type, T data);

    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>A write lost a race for a unique key with a concurrent one; running it again resolves it.</summary>
public sealed class WriteConflictException(string message, Exception inner) : Exception(message, inner);
