using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Stockroom.Core;
using Stockroom.Features.Keys;

namespace Stockroom.Http;

/// <summary>
/// Makes the served OpenAPI document say what the server does. The framework describes types as
/// C# declares them, and request records declare every field nullable so that validation can name
/// what is missing; left alone, that reads as "every field required, and null allowed", which no
/// client can use. These transformers put back what the handlers actually decide: which fields are
/// required, their bounds from <see cref="Limits"/>, the problem+json answers each operation can
/// give, an example of every request body that the server accepts, and the webhooks it sends.
/// </summary>
internal static class StockroomOpenApi
{
    private const string ProblemSchema = "Problem";
    private const string ShortageProblemSchema = "ShortageProblem";
    private const string ProblemMediaType = "application/problem+json";

    public static void Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer(TypeTimestamps);
        options.AddSchemaTransformer(MarkDeprecated);
        options.AddOperationTransformer(DescribeOperation);
        options.AddDocumentTransformer(DescribeDocumentAsync);
    }

    /// <summary>
    /// Timestamps are written by a converter of their own (RFC 3339 UTC), so the schema exporter
    /// cannot tell their JSON type: it leaves <c>format</c> without <c>type</c>.
    /// </summary>
    private static Task TypeTimestamps(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(DateTimeOffset))
        {
            schema.Type = JsonSchemaType.String;
            schema.Format = "date-time";
        }
        else if (type == typeof(DateTimeOffset?))
        {
            schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
        }

        return Task.CompletedTask;
    }

    /// <summary>Contract v1 named the events page's list <c>events</c>; it stays, beside the one list envelope's <c>data</c>.</summary>
    private static Task MarkDeprecated(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type == typeof(Features.Ledger.EventsPage) && schema.Properties?.TryGetValue("events", out var events) == true
            && events is OpenApiSchema alias)
        {
            alias.Deprecated = true;
            alias.Description = "The same list as `data`, under the name contract v1 gave it. Read `data`.";
        }

        return Task.CompletedTask;
    }

    // ---------------------------------------------------------------------------------------------
    // Operations: problem responses, request examples

    /// <summary>
    /// Operations whose handlers answer 409, 410, 422 or 503, or 404 without an id in the path (found
    /// by reading each handler's refusals: <c>Problems.Conflict</c>, <c>IdempotencyClash</c>,
    /// <c>Unprocessable</c>, <c>Overloaded</c>, <c>NotFound</c>).
    /// The statuses every operation can give are added by rule in <see cref="DescribeOperation"/>.
    /// </summary>
    private static readonly Dictionary<string, int[]> RefusalsByOperation = new(StringComparer.Ordinal)
    {
        ["PutItem"] = [422],
        ["PutGroup"] = [422],
        ["PutChannel"] = [422],
        ["PutChannelListing"] = [422],
        ["SyncSupply"] = [409, 422],
        ["AdjustSupply"] = [409, 422],
        ["QueryAvailability"] = [404, 503],
        ["CreateReservation"] = [409, 422, 503],
        ["AcceptReservation"] = [409, 422],
        ["DeclineReservation"] = [409, 422],
        ["ReleaseReservation"] = [409],
        ["CreateOrder"] = [409, 422],
        ["RecordOrderEvent"] = [409],
        ["PutSafetyStockRule"] = [422],
        ["DeleteSafetyStockRule"] = [404],
        ["DeleteLowStockRule"] = [404],
        ["GetReplenishment"] = [404],
        ["ApplyReplenishment"] = [404],
        ["PutLowStockRule"] = [422],
        ["IntakeOrder"] = [409, 410, 422],
        ["CreateWebhook"] = [409],
        ["ResendWebhookDelivery"] = [409],
        ["CreateKey"] = [409, 422],
        ["CreateTransfer"] = [409, 422],
    };

    /// <summary>Operations whose 409 may be <c>insufficient-stock</c> with the shortage per line.</summary>
    private static readonly HashSet<string> ShortageOperations = new(StringComparer.Ordinal)
    {
        "CreateReservation", "AcceptReservation", "CreateOrder", "IntakeOrder",
    };

    private static readonly Dictionary<int, string> ProblemDescriptions = new()
    {
        [400] = "The request is not valid: `errors` names each field to correct. Nothing was changed.",
        [401] = "No API key, or one not in force (only when the server has keys). Nothing was changed.",
        [403] = "The key may not do this: a scope it lacks, or a channel it is not bound to. Nothing was changed.",
        [404] = "No such resource (or, to a key bound to another channel, one it may not see).",
        [409] = "A conflict: an id already used for a different request, a state that does not allow this, or too little stock. Nothing was changed.",
        [410] = "The marketplace is retired (`google`). Nothing was changed.",
        [412] = "`If-Match` does not name the resource's current `ETag` (it changed since it was read), or `If-None-Match: *` asked to create a resource that exists. Nothing was changed.",
        [413] = "The body is larger than the server takes (1 MiB). Nothing was changed.",
        [415] = "The body is not JSON (`Content-Type: application/json`). Nothing was changed.",
        [422] = "Well formed, but it names something that cannot be used (an unknown or draft item, an unknown location, group or channel). Nothing was changed.",
        [429] = "Too many requests with this key, or too many failed keys from this address: retry after `Retry-After` seconds. Nothing was changed.",
        [503] = "Too much work of this kind is waiting: retry after `Retry-After` seconds with the same request. Nothing was changed.",
    };

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var path = "/" + (description.RelativePath ?? "");
        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        var id = operation.OperationId ?? "";
        var hasBody = operation.RequestBody is not null;
        var statuses = new SortedSet<int> { 401, 403, 429 };
        if (hasBody || description.ParameterDescriptions.Count > 0)
        {
            statuses.Add(400);
        }

        if (path.Contains('{', StringComparison.Ordinal))
        {
            statuses.Add(404);
        }

        if (hasBody)
        {
            statuses.Add(413);
            statuses.Add(415);
        }

        if (RefusalsByOperation.TryGetValue(id, out var refusals))
        {
            statuses.UnionWith(refusals);
        }

        var tagged = description.ActionDescriptor.EndpointMetadata.OfType<ETags.Tagged>().Any();
        var reads = string.Equals(description.HttpMethod, HttpMethods.Get, StringComparison.OrdinalIgnoreCase);
        if (tagged)
        {
            DescribeEntityTags(operation, reads);
            if (!reads)
            {
                statuses.Add(412);
            }
        }

        operation.Responses ??= [];
        foreach (var status in statuses)
        {
            // A response something else already described (an endpoint's own metadata, another
            // transformer's headers) keeps its headers; its body becomes the one problem schema.
            var key = status.ToString(CultureInfo.InvariantCulture);
            if (operation.Responses.TryGetValue(key, out var existing) && existing is not OpenApiResponse)
            {
                continue;
            }

            var response = existing as OpenApiResponse ?? new OpenApiResponse();
            operation.Responses[key] = response;
            response.Description = ProblemDescriptions[status];
            var schema = status == 409 && ShortageOperations.Contains(id) ? ShortageProblemSchema : ProblemSchema;
            response.Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemMediaType] = new() { Schema = new OpenApiSchemaReference(schema, context.Document) },
            };
            if (status is 429 or 503)
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.OrdinalIgnoreCase);
                response.Headers.TryAdd("Retry-After", IntegerHeader("Seconds to wait before sending the request again."));
            }

            if (status == 429)
            {
                foreach (var (name, meaning) in RateLimitHeaders)
                {
                    response.Headers!.TryAdd(name, IntegerHeader(meaning));
                }
            }
        }

        foreach (var response in operation.Responses.Values.OfType<OpenApiResponse>())
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.OrdinalIgnoreCase);
            response.Headers.TryAdd(RequestIds.Header, new OpenApiHeaderReference(RequestIds.Header, context.Document));
        }

        if (id == "IntakeOrder" && operation.RequestBody is OpenApiRequestBody payload)
        {
            payload.Description = "The marketplace's own order payload, as its webhook or API sends it: a Shopify order or refund, "
                + "an Amazon order (Orders API v0 or 2026-01-01, or an ORDER_CHANGE notification), a Walmart order or order list.";
        }

        BoundParameters(operation);
        OpenApiExamples.Apply(operation, id);
        return Task.CompletedTask;
    }

    /// <summary>The rate-limit fields every answer to a keyed request carries (draft-ietf-httpapi-ratelimit-headers).</summary>
    private static readonly (string Name, string Meaning)[] RateLimitHeaders =
    [
        ("RateLimit-Limit", "Requests the key may send in a burst."),
        ("RateLimit-Remaining", "Requests the key has left now."),
        ("RateLimit-Reset", "Seconds until the key's allowance is full again."),
    ];

    private static OpenApiHeader IntegerHeader(string description) => new()
    {
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
    };

    /// <summary>
    /// Catalog and rule resources carry a strong <c>ETag</c>; a GET takes <c>If-None-Match</c> (304),
    /// a write takes <c>If-Match</c> and <c>If-None-Match</c>, checked inside the write (412).
    /// </summary>
    private static void DescribeEntityTags(OpenApiOperation operation, bool reads)
    {
        operation.Parameters ??= [];
        var conditions = reads
            ? new[] { ("If-None-Match", "An `ETag` read before (or `*`): answered 304 Not Modified, without a body, while it is still the current one.") }
            : [
                ("If-Match", "Write only if the resource is still at this `ETag` (as last read), or `*`: exists at all. Otherwise 412 and nothing changes."),
                ("If-None-Match", "`*`: create only; 412 if the resource exists."),
            ];
        foreach (var (name, meaning) in conditions)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Header,
                Description = meaning,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        operation.Responses ??= [];
        foreach (var (key, response) in operation.Responses)
        {
            if (key is "200" or "201" && response is OpenApiResponse answer)
            {
                answer.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.OrdinalIgnoreCase);
                answer.Headers.TryAdd("ETag", new OpenApiHeader
                {
                    Description = "The resource's current version, a strong entity tag; send it back as `If-Match` to write only over what was read.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
        }

        if (reads)
        {
            operation.Responses["304"] = new OpenApiResponse { Description = "Not modified: `If-None-Match` names the current `ETag`." };
        }
    }

    private static readonly HashSet<string> IdentifierParameters = new(StringComparer.Ordinal) { "id", "sku", "location", "group", "channel" };

    /// <summary>The bounds of path, query and header values, as the handlers check them.</summary>
    private static void BoundParameters(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.Schema is not OpenApiSchema schema)
            {
                continue;
            }

            switch (parameter.Name)
            {
                case "limit" when parameter.In == ParameterLocation.Query:
                    schema.Minimum = "1";
                    schema.Maximum = Limits.PageSizeMax.ToString(CultureInfo.InvariantCulture);
                    parameter.Description ??= $"Results per page, at most {Limits.PageSizeMax} (default {Limits.PageSizeDefault}).";
                    break;
                case "format" when parameter.In == ParameterLocation.Path:
                    schema.Enum = [.. Features.Intake.MarketplaceOrders.Formats.Select(f => (System.Text.Json.Nodes.JsonNode)f)];
                    break;
                case "externalId" when parameter.In == ParameterLocation.Path:
                    schema.MinLength = 1;
                    schema.MaxLength = Features.Channels.ChannelListings.ExternalIdLengthMax;
                    break;
                case "delivery" when parameter.In == ParameterLocation.Path:
                    // A delivery's id is a number the delivery log gives; the handler reads it as text so that a bad one is a problem+json 400.
                    schema.Pattern = "^[1-9][0-9]{0,18}$";
                    parameter.Description ??= "The delivery's id, as the subscription's delivery log lists it.";
                    break;
                case "Idempotency-Key" when parameter.In == ParameterLocation.Header:
                    schema.Pattern = OpenApiSchemas.IdentifierPattern;
                    parameter.Description ??= "The request's id, when the body does not carry one: the same key and body again are answered as the first time.";
                    break;
                case { } name when IdentifierParameters.Contains(name) && schema.Type == JsonSchemaType.String:
                    schema.Pattern = OpenApiSchemas.IdentifierPattern;
                    break;
                default:
                    break;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The document: tags, problem schemas, request truth, webhooks

    private static readonly (string Name, string Description)[] Tags =
    [
        ("Catalog", "Items (SKUs): what is sold, how holds on it are decided (`reserve`, `onRequest`, `auto`), price and cost."),
        ("Network", "Locations, the distribution groups they form, and the sales channels that sell from a group, with their listings and published feed."),
        ("Supply", "Counts and inbound supply from systems of record: snapshots as of a time, relative adjustments, and transfers between locations."),
        ("Availability", "Available to promise, at one location (pick-up) or over a group or channel (ship-to-home), now or on a date."),
        ("Reservations", "Holds for carts and checkouts: units held until an order confirms them, or released, expired or declined."),
        ("Orders", "Demand turned into orders allocated at locations, their fulfilment events, and the units the POS/ERP does not know yet."),
        ("Rules", "Safety stock kept back from promising, and low-stock thresholds that raise alerts."),
        ("Channel intake", "Marketplace orders (Shopify, Amazon, Walmart) taken in their own formats, and the trail of every delivery."),
        ("Webhooks", "Subscriptions to events, delivered signed and retried; see the `webhooks` section for what each delivery carries."),
        ("Ledger", "The append-only, hash-chained ledger of every change, paged or followed as server-sent events."),
        ("Keys", "API keys with scopes, optionally bound to one channel."),
        ("Insights", "Replenishment suggestions from demand history, demand per day, and stock valuation at weighted average cost."),
    ];

    private static async Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Stockroom API";
        document.Info.Description = "Real-time available-to-promise, reservations and supply across every sales channel. "
            + "Every refusal is `application/problem+json` (RFC 9457) and changes nothing.";
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal);
        document.Components.Headers[RequestIds.Header] = new OpenApiHeader
        {
            Description = "The request's W3C trace id (32 hex digits), also in every log line the server wrote for it; quote it when asking about a request.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9a-f]{32}$" },
        };
        // Every /v1 call takes an API key as a bearer token; the reference UI offers to send one.
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[KeyAuthentication.Scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key: `Authorization: Bearer <key>`. Scopes: admin, inventory:write, reservations:write, read.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(KeyAuthentication.Scheme, document)] = [] }];
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));

        AddProblemSchemas(document);
        await OpenApiWebhooks.AddAsync(document, context, cancellationToken);
        OpenApiSchemas.TellTheTruth(document);
    }

    private static void AddProblemSchemas(OpenApiDocument document)
    {
        var schemas = document.Components!.Schemas!;
        schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem. `type` is a stable URN to switch on (`urn:stockroom:problem:validation`, "
                + "`…:not-found`, `…:insufficient-stock`, `…:idempotency-clash`, …); `errors` names the offending fields.",
            Required = new HashSet<string>(StringComparer.Ordinal) { "type", "title", "status", "detail" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference", Examples = ["urn:stockroom:problem:validation"] },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Examples = ["The request is not valid."] },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599", Examples = [400] },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Examples = ["See errors for the fields to correct. Nothing was changed."] },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace, to quote when reporting a problem." },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Messages per field, by the field's path in the request (`lines[0].quantity`).",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                    Examples = [new JsonObject { ["lines[0].quantity"] = new JsonArray("must be a whole number from 1 to 1000000000") }],
                },
            },
        };
        schemas["Shortage"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A line that could not be held in full: what it asked for, and what could be promised.",
            Required = new HashSet<string>(StringComparer.Ordinal) { "line", "sku", "requested", "available" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["line"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0", Description = "The line's index in the request." },
                ["sku"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["requested"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "1" },
                ["available"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" },
            },
        };
        schemas[ShortageProblemSchema] = new OpenApiSchema
        {
            Description = "A 409. With type `urn:stockroom:problem:insufficient-stock` it lists the shortage per line and nothing was held; "
                + "other conflicts (an id already used for another request, a state that does not allow this) have no `shortages`.",
            AllOf =
            [
                new OpenApiSchemaReference(ProblemSchema, document),
                new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                    {
                        ["shortages"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchemaReference("Shortage", document) },
                    },
                },
            ],
        };
    }
}
