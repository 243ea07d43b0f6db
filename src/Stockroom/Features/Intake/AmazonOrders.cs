using System.Text.Json;

namespace Stockroom.Features.Intake;

/// <summary>
/// Amazon Selling Partner API orders, in three shapes:
/// <list type="bullet">
/// <item>the combined shape <c>{"order": getOrder, "orderItems": [getOrderItems pages]}</c>: the
/// Orders API v0 answers, each as returned (<c>{"payload": …}</c>) or as its payload alone, the
/// pages of one order's items merged in order;</item>
/// <item>an <c>ORDER_CHANGE</c> notification (Notifications API), whose summary carries the items;</item>
/// <item>one order object with its <c>OrderItems</c>, bare or in <c>{"payload": …}</c> (the shape
/// Stockroom read first).</item>
/// </list>
/// The Orders API 2026-01-01 <c>getOrder</c> answer is read by <see cref="AmazonOrders2026"/>.
/// https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-reference,
/// https://developer-docs.amazon.com/sp-api/docs/notification-type-values (ORDER_CHANGE)
/// </summary>
internal static class AmazonOrders
{
    internal const string BuyerCancel = "the buyer asked to cancel it";

    public static MarketplaceOrder? Read(IntakeReader r, JsonElement root)
    {
        if (IntakeReader.String(root, "NotificationType") is { } type)
        {
            if (type != "ORDER_CHANGE")
            {
                r.Error("NotificationType", "must be ORDER_CHANGE: no other notification carries an order");
                return null;
            }

            return Notification(r, root);
        }

        if (AmazonOrders2026.Matches(root))
        {
            return AmazonOrders2026.Read(r, root);
        }

        return IntakeReader.Has(root, "order") ? Combined(r, root) : Single(r, root);
    }

    /// <summary>The payload of an SP-API answer (<c>{"payload": …}</c>), or the element itself when it is not wrapped.</summary>
    private static (JsonElement Inner, string Prefix) Unwrap(JsonElement element, string prefix) =>
        IntakeReader.Object(element, "payload") is { ValueKind: JsonValueKind.Object } payload ? (payload, $"{prefix}payload.") : (element, prefix);

    private static MarketplaceOrder? Single(IntakeReader r, JsonElement root)
    {
        var (order, prefix) = Unwrap(root, "");
        var id = r.Id(order, "AmazonOrderId", prefix);
        var cancelled = IntakeReader.String(order, "OrderStatus") == "Canceled";
        var set = new LineSet();
        if (r.Array(order, "OrderItems", $"{prefix}OrderItems", required: !cancelled) is { } items)
        {
            r.Lines(set, items, $"{prefix}OrderItems", Item(r, "SellerSKU", "QuantityOrdered"));
        }

        r.CheckCount(set, $"{prefix}OrderItems", cancelled);
        return id is null ? null : new MarketplaceOrder(id, set.Stock, set.Skipped, cancelled, r.Time(order, "LastUpdateDate", $"{prefix}LastUpdateDate"));
    }

    private static MarketplaceOrder? Combined(IntakeReader r, JsonElement root)
    {
        var (order, prefix) = Unwrap(IntakeReader.Object(root, "order"), "order.");
        var id = r.Id(order, "AmazonOrderId", prefix);
        var cancelled = IntakeReader.String(order, "OrderStatus") == "Canceled";
        var set = new LineSet();
        if (r.Array(root, "orderItems", "orderItems", required: !cancelled) is { } pages)
        {
            var i = 0;
            foreach (var page in pages.EnumerateArray())
            {
                var (items, at) = Unwrap(page, $"orderItems[{i++}].");
                // Pages of another order's items must not be taken for this one's.
                if (id is not null && IntakeReader.String(items, "AmazonOrderId") is { } of && of != id)
                {
                    r.Error($"{at}AmazonOrderId", $"must be the order's own id, '{id}'");
                }

                if (r.Array(items, "OrderItems", $"{at}OrderItems", required: true) is { } lines)
                {
                    r.Lines(set, lines, $"{at}OrderItems", Item(r, "SellerSKU", "QuantityOrdered"));
                }
            }
        }

        r.CheckCount(set, "orderItems", cancelled);
        return id is null ? null : new MarketplaceOrder(id, set.Stock, set.Skipped, cancelled, r.Time(order, "LastUpdateDate", $"{prefix}LastUpdateDate"));
    }

    /// <summary>
    /// An <c>ORDER_CHANGE</c> notification. A buyer's request to cancel (the change reason, or the
    /// item's <c>IsBuyerRequestedCancel</c>) owes nothing, like the <c>Canceled</c> status: the
    /// units are not held while the seller answers it.
    /// </summary>
    private static MarketplaceOrder? Notification(IntakeReader r, JsonElement root)
    {
        const string prefix = "Payload.OrderChangeNotification.";
        var notification = IntakeReader.Object(IntakeReader.Object(root, "Payload"), "OrderChangeNotification");
        var id = r.Id(notification, "AmazonOrderId", prefix);
        var summary = IntakeReader.Object(notification, "Summary");
        var reason = IntakeReader.String(IntakeReader.Object(notification, "OrderChangeTrigger"), "ChangeReason");
        var cancelled = IntakeReader.String(summary, "OrderStatus") == "Canceled"
            || (reason is not null && reason.Contains("cancel", StringComparison.OrdinalIgnoreCase));
        var set = new LineSet();
        if (r.Array(summary, "OrderItems", $"{prefix}Summary.OrderItems", required: !cancelled) is { } items)
        {
            r.Lines(set, items, $"{prefix}Summary.OrderItems", (item, at) =>
                IntakeReader.Flag(item, "IsBuyerRequestedCancel")
                    ? LineRead.Skipped(BuyerCancel)
                    : Item(r, IntakeReader.Has(item, "SellerSku") && !IntakeReader.Has(item, "SellerSKU") ? "SellerSku" : "SellerSKU", "Quantity")(item, at));
        }

        // The buyer asking to cancel every item is asking to cancel the order.
        cancelled |= set.Count > 0 && set.Skipped.Count == set.Count && set.Skipped.All(l => l.Reason == BuyerCancel);
        r.CheckCount(set, $"{prefix}Summary.OrderItems", cancelled);
        var version = r.Time(root, "EventTime", "EventTime")
            ?? r.Time(IntakeReader.Object(notification, "OrderChangeTrigger"), "TimeOfOrderChange", $"{prefix}OrderChangeTrigger.TimeOfOrderChange");
        return id is null ? null : new MarketplaceOrder(id, set.Stock, set.Skipped, cancelled, version);
    }

    /// <summary>
    /// Units owed on an item: ordered less shipped. Amazon reports 0 ordered for an item cancelled
    /// before it shipped. An item is mapped by its seller SKU, then its ASIN.
    /// </summary>
    private static Func<JsonElement, string, LineRead?> Item(IntakeReader r, string skuField, string orderedField) => (item, at) =>
    {
        var ordered = r.Quantity(item, orderedField, at, min: 0);
        var (shippedOk, shipped) = r.OptionalQuantity(item, "QuantityShipped", at);
        var sku = r.Sku(item, skuField, at);
        if (ordered is null || !shippedOk)
        {
            return null;
        }

        if (shipped > ordered)
        {
            r.Error($"{at}.QuantityShipped", $"cannot be more than {orderedField}");
            return null;
        }

        return LineRead.Of(sku, skuField, ordered.Value - (shipped ?? 0), shipped ?? 0, sku, IntakeReader.ListingId(item, "ASIN"));
    };
}
