using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Stockroom.Cli;
using Stockroom.Http;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// The OpenAPI document says what the server does: the committed copy is the one served, every
/// operation lists its problem answers, request fields are required only where the server requires
/// them, and every request body's example is accepted by a live server.
/// </summary>
public abstract class OpenApiContractTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    internal static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Stockroom.slnx")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("Stockroom.slnx not found above the test's folder.");
    }

    private async Task<JsonObject> ServedAsync()
    {
        using var response = await Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task The_committed_document_is_the_one_the_server_serves()
    {
        using var response = await Client.GetAsync("/openapi/v1.json");
        var served = OpenApiCommand.Normalize(await response.Content.ReadAsStringAsync());
        var committed = OpenApiCommand.Normalize(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "openapi.json")));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(served), JsonNode.Parse(committed)),
            $"docs/openapi.json differs from the document the server serves. Regenerate it with: {OpenApiCommand.Regenerate}");
    }

    [Fact]
    public async Task The_command_line_writes_the_served_document()
    {
        using var response = await Client.GetAsync("/openapi/v1.json");
        var served = JsonNode.Parse(OpenApiCommand.Normalize(await response.Content.ReadAsStringAsync()));
        var generated = JsonNode.Parse(OpenApiCommand.Normalize(await OpenApiCommand.GenerateAsync(TestContext.Current.CancellationToken)));
        Assert.True(JsonNode.DeepEquals(served, generated), "stockroom openapi writes a document other than the one served");
    }

    [Fact]
    public async Task Every_operation_lists_its_problems_and_no_request_field_is_both_required_and_nullable()
    {
        var document = await ServedAsync();
        var audit = OpenApiAudit.Of(document);
        Assert.True(audit.OperationsWithoutProblems.Count == 0, $"without problem responses: {string.Join(", ", audit.OperationsWithoutProblems)}");
        Assert.True(audit.RequiredAndNullable.Count == 0, $"required and nullable: {string.Join(", ", audit.RequiredAndNullable)}");
        Assert.True(audit.TimestampsWithoutType == 0, $"{audit.TimestampsWithoutType} date-time properties without a type");
        Assert.True(audit.BodiesWithoutExample.Count == 0, $"request bodies without an example: {string.Join(", ", audit.BodiesWithoutExample)}");
        Assert.True(audit.TagsWithoutDescription.Count == 0, $"tags without a description: {string.Join(", ", audit.TagsWithoutDescription)}");

        var schemas = document["components"]!["schemas"]!;
        Assert.Equal("object", (string?)schemas["Problem"]!["type"]);
        var reservation = schemas["CreateReservationRequest"]!;
        Assert.Equal(["channel", "lines"], reservation["required"]!.AsArray().Select(r => (string?)r).Order());
        Assert.Equal("^[A-Za-z0-9._:-]{1,64}$", (string?)reservation["properties"]!["channel"]!["pattern"]);
        Assert.Equal(100, (int?)reservation["properties"]!["lines"]!["maxItems"]);
        Assert.Equal(1_000_000_000, (long?)schemas["ReservationLineRequest"]!["properties"]!["quantity"]!["maximum"]);

        // The pattern the document gives identifiers is the rule the server checks them by.
        var pattern = new System.Text.RegularExpressions.Regex(OpenApiSchemas.IdentifierPattern);
        foreach (var sample in new[] { "LAMP-1", "a", "shopify:820982911946154508", "x.y_z", new string('x', 64), new string('x', 65), "", "a b", "é", "a/b", "a\tb" })
        {
            Assert.Equal(Core.Identifier.IsValid(sample), pattern.IsMatch(sample));
        }

        var create = document["paths"]!["/v1/reservations"]!["post"]!["responses"]!;
        Assert.Equal("#/components/schemas/ShortageProblem", (string?)create["409"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]);
        Assert.NotNull(create["503"]!["headers"]!["Retry-After"]);

        var webhooks = document["webhooks"]!.AsObject();
        Assert.Equal(["availability.changed", "reservation.expired", "shortage.detected", "stock.backInStock", "stock.low", "stock.soldOut"],
            webhooks.Select(w => w.Key).Order(StringComparer.Ordinal));
        Assert.All(webhooks, w => Assert.Contains(w.Value!["post"]!["parameters"]!.AsArray(), p => (string?)p!["name"] == "Stockroom-Signature"));
    }

    [Fact]
    public async Task Every_refusal_of_the_hostile_corpus_is_a_status_its_operation_documents()
    {
        var document = await ServedAsync();
        var world = new HostileWorld(new Network("SKU-1", "store-1", "wh-1", "group-1", "web"));
        var operations = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (Segments: p.Key.Split('/'), Method: o.Key.ToUpperInvariant(), Responses: o.Value!["responses"]!.AsObject())))
            .ToList();
        var checkedCases = 0;
        foreach (var hostile in HostileCorpus.All.Where(c => !c.ByKestrel))
        {
            using var request = hostile.Build(world);
            var segments = request.RequestUri!.OriginalString.Split('?')[0].Split('/');
            // Refusals of a route or method that does not exist belong to no operation.
            var operation = operations.FirstOrDefault(o => o.Method == request.Method.Method && o.Segments.Length == segments.Length
                && o.Segments.Zip(segments).All(s => s.First == s.Second || (s.First.StartsWith('{') && s.Second.Length > 0)));
            if (operation.Responses is null)
            {
                continue;
            }

            var status = ((int)hostile.Status).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(operation.Responses.ContainsKey(status),
                $"{hostile.Name}: {request.Method} {request.RequestUri} is answered {status}, which its operation does not document");
            checkedCases++;
        }

        Assert.True(checkedCases >= 200, $"only {checkedCases} cases matched an operation");
    }

    [Fact]
    public async Task Every_request_body_example_is_accepted_and_every_field_it_requires_is_needed()
    {
        // Before the examples: the last of them creates a key, after which every call needs one.
        await EveryRequiredFieldIsNeededAsync(await ServedAsync());

        // What the examples assume exists before them: a warehouse, and the Shopify channel intake delivers to.
        await Client.Put("/v1/locations/wh-1", new { name = "North warehouse", type = "warehouse", canShip = true, canPickup = false })
            .Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        await Client.Put("/v1/groups/marketplaces", new { name = "Marketplaces", locations = new[] { "wh-1" } }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        await Client.Put("/v1/channels/shopify", new { name = "Shopify", group = "marketplaces" }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);

        var document = await ServedAsync();
        var withBodies = WithBodies(document);
        Assert.Equal(withBodies.Keys.Order(StringComparer.Ordinal), OpenApiExamples.Order.Order(StringComparer.Ordinal));
        foreach (var id in OpenApiExamples.Order)
        {
            var (method, path, operation) = withBodies[id];
            var example = operation["requestBody"]!["content"]!["application/json"]!["example"]!.ToJsonString();
            using var response = await Client.Send(method, path, example);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{id}: {method} {path} {example} was answered {(int)response.StatusCode}: {text}");
        }
    }

    /// <summary>
    /// Each example without one of the fields its schema requires is a 400 naming that field: what the
    /// document calls required, the server requires. Refusals change nothing, so this runs first.
    /// </summary>
    private async Task EveryRequiredFieldIsNeededAsync(JsonObject document)
    {
        var schemas = document["components"]!["schemas"]!;
        var checkedFields = 0;
        foreach (var (id, (method, path, operation)) in WithBodies(document))
        {
            var body = operation["requestBody"]!["content"]!["application/json"]!;
            if ((string?)body["schema"]!["$ref"] is not { } reference || schemas[reference[(reference.LastIndexOf('/') + 1)..]]!["required"] is not JsonArray required)
            {
                continue;
            }

            foreach (var field in required.Select(r => (string)r!))
            {
                var without = body["example"]!.DeepClone().AsObject();
                without.Remove(field);
                var problem = await Client.Send(method, path, without.ToJsonString()).Problem(HttpStatusCode.BadRequest);
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{id} without {field}: {problem}");
                checkedFields++;
            }
        }

        Assert.True(checkedFields >= 30, $"only {checkedFields} required fields were checked");
    }

    /// <summary>Each operation that takes a body, by id, with its path filled in from the path parameters' examples.</summary>
    private static Dictionary<string, (HttpMethod Method, string Path, JsonNode Operation)> WithBodies(JsonObject document)
    {
        var withBodies = new Dictionary<string, (HttpMethod Method, string Path, JsonNode Operation)>(StringComparer.Ordinal);
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation!["requestBody"] is null)
                {
                    continue;
                }

                var id = (string)operation["operationId"]!;
                var path = template;
                foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
                {
                    if ((string?)parameter!["in"] == "path")
                    {
                        var value = (string?)parameter["example"] ?? throw new InvalidOperationException($"{id}: path parameter {parameter["name"]} has no example");
                        path = path.Replace($"{{{parameter["name"]}}}", Uri.EscapeDataString(value), StringComparison.Ordinal);
                    }
                }

                withBodies[id] = (new HttpMethod(method.ToUpperInvariant()), path, operation);
            }
        }

        return withBodies;
    }
}

