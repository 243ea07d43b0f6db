using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Stockroom.Http;

/// <summary>
/// One example per request body, with the path it is sent to. They tell one story in
/// <see cref="Order"/>: each example only names what an earlier one created, so that a client
/// trying them in the reference UI, one after the other, gets answers, not refusals (a test sends
/// them all to a live server). They also assume a second location, <c>wh-1</c>, and a channel
/// <c>shopify</c>, which a walk-through creates first.
/// </summary>
internal static class OpenApiExamples
{
    private sealed record Example(IReadOnlyDictionary<string, string> Path, string Body);

    private static Example Of(string body, params (string Name, string Value)[] path) =>
        new(path.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal), body);

    /// <summary>Operation ids in the order their examples build on each other.</summary>
    public static readonly IReadOnlyList<string> Order =
    [
        "PutLocation", "PutGroup", "PutItem", "PutChannel", "PutChannelListing", "SyncSupply", "AdjustSupply", "QueryAvailability",
        "CreateReservation", "CreateOrder", "RecordOrderEvent", "PutSafetyStockRule", "PutLowStockRule", "CreateTransfer", "IntakeOrder",
        "CreateWebhook", "CreateKey",
    ];

    private static readonly Dictionary<string, Example> Examples = new(StringComparer.Ordinal)
    {
        ["PutLocation"] = Of("""{"name":"Main Street","type":"store","canShip":true,"canPickup":true,"priority":10,"latitude":52.37,"longitude":4.89}""",
            ("id", "store-1")),
        ["PutGroup"] = Of("""{"name":"Ship to home","locations":["store-1","wh-1"]}""", ("id", "ship-to-home")),
        ["PutItem"] = Of("""{"name":"Desk lamp","description":"Brass, 40 cm","price":49.90,"unitCost":21.5,"attributes":{"colour":"brass"}}""",
            ("sku", "LAMP-1")),
        ["PutChannel"] = Of("""{"name":"Web shop","group":"ship-to-home","buffer":{"percent":10},"reservationTtlSeconds":900}""", ("id", "web")),
        ["PutChannelListing"] = Of("""{"sku":"LAMP-1"}""", ("id", "shopify"), ("externalId", "39072856")),
        ["SyncSupply"] = Of("""
            {"source":"erp","asOf":"2026-11-22T08:00:00Z","lines":[
              {"sku":"LAMP-1","location":"store-1","type":"onHand","quantity":10},
              {"sku":"LAMP-1","location":"wh-1","type":"onHand","quantity":25},
              {"sku":"LAMP-1","location":"wh-1","type":"purchaseOrder","quantity":40,"eta":"2026-12-06","reference":"PO-7"}]}
            """),
        ["AdjustSupply"] = Of("""{"id":"adj-1","lines":[{"sku":"LAMP-1","location":"store-1","type":"onHand","delta":-2,"reason":"damaged"}]}"""),
        ["QueryAvailability"] = Of("""{"skus":["LAMP-1"],"channel":"web"}"""),
        ["CreateReservation"] = Of("""{"id":"cart-42","channel":"web","customerId":"c-7","expiresInSeconds":900,"lines":[{"sku":"LAMP-1","quantity":2}]}"""),
        ["CreateOrder"] = Of("""{"id":"order-42","channel":"web","reservationId":"cart-42"}"""),
        ["RecordOrderEvent"] = Of("""{"id":"evt-1","type":"shipped","trackingNumber":"1Z999"}""", ("id", "order-42")),
        ["PutSafetyStockRule"] = Of("""{"sku":"LAMP-1","location":"store-1","units":2}"""),
        ["PutLowStockRule"] = Of("""{"sku":"LAMP-1","threshold":5}"""),
        ["CreateTransfer"] = Of("""{"id":"tr-1","from":"wh-1","to":"store-1","eta":"2026-11-25","lines":[{"sku":"LAMP-1","quantity":5}]}"""),
        ["IntakeOrder"] = Of("""
            {"id":820982911946154508,"updated_at":"2026-11-22T08:30:00Z","cancelled_at":null,
             "line_items":[{"id":466157049,"variant_id":39072856,"sku":"LAMP-1","quantity":1,"gift_card":false}]}
            """, ("format", "shopify")),
        ["CreateWebhook"] = Of("""{"id":"erp","url":"https://erp.example.com/stockroom","events":["stock.low","stock.soldOut"],"secret":"whsec-0123456789abcdef"}"""),
        ["CreateKey"] = Of("""{"id":"pos-store-1","name":"Store 1 POS","scopes":["inventory:write","read"]}"""),
    };

    /// <summary>Sets the operation's request body example and the path parameter values it is sent with.</summary>
    public static void Apply(OpenApiOperation operation, string operationId)
    {
        if (!Examples.TryGetValue(operationId, out var example))
        {
            return;
        }

        if (operation.RequestBody?.Content?.Values.FirstOrDefault() is { } media)
        {
            media.Example = JsonNode.Parse(example.Body);
        }

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In == ParameterLocation.Path && parameter.Name is { } name && example.Path.TryGetValue(name, out var value))
            {
                parameter.Example = value;
            }
        }
    }
}
