using System.Globalization;
using System.Text.Json;
using Stockroom.Core;

namespace Stockroom.Features.Intake;

/// <summary>A marketplace order reduced to what allocation needs: its id and its SKUs and quantities.</summary>
public sealed record MarketplaceOrder(string OrderId, IReadOnlyList<(string Sku, long Quantity)> Lines);

/// <summary>
/// Reads each marketplace's own order payload, as its webhook or API delivers it, and names the
/// field that is wrong when one is: Shopify's order webhook, an Amazon SP-API order with its
/// items, a Walmart order, a Google Merchant (Content API) order. Fields a marketplace adds are
/// ignored; only the ones read here must be right.
/// </summary>
public static class MarketplaceOrders
{
    public static readonly IReadOnlyList<string> Formats = ["shopify", "amazon", "walmart", "google"];

    public static (MarketplaceOrder? Order, IDictionary<string, string[]>? Errors) Parse(string format, JsonElement payload)
    {
        var reader = new Reader();
        var order = format switch
        {
            "shopify" => Shopify(reader, payload),
            "amazon" => Amazon(reader, payload),
            "walmart" => Walmart(reader, payload),
            "google" => Google(reader, payload),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown marketplace format"),
        };
        return reader.Errors.Count > 0 || order is null ? (null, reader.ErrorsByField()) : (order, null);
    }

    // https://shopify.dev/docs/api/admin-rest/latest/resources/webhook (orders/create)
    private static MarketplaceOrder? Shopify(Reader r, JsonElement order)
    {
        var id = r.Id(order, "id");
        if (order.ValueKind == JsonValueKind.Object && order.TryGetProperty("cancelled_at", out var cancelled) && cancelled.ValueKind != JsonValueKind.Null)
        {
            r.Error("cancelled_at", "the order is cancelled; there is nothing to allocate");
        }

        var lines = r.Lines(order, "line_items", (item, at) => (r.Sku(item, "sku", at), r.Quantity(item, "quantity", at)));
        return id is null || lines is null ? null : new MarketplaceOrder(id, lines);
    }

    // https://developer-docs.amazon.com/sp-api/docs/orders-api-v0-reference (getOrder + getOrderItems)
    private static MarketplaceOrder? Amazon(Reader r, JsonElement root)
    {
        var wrapped = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("payload", out _);
        var order = wrapped ? root.GetProperty("payload") : root;
        var prefix = wrapped ? "payload." : "";
        var id = r.Id(order, "AmazonOrderId", prefix);
        var lines = r.Lines(order, "OrderItems", (item, at) => (r.Sku(item, "SellerSKU", at), r.Quantity(item, "QuantityOrdered", at)), prefix);
        return id is null || lines is null ? null : new MarketplaceOrder(id, lines);
    }

    // https://developer.walmart.com/api/us/mp/orders (order with orderLines.orderLine)
    private static MarketplaceOrder? Walmart(Reader r, JsonElement root)
    {
        var wrapped = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("order", out _);
        var order = wrapped ? root.GetProperty("order") : root;
        var prefix = wrapped ? "order." : "";
        var id = r.Id(order, "purchaseOrderId", prefix);
        if (order.ValueKind != JsonValueKind.Object || !order.TryGetProperty("orderLines", out var orderLines) || orderLines.ValueKind != JsonValueKind.Object)
        {
            r.Error($"{prefix}orderLines", "is required and must be an object with orderLine");
            return null;
        }

        var lines = r.Lines(orderLines, "orderLine", (line, at) =>
        {
            var sku = line.TryGetProperty("item", out var item) && item.ValueKind == JsonValueKind.Object
                ? r.Sku(item, "sku", $"{at}.item") : r.Missing($"{at}.item");
            var quantity = line.TryGetProperty("orderLineQuantity", out var q) && q.ValueKind == JsonValueKind.Object
                ? r.Quantity(q, "amount", $"{at}.orderLineQuantity") : r.MissingQuantity($"{at}.orderLineQuantity");
            return (sku, quantity);
        }, $"{prefix}orderLines.");
        return id is null || lines is null ? null : new MarketplaceOrder(id, lines);
    }

