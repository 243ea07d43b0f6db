using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Stockroom.Core.Alerts;

namespace Stockroom.Http;

/// <summary>
/// The OpenAPI 3.1 <c>webhooks</c> section: one entry per event type a subscription may ask for,
/// with the body Stockroom posts and the headers that sign and identify it.
/// </summary>
internal static class OpenApiWebhooks
{
    private static readonly (string Type, string OperationId, string Summary)[] Events =
    [
        ("availability.changed", "onAvailabilityChanged", "A channel published a SKU's new availability (coalesced per SKU, at the channel's cadence)."),
        ("stock.low", "onStockLow", "A position's availability fell below its low-stock threshold."),
        ("stock.soldOut", "onStockSoldOut", "A position's availability reached zero (once per sell-out, not per refused hold)."),
        ("stock.backInStock", "onStockBackInStock", "A sold-out position has units to promise again."),
        ("reservation.expired", "onReservationExpired", "A hold was not confirmed by its expiresAt; its units are available again."),
        ("shortage.detected", "onShortageDetected", "A supply change left more units committed than on hand at a position; the shortage names the units to re-source."),
    ];

    public static async Task AddAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schemas = document.Components!.Schemas!;
        var alert = await ComponentAsync(document, context, typeof(StockAlert), "StockAlert", cancellationToken);
        var reservation = await ComponentAsync(document, context, typeof(Core.Demand.Reservation), "Reservation", cancellationToken);
        schemas["AvailabilityChange"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A SKU's availability as a channel publishes it.",
            Required = new HashSet<string>(StringComparer.Ordinal) { "channel", "sku", "available" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["channel"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["sku"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["available"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" },
            },
        };
        var change = new OpenApiSchemaReference("AvailabilityChange", document);

        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>(StringComparer.Ordinal);
        foreach (var (type, operationId, summary) in Events)
        {
            var data = type switch
            {
                "availability.changed" => change,
                "reservation.expired" => reservation,
                _ => alert,
            };
            var bodyName = $"{char.ToUpperInvariant(operationId[2])}{operationId[3..]}Event";
            schemas[bodyName] = Envelope(type, data, hasSequence: type != "availability.changed");
            document.Webhooks[type] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = Delivery(document, type, operationId, summary, new OpenApiSchemaReference(bodyName, document)),
                },
            };
        }
    }

    private static async Task<IOpenApiSchema> ComponentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, Type type,
        string name, CancellationToken cancellationToken)
    {
        var schemas = document.Components!.Schemas!;
        if (!schemas.ContainsKey(name))
        {
            schemas[name] = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
        }

        return new OpenApiSchemaReference(name, document);
    }

    private static OpenApiSchema Envelope(string type, IOpenApiSchema data, bool hasSequence)
    {
        var required = new HashSet<string>(StringComparer.Ordinal) { "type", "at", "data" };
        if (hasSequence)
        {
            required.Add("sequence");
        }

        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = $"The body of a `{type}` delivery: the event as the ledger records it.",
            Required = required,
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = type },
                ["id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The event's unique id, also sent as `webhook-id`, where the server sends one." },
                ["sequence"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Format = "int64",
                    Minimum = "1",
                    Description = "The event's position in the ledger: deliveries may arrive out of order, and this orders them.",
                },
                ["at"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                ["data"] = data,
            },
        };
    }

    private static OpenApiOperation Delivery(OpenApiDocument document, string type, string operationId, string summary, IOpenApiSchema body) => new()
    {
        OperationId = operationId,
        Summary = summary,
        Description = $"Posted to every subscription that lists `{type}`. Any 2xx answer acknowledges it; anything else, no answer within 10 s, "
            + "or a redirect is a failed attempt, retried after 1 s, 2 s, 4 s… up to an hour, 10 attempts at most. Check the signature before trusting the body.",
        Tags = new HashSet<OpenApiTagReference> { new("Webhooks", document) },
        Security = [],
        Parameters =
        [
            Header("Stockroom-Signature", required: true,
                "`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + \".\" + body)>`, over the body as sent, with the subscription's secret. "
                + "Compare in constant time and refuse an old `t`.", "t=1795338000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"),
            Header("Stockroom-Event", required: true, "The event type.", type),
            Header("Stockroom-Delivery", required: true, "The delivery's id, the same on every retry: de-duplicate on it.", "8812"),
            Header("webhook-id", required: false, "Standard Webhooks: the message id, the same on every retry, where the server sends it.", "msg_8812"),
            Header("webhook-timestamp", required: false, "Standard Webhooks: unix seconds of the attempt, where the server sends it.", "1795338000"),
            Header("webhook-signature", required: false,
                "Standard Webhooks: `v1,<base64 HMAC-SHA256(secret, id + \".\" + timestamp + \".\" + body)>`, where the server sends it.",
                "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
        ],
        RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = body } },
        },
        Responses = new OpenApiResponses
        {
            ["2XX"] = new OpenApiResponse { Description = "Acknowledged: the delivery is done." },
            ["4XX"] = new OpenApiResponse { Description = "A failed attempt (so is a 3xx, a 5xx or no answer): the delivery is retried with back-off." },
            ["5XX"] = new OpenApiResponse { Description = "A failed attempt: the delivery is retried with back-off." },
        },
    };

    private static OpenApiParameter Header(string name, bool required, string description, string example) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = required,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        Example = example,
    };
}
