using System.Text.Json;

namespace Stockroom.Features.Intake;

/// <summary>
/// Shopify's Order resource (REST Admin API), as the <c>orders/create</c> and <c>orders/updated</c>
/// webhooks deliver it (the bare order) and as <c>GET /admin/api/…/orders/{id}.json</c> answers
/// (wrapped in <c>{"order": …}</c>).
/// https://shopify.dev/docs/api/admin-rest/latest/resources/order
/// </summary>
internal static class ShopifyOrders
{
    public static MarketplaceOrder? Read(IntakeReader r, JsonElement root)
    {
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
        return id is null ? null : new MarketplaceOrder(id, set.Owed, set.Skipped, cancelled, IntakeReader.Time(order, "updated_at"));
    }

    /// <summary>
    /// Units still owed on a line. <c>current_quantity</c> is the quantity less the units removed
    /// or refunded; <c>fulfillable_quantity</c> is the quantity less the units fulfilled or
    /// refunded. Neither alone is the units still to ship when both a refund and a fulfilment
    /// happened, so the smaller of the ones present is held; <c>quantity</c> when neither is.
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

        var (sku, skip) = r.Sku(item, "sku", at);
        if (skip is not null)
        {
            return LineRead.Skipped(skip);
        }

        if (sku is null || quantity is null || !currentOk || !fulfillableOk)
        {
            return null;
        }

        return new LineRead(sku, Math.Min(quantity.Value, Math.Min(current ?? quantity.Value, fulfillable ?? quantity.Value)));
    };
}
