using System.Text.Json;

namespace Stockroom.Client;

/// <summary>
/// A typed client for the Stockroom HTTP API (contract v1), grouped the way inventory is talked
/// about: the catalog and the selling network, supply, availability, reservations, orders and the
/// ledger. Every refusal the server answers with problem details is thrown as a
/// <see cref="StockroomProblemException"/> or one of its kinds (<see cref="InsufficientStockException"/>,
/// <see cref="NotFoundException"/>, <see cref="ValidationException"/>…). Nothing is retried behind
/// the caller's back; <see cref="StockroomRetry"/> retries an idempotent call when asked to.
/// </summary>
/// <remarks>
/// The <see cref="HttpClient"/> is the caller's: its <see cref="HttpClient.BaseAddress"/> is the
/// server (e.g. <c>https://stock.example.com/</c>, ending with a slash when the API sits under a path),
/// and its lifetime, handlers and timeouts are left as they are. The API key, when given, is sent
/// with each request rather than set on the shared client.
/// </remarks>
public sealed class StockroomClient
{
    /// <summary>A client over <paramref name="http"/>, sending <c>Authorization: Bearer <paramref name="apiKey"/></c> when a key is given.</summary>
    public StockroomClient(HttpClient http, string? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            // Every path is relative to the server's address; without one the first call would fail far from the cause.
            throw new ArgumentException("Set the HttpClient's BaseAddress to the Stockroom server, e.g. https://stock.example.com/.", nameof(http));
        }

        var transport = new StockroomTransport(http, apiKey);
        Items = new ItemsClient(transport);
        Locations = new LocationsClient(transport);
        Groups = new GroupsClient(transport);
        Channels = new ChannelsClient(transport);
        SafetyStockRules = new SafetyStockRulesClient(transport);
        LowStockRules = new LowStockRulesClient(transport);
        Supply = new SupplyClient(transport);
        Transfers = new TransfersClient(transport);
        Availability = new AvailabilityClient(transport);
        Reservations = new ReservationsClient(transport);
        Orders = new OrdersClient(transport);
        Allocations = new AllocationsClient(transport);
        Events = new EventsClient(transport);
        Webhooks = new WebhooksClient(transport);
    }

    /// <summary>
    /// The wire format: camelCase, enums as camelCase words, nulls left out. Useful to read what
    /// the client does not type, such as an event's <see cref="LedgerEvent.Data"/> or a webhook's body.
    /// </summary>
    public static JsonSerializerOptions JsonOptions => StockroomTransport.Json;

    /// <summary>Sellable SKUs.</summary>
    public ItemsClient Items { get; }

    /// <summary>Stores, warehouses, distribution centres and suppliers.</summary>
    public LocationsClient Locations { get; }

    /// <summary>Distribution groups: the locations that serve one kind of promise.</summary>
    public GroupsClient Groups { get; }

    /// <summary>Sales channels and their marketplace listings.</summary>
    public ChannelsClient Channels { get; }

    /// <summary>Units kept back from promising.</summary>
    public SafetyStockRulesClient SafetyStockRules { get; }

    /// <summary>Thresholds under which a position raises <c>stock.low</c>.</summary>
    public LowStockRulesClient LowStockRules { get; }

    /// <summary>Counts from systems of record, and relative adjustments.</summary>
    public SupplyClient Supply { get; }

    /// <summary>Units sent from one location to another.</summary>
    public TransfersClient Transfers { get; }

    /// <summary>Available to promise, for one SKU or many.</summary>
    public AvailabilityClient Availability { get; }

    /// <summary>Holds on units for carts and checkouts.</summary>
    public ReservationsClient Reservations { get; }

    /// <summary>Demand allocated at locations, through fulfilment.</summary>
    public OrdersClient Orders { get; }

    /// <summary>Units held for orders the POS or ERP does not know yet.</summary>
    public AllocationsClient Allocations { get; }

    /// <summary>The append-only, hash-chained ledger of every change.</summary>
    public EventsClient Events { get; }

    /// <summary>Signed deliveries of events to subscribers.</summary>
    public WebhooksClient Webhooks { get; }
}
