using System.Text.Json;

namespace Stockroom.Features.Intake;

/// <summary>
/// Shopify's Order resource (REST Admin API), as the <c>orders/create</c> and <c>orders/updated</c>
/// webhooks deliver it (the bare order) and as <c>GET /admin/api/…/orders/{id}.json</c> answers
/// (wrapped in <c>{"order": …}</c>); and the Refund resource, as the <c>refunds/create</c> webhook
/// delivers it.
/// https://shopify.dev/docs/api/admin-rest/latest/resources/order,
/// https://shopify.dev/docs/api/admin-rest/latest/resources/refund
/// </summary>
internal static class ShopifyOrders
{
    public static MarketplaceOrder? Read(IntakeReader r, JsonElement root)
    {
        if (IntakeReader.Has(root, "refund_line_items") && IntakeReader.Has(root, "order_id"))
        {
            return Refund(r, root);
        }

        var wrapped = !IntakeReader.Has(root, "id") && IntakeReader.Object(root, "order").ValueKind == JsonValueKind.Object;
        var order = wrapped ? root.GetProperty("order") : root;
        var prefix = wrapped ? "order." : "";
        var id = r.Id(order, "id", prefix);
        // A cancelled order owes nothing: Shopify keeps its lines, but none of them is to be held.
        var cancelled = IntakeReader.Has(order, "cancelled_at");
        var set = new LineSet();
        if (r.Array(order, "line_items", $"{prefix}line_items", required: !cancelled) is { } items)
        {
            r.Lines(set, items, $"{prefix}line_items", Line(r));
        }

        r.CheckCount(set, $"{prefix}line_items", cancelled);
        return id is null ? null : new MarketplaceOrder(id, set.Stock, set.Skipped, cancelled, r.Time(order, "updated_at", $"{prefix}updated_at"));
    }

    /// <summary>
    /// Units still owed on a line. <c>current_quantity</c> is the quantity less the units removed
    /// or refunded; <c>fulfillable_quantity</c> is the quantity less the units fulfilled or
    /// refunded. Neither alone is the units still to ship when both a refund and a fulfilment
    /// happened, so the smaller of the ones present is held; <c>quantity</c> when neither is. The
    /// units fulfilled are the ones still on the order (current) that are not owed. A line is
    /// mapped by its variant id before its SKU.
    /// </summary>
    private static Func<JsonElement, string, LineRead?> Line(IntakeReader r) => (item, at) =>
    {
        var quantity = r.Quantity(item, "quantity", at);
        var (currentOk, current) = r.OptionalQuantity(item, "current_quantity", at);
        var (fulfillableOk, fulfillable) = r.OptionalQuantity(item, "fulfillable_quantity", at);
        if (IntakeReader.Flag(item, "gift_card"))
        {
            return LineRead.Skipped("a gift card is not stock");
        }

        var sku = r.Sku(item, "sku", at);
        if (quantity is null || !currentOk || !fulfillableOk)
        {
            return null;
        }

        var kept = Math.Min(quantity.Value, current ?? quantity.Value);
        var owed = Math.Min(kept, fulfillable ?? quantity.Value);
        return LineRead.Of(sku, "sku", owed, kept - owed, IntakeReader.ListingId(item, "variant_id"), sku);
    };

    /// <summary>
    /// A refund: the units of its lines restocked as <c>cancel</c> (Shopify's restock type for
    /// unfulfilled units) are no longer owed, and are the refund's lines. Other restock types are
    /// refunds of fulfilled units (<c>return</c>) or say nothing of whether the units had shipped
    /// (<c>no_restock</c>, <c>legacy_restock</c>): they change no hold, and the order's own next
    /// version (<c>orders/updated</c>, which Shopify sends with every refund) says what is owed.
    /// </summary>
    private static MarketplaceOrder? Refund(IntakeReader r, JsonElement refund)
    {
        var orderId = r.Id(refund, "order_id");
        var refundId = r.Id(refund, "id");
        var set = new LineSet();
        if (r.Array(refund, "refund_line_items", "refund_line_items", required: true) is { } items)
        {
            r.Lines(set, items, "refund_line_items", (item, at) =>
            {
                var quantity = r.Quantity(item, "quantity", at, min: 0);
                var line = IntakeReader.Object(item, "line_item");
                var sku = line.ValueKind == JsonValueKind.Object ? r.Sku(line, "sku", $"{at}.line_item") : null;
                if (IntakeReader.Flag(line, "gift_card"))
                {
                    return LineRead.Skipped("a gift card is not stock");
                }

                var cancelled = IntakeReader.String(item, "restock_type") == "cancel" ? quantity ?? 0 : 0;
                return quantity is null ? null : LineRead.Of(sku, "sku", cancelled, 0, IntakeReader.ListingId(line, "variant_id"), sku);
            });
        }

        return orderId is null || refundId is null ? null
            : new MarketplaceOrder(orderId, set.Stock, set.Skipped, false, r.Time(refund, "created_at", "created_at")) { RefundId = refundId };
    }
}
