using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Stockroom.Cli;

/// <summary>
/// <c>stockroom openapi [--output file]</c>: writes the OpenAPI document the server serves at
/// <c>/openapi/v1.json</c>, so that the copy kept in
/// <c>docs/openapi.json</c> (which clients are generated and the lint is run from) can be renewed.
/// </summary>
public static class OpenApiCommand
{
    /// <summary>The command that renews the committed copy, quoted wherever the copy is found stale.</summary>
    public const string Regenerate = "dotnet run --project src/Stockroom -- openapi --output docs/openapi.json";

    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "The file to write; default: standard output." };
        var command = new Command("openapi", "Write the OpenAPI 3.1 document of the HTTP API (as served at /openapi/v1.json).") { output };
        command.SetAction(async (result, cancellationToken) =>
        {
            var json = await GenerateAsync(cancellationToken);
            if (result.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, json, cancellationToken);
            }
            else
            {
                await Console.Out.WriteAsync(json);
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// The document as the server builds it, in a stable form: indented, and naming as its server the
    /// default address of one run locally, where the served document names the host it was asked of.
    /// </summary>
    public static async Task<string> GenerateAsync(CancellationToken cancellationToken)
    {
        // The document is built from the endpoints of a running application, so one is started on a
        // loopback port over a throwaway store, asked once, and stopped.
        var store = Path.Combine(Path.GetTempPath(), $"stockroom-openapi-{Guid.NewGuid():N}.db");
        try
        {
            var app = StockroomApp.Build(["--urls", "http://127.0.0.1:0", "--ConnectionStrings:Stockroom", $"Data Source={store}"],
                builder => builder.Logging.ClearProviders());
            await using (app)
            {
                await StockroomApp.PrepareAsync(app, cancellationToken);
                await app.StartAsync(cancellationToken);
                try
                {
                    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                    using var client = new HttpClient { BaseAddress = new Uri(address) };
                    var served = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), cancellationToken);
                    var node = JsonNode.Parse(Normalize(served))!.AsObject();
                    node.Insert(2, "servers", new JsonArray(new JsonObject
                    {
                        ["url"] = "http://localhost:5000",
                        ["description"] = "A server run locally on its default address (dotnet run --project src/Stockroom).",
                    }));
                    return Write(node);
                }
                finally
                {
                    await app.StopAsync(cancellationToken);
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { store, $"{store}-wal", $"{store}-shm" })
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Indented JSON with LF line ends and without <c>servers</c>, which names whatever host the document was asked of.</summary>
    public static string Normalize(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("servers");
        return Write(node);
    }

    private static string Write(JsonObject node) =>
        node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .ReplaceLineEndings("\n") + "\n";
}
