using System.Text.Json;

namespace Stockroom.Features.Intake;

/// <summary>
/// One line of a marketplace order, as read: its path in the payload, the SKU it names (null when
/// it names none), the marketplace's own ids for what was sold, most specific first (a Shopify
/// variant id, an Amazon seller SKU or ASIN: the keys a channel's listings map to SKUs), the units
/// still owed and the units shipped, and the field that should have named the SKU.
/// </summary>
public sealed record MarketplaceLine(string Path, string? Sku, IReadOnlyList<string> Listings, long Owed, long Shipped, string SkuField);

/// <summary>A line of the marketplace order that is not held, named by its path in the payload, and why.</summary>
public sealed record SkippedLine(string Line, string Reason);

/// <summary>
/// A marketplace order reduced to what allocation needs: its id, its stock lines, the lines that
/// are not stock and why (gift cards, buyer cancellations), whether the marketplace cancelled it,
/// and the marketplace's own time of its last change (the version a later one is compared with).
/// A refund (<c>RefundId</c> set) is not a version: its lines' owed units are the units it cancels.
/// </summary>
public sealed record MarketplaceOrder(string OrderId, IReadOnlyList<MarketplaceLine> Lines, IReadOnlyList<SkippedLine> Skipped, bool Cancelled,
    DateTimeOffset? Version)
{
    public string? RefundId { get; init; }
}

/// <summary>
/// One order of a payload: what was read, or by field what is wrong with it (with the marketplace's
/// order id when that much could be read, for the audit trail).
/// </summary>
public sealed record ParsedOrder(MarketplaceOrder? Order, IDictionary<string, string[]>? Errors, string? MarketplaceId = null);

/// <summary>
/// Reads each marketplace's own order payloads, in the shapes its webhooks and APIs deliver them,
/// and names the field that is wrong when one is. Fields a marketplace adds are ignored; only the
/// ones read here must be right. Google is not read: Buy on Google ended, and with it its orders.
/// </summary>
public static class MarketplaceOrders
{
    public static readonly IReadOnlyList<string> Formats = ["shopify", "amazon", "walmart", "google"];

    /// <summary>Formats Stockroom still names but takes no orders from.</summary>
    public static readonly IReadOnlyList<string> Retired = ["google"];

    /// <summary>
    /// The orders of a payload. A list (Walmart's order lists) gives one entry per order, each read
    /// on its own; any other payload gives one entry, and <c>IsList</c> is false.
    /// </summary>
    public static (IReadOnlyList<ParsedOrder> Orders, bool IsList) Parse(string format, JsonElement payload) => format switch
    {
        "shopify" => ([IntakeReader.Read(r => ShopifyOrders.Read(r, payload))], false),
        "amazon" => ([IntakeReader.Read(r => AmazonOrders.Read(r, payload))], false),
        "walmart" => WalmartOrders.Read(payload),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a marketplace Stockroom reads orders from"),
    };

    /// <summary>A payload that carries one order; a list is refused here.</summary>
    public static ParsedOrder ParseOne(string format, JsonElement payload)
    {
        var (orders, isList) = Parse(format, payload);
        return isList ? new ParsedOrder(null, new Dictionary<string, string[]> { ["list"] = ["carries several orders"] }) : orders[0];
    }
}
