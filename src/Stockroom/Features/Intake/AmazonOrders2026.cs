using System.Text.Json;

namespace Stockroom.Features.Intake;

/// <summary>
/// Amazon Selling Partner API orders as the Orders API version 2026-01-01 answers <c>getOrder</c>:
/// <c>{"order": …}</c> with the items inline, or the order alone (as each entry of
/// <c>searchOrders</c>' <c>orders</c>). Fields are camelCase, which is how the shape is told from
/// v0's <c>AmazonOrderId</c>. The order must be asked for with <c>includedData=FULFILLMENT</c>:
/// only that dataset says whether the order is cancelled and how many units of each item shipped.
/// Written after the Orders API 2026-01-01 model, <c>models/orders-api-model/orders_2026-01-01.json</c>
/// in https://github.com/amzn/selling-partner-api-models (<c>GetOrderResponse</c>, <c>Order</c>,
/// <c>OrderFulfillment</c>, <c>FulfillmentStatus</c>, <c>OrderItem</c>, <c>ItemProduct</c>,
/// <c>ItemFulfillment</c>, <c>ItemCancellation</c>), and
/// https://developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide
/// </summary>
internal static class AmazonOrders2026
{
    private const string ItemCancelled = "the item is cancelled";

    /// <summary>
    /// Whether the payload is a 2026-01-01 order: the root, or its <c>order</c>, has <c>orderId</c>
    /// and no <c>AmazonOrderId</c>. v0's combined shape has an <c>order</c> too, but it holds
    /// <c>payload</c> or <c>AmazonOrderId</c>, never <c>orderId</c>.
    /// </summary>
    public static bool Matches(JsonElement root) => IsOrder(root) || IsOrder(IntakeReader.Object(root, "order"));

    public static MarketplaceOrder? Read(IntakeReader r, JsonElement root)
    {
        var wrapped = !IsOrder(root);
        var order = wrapped ? IntakeReader.Object(root, "order") : root;
        var prefix = wrapped ? "order." : "";
        var id = r.Id(order, "orderId", prefix);
        var cancelled = Status(r, order, prefix) == "CANCELLED";
        var set = new LineSet();
        if (r.Array(order, "orderItems", $"{prefix}orderItems", required: !cancelled) is { } items)
        {
            r.Lines(set, items, $"{prefix}orderItems", (item, at) => Item(r, item, at));
        }

        // Every item cancelled, or asked by the buyer to be: the order is, as in an ORDER_CHANGE.
        cancelled |= set.Count > 0 && set.Skipped.Count == set.Count
            && set.Skipped.All(l => l.Reason is AmazonOrders.BuyerCancel or ItemCancelled);
        r.CheckCount(set, $"{prefix}orderItems", cancelled);
        return id is null ? null : new MarketplaceOrder(id, set.Stock, set.Skipped, cancelled, r.Time(order, "lastUpdatedTime", $"{prefix}lastUpdatedTime"));
    }

    private static bool IsOrder(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("orderId", out _) && !element.TryGetProperty("AmazonOrderId", out _);

    /// <summary>
    /// The order's <c>fulfillment.fulfillmentStatus</c>. It is required although the schema makes
    /// <c>fulfillment</c> optional: without it (no <c>includedData=FULFILLMENT</c>) neither a
    /// cancellation nor the units shipped are reported, and every unit ordered would be held.
    /// </summary>
    private static string? Status(IntakeReader r, JsonElement order, string prefix)
    {
        var status = IntakeReader.String(IntakeReader.Object(order, "fulfillment"), "fulfillmentStatus");
        if (string.IsNullOrEmpty(status))
        {
            r.Error($"{prefix}fulfillment.fulfillmentStatus", "is required: ask getOrder for includedData=FULFILLMENT, which reports cancellations and shipped units");
        }

        return status;
    }

    /// <summary>
    /// Units owed on an item: <c>quantityOrdered</c> less <c>fulfillment.quantityFulfilled</c> (the
    /// units shipped). The schema counts no cancelled units per item; an item with a cancellation
    /// carried out (<c>cancellation.cancellationExecution</c>) owes nothing, and one the buyer asked
    /// to cancel (<c>cancellationRequest.requester</c> <c>BUYER</c>) is not held while the seller
    /// answers, like <c>IsBuyerRequestedCancel</c> in an ORDER_CHANGE.
    /// </summary>
    private static LineRead? Item(IntakeReader r, JsonElement item, string at)
    {
        var cancellation = IntakeReader.Object(item, "cancellation");
        if (IntakeReader.Has(cancellation, "cancellationExecution"))
        {
            return LineRead.Skipped(ItemCancelled);
        }

        if (IntakeReader.String(IntakeReader.Object(cancellation, "cancellationRequest"), "requester") == "BUYER")
        {
            return LineRead.Skipped(AmazonOrders.BuyerCancel);
        }

        var ordered = r.Quantity(item, "quantityOrdered", at, min: 0);
        var fulfillment = IntakeReader.Object(item, "fulfillment");
        var (fulfilledOk, fulfilled) = fulfillment.ValueKind == JsonValueKind.Object
            ? r.OptionalQuantity(fulfillment, "quantityFulfilled", $"{at}.fulfillment")
            : (!IntakeReader.Has(item, "fulfillment"), null);
        if (!fulfilledOk && fulfillment.ValueKind != JsonValueKind.Object)
        {
            r.Error($"{at}.fulfillment", "must be an object");
        }

        var product = IntakeReader.Object(item, "product");
        if (product.ValueKind != JsonValueKind.Object)
        {
            r.Error($"{at}.product", "is required and must be an object");
            return null;
        }

        var sku = r.Sku(product, "sellerSku", $"{at}.product");
        if (ordered is null || !fulfilledOk)
        {
            return null;
        }

        var shipped = fulfilled ?? 0;
        if (shipped > ordered)
        {
            r.Error($"{at}.fulfillment.quantityFulfilled", "cannot be more than quantityOrdered");
            return null;
        }

        return LineRead.Of(sku, "sellerSku", ordered.Value - shipped, shipped, sku, IntakeReader.ListingId(product, "asin"));
    }
}
