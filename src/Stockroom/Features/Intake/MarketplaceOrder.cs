using System.Text.Json;

namespace Stockroom.Features.Intake;

/// <summary>Units of a SKU the marketplace still owes the buyer: ordered, not yet shipped, cancelled or refunded.</summary>
public sealed record OwedLine(string Sku, long Quantity);

/// <summary>A line of the marketplace order that is not held, named by its path in the payload, and why.</summary>
public sealed record SkippedLine(string Line, string Reason);

/// <summary>
/// A marketplace order reduced to what allocation needs: its id, the units still owed per SKU,
/// the lines not held and why, whether the marketplace cancelled it, and the marketplace's own
/// time of its last change (the version a later update would be compared with).
/// </summary>
public sealed record MarketplaceOrder(string OrderId, IReadOnlyList<OwedLine> Lines, IReadOnlyList<SkippedLine> Skipped, bool Cancelled, DateTimeOffset? Version)
{
    /// <summary>Nothing to hold: the order is cancelled, or every line is skipped, shipped or refunded.</summary>
    public bool OwesNothing => Cancelled || Lines.Sum(l => l.Quantity) == 0;
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
