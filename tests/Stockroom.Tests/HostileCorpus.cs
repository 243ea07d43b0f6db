using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Stockroom.Core;

namespace Stockroom.Tests;

/// <summary>
/// One bad request, what it is meant to get back, and which field the refusal must name.
/// <see cref="ByKestrel"/> marks the few requests the web server itself refuses before any
/// application code runs (a NUL byte in the request target): a bare 400 with no body.
/// </summary>
public sealed record HostileCase(string Name, string Category, HttpStatusCode Status, string? Field, Func<HostileWorld, HttpRequestMessage> Build)
{
    public bool ByKestrel { get; init; }
}

/// <summary>
/// More than two hundred requests no well-behaved client sends, across every endpoint of the
/// contract: wrong types, overflow, huge arrays and bodies, deep nesting, broken UTF-8, control
/// characters, path tricks, duplicates, idempotency clashes, illegal transitions, absurd dates,
/// wrong content types and page sizes. Paths and bodies name the seeded world through
/// placeholders (<c>$SKU</c>, <c>$STORE</c>, <c>$WH</c>, <c>$GROUP</c>, <c>$CHANNEL</c>) and the
/// fixed ids of <see cref="HostileWorld"/>.
/// </summary>
public static class HostileCorpus
{
    private const HttpStatusCode Bad = HttpStatusCode.BadRequest;
    private const HttpStatusCode NotFound = HttpStatusCode.NotFound;
    private const HttpStatusCode Conflict = HttpStatusCode.Conflict;
    private const HttpStatusCode TooLarge = HttpStatusCode.RequestEntityTooLarge;
    private const HttpStatusCode Unsupported = HttpStatusCode.UnsupportedMediaType;
    private const HttpStatusCode Unprocessable = HttpStatusCode.UnprocessableEntity;

    /// <summary>A raw byte sequence spliced into a body where the body says «».</summary>
    private const string Splice = "«»";