    // https://developers.google.com/shopping-content/reference/rest/v2.1/orders (lineItems[].product.offerId)
    private static MarketplaceOrder? Google(Reader r, JsonElement order)
    {
        var id = r.Id(order, "id");
        var lines = r.Lines(order, "lineItems", (item, at) =>
        {
            var sku = item.TryGetProperty("product", out var product) && product.ValueKind == JsonValueKind.Object
                ? r.Sku(product, "offerId", $"{at}.product") : r.Missing($"{at}.product");
            return (sku, r.Quantity(item, "quantityOrdered", at));
        });
        return id is null || lines is null ? null : new MarketplaceOrder(id, lines);
    }

    /// <summary>Reads fields and collects, by path, what is wrong with them.</summary>
    private sealed class Reader
    {
        public List<(string Field, string Message)> Errors { get; } = [];

        public Dictionary<string, string[]> ErrorsByField() =>
            Errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);

        public void Error(string field, string message) => Errors.Add((field, message));

        public string? Missing(string field)
        {
            Error(field, "is required");
            return null;
        }

        public long? MissingQuantity(string field)
        {
            Error(field, "is required");
            return null;
        }

        /// <summary>An order id: a string or a whole number, as marketplaces differ.</summary>
        public string? Id(JsonElement order, string name, string prefix = "")
        {
            if (order.ValueKind != JsonValueKind.Object || !order.TryGetProperty(name, out var value))
            {
                return Missing($"{prefix}{name}");
            }

            var id = value.ValueKind switch
            {
                JsonValueKind.String => Text(value),
                JsonValueKind.Number when value.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
                _ => null,
            };
            if (string.IsNullOrEmpty(id) || !Identifier.IsValid(id))
            {
                Error($"{prefix}{name}", "must be a non-empty order id of letters, digits, '.', '_', ':' or '-'");
                return null;
            }

            return id;
        }

        public List<(string Sku, long Quantity)>? Lines(JsonElement order, string name,
            Func<JsonElement, string, (string? Sku, long? Quantity)> line, string prefix = "")
        {
            if (order.ValueKind != JsonValueKind.Object || !order.TryGetProperty(name, out var items) || items.ValueKind != JsonValueKind.Array)
            {
                Error($"{prefix}{name}", "is required and must be an array");
                return null;
            }

            if (items.GetArrayLength() is 0 or > Limits.DemandLinesMax)
            {
                Error($"{prefix}{name}", $"must have 1 to {Limits.DemandLinesMax} lines");
                return null;
            }

            var lines = new List<(string, long)>();
            var i = 0;
            foreach (var item in items.EnumerateArray())
            {
                var at = $"{prefix}{name}[{i++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Error(at, "must be an object");
                    continue;
                }

                var (sku, quantity) = line(item, at);
                if (sku is not null && quantity is not null)
                {
                    lines.Add((sku, quantity.Value));
                }
            }

            return lines;
        }

        public string? Sku(JsonElement item, string name, string at)
        {
            var sku = item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Text(value) : null;
            if (!Identifier.IsValid(sku))
            {
                Error($"{at}.{name}", "must be the SKU, as listed in Stockroom");
                return null;
            }

            return sku;
        }

        /// <summary>
        /// A string's value, or null when it cannot be one: bytes that are not UTF-8, or an escaped
        /// lone surrogate. The payload is kept as raw JSON, so such text is only found when it is
        /// read, here; it is a field error like any other, not a failure of the server.
        /// </summary>
        private static string? Text(JsonElement value)
        {
            try
            {
                return value.GetString();
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }

        /// <summary>A quantity: a whole number, or a string of one (Walmart sends "1").</summary>
        public long? Quantity(JsonElement item, string name, string at)
        {
            long quantity = 0;
            var ok = item.TryGetProperty(name, out var value) && value.ValueKind switch
            {
                JsonValueKind.Number => value.TryGetInt64(out quantity),
                JsonValueKind.String => long.TryParse(Text(value), NumberStyles.None, CultureInfo.InvariantCulture, out quantity),
                _ => false,
            };
            if (!ok || quantity < 1 || quantity > Limits.QuantityMax)
            {
                Error($"{at}.{name}", $"must be a whole number from 1 to {Limits.QuantityMax}");
                return null;
            }

            return quantity;
        }
    }
}
