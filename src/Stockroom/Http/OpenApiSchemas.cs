using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Stockroom.Core;
using Stockroom.Features.Keys;
using Stockroom.Features.Webhooks;

namespace Stockroom.Http;

/// <summary>
/// Puts back into the component schemas what the handlers decide about each field. Two facts of
/// the wire format do most of it: the server never writes <c>null</c> (properties without a value
/// are left out), and it reads a <c>null</c> in a request as the field left out. So no property is
/// nullable on the wire: a response property that may be null is one that may be absent, and a
/// request field is required only where the handler's validation says "is required".
/// </summary>
internal static class OpenApiSchemas
{
    /// <summary>Identifiers as <see cref="Core.Identifier"/> checks them.</summary>
    internal const string IdentifierPattern = "^[A-Za-z0-9._:-]{1,64}$";

    /// <summary>
    /// The fields each request's validation requires (see each feature's <c>Validate</c>). Every
    /// other field of a request is optional. <c>id</c> is optional where the operation also takes
    /// it as an <c>Idempotency-Key</c> header; one of the two is then needed.
    /// </summary>
    internal static readonly Dictionary<string, string[]> RequestRequired = new(StringComparer.Ordinal)
    {
        ["PutItemRequest"] = ["name"],
        ["PutLocationRequest"] = ["name", "type", "canShip", "canPickup"],
        ["PutGroupRequest"] = ["name"],
        ["BufferRequest"] = [],
        ["PutChannelRequest"] = ["name", "group"],
        ["PutListingRequest"] = ["sku"],
        ["SyncRequest"] = ["source", "asOf", "lines"],
        ["SyncLine"] = ["sku", "location", "type", "quantity"],
        ["AdjustRequest"] = ["lines"],
        ["AdjustLine"] = ["sku", "location", "type", "delta", "reason"],
        ["AvailabilityQuery"] = ["skus"],
        ["CreateReservationRequest"] = ["channel", "lines"],
        ["ReservationLineRequest"] = ["sku", "quantity"],
        ["CreateOrderRequest"] = ["channel"],
        ["OrderLineRequest"] = ["sku", "quantity"],
        ["OrderEventRequest"] = ["id", "type"],
        ["OrderEventLineRequest"] = ["sku", "quantity"],
        ["SafetyStockRuleRequest"] = [],
        ["LowStockRuleRequest"] = ["threshold"],
        ["CreateWebhookRequest"] = ["id", "url", "events", "secret"],
        ["CreateKeyRequest"] = ["id", "scopes"],
        ["TransferRequest"] = ["id", "from", "to", "lines"],
        ["TransferLineRequest"] = ["sku", "quantity"],
    };

    /// <summary>Fields that are identifiers wherever a request has them.</summary>
    private static readonly HashSet<string> Identifiers = new(StringComparer.Ordinal)
    {
        "id", "sku", "location", "group", "channel", "reservationId", "parentSku", "from", "to", "source", "snapshotId",
    };

    public static void TellTheTruth(OpenApiDocument document)
    {
        var schemas = document.Components!.Schemas!;
        foreach (var (name, component) in schemas)
        {
            // Enums are written as camelCase strings by a converter, which hides their JSON type from the exporter.
            if (component is OpenApiSchema { Type: null, Enum.Count: > 0 } enumeration && enumeration.Enum.All(v => v?.GetValueKind() == System.Text.Json.JsonValueKind.String))
            {
                enumeration.Type = JsonSchemaType.String;
            }

            if (component is not OpenApiSchema schema || schema.Properties is not { Count: > 0 } properties)
            {
                continue;
            }

            var isRequest = RequestRequired.TryGetValue(name, out var required);
            var mayBeAbsent = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in properties.Keys.ToList())
            {
                var (plain, wasNullable) = WithoutNull(properties[property]);
                properties[property] = plain;
                if (wasNullable)
                {
                    mayBeAbsent.Add(property);
                }

                if (isRequest && plain is OpenApiSchema field)
                {
                    Bound(name, property, field);
                }
            }

            if (isRequest)
            {
                schema.Required = new HashSet<string>(required!, StringComparer.Ordinal);
            }
            else
            {
                schema.Required?.ExceptWith(mayBeAbsent);
            }
        }