    /// <summary>Every write endpoint, with a body it would accept, for the refusals every body must get.</summary>
    private static readonly (string Name, HttpMethod Method, string Path, string Body, string UnknownField)[] Writes =
    [
        ("items", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Desk lamp"}""", "colour"),
        ("locations", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canShip":true,"canPickup":true}""", "capacity"),
        ("groups", HttpMethod.Put, "/v1/groups/$GROUP", """{"name":"Ship to home","locations":["$STORE","$WH"]}""", "members"),
        ("channels", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web shop","group":"$GROUP"}""", "groupId"),
        ("sync", HttpMethod.Post, "/v1/supply/sync", """{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":[{"sku":"$SKU","location":"$STORE","type":"onHand","quantity":3}]}""", "asAt"),
        ("adjust", HttpMethod.Post, "/v1/supply/adjust", """{"id":"adj-new","lines":[{"sku":"$SKU","location":"$STORE","type":"onHand","delta":1,"reason":"count"}]}""", "force"),
        ("query", HttpMethod.Post, "/v1/availability/query", """{"skus":["$SKU"],"channel":"$CHANNEL"}""", "sku"),
        ("reservations", HttpMethod.Post, "/v1/reservations", """{"id":"hold-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1}]}""", "expiresIn"),
        ("orders", HttpMethod.Post, "/v1/orders", """{"id":"order-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1}]}""", "reservation"),
        ("order-events", HttpMethod.Post, "/v1/orders/order-open/events", """{"id":"evt-new","type":"packed"}""", "tracking"),
        ("safety-stock", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU","location":"$STORE","units":2}""", "unit"),
        ("low-stock", HttpMethod.Put, "/v1/rules/low-stock", """{"sku":"$SKU","threshold":3}""", "limit"),
        ("webhooks", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":"https://example.com/hook","events":["stock.low"],"secret":"0123456789abcdef"}""", "secrets"),
        ("intake", HttpMethod.Post, "/v1/intake/shopify", """{"id":9002,"line_items":[{"sku":"$SKU","quantity":1}]}""", ""),
        ("keys", HttpMethod.Post, "/v1/keys", """{"id":"key-new","scopes":["read"]}""", "role"),
        ("transfers", HttpMethod.Post, "/v1/transfers", """{"id":"transfer-new","from":"$WH","to":"$STORE","eta":"2026-11-25","lines":[{"sku":"$SKU","quantity":1}]}""", "via"),
    ];

    public static IReadOnlyList<HostileCase> All { get; } = [.. Build()];

    public static IReadOnlyDictionary<string, HostileCase> ByName { get; } = All.ToDictionary(c => c.Name, StringComparer.Ordinal);

    private static IEnumerable<HostileCase> Build() =>
    [
        .. EveryBody(),
        .. WrongTypes(),
        .. Overflow(),
        .. NegativeAndFractional(),
        .. HugeArrays(),
        .. BrokenText(),
        .. BadIdentifiers(),
        .. PathTricks(),
        .. Duplicates(),
        .. Clashes(),
        .. IllegalTransitions(),
        .. Unknown(),
        .. AbsurdDates(),
        .. PageSizes(),
        .. Misc(),
        .. WebhookTargets(),
    ];

    /// <summary>What every write endpoint must refuse, whatever it writes.</summary>
    private static IEnumerable<HostileCase> EveryBody()
    {
        foreach (var (name, method, path, body, unknownField) in Writes)
        {
            const string category = "every body";
            var intake = name == "intake";
            yield return Raw($"{name}: empty body", category, Bad, "body", method, path, [], "application/json");
            // A marketplace payload is read field by field: a JSON null or an array simply lacks the order id.
            yield return Json($"{name}: null body", category, Bad, intake ? "id" : "body", method, path, "null");
            yield return Json($"{name}: array body", category, Bad, intake ? "id" : "body", method, path, "[]");
            yield return Json($"{name}: whitespace body", category, Bad, "body", method, path, "   ");
            yield return Json($"{name}: truncated JSON", category, Bad, null, method, path, body[..^2]);
            yield return Json($"{name}: trailing comma", category, Bad, null, method, path, body[..^1] + ",}");
            yield return Json($"{name}: comment in JSON", category, Bad, null, method, path, "/* hi */" + body);
            yield return Json($"{name}: two JSON documents", category, Bad, null, method, path, body + body);
            yield return Json($"{name}: 10,000 nested arrays", category, Bad, null, method, path, new string('[', 10_000) + new string(']', 10_000));
            yield return Raw($"{name}: invalid UTF-8 byte", category, Bad, null, method, path,
                Spliced(body.Replace("\"$SKU\"", "\"$SKU" + Splice + "\"", StringComparison.Ordinal).Replace("\"name\":\"", "\"name\":\"" + Splice, StringComparison.Ordinal), [0xFF]),
                "application/json");
            yield return Raw($"{name}: text/plain", category, Unsupported, null, method, path, Encoding.UTF8.GetBytes(body), "text/plain");
            yield return Raw($"{name}: form encoded", category, Unsupported, null, method, path, Encoding.UTF8.GetBytes("name=lamp"), "application/x-www-form-urlencoded");
            yield return Raw($"{name}: no content type", category, Unsupported, null, method, path, Encoding.UTF8.GetBytes(body), null);
            yield return Huge($"{name}: body over 1 MiB", category, method, path, body);
            yield return Huge($"{name}: chunked body over 1 MiB", category, method, path, body, chunked: true);
            if (!intake)
            {
                // Marketplaces add fields freely, so intake ignores them; Stockroom's own bodies do not.
                yield return Json($"{name}: unknown field", category, Bad, unknownField, method, path, body[..^1] + $",\"{unknownField}\":1}}");
            }
        }
    }

    private static IEnumerable<HostileCase> WrongTypes()
    {
        const string c = "wrong types";
        yield return Json("items: name as a number", c, Bad, "name", HttpMethod.Put, "/v1/items/$SKU", """{"name":5}""");
        yield return Json("items: status as a number", c, Bad, "status", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","status":1}""");
        yield return Json("items: status not allowed", c, Bad, "status", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","status":"archived"}""");
        yield return Json("items: policy as a boolean", c, Bad, "policy", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","policy":true}""");
        yield return Json("items: backorderable as a string", c, Bad, "backorderable", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","backorderable":"yes"}""");
        yield return Json("items: attributes as an array", c, Bad, "attributes", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","attributes":["red"]}""");
        yield return Json("items: attribute value as a number", c, Bad, "attributes.size", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","attributes":{"size":42}}""");
        yield return Json("items: price as a string", c, Bad, "price", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","price":"49.90"}""");
        yield return Json("locations: canShip as a string", c, Bad, "canShip", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canShip":"true","canPickup":true}""");
        yield return Json("locations: type not allowed", c, Bad, "type", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"shop","canShip":true,"canPickup":true}""");
        yield return Json("locations: latitude as a string", c, Bad, "latitude", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canShip":true,"canPickup":true,"latitude":"north","longitude":1}""");
        yield return Json("locations: priority as an object", c, Bad, "priority", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canShip":true,"canPickup":true,"priority":{"v":1}}""");
        yield return Json("groups: locations as a string", c, Bad, "locations", HttpMethod.Put, "/v1/groups/$GROUP", """{"name":"G","locations":"$STORE"}""");
        yield return Json("groups: locations of numbers", c, Bad, "locations[0]", HttpMethod.Put, "/v1/groups/$GROUP", """{"name":"G","locations":[1,2]}""");
        yield return Json("channels: buffer as a number", c, Bad, "buffer", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","buffer":5}""");
        yield return Json("channels: buffer percent as a string", c, Bad, "buffer.percent", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","buffer":{"percent":"10"}}""");
        yield return Json("channels: ttl as a string", c, Bad, "reservationTtlSeconds", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","reservationTtlSeconds":"900"}""");
        yield return Json("sync: lines as an object", c, Bad, "lines", HttpMethod.Post, "/v1/supply/sync", """{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":{"sku":"$SKU"}}""");
        yield return Json("sync: asOf as a number", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", Sync("3").Replace("\"2026-11-22T08:30:00Z\"", "1795334400", StringComparison.Ordinal));
        yield return Json("sync: type as a number", c, Bad, "lines[0].type", HttpMethod.Post, "/v1/supply/sync", Sync("3").Replace("\"onHand\"", "0", StringComparison.Ordinal));
        yield return Json("sync: line as a string", c, Bad, "lines[0]", HttpMethod.Post, "/v1/supply/sync", """{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":["$SKU"]}""");
        yield return Json("sync: source as a number", c, Bad, "source", HttpMethod.Post, "/v1/supply/sync", Sync("3").Replace("\"erp\"", "42", StringComparison.Ordinal));
        yield return Json("sync: quantity as a string", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("\"3\""));
        yield return Json("sync: quantity as a boolean", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("true"));
        yield return Json("adjust: delta as a string", c, Bad, "lines[0].delta", HttpMethod.Post, "/v1/supply/adjust", Adjust("\"5\""));
        yield return Json("adjust: delta as an array", c, Bad, "lines[0].delta", HttpMethod.Post, "/v1/supply/adjust", Adjust("[5]"));
        yield return Json("adjust: unitCost as a string", c, Bad, "lines[0].unitCost", HttpMethod.Post, "/v1/supply/adjust",
            Adjust("5").Replace("\"reason\"", "\"unitCost\":\"cheap\",\"reason\"", StringComparison.Ordinal));
        yield return Json("query: skus as a string", c, Bad, "skus", HttpMethod.Post, "/v1/availability/query", """{"skus":"$SKU","channel":"$CHANNEL"}""");
        yield return Json("query: skus of numbers", c, Bad, "skus[0]", HttpMethod.Post, "/v1/availability/query", """{"skus":[1],"channel":"$CHANNEL"}""");
        yield return Json("query: date as a number", c, Bad, "date", HttpMethod.Post, "/v1/availability/query", """{"skus":["$SKU"],"channel":"$CHANNEL","date":20261201}""");
        yield return Json("reservations: quantity as a string", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/reservations", Hold("\"1\""));
        yield return Json("reservations: allowPartial as a string", c, Bad, "allowPartial", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", "\"allowPartial\":\"false\",\"lines\"", StringComparison.Ordinal));
        yield return Json("reservations: channel as an array", c, Bad, "channel", HttpMethod.Post, "/v1/reservations", Hold("1").Replace("\"$CHANNEL\"", "[\"$CHANNEL\"]", StringComparison.Ordinal));
        yield return Json("reservations: lines as an object", c, Bad, "lines", HttpMethod.Post, "/v1/reservations", """{"id":"hold-new","channel":"$CHANNEL","lines":{"sku":"$SKU","quantity":1}}""");
        yield return Json("reservations: line is null", c, Bad, "lines[0]", HttpMethod.Post, "/v1/reservations", """{"id":"hold-new","channel":"$CHANNEL","lines":[null]}""");
        yield return Json("orders: quantity null", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/orders", OrderBody("null"));
        yield return Json("orders: reservationId as a number", c, Bad, "reservationId", HttpMethod.Post, "/v1/orders", """{"id":"order-new","channel":"$CHANNEL","reservationId":42}""");
        yield return Json("order-events: type not allowed", c, Bad, "type", HttpMethod.Post, "/v1/orders/order-open/events", """{"id":"evt-new","type":"teleported"}""");
        yield return Json("order-events: type as a number", c, Bad, "type", HttpMethod.Post, "/v1/orders/order-open/events", """{"id":"evt-new","type":2}""");
        yield return Json("order-events: lines as an object", c, Bad, "lines", HttpMethod.Post, "/v1/orders/order-shipped/events", """{"id":"evt-new","type":"returned","lines":{"sku":"$SKU"}}""");
        yield return Json("safety-stock: units as a string", c, Bad, "units", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU","units":"2"}""");
        yield return Json("safety-stock: percent as a word", c, Bad, "percent", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU","percent":"ten"}""");
        yield return Json("low-stock: threshold as a string", c, Bad, "threshold", HttpMethod.Put, "/v1/rules/low-stock", """{"sku":"$SKU","threshold":"3"}""");
        yield return Json("webhooks: events as a string", c, Bad, "events", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":"https://example.com/h","events":"stock.low","secret":"0123456789abcdef"}""");
        yield return Json("webhooks: url as a number", c, Bad, "url", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":8080,"events":["stock.low"],"secret":"0123456789abcdef"}""");
        yield return Json("transfers: quantity as a string", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/transfers",
            """{"id":"transfer-new","from":"$WH","to":"$STORE","eta":"2026-11-25","lines":[{"sku":"$SKU","quantity":"1"}]}""");
        yield return Json("transfers: negative quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/transfers",
            """{"id":"transfer-new","from":"$WH","to":"$STORE","eta":"2026-11-25","lines":[{"sku":"$SKU","quantity":-1}]}""");
        yield return Json("transfers: from and to the same location", c, Bad, "to", HttpMethod.Post, "/v1/transfers",
            """{"id":"transfer-new","from":"$STORE","to":"$STORE","eta":"2026-11-25","lines":[{"sku":"$SKU","quantity":1}]}""");
        yield return Json("transfers: eta not a date", c, Bad, "eta", HttpMethod.Post, "/v1/transfers",
            """{"id":"transfer-new","from":"$WH","to":"$STORE","eta":"soon","lines":[{"sku":"$SKU","quantity":1}]}""");
        yield return Json("transfers: no lines", c, Bad, "lines", HttpMethod.Post, "/v1/transfers",
            """{"id":"transfer-new","from":"$WH","to":"$STORE","eta":"2026-11-25","lines":[]}""");
        yield return Get("insights: service level above one", c, Bad, "serviceLevel", "/v1/insights/replenishment?serviceLevel=2");
        yield return Get("insights: service level as a word", c, Bad, "serviceLevel", "/v1/insights/replenishment?serviceLevel=high");
        yield return Get("insights: a window of no days", c, Bad, "days", "/v1/insights/replenishment?days=0");
        yield return Get("insights: negative lead time", c, Bad, "leadTimeDays", "/v1/insights/replenishment?leadTimeDays=-3");
        yield return Send("transfers: receive one that does not exist", c, HttpStatusCode.NotFound, null, HttpMethod.Post, "/v1/transfers/no-such-transfer/receive");
        yield return Json("keys: scopes as a string", c, Bad, "scopes", HttpMethod.Post, "/v1/keys", """{"id":"key-new","scopes":"read"}""");
        yield return Json("keys: a scope that does not exist", c, Bad, "scopes", HttpMethod.Post, "/v1/keys", """{"id":"key-new","scopes":["superuser"]}""");
        yield return Json("keys: no scope at all", c, Bad, "scopes", HttpMethod.Post, "/v1/keys", """{"id":"key-new","scopes":[]}""");
        yield return Json("keys: a null scope", c, Bad, "scopes", HttpMethod.Post, "/v1/keys", """{"id":"key-new","scopes":[null]}""");
        yield return Json("keys: channel as a number", c, Bad, "channel", HttpMethod.Post, "/v1/keys", """{"id":"key-new","scopes":["read"],"channel":7}""");
        yield return Json("keys: bound to a channel that does not exist", c, HttpStatusCode.UnprocessableEntity, "channel", HttpMethod.Post, "/v1/keys",
            """{"id":"key-new","scopes":["read"],"channel":"no-such-channel"}""");
        yield return Json("keys: id with a slash", c, Bad, "id", HttpMethod.Post, "/v1/keys", """{"id":"key/new","scopes":["read"]}""");
        yield return Json("keys: name far too long", c, Bad, "name", HttpMethod.Post, "/v1/keys", $$"""{"id":"key-new","name":"{{new string('n', 5_000)}}","scopes":["read"]}""");
        yield return Json("intake: shopify line_items as an object", c, Bad, "line_items", HttpMethod.Post, "/v1/intake/shopify", """{"id":9002,"line_items":{"sku":"$SKU","quantity":1}}""");
        yield return Json("intake: amazon quantity as a word", c, Bad, "OrderItems[0].QuantityOrdered", HttpMethod.Post, "/v1/intake/amazon",
            """{"AmazonOrderId":"111-1","OrderItems":[{"SellerSKU":"$SKU","QuantityOrdered":"many"}]}""");
        // Google takes no orders any more: whatever the body, the answer is that it is gone.
        yield return Json("intake: google line item as a number", c, HttpStatusCode.Gone, null, HttpMethod.Post, "/v1/intake/google", """{"id":"G-1","lineItems":[7]}""");
        yield return Json("intake: walmart orderLines as an array", c, Bad, "orderLines", HttpMethod.Post, "/v1/intake/walmart", """{"purchaseOrderId":"W-1","orderLines":[]}""");
        yield return Json("intake: shopify id as an object", c, Bad, "id", HttpMethod.Post, "/v1/intake/shopify", """{"id":{"n":1},"line_items":[{"sku":"$SKU","quantity":1}]}""");
    }

    private static IEnumerable<HostileCase> Overflow()
    {
        const string c = "overflow";
        yield return Json("sync: quantity beyond long", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("9223372036854775808"));
        yield return Json("sync: quantity of 400 digits", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync(new string('9', 400)));
        yield return Json("sync: quantity in exponent form", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("1e3"));
        yield return Json("sync: quantity above a billion", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("1000000001"));
        yield return Json("sync: quantity of long.MaxValue", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("9223372036854775807"));
        yield return Json("adjust: delta below long", c, Bad, "lines[0].delta", HttpMethod.Post, "/v1/supply/adjust", Adjust("-9223372036854775809"));
        yield return Json("adjust: delta above a billion", c, Bad, "lines[0].delta", HttpMethod.Post, "/v1/supply/adjust", Adjust("1000000001"));
        yield return Json("adjust: delta below minus a billion", c, Bad, "lines[0].delta", HttpMethod.Post, "/v1/supply/adjust", Adjust("-1000000001"));
        yield return Json("reservations: quantity above int", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/reservations", Hold("2147483648"));
        yield return Json("reservations: quantity above a billion", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/reservations", Hold("1000000001"));
        yield return Json("reservations: priority above int", c, Bad, "priority", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", "\"priority\":2147483648,\"lines\"", StringComparison.Ordinal));
        yield return Json("reservations: priority above the limit", c, Bad, "priority", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", $"\"priority\":{Limits.PriorityMax + 1},\"lines\"", StringComparison.Ordinal));
        yield return Json("orders: quantity above a billion", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/orders", OrderBody("1000000001"));
        yield return Json("order-events: returned quantity above a billion", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/orders/order-shipped/events",
            """{"id":"evt-new","type":"returned","lines":[{"sku":"$SKU","quantity":1000000001}]}""");
        yield return Json("items: price beyond decimal", c, Bad, "price", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","price":1e30}""");
        yield return Json("items: price of a billion", c, Bad, "price", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","price":1000000000}""");
        yield return Json("items: price with five decimals", c, Bad, "price", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","price":0.00001}""");
        yield return Json("items: unitCost beyond double", c, Bad, "unitCost", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","unitCost":1e400}""");
        yield return Json("items: acceptWithinSeconds above int", c, Bad, "acceptWithinSeconds", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","acceptWithinSeconds":2147483648}""");
        yield return Json("locations: priority above int", c, Bad, "priority", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canShip":true,"canPickup":true,"priority":99999999999}""");
        yield return Json("locations: latitude beyond double", c, Bad, "latitude", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canShip":true,"canPickup":true,"latitude":1e999,"longitude":0}""");
        yield return Json("locations: latitude past the pole", c, Bad, "latitude", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canShip":true,"canPickup":true,"latitude":90.0000001,"longitude":0}""");
        yield return Json("locations: longitude past the date line", c, Bad, "longitude", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canShip":true,"canPickup":true,"latitude":0,"longitude":-180.5}""");
        yield return Json("channels: buffer units above a billion", c, Bad, "buffer.units", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","buffer":{"units":1000000001}}""");
        yield return Json("channels: buffer percent above 100", c, Bad, "buffer.percent", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","buffer":{"percent":100.5}}""");
        yield return Json("channels: buffer percent beyond decimal", c, Bad, "buffer.percent", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","buffer":{"percent":1e29}}""");
        yield return Json("channels: publishEverySeconds above a day", c, Bad, "publishEverySeconds", HttpMethod.Put, "/v1/channels/$CHANNEL",
            $$"""{"name":"Web","group":"$GROUP","publishEverySeconds":{{Limits.PublishEverySecondsMax + 1}}}""");
        yield return Json("safety-stock: units above a billion", c, Bad, "units", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU","units":1000000001}""");
        yield return Json("safety-stock: percent above 100", c, Bad, "percent", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU","percent":101}""");
        yield return Json("safety-stock: vipPriority above the limit", c, Bad, "vipPriority", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU","units":1,"vipPriority":2000000}""");
        yield return Json("low-stock: threshold above a billion", c, Bad, "threshold", HttpMethod.Put, "/v1/rules/low-stock", """{"sku":"$SKU","threshold":1000000001}""");
        yield return Json("intake: walmart amount above a billion", c, Bad, "orderLines.orderLine[0].orderLineQuantity.amount", HttpMethod.Post, "/v1/intake/walmart",
            """{"purchaseOrderId":"W-1","orderLines":{"orderLine":[{"item":{"sku":"$SKU"},"orderLineQuantity":{"amount":"1000000001"}}]}}""");
        yield return Json("intake: shopify quantity beyond long", c, Bad, "line_items[0].quantity", HttpMethod.Post, "/v1/intake/shopify",
            """{"id":9002,"line_items":[{"sku":"$SKU","quantity":99999999999999999999}]}""");
        yield return Json("intake: shopify id beyond long", c, Bad, "id", HttpMethod.Post, "/v1/intake/shopify",
            """{"id":99999999999999999999,"line_items":[{"sku":"$SKU","quantity":1}]}""");
        yield return Get("events: after beyond long", c, Bad, "after", "/v1/events?after=9223372036854775808");
        yield return Get("items: limit beyond int", c, Bad, "limit", "/v1/items?limit=2147483648");
    }

    private static IEnumerable<HostileCase> NegativeAndFractional()
    {
        const string c = "negative and fractional";
        yield return Json("sync: negative quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("-1"));
        yield return Json("sync: fractional quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("2.5"));
        yield return Json("sync: quantity 1.0", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("1.0"));
        yield return Json("sync: quantity NaN", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("NaN"));
        yield return Json("sync: quantity Infinity string", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("\"Infinity\""));
        yield return Json("adjust: fractional delta", c, Bad, "lines[0].delta", HttpMethod.Post, "/v1/supply/adjust", Adjust("0.5"));
        yield return Json("adjust: zero delta", c, Bad, "lines[0].delta", HttpMethod.Post, "/v1/supply/adjust", Adjust("0"));
        yield return Json("adjust: negative unitCost", c, Bad, "lines[0].unitCost", HttpMethod.Post, "/v1/supply/adjust",
            Adjust("5").Replace("\"reason\"", "\"unitCost\":-1,\"reason\"", StringComparison.Ordinal));
        yield return Json("reservations: zero quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/reservations", Hold("0"));
        yield return Json("reservations: negative quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/reservations", Hold("-5"));
        yield return Json("reservations: fractional quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/reservations", Hold("2.5"));
        yield return Json("reservations: fractional priority", c, Bad, "priority", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", "\"priority\":1.5,\"lines\"", StringComparison.Ordinal));
        yield return Json("orders: zero quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/orders", OrderBody("0"));
        yield return Json("orders: negative quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/orders", OrderBody("-1"));
        yield return Json("orders: fractional quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/orders", OrderBody("1.5"));
        yield return Json("order-events: negative returned quantity", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/orders/order-shipped/events",
            """{"id":"evt-new","type":"returned","lines":[{"sku":"$SKU","quantity":-1}]}""");
        yield return Json("items: negative price", c, Bad, "price", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","price":-0.01}""");
        yield return Json("items: fractional acceptWithinSeconds", c, Bad, "acceptWithinSeconds", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","acceptWithinSeconds":1.5}""");
        yield return Json("locations: negative leadTimeDays", c, Bad, "leadTimeDays", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canShip":true,"canPickup":true,"leadTimeDays":-1}""");
        yield return Json("channels: negative buffer units", c, Bad, "buffer.units", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","buffer":{"units":-1}}""");
        yield return Json("channels: negative buffer percent", c, Bad, "buffer.percent", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","buffer":{"percent":-0.5}}""");
        yield return Json("safety-stock: negative units", c, Bad, "units", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU","units":-1}""");
        yield return Json("safety-stock: fractional units", c, Bad, "units", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU","units":0.5}""");
        yield return Json("low-stock: zero threshold", c, Bad, "threshold", HttpMethod.Put, "/v1/rules/low-stock", """{"sku":"$SKU","threshold":0}""");
        yield return Json("low-stock: negative threshold", c, Bad, "threshold", HttpMethod.Put, "/v1/rules/low-stock", """{"sku":"$SKU","threshold":-3}""");
        yield return Json("intake: shopify zero quantity", c, Bad, "line_items[0].quantity", HttpMethod.Post, "/v1/intake/shopify", """{"id":9002,"line_items":[{"sku":"$SKU","quantity":0}]}""");
        yield return Json("intake: shopify negative quantity", c, Bad, "line_items[0].quantity", HttpMethod.Post, "/v1/intake/shopify", """{"id":9002,"line_items":[{"sku":"$SKU","quantity":-1}]}""");
        yield return Json("intake: shopify fractional quantity", c, Bad, "line_items[0].quantity", HttpMethod.Post, "/v1/intake/shopify", """{"id":9002,"line_items":[{"sku":"$SKU","quantity":1.5}]}""");
        yield return Json("intake: walmart amount with a sign", c, Bad, "orderLines.orderLine[0].orderLineQuantity.amount", HttpMethod.Post, "/v1/intake/walmart",
            """{"purchaseOrderId":"W-1","orderLines":{"orderLine":[{"item":{"sku":"$SKU"},"orderLineQuantity":{"amount":"+1"}}]}}""");
        yield return Json("intake: shopify fractional id", c, Bad, "id", HttpMethod.Post, "/v1/intake/shopify", """{"id":9002.5,"line_items":[{"sku":"$SKU","quantity":1}]}""");
    }

    private static IEnumerable<HostileCase> HugeArrays()
    {
        const string c = "huge arrays";
        var holdLines = Lines(Limits.DemandLinesMax + 1, i => "{\"sku\":\"$SKU\",\"quantity\":1}");
        yield return Json("reservations: one line over the limit", c, Bad, "lines", HttpMethod.Post, "/v1/reservations", $$"""{"id":"hold-new","channel":"$CHANNEL","lines":{{holdLines}}}""");
        yield return Json("orders: one line over the limit", c, Bad, "lines", HttpMethod.Post, "/v1/orders", $$"""{"id":"order-new","channel":"$CHANNEL","lines":{{holdLines}}}""");
        yield return Json("order-events: one line over the limit", c, Bad, "lines", HttpMethod.Post, "/v1/orders/order-shipped/events", $$"""{"id":"evt-new","type":"returned","lines":{{holdLines}}}""");
        yield return Json("reservations: 100,000 lines", c, Bad, "lines", HttpMethod.Post, "/v1/reservations",
            $$"""{"id":"hold-new","channel":"$CHANNEL","lines":{{Lines(100_000, _ => "{}")}}}""");
        var supplyLines = Lines(Limits.SupplyLinesMax + 1, i => $"{{\"sku\":\"s{i}\",\"location\":\"l\",\"type\":\"onHand\",\"quantity\":1}}");
        yield return Json("sync: one line over the limit", c, Bad, "lines", HttpMethod.Post, "/v1/supply/sync", $$"""{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":{{supplyLines}}}""");
        var adjustLines = Lines(Limits.SupplyLinesMax + 1, i => $"{{\"sku\":\"s{i}\",\"location\":\"l\",\"type\":\"onHand\",\"delta\":1,\"reason\":\"r\"}}");
        yield return Json("adjust: one line over the limit", c, Bad, "lines", HttpMethod.Post, "/v1/supply/adjust", $$"""{"id":"adj-new","lines":{{adjustLines}}}""");
        yield return Json("query: one SKU over the limit", c, Bad, "skus", HttpMethod.Post, "/v1/availability/query",
            $$"""{"skus":{{Lines(Limits.BulkSkusMax + 1, i => $"\"s{i}\"")}},"channel":"$CHANNEL"}""");
        yield return Json("query: 100,000 SKUs", c, Bad, "skus", HttpMethod.Post, "/v1/availability/query",
            $$"""{"skus":{{Lines(100_000, _ => "\"s\"")}},"channel":"$CHANNEL"}""");
        yield return Json("query: empty skus", c, Bad, "skus", HttpMethod.Post, "/v1/availability/query", """{"skus":[],"channel":"$CHANNEL"}""");
        yield return Json("query: one location over the limit", c, Bad, "locations", HttpMethod.Post, "/v1/availability/query",
            $$"""{"skus":["$SKU"],"locations":{{Lines(Limits.GroupLocationsMax + 1, i => $"\"l{i}\"")}}}""");
        yield return Json("groups: one location over the limit", c, Bad, "locations", HttpMethod.Put, "/v1/groups/$GROUP",
            $$"""{"name":"G","locations":{{Lines(Limits.GroupLocationsMax + 1, i => $"\"l{i}\"")}}}""");
        yield return Json("items: one attribute over the limit", c, Bad, "attributes", HttpMethod.Put, "/v1/items/$SKU",
            $$$"""{"name":"Lamp","attributes":{{{{string.Join(",", Enumerable.Range(0, Limits.AttributesMax + 1).Select(i => $"\"k{i}\":\"v\""))}}}}}""");
        yield return Json("intake: shopify one line item over the limit", c, Bad, "line_items", HttpMethod.Post, "/v1/intake/shopify",
            $$"""{"id":9002,"line_items":{{Lines(Limits.DemandLinesMax + 1, _ => "{\"sku\":\"$SKU\",\"quantity\":1}")}}}""");
        yield return Json("webhooks: 10,000 unknown event types", c, Bad, "events", HttpMethod.Post, "/v1/webhooks",
            $$"""{"id":"hook-new","url":"https://example.com/h","events":{{Lines(10_000, i => $"\"e{i}\"")}},"secret":"0123456789abcdef"}""");
        yield return Json("reservations: empty lines", c, Bad, "lines", HttpMethod.Post, "/v1/reservations", """{"id":"hold-new","channel":"$CHANNEL","lines":[]}""");
        yield return Json("sync: empty lines", c, Bad, "lines", HttpMethod.Post, "/v1/supply/sync", """{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":[]}""");
        yield return Json("intake: shopify empty line items", c, Bad, "line_items", HttpMethod.Post, "/v1/intake/shopify", """{"id":9002,"line_items":[]}""");
        yield return Json("items: 10,000 nested arrays in an attribute", c, Bad, null, HttpMethod.Put, "/v1/items/$SKU",
            "{\"name\":\"Lamp\",\"attributes\":{\"a\":" + new string('[', 10_000) + new string(']', 10_000) + "}}");
        yield return Json("intake: 10,000 nested objects in an ignored field", c, Bad, null, HttpMethod.Post, "/v1/intake/shopify",
            "{\"id\":9002,\"note\":" + string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)
            + ",\"line_items\":[{\"sku\":\"$SKU\",\"quantity\":1}]}");
        yield return Json("intake: 64 nested arrays in an ignored field", c, Bad, null, HttpMethod.Post, "/v1/intake/amazon",
            "{\"AmazonOrderId\":\"111-2\",\"x\":" + new string('[', 64) + new string(']', 64) + ",\"OrderItems\":[{\"SellerSKU\":\"$SKU\",\"QuantityOrdered\":1}]}");
    }

    private static IEnumerable<HostileCase> BrokenText()
    {
        const string c = "broken text";
        yield return Raw("items: 0xC3 0x28 in the name", c, Bad, null, HttpMethod.Put, "/v1/items/$SKU", Spliced("{\"name\":\"La" + Splice + "mp\"}", [0xC3, 0x28]), "application/json");
        yield return Raw("reservations: overlong slash in the sku", c, Bad, null, HttpMethod.Post, "/v1/reservations",
            Spliced(Hold("1").Replace("\"$SKU\"", "\"$SKU" + Splice + "x\"", StringComparison.Ordinal), [0xC0, 0xAF]), "application/json");
        yield return Raw("sync: truncated multi-byte sequence", c, Bad, null, HttpMethod.Post, "/v1/supply/sync",
            Spliced(Sync("3").Replace("\"erp\"", "\"erp" + Splice + "\"", StringComparison.Ordinal), [0xE2, 0x82]), "application/json");
        yield return Raw("adjust: UTF-16 body labelled UTF-8", c, Bad, null, HttpMethod.Post, "/v1/supply/adjust", Encoding.Unicode.GetBytes(Adjust("1")), "application/json");
        yield return Raw("webhooks: encoded surrogate half in the secret", c, Bad, null, HttpMethod.Post, "/v1/webhooks",
            Spliced("""{"id":"hook-new","url":"https://example.com/h","events":["stock.low"],"secret":"0123456789abcdef«»"}""", [0xED, 0xA0, 0x80]), "application/json");
        yield return Raw("intake: invalid UTF-8 in a marketplace sku", c, Bad, null, HttpMethod.Post, "/v1/intake/shopify",
            Spliced("""{"id":9002,"line_items":[{"sku":"$SKU«»","quantity":1}]}""", [0xFF, 0xFE]), "application/json");
        yield return Json("items: lone high surrogate in the name", c, Bad, "name", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp \uD800"}""");
        yield return Json("items: lone low surrogate in the description", c, Bad, "description", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","description":"\uDC00 bright"}""");
        yield return Json("items: lone surrogate as an attribute key", c, Bad, null, HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","attributes":{"\uD800":"x"}}""");
        yield return Json("reservations: lone surrogate in the sku", c, Bad, "lines[0].sku", HttpMethod.Post, "/v1/reservations", Hold("1").Replace("\"$SKU\"", "\"\\uDC00\"", StringComparison.Ordinal));
        yield return Json("adjust: lone surrogate in the reason", c, Bad, "lines[0].reason", HttpMethod.Post, "/v1/supply/adjust", Adjust("1").Replace("\"count\"", "\"\\uD83D\"", StringComparison.Ordinal));
        yield return Json("intake: lone surrogate in a shopify sku", c, Bad, "line_items[0].sku", HttpMethod.Post, "/v1/intake/shopify",
            """{"id":9002,"line_items":[{"sku":"\uD800","quantity":1}]}""");
        yield return Json("intake: lone surrogate in an amazon order id", c, Bad, "AmazonOrderId", HttpMethod.Post, "/v1/intake/amazon",
            """{"AmazonOrderId":"\uDFFF","OrderItems":[{"SellerSKU":"$SKU","QuantityOrdered":1}]}""");
        yield return Json("webhooks: lone surrogate in the secret", c, Bad, "secret", HttpMethod.Post, "/v1/webhooks",
            """{"id":"hook-new","url":"https://example.com/h","events":["stock.low"],"secret":"0123456789abcdef\uD800"}""");
        yield return Json("items: NUL in the name", c, Bad, "name", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp\u0000"}""");
        yield return Json("items: escape character in the description", c, Bad, "description", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","description":"\u001b[31mred"}""");
        yield return Json("locations: NUL in the name", c, Bad, "name", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"\u0000","type":"store","canShip":true,"canPickup":true}""");
        yield return Json("adjust: NUL in the reason", c, Bad, "lines[0].reason", HttpMethod.Post, "/v1/supply/adjust", Adjust("1").Replace("\"count\"", "\"co\\u0000unt\"", StringComparison.Ordinal));
        yield return Json("reservations: NUL in the customer id", c, Bad, "customerId", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", "\"customerId\":\"c\\u0000\",\"lines\"", StringComparison.Ordinal));
        yield return Json("order-events: NUL in the tracking number", c, Bad, "trackingNumber", HttpMethod.Post, "/v1/orders/order-open/events",
            """{"id":"evt-new","type":"packed","trackingNumber":"1Z\u0000"}""");
        yield return Json("webhooks: NUL in the secret", c, Bad, "secret", HttpMethod.Post, "/v1/webhooks",
            """{"id":"hook-new","url":"https://example.com/h","events":["stock.low"],"secret":"0123456789abcdef\u0000"}""");
        yield return Json("items: NUL in an attribute value", c, Bad, "attributes.color", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","attributes":{"color":"red\u0000"}}""");
        yield return Json("items: raw control character in a string", c, Bad, null, HttpMethod.Put, "/v1/items/$SKU", "{\"name\":\"La\u0001mp\"}");
    }

    private static IEnumerable<HostileCase> BadIdentifiers()
    {
        const string c = "bad identifiers";
        var tooLong = new string('a', Limits.IdentifierLengthMax + 1);
        yield return Json("reservations: NUL in the id", c, Bad, "id", HttpMethod.Post, "/v1/reservations", Hold("1").Replace("\"hold-new\"", "\"hold\\u0000\"", StringComparison.Ordinal));
        yield return Json("reservations: tab as the channel", c, Bad, "channel", HttpMethod.Post, "/v1/reservations", Hold("1").Replace("\"$CHANNEL\"", "\"\\t\"", StringComparison.Ordinal));
        yield return Json("reservations: id too long", c, Bad, "id", HttpMethod.Post, "/v1/reservations", Hold("1").Replace("\"hold-new\"", $"\"{tooLong}\"", StringComparison.Ordinal));
        yield return Json("reservations: location with a space", c, Bad, "lines[0].location", HttpMethod.Post, "/v1/reservations",
            """{"id":"hold-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1,"location":"main street"}]}""");
        yield return Json("reservations: group too long", c, Bad, "lines[0].group", HttpMethod.Post, "/v1/reservations",
            $$"""{"id":"hold-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1,"group":"{{tooLong}}"}]}""");
        yield return Json("reservations: customer id too long", c, Bad, "customerId", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", $"\"customerId\":\"{new string('c', Limits.NameLengthMax + 1)}\",\"lines\"", StringComparison.Ordinal));
        yield return Json("sync: newline in the location", c, Bad, "lines[0].location", HttpMethod.Post, "/v1/supply/sync", Sync("3").Replace("\"$STORE\"", "\"$STORE\\n\"", StringComparison.Ordinal));
        yield return Json("sync: source with an at sign", c, Bad, "source", HttpMethod.Post, "/v1/supply/sync", Sync("3").Replace("\"erp\"", "\"erp@hq\"", StringComparison.Ordinal));
        yield return Json("sync: reference too long", c, Bad, "lines[0].reference", HttpMethod.Post, "/v1/supply/sync",
            $$"""{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":[{"sku":"$SKU","location":"$WH","type":"purchaseOrder","quantity":3,"eta":"2026-12-01","reference":"{{tooLong}}"}]}""");
        yield return Json("adjust: empty id", c, Bad, "id", HttpMethod.Post, "/v1/supply/adjust", Adjust("1").Replace("\"adj-new\"", "\"\"", StringComparison.Ordinal));
        yield return Json("adjust: escape character in the id", c, Bad, "id", HttpMethod.Post, "/v1/supply/adjust", Adjust("1").Replace("\"adj-new\"", "\"adj\\u001b\"", StringComparison.Ordinal));
        yield return Json("adjust: empty reason", c, Bad, "lines[0].reason", HttpMethod.Post, "/v1/supply/adjust", Adjust("1").Replace("\"count\"", "\"\"", StringComparison.Ordinal));
        yield return Json("adjust: reason too long", c, Bad, "lines[0].reason", HttpMethod.Post, "/v1/supply/adjust",
            Adjust("1").Replace("\"count\"", $"\"{new string('r', Limits.ReasonLengthMax + 1)}\"", StringComparison.Ordinal));
        yield return Json("query: empty sku", c, Bad, "skus[0]", HttpMethod.Post, "/v1/availability/query", """{"skus":[""],"channel":"$CHANNEL"}""");
        yield return Json("query: DEL character in a sku", c, Bad, "skus[0]", HttpMethod.Post, "/v1/availability/query", """{"skus":["a\u007f"],"channel":"$CHANNEL"}""");
        yield return Json("orders: NUL as the id", c, Bad, "id", HttpMethod.Post, "/v1/orders", OrderBody("1").Replace("\"order-new\"", "\"\\u0000\"", StringComparison.Ordinal));
        yield return Json("orders: id with a hash", c, Bad, "id", HttpMethod.Post, "/v1/orders", OrderBody("1").Replace("\"order-new\"", "\"order#1\"", StringComparison.Ordinal));
        yield return Json("orders: id in non-ASCII letters", c, Bad, "id", HttpMethod.Post, "/v1/orders", OrderBody("1").Replace("\"order-new\"", "\"ördér\"", StringComparison.Ordinal));
        yield return Json("order-events: NUL in the event id", c, Bad, "id", HttpMethod.Post, "/v1/orders/order-open/events", """{"id":"e\u0000","type":"packed"}""");
        yield return Json("order-events: tracking number too long", c, Bad, "trackingNumber", HttpMethod.Post, "/v1/orders/order-open/events",
            $$"""{"id":"evt-new","type":"packed","trackingNumber":"{{tooLong}}"}""");
        yield return Json("webhooks: control character in the id", c, Bad, "id", HttpMethod.Post, "/v1/webhooks",
            """{"id":"\u0001","url":"https://example.com/h","events":["stock.low"],"secret":"0123456789abcdef"}""");
        yield return Json("webhooks: secret too short", c, Bad, "secret", HttpMethod.Post, "/v1/webhooks",
            """{"id":"hook-new","url":"https://example.com/h","events":["stock.low"],"secret":"short"}""");
        yield return Json("webhooks: secret too long", c, Bad, "secret", HttpMethod.Post, "/v1/webhooks",
            $$"""{"id":"hook-new","url":"https://example.com/h","events":["stock.low"],"secret":"{{new string('s', 257)}}"}""");
        yield return Json("webhooks: ftp url", c, Bad, "url", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":"ftp://example.com/h","events":["stock.low"],"secret":"0123456789abcdef"}""");
        yield return Json("webhooks: javascript url", c, Bad, "url", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":"javascript:alert(1)","events":["stock.low"],"secret":"0123456789abcdef"}""");
        yield return Json("webhooks: file url", c, Bad, "url", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":"file:///etc/passwd","events":["stock.low"],"secret":"0123456789abcdef"}""");
        yield return Json("webhooks: relative url", c, Bad, "url", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":"/hook","events":["stock.low"],"secret":"0123456789abcdef"}""");
        yield return Json("webhooks: url too long", c, Bad, "url", HttpMethod.Post, "/v1/webhooks",
            $$"""{"id":"hook-new","url":"https://example.com/{{new string('p', 2_000)}}","events":["stock.low"],"secret":"0123456789abcdef"}""");
        yield return Json("webhooks: wildcard event", c, Bad, "events", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":"https://example.com/h","events":["*"],"secret":"0123456789abcdef"}""");
        yield return Json("webhooks: no events", c, Bad, "events", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":"https://example.com/h","events":[],"secret":"0123456789abcdef"}""");
        yield return Json("items: name too long", c, Bad, "name", HttpMethod.Put, "/v1/items/$SKU", $$"""{"name":"{{new string('n', Limits.NameLengthMax + 1)}}"}""");
        yield return Json("items: blank name", c, Bad, "name", HttpMethod.Put, "/v1/items/$SKU", """{"name":"   "}""");
        yield return Json("items: description too long", c, Bad, "description", HttpMethod.Put, "/v1/items/$SKU",
            $$"""{"name":"Lamp","description":"{{new string('d', Limits.DescriptionLengthMax + 1)}}"}""");
        yield return Json("items: parentSku with a space", c, Bad, "parentSku", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","parentSku":"a b"}""");
        yield return Json("items: parentSku is itself", c, Bad, "parentSku", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","parentSku":"$SKU"}""");
        yield return Json("items: attribute value too long", c, Bad, "attributes.color", HttpMethod.Put, "/v1/items/$SKU",
            $$$"""{"name":"Lamp","attributes":{"color":"{{{new string('v', Limits.AttributeLengthMax + 1)}}}"}}""");
        yield return Json("channels: group with a slash", c, Bad, "group", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"a/b"}""");
        yield return Json("safety-stock: location with a space", c, Bad, "location", HttpMethod.Put, "/v1/rules/safety-stock", """{"location":"x y","units":1}""");
        yield return Json("intake: shopify NUL in the id", c, Bad, "id", HttpMethod.Post, "/v1/intake/shopify", """{"id":"1\u0000","line_items":[{"sku":"$SKU","quantity":1}]}""");
        // A marketplace's SKU is its own text: one Stockroom could not have is an unmapped line, so the order maps nothing.
        yield return Json("intake: shopify sku too long", c, HttpStatusCode.UnprocessableEntity, "line_items[0]", HttpMethod.Post, "/v1/intake/shopify",
            $$"""{"id":9002,"line_items":[{"sku":"{{tooLong}}","quantity":1}]}""");
        yield return Get("reservations: status not allowed", c, Bad, "status", "/v1/reservations?status=bogus");
        yield return Get("reservations: status as a number", c, Bad, "status", "/v1/reservations?status=1");
        yield return Get("reservations: channel with a space", c, Bad, "channel", "/v1/reservations?channel=a%20b");
        yield return Get("items: after with a space", c, Bad, "after", "/v1/items?after=a%20b");
        yield return Get("allocations: location of dots and slashes", c, Bad, "location", "/v1/allocations?location=..%2F..%2Fetc");
        yield return Get("availability: location with invalid UTF-8", c, Bad, "location", "/v1/availability/$SKU?location=%FF");
        yield return Get("safety-stock: sku with a space", c, Bad, "sku", "/v1/rules/safety-stock?sku=x%20y");
        yield return Get("low-stock: sku too long", c, Bad, "sku", $"/v1/rules/low-stock?sku={tooLong}");
        yield return Send("safety-stock: delete with a bad group", c, Bad, "group", HttpMethod.Delete, "/v1/rules/safety-stock?group=%00");
        yield return Send("low-stock: delete with a bad location", c, Bad, "location", HttpMethod.Delete, "/v1/rules/low-stock?location=a%2Fb");
        yield return Get("webhooks: id with a quote", c, Bad, "id", "/v1/webhooks/a%22b");
    }

    private static IEnumerable<HostileCase> PathTricks()
    {
        const string c = "path tricks";
        var body = """{"name":"Lamp"}""";
        yield return Json("items: encoded slash in the sku", c, Bad, "sku", HttpMethod.Put, "/v1/items/a%2Fb", body);
        yield return Json("items: dot-dot and encoded slashes", c, Bad, "sku", HttpMethod.Put, "/v1/items/..%2F..%2Fetc%2Fpasswd", body);
        yield return Json("items: double-encoded slash", c, Bad, "sku", HttpMethod.Put, "/v1/items/a%252Fb", body);
        yield return Json("items: encoded backslash", c, Bad, "sku", HttpMethod.Put, "/v1/items/a%5Cb", body);
        yield return Json("items: encoded NUL", c, Bad, null, HttpMethod.Put, "/v1/items/a%00b", body) with { ByKestrel = true };
        yield return Json("items: encoded newline", c, Bad, "sku", HttpMethod.Put, "/v1/items/a%0D%0Ab", body);
        yield return Json("items: invalid UTF-8 in the path", c, Bad, "sku", HttpMethod.Put, "/v1/items/a%FFb", body);
        yield return Json("items: overlong UTF-8 slash in the path", c, Bad, "sku", HttpMethod.Put, "/v1/items/a%C0%AFb", body);
        yield return Json("items: sku one character too long", c, Bad, "sku", HttpMethod.Put, $"/v1/items/{new string('a', Limits.IdentifierLengthMax + 1)}", body);
        yield return Json("items: 4,000-character path segment", c, Bad, "sku", HttpMethod.Put, $"/v1/items/{new string('a', 4_000)}", body);
        yield return Json("items: one-dot leader look-alike", c, Bad, "sku", HttpMethod.Put, "/v1/items/LAMP%E2%80%A41", body);
        yield return Json("items: fullwidth letters", c, Bad, "sku", HttpMethod.Put, "/v1/items/%EF%BC%AC%EF%BC%A1%EF%BC%AD%EF%BC%B0", body);
        yield return Json("items: zero-width space", c, Bad, "sku", HttpMethod.Put, "/v1/items/$SKU%E2%80%8B", body);
        yield return Json("items: encoded dot-dot segment", c, NotFound, null, HttpMethod.Put, "/v1/items/%2E%2E", body);
        yield return Json("items: semicolon path parameter", c, Bad, "sku", HttpMethod.Put, "/v1/items/$SKU;jsessionid=1", body);
        yield return Json("locations: Cyrillic look-alike", c, Bad, "id", HttpMethod.Put, "/v1/locations/%D1%95tore",
            """{"name":"Main","type":"store","canShip":true,"canPickup":true}""");
        yield return Json("groups: encoded space", c, Bad, "id", HttpMethod.Put, "/v1/groups/ship%20to%20home", """{"name":"G","locations":["$STORE"]}""");
        yield return Json("channels: encoded slash", c, Bad, "id", HttpMethod.Put, "/v1/channels/web%2Fadmin", """{"name":"Web","group":"$GROUP"}""");
        yield return Get("availability: space as the sku", c, Bad, "sku", "/v1/availability/%20?channel=$CHANNEL");
        yield return Get("availability: dot-dot encoded slash sku", c, Bad, "sku", "/v1/availability/..%2F$SKU?channel=$CHANNEL");
        yield return Get("orders: path parameter", c, Bad, "id", "/v1/orders/order-open;x=1");
        yield return Send("reservations: release with encoded slashes", c, Bad, "id", HttpMethod.Delete, "/v1/reservations/a%2F..%2Fhold-active");
        yield return Send("keys: revoke with encoded slashes", c, Bad, "id", HttpMethod.Delete, "/v1/keys/a%2F..%2Fkey");
        yield return Send("keys: revoke a key that does not exist", c, HttpStatusCode.NotFound, null, HttpMethod.Delete, "/v1/keys/no-such-key");
        yield return Send("reservations: accept dot-dot", c, NotFound, null, HttpMethod.Post, "/v1/reservations/%2E%2E/accept");
        yield return Send("reservations: accept with NUL", c, Bad, null, HttpMethod.Post, "/v1/reservations/hold-active%00/accept") with { ByKestrel = true };
        yield return Json("order-events: NUL in the order id", c, Bad, null, HttpMethod.Post, "/v1/orders/x%00y/events", """{"id":"evt-new","type":"packed"}""") with { ByKestrel = true };
        yield return Json("order-events: encoded slash in the order id", c, Bad, "orderId", HttpMethod.Post, "/v1/orders/order-open%2F..%2Forder-shipped/events",
            """{"id":"evt-new","type":"packed"}""");
        yield return Json("intake: upper-case format", c, NotFound, null, HttpMethod.Post, "/v1/intake/SHOPIFY", """{"id":9002,"line_items":[{"sku":"$SKU","quantity":1}]}""");
        yield return Json("intake: dot-dot format", c, NotFound, null, HttpMethod.Post, "/v1/intake/..%2Fshopify", """{"id":9002,"line_items":[{"sku":"$SKU","quantity":1}]}""");
        yield return Json("intake: format with NUL", c, Bad, null, HttpMethod.Post, "/v1/intake/shopify%00", """{"id":9002,"line_items":[{"sku":"$SKU","quantity":1}]}""") with { ByKestrel = true };
        yield return Json("intake: unknown marketplace", c, NotFound, null, HttpMethod.Post, "/v1/intake/ebay", """{"id":9002,"line_items":[{"sku":"$SKU","quantity":1}]}""");
        yield return Get("channels: feed of an encoded dot-dot", c, Bad, "id", "/v1/channels/..%2F$CHANNEL/feed");
    }

    private static IEnumerable<HostileCase> Duplicates()
    {
        const string c = "duplicates";
        yield return Json("groups: the same location twice", c, Bad, "locations", HttpMethod.Put, "/v1/groups/$GROUP", """{"name":"G","locations":["$STORE","$STORE"]}""");
        yield return Json("sync: the same line twice", c, Bad, "lines[1]", HttpMethod.Post, "/v1/supply/sync",
            """{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":[{"sku":"$SKU","location":"$STORE","type":"onHand","quantity":3},{"sku":"$SKU","location":"$STORE","type":"onHand","quantity":4}]}""");
        yield return Json("sync: the same purchase order twice", c, Bad, "lines[1]", HttpMethod.Post, "/v1/supply/sync",
            """{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":[{"sku":"$SKU","location":"$WH","type":"purchaseOrder","quantity":3,"eta":"2026-12-01","reference":"PO-1"},{"sku":"$SKU","location":"$WH","type":"purchaseOrder","quantity":9,"eta":"2026-12-02","reference":"PO-1"}]}""");
        yield return Json("reservations: the id key twice", c, Bad, "id", HttpMethod.Post, "/v1/reservations",
            """{"id":"hold-new","id":"hold-other","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1}]}""");
        yield return Json("sync: the quantity key twice", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/sync", Sync("3,\"quantity\":-3"));
        yield return Json("items: the name key twice", c, Bad, "name", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","name":"Other"}""");
        yield return Json("adjust: the delta key in two cases", c, Bad, "lines[0].Delta", HttpMethod.Post, "/v1/supply/adjust", Adjust("1,\"Delta\":-1000"));
        yield return Json("orders: the lines key twice", c, Bad, "lines", HttpMethod.Post, "/v1/orders",
            """{"id":"order-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1}],"lines":[{"sku":"$SKU","quantity":5}]}""");
        yield return Json("intake: the shopify id key twice", c, Bad, "id", HttpMethod.Post, "/v1/intake/shopify",
            """{"id":9002,"id":9001,"line_items":[{"sku":"$SKU","quantity":1}]}""");
    }

    private static IEnumerable<HostileCase> Clashes()
    {
        const string c = "idempotency clashes";
        yield return Json("reservations: same id, more units", c, Conflict, null, HttpMethod.Post, "/v1/reservations",
            """{"id":"hold-active","channel":"$CHANNEL","expiresInSeconds":3600,"lines":[{"sku":"$SKU","quantity":2}]}""");
        yield return Json("reservations: same id, another ttl", c, Conflict, null, HttpMethod.Post, "/v1/reservations",
            """{"id":"hold-active","channel":"$CHANNEL","expiresInSeconds":60,"lines":[{"sku":"$SKU","quantity":1}]}""");
        yield return Send("reservations: same Idempotency-Key, another body", c, Conflict, null, HttpMethod.Post, "/v1/reservations",
            """{"channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":3}]}""", r => r.Headers.Add("Idempotency-Key", "hold-active"));
        yield return Json("orders: same id, other lines", c, Conflict, null, HttpMethod.Post, "/v1/orders", """{"id":"order-open","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":2}]}""");
        yield return Json("orders: same id as a consumed reservation's order", c, Conflict, null, HttpMethod.Post, "/v1/orders",
            """{"id":"order-from-hold","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1}]}""");
        yield return Json("adjust: same id, another delta", c, Conflict, null, HttpMethod.Post, "/v1/supply/adjust",
            $$"""{"id":"adj-seen","lines":[{"sku":"{{HostileWorld.OnRequest}}","location":"$STORE","type":"onHand","delta":6,"reason":"count"}]}""");
        yield return Send("adjust: same Idempotency-Key, another body", c, Conflict, null, HttpMethod.Post, "/v1/supply/adjust",
            """{"lines":[{"sku":"$SKU","location":"$STORE","type":"onHand","delta":1,"reason":"count"}]}""", r => r.Headers.Add("Idempotency-Key", "adj-seen"));
        yield return Json("order-events: same event id, another type", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-open/events", """{"id":"evt-seen","type":"packed"}""");
        yield return Json("webhooks: same id, another url", c, Conflict, null, HttpMethod.Post, "/v1/webhooks",
            """{"id":"hook-seen","url":"https://hooks.example.com/other","events":["stock.low"],"secret":"0123456789abcdef"}""");
        // A redelivery with other units is a later version of the order, applied as a difference: one owing more than there is changes nothing.
        yield return Json("intake: redelivered order owing more than is in stock", c, Conflict, null, HttpMethod.Post, "/v1/intake/shopify",
            """{"id":9001,"line_items":[{"sku":"$SKU","quantity":900000}]}""");
        yield return Json("sync: older snapshot from the same source", c, Conflict, "asOf", HttpMethod.Post, "/v1/supply/sync", Sync("3").Replace("08:30", "07:00", StringComparison.Ordinal));
    }

    private static IEnumerable<HostileCase> IllegalTransitions()
    {
        const string c = "illegal transitions";
        yield return Json("order-events: ship a cancelled order", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-cancelled/events", """{"id":"evt-new","type":"shipped"}""");
        yield return Json("order-events: pick a cancelled order", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-cancelled/events", """{"id":"evt-new","type":"picked"}""");
        yield return Json("order-events: return a cancelled order", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-cancelled/events", """{"id":"evt-new","type":"returned"}""");
        yield return Json("order-events: cancel a shipped order", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-shipped/events", """{"id":"evt-new","type":"cancelled"}""");
        yield return Json("order-events: ship a shipped order again", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-shipped/events", """{"id":"evt-new","type":"shipped"}""");
        yield return Json("order-events: return an unshipped order", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-open/events", """{"id":"evt-new","type":"returned"}""");
        yield return Json("order-events: pick a picked order", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-open/events", """{"id":"evt-new","type":"picked"}""");
        yield return Json("order-events: return more than shipped", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-shipped/events",
            """{"id":"evt-new","type":"returned","lines":[{"sku":"$SKU","quantity":2}]}""");
        yield return Json("order-events: return a sku never shipped", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-shipped/events",
            $$"""{"id":"evt-new","type":"returned","lines":[{"sku":"{{HostileWorld.Draft}}","quantity":1}]}""");
        yield return Json("order-events: pack with lines", c, Conflict, null, HttpMethod.Post, "/v1/orders/order-open/events",
            """{"id":"evt-new","type":"packed","lines":[{"sku":"$SKU","quantity":1}]}""");
        yield return Send("reservations: release a confirmed reservation", c, Conflict, null, HttpMethod.Delete, "/v1/reservations/hold-confirmed");
        yield return Send("reservations: accept a declined reservation", c, Conflict, null, HttpMethod.Post, "/v1/reservations/hold-declined/accept");
        yield return Send("reservations: accept a released reservation", c, Conflict, null, HttpMethod.Post, "/v1/reservations/hold-released/accept");
        yield return Send("reservations: accept a confirmed reservation", c, Conflict, null, HttpMethod.Post, "/v1/reservations/hold-confirmed/accept");
        yield return Send("reservations: decline an active reservation", c, Conflict, null, HttpMethod.Post, "/v1/reservations/hold-active/decline");
        yield return Send("reservations: decline a confirmed reservation", c, Conflict, null, HttpMethod.Post, "/v1/reservations/hold-confirmed/decline");
        yield return Json("orders: from a consumed reservation", c, Conflict, null, HttpMethod.Post, "/v1/orders", """{"id":"order-new","channel":"$CHANNEL","reservationId":"hold-confirmed"}""");
        yield return Json("orders: from a released reservation", c, Conflict, null, HttpMethod.Post, "/v1/orders", """{"id":"order-new","channel":"$CHANNEL","reservationId":"hold-released"}""");
        yield return Json("orders: from a declined reservation", c, Conflict, null, HttpMethod.Post, "/v1/orders", """{"id":"order-new","channel":"$CHANNEL","reservationId":"hold-declined"}""");
        yield return Json("orders: more than the reservation holds", c, Conflict, "lines[0].quantity", HttpMethod.Post, "/v1/orders",
            """{"id":"order-new","channel":"$CHANNEL","reservationId":"hold-active","lines":[{"sku":"$SKU","quantity":2}]}""");
        yield return Json("reservations: more than there is", c, Conflict, "lines[0].quantity", HttpMethod.Post, "/v1/reservations", Hold("1000000"));
        yield return Json("orders: more than there is", c, Conflict, "lines[0].quantity", HttpMethod.Post, "/v1/orders", OrderBody("1000000"));
        yield return Json("adjust: take away more than on hand", c, Conflict, "lines[0].delta", HttpMethod.Post, "/v1/supply/adjust", Adjust("-1000"));
    }

    private static IEnumerable<HostileCase> Unknown()
    {
        const string c = "unknown references";
        yield return Send("reservations: accept an unknown reservation", c, NotFound, null, HttpMethod.Post, "/v1/reservations/no-such-hold/accept");
        yield return Send("reservations: release an unknown reservation", c, NotFound, null, HttpMethod.Delete, "/v1/reservations/no-such-hold");
        yield return Json("order-events: unknown order", c, NotFound, null, HttpMethod.Post, "/v1/orders/no-such-order/events", """{"id":"evt-new","type":"packed"}""");
        yield return Get("availability: unknown sku", c, NotFound, null, "/v1/availability/NO-SUCH-SKU?channel=$CHANNEL");
        yield return Get("availability: unknown location", c, NotFound, null, "/v1/availability/$SKU?location=nowhere");
        yield return Get("availability: unknown group", c, NotFound, null, "/v1/availability/$SKU?group=nowhere");
        yield return Get("availability: unknown channel", c, NotFound, null, "/v1/availability/$SKU?channel=nowhere");
        yield return Json("query: unknown channel", c, NotFound, null, HttpMethod.Post, "/v1/availability/query", """{"skus":["$SKU"],"channel":"nowhere"}""");
        yield return Get("channels: feed of an unknown channel", c, NotFound, null, "/v1/channels/nowhere/feed");
        yield return Send("safety-stock: delete a rule that is not there", c, NotFound, null, HttpMethod.Delete, "/v1/rules/safety-stock?sku=$SKU&location=$WH");
        yield return Send("webhooks: delete an unknown webhook", c, NotFound, null, HttpMethod.Delete, "/v1/webhooks/no-such-hook");
        yield return Get("webhooks: deliveries of an unknown webhook", c, NotFound, null, "/v1/webhooks/no-such-hook/deliveries");
        yield return Send("routes: unknown route", c, NotFound, null, HttpMethod.Post, "/v1/stock/teleport", "{}");
        yield return Send("routes: delete an item", c, HttpStatusCode.MethodNotAllowed, null, HttpMethod.Delete, "/v1/items/$SKU");
        yield return Send("routes: patch a reservation", c, HttpStatusCode.MethodNotAllowed, null, HttpMethod.Patch, "/v1/reservations/hold-active",
            """{"status":"confirmed"}""");
        yield return Json("reservations: draft item", c, Unprocessable, "lines[0].sku", HttpMethod.Post, "/v1/reservations", Hold("1").Replace("\"$SKU\"", $"\"{HostileWorld.Draft}\"", StringComparison.Ordinal));
        yield return Json("reservations: unknown sku", c, Unprocessable, "lines[0].sku", HttpMethod.Post, "/v1/reservations", Hold("1").Replace("\"$SKU\"", "\"NO-SUCH-SKU\"", StringComparison.Ordinal));
        yield return Json("reservations: unknown channel", c, Unprocessable, "channel", HttpMethod.Post, "/v1/reservations", Hold("1").Replace("\"$CHANNEL\"", "\"nowhere\"", StringComparison.Ordinal));
        yield return Json("reservations: unknown location in a line", c, Unprocessable, "lines[0].location", HttpMethod.Post, "/v1/reservations",
            """{"id":"hold-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1,"location":"nowhere"}]}""");
        yield return Json("orders: draft item", c, Unprocessable, "lines[0].sku", HttpMethod.Post, "/v1/orders", OrderBody("1").Replace("\"$SKU\"", $"\"{HostileWorld.Draft}\"", StringComparison.Ordinal));
        yield return Json("orders: unknown reservation", c, Unprocessable, "reservationId", HttpMethod.Post, "/v1/orders", """{"id":"order-new","channel":"$CHANNEL","reservationId":"no-such-hold"}""");
        yield return Json("sync: unknown sku", c, Unprocessable, "lines[0].sku", HttpMethod.Post, "/v1/supply/sync", Sync("3").Replace("\"$SKU\"", "\"NO-SUCH-SKU\"", StringComparison.Ordinal));
        yield return Json("adjust: unknown location", c, Unprocessable, "lines[0].location", HttpMethod.Post, "/v1/supply/adjust", Adjust("1").Replace("\"$STORE\"", "\"nowhere\"", StringComparison.Ordinal));
        yield return Json("groups: unknown location", c, Unprocessable, "locations[1]", HttpMethod.Put, "/v1/groups/$GROUP", """{"name":"G","locations":["$STORE","nowhere"]}""");
        yield return Json("channels: unknown group", c, Unprocessable, "group", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"nowhere"}""");
        yield return Json("items: unknown parent", c, Unprocessable, "parentSku", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","parentSku":"NO-SUCH-SKU"}""");
        yield return Json("safety-stock: unknown sku", c, Unprocessable, "sku", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"NO-SUCH-SKU","units":2}""");
        yield return Json("low-stock: unknown group", c, Unprocessable, "group", HttpMethod.Put, "/v1/rules/low-stock", """{"group":"nowhere","threshold":2}""");
        yield return Json("intake: unknown sku", c, Unprocessable, "line_items[0]", HttpMethod.Post, "/v1/intake/shopify", """{"id":9002,"line_items":[{"sku":"NO-SUCH-SKU","quantity":1}]}""");
    }

    private static IEnumerable<HostileCase> AbsurdDates()
    {
        const string c = "absurd dates";
        static string AsOf(string value) => Sync("3").Replace("\"2026-11-22T08:30:00Z\"", value, StringComparison.Ordinal);
        static string Eta(string value) =>
            $$"""{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":[{"sku":"$SKU","location":"$WH","type":"purchaseOrder","quantity":3,"eta":{{value}},"reference":"PO-9"}]}""";
        // A new source has no snapshot yet, so only the time itself can refuse these.
        static string FreshSource(string asOf) => AsOf(asOf).Replace("\"erp\"", "\"pos-fresh\"", StringComparison.Ordinal);
        yield return Json("sync: asOf in year 1", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", FreshSource("\"0001-01-01T00:00:00Z\""));
        yield return Json("sync: asOf in year 1970", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", FreshSource("\"1970-01-01T00:00:00Z\""));
        yield return Json("sync: asOf in year 9999", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", FreshSource("\"9999-12-31T23:59:59Z\""));
        yield return Json("sync: asOf tomorrow", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", FreshSource("\"2026-11-23T09:00:00Z\""));
        yield return Json("sync: asOf on 30 February", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", AsOf("\"2026-02-30T08:00:00Z\""));
        yield return Json("sync: asOf at hour 25", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", AsOf("\"2026-11-22T25:00:00Z\""));
        yield return Json("sync: asOf as a date only", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", AsOf("\"2026-11-22\""));
        yield return Json("sync: asOf as a word", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", AsOf("\"yesterday\""));
        yield return Json("sync: asOf empty", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", AsOf("\"\""));
        yield return Json("sync: asOf with offset +25:00", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", AsOf("\"2026-11-22T08:00:00+25:00\""));
        yield return Json("sync: asOf with a six-digit year", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", AsOf("\"+002026-11-22T08:00:00Z\""));
        yield return Json("sync: asOf as null", c, Bad, "asOf", HttpMethod.Post, "/v1/supply/sync", AsOf("null"));
        yield return Json("sync: eta on 30 February", c, Bad, "lines[0].eta", HttpMethod.Post, "/v1/supply/sync", Eta("\"2026-02-30\""));
        yield return Json("sync: eta in year 1", c, Bad, "lines[0].eta", HttpMethod.Post, "/v1/supply/sync", Eta("\"0001-01-01\""));
        yield return Json("sync: eta in year 9999", c, Bad, "lines[0].eta", HttpMethod.Post, "/v1/supply/sync", Eta("\"9999-12-31\""));
        yield return Json("sync: eta in month 13", c, Bad, "lines[0].eta", HttpMethod.Post, "/v1/supply/sync", Eta("\"2026-13-01\""));
        yield return Json("sync: eta in US order", c, Bad, "lines[0].eta", HttpMethod.Post, "/v1/supply/sync", Eta("\"12/01/2026\""));
        yield return Json("sync: eta as a timestamp", c, Bad, "lines[0].eta", HttpMethod.Post, "/v1/supply/sync", Eta("\"2026-12-01T00:00:00Z\""));
        yield return Json("sync: eta beyond the horizon", c, Bad, "lines[0].eta", HttpMethod.Post, "/v1/supply/sync", Eta("\"2029-01-01\""));
        yield return Json("sync: eta on onHand", c, Bad, "lines[0]", HttpMethod.Post, "/v1/supply/sync", Sync("3,\"eta\":\"2026-12-01\""));
        yield return Json("adjust: eta in year 1", c, Bad, "lines[0].eta", HttpMethod.Post, "/v1/supply/adjust",
            """{"id":"adj-new","lines":[{"sku":"$SKU","location":"$WH","type":"purchaseOrder","delta":1,"reason":"po","eta":"0001-01-01","reference":"PO-9"}]}""");
        yield return Get("availability: date on 30 February", c, Bad, "date", "/v1/availability/$SKU?channel=$CHANNEL&date=2026-02-30");
        yield return Get("availability: date in year 1", c, Bad, "date", "/v1/availability/$SKU?channel=$CHANNEL&date=0001-01-01");
        yield return Get("availability: date in year 9999", c, Bad, "date", "/v1/availability/$SKU?channel=$CHANNEL&date=9999-12-31");
        yield return Get("availability: date yesterday", c, Bad, "date", "/v1/availability/$SKU?location=$STORE&date=2026-11-21");
        yield return Get("availability: date beyond the horizon", c, Bad, "date",
            $"/v1/availability/$SKU?group=$GROUP&date={DateOnly.FromDateTime(Testing.StockroomServer.Start.UtcDateTime).AddDays(Limits.HorizonDaysMax + 1):yyyy-MM-dd}");
        yield return Get("availability: date as a timestamp", c, Bad, "date", "/v1/availability/$SKU?channel=$CHANNEL&date=2026-12-01T00:00:00Z");
        yield return Get("availability: date empty", c, Bad, "date", "/v1/availability/$SKU?channel=$CHANNEL&date=");
        yield return Get("availability: date with a day of 00", c, Bad, "date", "/v1/availability/$SKU?channel=$CHANNEL&date=2026-12-00");
        yield return Json("query: date on 30 February", c, Bad, "date", HttpMethod.Post, "/v1/availability/query", """{"skus":["$SKU"],"channel":"$CHANNEL","date":"2026-02-30"}""");
        yield return Json("query: date in year 1", c, Bad, "date", HttpMethod.Post, "/v1/availability/query", """{"skus":["$SKU"],"channel":"$CHANNEL","date":"0001-01-01"}""");
        yield return Json("query: date in year 9999", c, Bad, "date", HttpMethod.Post, "/v1/availability/query", """{"skus":["$SKU"],"channel":"$CHANNEL","date":"9999-12-31"}""");
        yield return Json("reservations: negative ttl", c, Bad, "expiresInSeconds", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", "\"expiresInSeconds\":-1,\"lines\"", StringComparison.Ordinal));
        yield return Json("reservations: zero ttl", c, Bad, "expiresInSeconds", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", "\"expiresInSeconds\":0,\"lines\"", StringComparison.Ordinal));
        yield return Json("reservations: ttl over the maximum", c, Bad, "expiresInSeconds", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", $"\"expiresInSeconds\":{Limits.HoldSecondsMax + 1},\"lines\"", StringComparison.Ordinal));
        yield return Json("reservations: ttl beyond int", c, Bad, "expiresInSeconds", HttpMethod.Post, "/v1/reservations",
            Hold("1").Replace("\"lines\"", "\"expiresInSeconds\":99999999999,\"lines\"", StringComparison.Ordinal));
        yield return Json("channels: negative ttl", c, Bad, "reservationTtlSeconds", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","reservationTtlSeconds":-900}""");
        yield return Json("channels: ttl over the maximum", c, Bad, "reservationTtlSeconds", HttpMethod.Put, "/v1/channels/$CHANNEL",
            $$"""{"name":"Web","group":"$GROUP","reservationTtlSeconds":{{Limits.HoldSecondsMax + 1}}}""");
        yield return Json("channels: negative publish cadence", c, Bad, "publishEverySeconds", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","publishEverySeconds":-1}""");
        yield return Json("items: zero acceptWithinSeconds", c, Bad, "acceptWithinSeconds", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","acceptWithinSeconds":0}""");
        yield return Json("items: acceptWithinSeconds over the maximum", c, Bad, "acceptWithinSeconds", HttpMethod.Put, "/v1/items/$SKU",
            $$"""{"name":"Lamp","acceptWithinSeconds":{{Limits.AcceptWithinSecondsMax + 1}}}""");
        yield return Json("locations: leadTimeDays beyond the horizon", c, Bad, "leadTimeDays", HttpMethod.Put, "/v1/locations/$STORE",
            $$"""{"name":"Main","type":"store","canShip":true,"canPickup":true,"leadTimeDays":{{Limits.HorizonDaysMax + 1}}}""");
    }

    private static IEnumerable<HostileCase> PageSizes()
    {
        const string c = "page sizes";
        string[] pages = ["/v1/items", "/v1/locations", "/v1/groups", "/v1/channels", "/v1/reservations", "/v1/events", "/v1/channels/$CHANNEL/feed", "/v1/webhooks/hook-seen/deliveries"];
        foreach (var page in pages)
        {
            yield return Get($"{page}: limit 0", c, Bad, "limit", $"{page}?limit=0");
            yield return Get($"{page}: limit -1", c, Bad, "limit", $"{page}?limit=-1");
            yield return Get($"{page}: limit over the maximum", c, Bad, "limit", $"{page}?limit={Limits.PageSizeMax + 1}");
            yield return Get($"{page}: limit as a word", c, Bad, "limit", $"{page}?limit=ten");
        }

        yield return Get("/v1/items: limit 1.5", c, Bad, "limit", "/v1/items?limit=1.5");
        yield return Get("/admin/ledger: before 0", c, Bad, "before", "/admin/ledger?before=0");
        yield return Get("/admin/ledger: negative before", c, Bad, "before", "/admin/ledger?before=-1");
        yield return Get("/admin/ledger: before at the long minimum", c, Bad, "before", "/admin/ledger?before=-9223372036854775808");
        yield return Get("/v1/events: negative after", c, Bad, "after", "/v1/events?after=-1");
        yield return Get("/v1/events: after as a word", c, Bad, "after", "/v1/events?after=start");
        yield return Get("/v1/channels/feed: negative after", c, Bad, "after", "/v1/channels/$CHANNEL/feed?after=-5");
        yield return Get("/v1/events/stream: negative after", c, Bad, "after", "/v1/events/stream?after=-1");
        yield return Send("/v1/events/stream: Last-Event-ID as a word", c, Bad, "Last-Event-ID", HttpMethod.Get, "/v1/events/stream", null,
            r => r.Headers.Add("Last-Event-ID", "latest"));
        yield return Send("/v1/events/stream: negative Last-Event-ID", c, Bad, "Last-Event-ID", HttpMethod.Get, "/v1/events/stream", null,
            r => r.Headers.Add("Last-Event-ID", "-1"));
    }

    private static IEnumerable<HostileCase> Misc()
    {
        const string c = "contradictions";
        yield return Json("reservations: both location and group", c, Bad, "lines[0]", HttpMethod.Post, "/v1/reservations",
            """{"id":"hold-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1,"location":"$STORE","group":"$GROUP"}]}""");
        yield return Json("reservations: no id at all", c, Bad, "id", HttpMethod.Post, "/v1/reservations", """{"channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1}]}""");
        yield return Send("reservations: Idempotency-Key with spaces", c, Bad, "Idempotency-Key", HttpMethod.Post, "/v1/reservations",
            """{"channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1}]}""", r => r.Headers.Add("Idempotency-Key", "not an id"));
        // A line may repeat the location its hold sits at (issue 15); any other is refused on that line.
        yield return Json("orders: a location the reservation does not hold at", c, Unprocessable, "lines[0].location", HttpMethod.Post, "/v1/orders",
            """{"id":"order-new","channel":"$CHANNEL","reservationId":"hold-active","lines":[{"sku":"$SKU","quantity":1,"location":"elsewhere"}]}""");
        yield return Json("orders: neither lines nor reservation", c, Bad, "lines", HttpMethod.Post, "/v1/orders", """{"id":"order-new","channel":"$CHANNEL"}""");
        yield return Json("locations: latitude without longitude", c, Bad, "latitude", HttpMethod.Put, "/v1/locations/$STORE",
            """{"name":"Main","type":"store","canShip":true,"canPickup":true,"latitude":52.5}""");
        yield return Json("locations: missing canShip", c, Bad, "canShip", HttpMethod.Put, "/v1/locations/$STORE", """{"name":"Main","type":"store","canPickup":true}""");
        yield return Json("safety-stock: both units and percent", c, Bad, "units", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU","units":1,"percent":5}""");
        yield return Json("safety-stock: neither units nor percent", c, Bad, "units", HttpMethod.Put, "/v1/rules/safety-stock", """{"sku":"$SKU"}""");
        yield return Json("channels: missing group", c, Bad, "group", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web"}""");
        yield return Json("query: both group and channel", c, Bad, "location", HttpMethod.Post, "/v1/availability/query", """{"skus":["$SKU"],"group":"$GROUP","channel":"$CHANNEL"}""");
        yield return Json("query: no scope", c, Bad, "location", HttpMethod.Post, "/v1/availability/query", """{"skus":["$SKU"]}""");
        yield return Get("availability: location and channel", c, Bad, "location", "/v1/availability/$SKU?location=$STORE&channel=$CHANNEL");
        yield return Get("availability: no scope", c, Bad, "location", "/v1/availability/$SKU");
        yield return Json("order-events: no type", c, Bad, "type", HttpMethod.Post, "/v1/orders/order-open/events", """{"id":"evt-new"}""");
        yield return Json("webhooks: missing secret", c, Bad, "secret", HttpMethod.Post, "/v1/webhooks", """{"id":"hook-new","url":"https://example.com/h","events":["stock.low"]}""");
        yield return Json("items: status null with an unknown policy", c, Bad, "policy", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","status":null,"policy":"sometimes"}""");
        yield return Json("items: $type metadata", c, Bad, "$type", HttpMethod.Put, "/v1/items/$SKU", """{"$type":"Admin","name":"Lamp"}""");
        yield return Json("items: __proto__ key", c, Bad, "__proto__", HttpMethod.Put, "/v1/items/$SKU", """{"name":"Lamp","__proto__":{"admin":true}}""");
        yield return Json("sync: unknown field in a line", c, Bad, "lines[0].qty", HttpMethod.Post, "/v1/supply/sync", Sync("3,\"qty\":5"));
        yield return Json("reservations: unknown field in a line", c, Bad, "lines[0].locationId", HttpMethod.Post, "/v1/reservations",
            """{"id":"hold-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":1,"locationId":"$STORE"}]}""");
        yield return Json("channels: unknown field in the buffer", c, Bad, "buffer.pct", HttpMethod.Put, "/v1/channels/$CHANNEL", """{"name":"Web","group":"$GROUP","buffer":{"pct":5}}""");
        yield return Json("adjust: quantity instead of delta", c, Bad, "lines[0].quantity", HttpMethod.Post, "/v1/supply/adjust",
            """{"id":"adj-new","lines":[{"sku":"$SKU","location":"$STORE","type":"onHand","quantity":5,"reason":"count"}]}""");
    }

    /// <summary>
    /// Webhook URLs that would make the server post to itself, its database, the cloud metadata
    /// service or the private network, in every notation that names such an address, and URLs that
    /// carry credentials or another scheme. The corpus runs with private networks not allowed.
    /// </summary>
    private static IEnumerable<HostileCase> WebhookTargets()
    {
        const string c = "webhook targets";
        (string Name, string Url)[] urls =
        [
            ("loopback", "http://127.0.0.1/h"),
            ("loopback elsewhere in 127/8", "http://127.9.9.9/h"),
            ("localhost", "http://localhost/h"),
            ("a name under localhost", "http://api.localhost/h"),
            ("IPv6 loopback", "http://[::1]/h"),
            ("loopback as one hex number", "http://0x7f000001/h"),
            ("loopback as one decimal number", "http://2130706433/h"),
            ("loopback in octal", "http://0177.0.0.1/h"),
            ("loopback in short form", "http://127.1/h"),
            ("loopback with a trailing dot", "http://127.0.0.1./h"),
            ("IPv4-mapped IPv6 loopback", "http://[::ffff:127.0.0.1]/h"),
            ("IPv4-mapped IPv6 loopback in hex", "http://[::ffff:7f00:1]/h"),
            ("the database port on loopback", "http://127.0.0.1:5432/"),
            ("private 10/8", "http://10.0.0.5/h"),
            ("private 172.16/12", "http://172.16.0.1/h"),
            ("private 192.168/16", "http://192.168.1.1:5432/"),
            ("IPv4-mapped IPv6 private", "http://[::ffff:10.0.0.5]/h"),
            ("cloud metadata", "http://169.254.169.254/latest/meta-data/"),
            ("cloud metadata as one decimal number", "http://2852039166/latest/meta-data/"),
            ("link-local IPv6", "http://[fe80::1]/h"),
            ("unique-local IPv6", "http://[fd00::1]/h"),
            ("CGNAT", "http://100.64.0.1/h"),
            ("multicast", "http://224.0.0.1/h"),
            ("IPv6 multicast", "http://[ff02::1]/h"),
            ("broadcast", "http://255.255.255.255/h"),
            ("unspecified", "http://0.0.0.0/h"),
            ("unspecified in short form", "http://0/h"),
            ("IPv6 unspecified", "http://[::]/h"),
            ("NAT64 of loopback", "http://[64:ff9b::7f00:1]/h"),
            ("6to4 of loopback", "http://[2002:7f00:1::]/h"),
            ("documentation range", "http://192.0.2.1/h"),
            ("user and password", "https://user:pw@example.com/h"),
            ("user only", "https://user@example.com/h"),
            ("empty user", "https://@example.com/h"),
            ("a public-looking user before a loopback host", "http://example.com@127.0.0.1/h"),
            ("gopher scheme", "gopher://example.com/h"),
            ("websocket scheme", "ws://example.com/h"),
        ];
        foreach (var (name, url) in urls)
        {
            yield return Json($"webhooks: {name} url", c, Bad, "url", HttpMethod.Post, "/v1/webhooks",
                $$"""{"id":"hook-new","url":"{{url}}","events":["stock.low"],"secret":"0123456789abcdef"}""");
        }
    }

    // Bodies shared by many cases. Sync's quantity, Adjust's delta, Hold's and OrderBody's line quantity are spliced in as raw JSON.
    private static string Sync(string quantity) =>
        $$"""{"source":"erp","asOf":"2026-11-22T08:30:00Z","lines":[{"sku":"$SKU","location":"$STORE","type":"onHand","quantity":{{quantity}}}]}""";

    private static string Adjust(string delta) =>
        $$"""{"id":"adj-new","lines":[{"sku":"$SKU","location":"$STORE","type":"onHand","delta":{{delta}},"reason":"count"}]}""";

    private static string Hold(string quantity) => $$"""{"id":"hold-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":{{quantity}}}]}""";

    private static string OrderBody(string quantity) => $$"""{"id":"order-new","channel":"$CHANNEL","lines":[{"sku":"$SKU","quantity":{{quantity}}}]}""";

    private static string Lines(int count, Func<int, string> line) => "[" + string.Join(",", Enumerable.Range(0, count).Select(line)) + "]";

    private static Func<HostileWorld, byte[]> Spliced(string body, byte[] bytes) => world =>
    {
        var text = world.Fill(body);
        var at = text.IndexOf(Splice, StringComparison.Ordinal);
        if (at < 0)
        {
            return [.. Encoding.UTF8.GetBytes(text), .. bytes];
        }

        return [.. Encoding.UTF8.GetBytes(text[..at]), .. bytes, .. Encoding.UTF8.GetBytes(text[(at + Splice.Length)..])];
    };

    private static HostileCase Json(string name, string category, HttpStatusCode status, string? field, HttpMethod method, string path, string body) =>
        Send(name, category, status, field, method, path, body);

    private static HostileCase Get(string name, string category, HttpStatusCode status, string? field, string path) =>
        Send(name, category, status, field, HttpMethod.Get, path);

    private static HostileCase Send(string name, string category, HttpStatusCode status, string? field, HttpMethod method, string path,
        string? body = null, Action<HttpRequestMessage>? tweak = null) =>
        new(name, category, status, field, world =>
        {
            var request = new HttpRequestMessage(method, Target(world, path));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(world.Fill(body)));
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            tweak?.Invoke(request);
            return request;
        });

    private static HostileCase Raw(string name, string category, HttpStatusCode status, string? field, HttpMethod method, string path,
        byte[] bytes, string? contentType) => Raw(name, category, status, field, method, path, _ => bytes, contentType);

    private static HostileCase Raw(string name, string category, HttpStatusCode status, string? field, HttpMethod method, string path,
        Func<HostileWorld, byte[]> bytes, string? contentType) =>
        new(name, category, status, field, world =>
        {
            var request = new HttpRequestMessage(method, Target(world, path)) { Content = new ByteArrayContent(bytes(world)) };
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            return request;
        });

    /// <summary>
    /// A body just over the limit: announced with its length and Expect: 100-continue as curl
    /// does, so the server can refuse it unread; or chunked, with no length, so the server only
    /// finds out while reading it.
    /// </summary>
    private static HostileCase Huge(string name, string category, HttpMethod method, string path, string body, bool chunked = false) =>
        new(name, category, TooLarge, null, world =>
        {
            var filled = world.Fill(body);
            // Chunked, the body is read as it streams: leading whitespace gives the reader nothing to refuse before the limit.
            var padded = Encoding.UTF8.GetBytes(chunked
                ? new string(' ', Limits.RequestBodyBytesMax) + filled
                : filled[..^1] + $",\"padding\":\"{new string('x', Limits.RequestBodyBytesMax)}\"}}");
            HttpContent content = chunked ? new StreamContent(new MemoryStream(padded)) : new ByteArrayContent(padded);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var request = new HttpRequestMessage(method, Target(world, path)) { Content = content };
            if (chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }
            else
            {
                request.Headers.ExpectContinue = true;
            }

            return request;
        });

    /// <summary>
    /// The request target exactly as written: percent-escapes and dot segments reach the server
    /// as the corpus spells them, not as <see cref="Uri"/> would tidy them.
    /// </summary>
    private static Uri Target(HostileWorld world, string path) => new(world.Fill(path), UriKind.Relative);
}