public sealed class OpenApiContractTests_Sqlite(SqliteServer server) : OpenApiContractTests(server), IClassFixture<SqliteServer>;

public sealed class OpenApiContractTests_Postgres(PostgresServerFixture server) : OpenApiContractTests(server), IClassFixture<PostgresServerFixture>;

/// <summary>The issue's checklist, counted over a served document.</summary>
internal sealed record OpenApiAudit(
    IReadOnlyList<string> OperationsWithoutProblems,
    IReadOnlyList<string> RequiredAndNullable,
    int TimestampsWithoutType,
    IReadOnlyList<string> BodiesWithoutExample,
    IReadOnlyList<string> TagsWithoutDescription)
{
    public static OpenApiAudit Of(JsonObject document)
    {
        var schemas = document["components"]!["schemas"]!.AsObject();
        var withoutProblems = new List<string>();
        var withoutExample = new List<string>();
        var requestSchemas = new HashSet<string>(StringComparer.Ordinal);
        var usedTags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var name = $"{method.ToUpperInvariant()} {path}";
                var responses = operation!["responses"]!.AsObject();
                if (path.StartsWith("/v1/", StringComparison.Ordinal) && !responses.Any(r => r.Key[0] is '4' or '5'))
                {
                    withoutProblems.Add(name);
                }

                foreach (var tag in operation["tags"]?.AsArray() ?? [])
                {
                    usedTags.Add((string)tag!);
                }

                if (operation["requestBody"]?["content"]?["application/json"] is { } body)
                {
                    if (body["example"] is null)
                    {
                        withoutExample.Add(name);
                    }

                    Collect(body["schema"], schemas, requestSchemas);
                }
            }
        }

        var requiredAndNullable = new List<string>();
        foreach (var name in requestSchemas)
        {
            var schema = schemas[name]!;
            var required = schema["required"]?.AsArray().Select(r => (string)r!).ToHashSet(StringComparer.Ordinal) ?? [];
            foreach (var (property, value) in schema["properties"]?.AsObject() ?? [])
            {
                if (required.Contains(property) && IsNullable(value))
                {
                    requiredAndNullable.Add($"{name}.{property}");
                }
            }
        }

        var described = (document["tags"]?.AsArray() ?? []).Where(t => !string.IsNullOrWhiteSpace((string?)t!["description"])).Select(t => (string)t!["name"]!);
        return new OpenApiAudit(withoutProblems, requiredAndNullable, CountTimestampsWithoutType(document),
            withoutExample, [.. usedTags.Except(described, StringComparer.Ordinal)]);
    }

    private static bool IsNullable(JsonNode? schema) =>
        schema?["type"] is JsonArray types && types.Any(t => (string?)t == "null")
        || schema?["oneOf"] is JsonArray choices && choices.Any(c => (string?)c?["type"] == "null");

    /// <summary>The component schemas a request body reaches, through references, properties, items and compositions.</summary>
    private static void Collect(JsonNode? schema, JsonObject schemas, HashSet<string> found)
    {
        switch (schema)
        {
            case JsonObject node:
                if ((string?)node["$ref"] is { } reference)
                {
                    var name = reference[(reference.LastIndexOf('/') + 1)..];
                    if (found.Add(name))
                    {
                        Collect(schemas[name], schemas, found);
                    }
                }

                foreach (var (_, child) in node)
                {
                    Collect(child, schemas, found);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Collect(child, schemas, found);
                }

                break;
            default:
                break;
        }
    }

    private static int CountTimestampsWithoutType(JsonNode? node) => node switch
    {
        JsonObject o => ((string?)(o["format"] as JsonValue) == "date-time" && o["type"] is null ? 1 : 0) + o.Sum(p => CountTimestampsWithoutType(p.Value)),
        JsonArray a => a.Sum(CountTimestampsWithoutType),
        _ => 0,
    };
}