        Special(document, schemas);
    }

    /// <summary>The schema without <c>null</c>: <c>[x, "null"]</c> becomes <c>x</c>, and <c>oneOf [null, $ref]</c> the reference.</summary>
    private static (IOpenApiSchema Schema, bool WasNullable) WithoutNull(IOpenApiSchema property)
    {
        if (property is not OpenApiSchema schema)
        {
            return (property, false);
        }

        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null))
        {
            schema.Type = type & ~JsonSchemaType.Null;
            return (schema, true);
        }

        if (schema.OneOf is { Count: 2 } choices && choices.FirstOrDefault(c => c.Type == JsonSchemaType.Null) is { } nullChoice)
        {
            return (choices.First(c => !ReferenceEquals(c, nullChoice)), true);
        }

        return (schema, false);
    }

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Range(OpenApiSchema schema, decimal minimum, decimal maximum)
    {
        schema.Minimum = Number(minimum);
        schema.Maximum = Number(maximum);
    }

    private static void Length(OpenApiSchema schema, int minimum, int maximum)
    {
        schema.MinLength = minimum;
        schema.MaxLength = maximum;
    }

    /// <summary>The bounds each handler checks, from <see cref="Limits"/>, on one request field.</summary>
    private static void Bound(string schemaName, string property, OpenApiSchema schema)
    {
        if (Identifiers.Contains(property) && schema.Type == JsonSchemaType.String)
        {
            schema.Pattern = IdentifierPattern;
        }

        switch (property)
        {
            case "name":
                Length(schema, 1, Limits.NameLengthMax);
                break;
            case "description":
                schema.MaxLength = Limits.DescriptionLengthMax;
                break;
            case "customerId":
                schema.MaxLength = Limits.NameLengthMax;
                break;
            case "reason":
                Length(schema, 1, Limits.ReasonLengthMax);
                break;
            case "trackingNumber":
                schema.MaxLength = Limits.ReferenceLengthMax;
                break;
            case "reference":
                schema.Pattern = IdentifierPattern;
                break;
            case "priority" or "vipPriority":
                Range(schema, -Limits.PriorityMax, Limits.PriorityMax);
                break;
            case "expiresInSeconds" or "reservationTtlSeconds":
                Range(schema, 1, Limits.HoldSecondsMax);
                break;
            case "acceptWithinSeconds":
                Range(schema, 1, Limits.AcceptWithinSecondsMax);
                break;
            case "publishEverySeconds":
                Range(schema, 0, Limits.PublishEverySecondsMax);
                break;
            case "leadTimeDays":
                Range(schema, 0, Limits.HorizonDaysMax);
                break;
            case "latitude":
                Range(schema, -90, 90);
                schema.Description = "Given together with longitude.";
                break;
            case "longitude":
                Range(schema, -180, 180);
                break;
            case "price" or "unitCost":
                schema.Minimum = "0";
                schema.ExclusiveMaximum = Number(Limits.MoneyMax);
                schema.Description = "At most 4 decimal places.";
                break;
            case "percent":
                Range(schema, 0, 100);
                break;
            case "units":
                Range(schema, 0, Limits.QuantityMax);
                break;
            case "threshold":
                Range(schema, 1, Limits.QuantityMax);
                break;
            case "delta":
                Range(schema, -Limits.QuantityMax, Limits.QuantityMax);
                schema.Description = "Units added (positive) or removed (negative); never zero.";
                break;
            case "quantity":
                // A snapshot may count zero units; demand and transfers ask for at least one.
                Range(schema, schemaName == "SyncLine" ? 0 : 1, Limits.QuantityMax);
                break;
            case "lines":
                Lines(schemaName, schema);
                break;
            case "skus":
                schema.MinItems = 1;
                schema.MaxItems = Limits.BulkSkusMax;
                ItemsAreIdentifiers(schema);
                break;
            case "locations":
                schema.MaxItems = Limits.GroupLocationsMax;
                schema.UniqueItems = schemaName == "PutGroupRequest" ? true : null;
                ItemsAreIdentifiers(schema);
                break;
            case "attributes":
                schema.MaxProperties = Limits.AttributesMax;
                if (schema.AdditionalProperties is OpenApiSchema value)
                {
                    Length(value, 1, Limits.AttributeLengthMax);
                }

                break;
            case "url":
                schema.Format = "uri";
                schema.MaxLength = WebhooksApi.UrlLengthMax;
                schema.Description = "An absolute http(s) URL without a user name or password, to a public address.";
                break;
            case "secret":
                Length(schema, WebhooksApi.SecretLengthMin, WebhooksApi.SecretLengthMax);
                schema.WriteOnly = true;
                break;
            case "events":
                schema.MinItems = 1;
                schema.Items = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [.. WebhookEvents.Deliverable.Order(StringComparer.Ordinal).Select(e => (JsonNode)e)],
                };
                break;
            case "scopes":
                schema.MinItems = 1;
                schema.Items = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [.. Scopes.All.Order(StringComparer.Ordinal).Select(s => (JsonNode)s)],
                };
                break;
            case "id" when schemaName is "CreateReservationRequest" or "CreateOrderRequest" or "AdjustRequest":
                schema.Description = "The request's idempotency key. Required unless sent as the `Idempotency-Key` header.";
                break;
            default:
                break;
        }
    }

    private static void Lines(string schemaName, OpenApiSchema schema)
    {
        (int? minimum, int maximum) = schemaName switch
        {
            "SyncRequest" or "AdjustRequest" => (1, Limits.SupplyLinesMax),
            "TransferRequest" => (1, Core.Supply.Transfers.LinesMax),
            "CreateReservationRequest" => (1, Limits.DemandLinesMax),
            // An order from a reservation may leave its lines out; an event without lines applies to every open unit.
            _ => ((int?)null, Limits.DemandLinesMax),
        };
        schema.MinItems = minimum;
        schema.MaxItems = maximum;
        if (schemaName == "CreateOrderRequest")
        {
            schema.Description = "Required (at least one line) unless the order consumes a reservation.";
        }
    }

    private static void ItemsAreIdentifiers(OpenApiSchema schema)
    {
        if (schema.Items is OpenApiSchema items)
        {
            items.Pattern = IdentifierPattern;
        }
    }

    /// <summary>Fields whose JSON type the exporter cannot see, and the intake answer's problem.</summary>
    private static void Special(OpenApiDocument document, IDictionary<string, IOpenApiSchema> schemas)
    {
        if (schemas.TryGetValue("PutChannelRequest", out var channel) && channel.Properties is { } channelProperties)
        {
            // Left out keeps the channel's secret, null clears it, a string sets it: the one field where null means something.
            channelProperties["intakeSecret"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String | JsonSchemaType.Null,
                MinLength = 1,
                MaxLength = Limits.IntakeSecretLengthMax,
                WriteOnly = true,
                Description = "The marketplace's signing secret (e.g. Shopify's). Left out: the channel keeps its secret; null: cleared; a string: set. Never shown back.",
            };

            // Each kind takes its own fields beside kind and baseUrl (Shopify: accessToken, locationId); secret ones are never shown back.
            channelProperties["connector"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object | JsonSchemaType.Null,
                Required = new HashSet<string>(["kind", "baseUrl"], StringComparer.Ordinal),
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["kind"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Enum = [.. Enum.GetValues<Features.Connectors.ConnectorKind>().Select(k => (JsonNode)Features.Connectors.ConnectorSetup.KindName(k))],
                    },
                    ["baseUrl"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri", MaxLength = Features.Connectors.ConnectorField.LengthMax },
                },
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = Features.Connectors.ConnectorField.LengthMax },
                Description = "The channel's marketplace connector: kind, the API's baseUrl (refused on private networks unless Stockroom:Connectors:AllowPrivateNetworks), "
                    + "and the kind's fields (shopify: accessToken, secret; locationId, gid://shopify/Location/<id>). Left out: kept; null: removed. "
                    + "Secrets are write-only: left out of a later PUT, the stored one is kept. GET /v1/channels/{id}/connector shows it.",
                Examples = [JsonNode.Parse("""{"kind":"shopify","baseUrl":"https://lamps.myshopify.com","accessToken":"shpat_0123456789abcdef","locationId":"gid://shopify/Location/7001"}""")!],
            };
        }

        if (schemas.TryGetValue("IntakeResult", out var intake) && intake.Properties is { } intakeProperties && intakeProperties.ContainsKey("problem"))
        {
            intakeProperties["problem"] = new OpenApiSchemaReference("Problem", document);
        }
    }
}
