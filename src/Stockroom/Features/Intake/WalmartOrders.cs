using System.Text.Json;
using Stockroom.Core;

namespace Stockroom.Features.Intake;

/// <summary>
/// Walmart Marketplace orders (Orders API v3): one order as <c>getAnOrder</c> answers it
/// (<c>{"order": …}</c>) or bare, and the lists of <c>getAllOrders</c> and
/// <c>getAllReleasedOrders</c> (<c>{"list": {"elements": {"order": […]}}}</c>), each order of a
/// list read on its own. https://developer.walmart.com/api/us/mp/orders
/// </summary>
internal static class WalmartOrders
{
    /// <summary>Walmart pages its lists at 200 orders at most.</summary>
    public const int OrdersMax = 200;

    /// <summary>Line statuses whose units the seller still has to ship.</summary>
    private static readonly string[] Owed = ["Created", "Acknowledged"];

    /// <summary>Line statuses whose units have left the seller.</summary>
    private static readonly string[] Gone = ["Shipped", "Delivered"];

    public static (IReadOnlyList<ParsedOrder> Orders, bool IsList) Read(JsonElement root)
    {
        if (!IntakeReader.Has(root, "list"))
        {
            return ([IntakeReader.Read(r => Order(r, root))], false);
        }

        var elements = IntakeReader.Object(IntakeReader.Object(root, "list"), "elements");
        if (elements.ValueKind != JsonValueKind.Object || !elements.TryGetProperty("order", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > OrdersMax)
        {
            return ([IntakeReader.Read(r =>
            {
                r.Error("list.elements.order", $"is required and must be an array of at most {OrdersMax} orders");
                return null;
            })], false);
        }

        return ([.. list.EnumerateArray().Select((order, i) => IntakeReader.Read(r => Order(r, order, $"list.elements.order[{i}].")))], true);
    }

    private static MarketplaceOrder? Order(IntakeReader r, JsonElement root, string prefix = "")
    {
        var wrapped = prefix.Length == 0 && !IntakeReader.Has(root, "purchaseOrderId") && IntakeReader.Object(root, "order").ValueKind == JsonValueKind.Object;
        var order = wrapped ? root.GetProperty("order") : root;
        prefix = wrapped ? "order." : prefix;
        var id = r.Id(order, "purchaseOrderId", prefix);
        var orderLines = IntakeReader.Object(order, "orderLines");
        if (orderLines.ValueKind != JsonValueKind.Object)
        {
            r.Error($"{prefix}orderLines", "is required and must be an object with orderLine");
            return null;
        }

        var set = new LineSet();
        var statuses = new List<string>();
        DateTimeOffset? version = null;
        if (r.Array(orderLines, "orderLine", $"{prefix}orderLines.orderLine", required: true) is { } lines)
        {
            r.Lines(set, lines, $"{prefix}orderLines.orderLine", (line, at) =>
            {
                var statusDate = r.Time(line, "statusDate", $"{at}.statusDate");
                version = statusDate > version || version is null ? statusDate : version;
                return Line(r, line, at, statuses);
            });
        }

        // An order whose every line is cancelled owes nothing and, if held, is cancelled.
        var cancelled = statuses.Count > 0 && statuses.All(s => s == "Cancelled");
        r.CheckCount(set, $"{prefix}orderLines.orderLine", cancelled);
        return id is null ? null : new MarketplaceOrder(id, set.Stock, set.Skipped, cancelled, version);
    }

    /// <summary>
    /// Units owed on a line: the units of its statuses still to ship (Created, Acknowledged);
    /// shipped and cancelled units are not held. A line without statuses owes its whole quantity.
    /// </summary>
    private static LineRead? Line(IntakeReader r, JsonElement line, string at, List<string> statuses)
    {
        var item = IntakeReader.Object(line, "item");
        var quantity = IntakeReader.Object(line, "orderLineQuantity");
        long? ordered = null;
        if (quantity.ValueKind == JsonValueKind.Object)
        {
            ordered = r.Quantity(quantity, "amount", $"{at}.orderLineQuantity");
        }
        else
        {
            r.Error($"{at}.orderLineQuantity", "is required");
        }

        var owed = Statuses(r, line, at, statuses);
        if (item.ValueKind != JsonValueKind.Object)
        {
            r.Error($"{at}.item", "is required");
            return null;
        }

        var sku = r.Sku(item, "sku", $"{at}.item");
        if (ordered is null || owed.Ok is false)
        {
            return null;
        }

        if (owed.Units > ordered)
        {
            r.Error($"{at}.orderLineStatuses", "cannot add up to more units than orderLineQuantity");
            return null;
        }

        return LineRead.Of(sku, "sku", owed.Units ?? ordered.Value, owed.Shipped, sku);
    }

    /// <summary>The units of a line's statuses still to ship, and shipped; null units when the line lists no status.</summary>
    private static (bool Ok, long? Units, long Shipped) Statuses(IntakeReader r, JsonElement line, string at, List<string> seen)
    {
        var path = $"{at}.orderLineStatuses.orderLineStatus";
        if (!IntakeReader.Has(line, "orderLineStatuses"))
        {
            return (true, null, 0);
        }

        if (r.Array(IntakeReader.Object(line, "orderLineStatuses"), "orderLineStatus", path, required: true) is not { } statuses)
        {
            return (false, null, 0);
        }

        var ok = true;
        long units = 0, shipped = 0;
        var i = 0;
        foreach (var status in statuses.EnumerateArray().Take(Limits.DemandLinesMax))
        {
            var here = $"{path}[{i++}]";
            var name = IntakeReader.String(status, "status");
            var quantity = IntakeReader.Object(status, "statusQuantity");
            var amount = quantity.ValueKind == JsonValueKind.Object ? r.Quantity(quantity, "amount", $"{here}.statusQuantity", min: 0) : null;
            if (name is null || quantity.ValueKind != JsonValueKind.Object)
            {
                r.Error(name is null ? $"{here}.status" : $"{here}.statusQuantity", "is required");
            }

            if (name is null || amount is null)
            {
                ok = false;
                continue;
            }

            seen.Add(name);
            units += Owed.Contains(name, StringComparer.Ordinal) ? amount.Value : 0;
            shipped += Gone.Contains(name, StringComparer.Ordinal) ? amount.Value : 0;
        }

        return (ok, units, shipped);
    }
}
