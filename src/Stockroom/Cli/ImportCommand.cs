using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Spectre.Console;
using Stockroom.Core;
using Stockroom.Core.Catalog;
using Stockroom.Core.Supply;
using Stockroom.Features.Catalog;
using Stockroom.Features.Supply;
using Stockroom.Http;
using Stockroom.Storage;
using Stockroom.Features.Reservations;

namespace Stockroom.Cli;

/// <summary>
/// <c>stockroom import supply|items|locations FILE.csv</c>: loads a CSV export into the store
/// directly (one transaction: all of it or nothing) or into a running server. Every row is
/// checked first and every error reported with its line number; nothing is applied while any
/// row is wrong.
/// </summary>
public static class ImportCommand
{
    /// <summary>Lines per request when importing supply through a server (well under its body limit).</summary>
    public const int ServerChunkLines = 5_000;

    /// <summary>Errors printed at most; the count of the rest follows.</summary>
    public const int ErrorsShownMax = 50;

    private static readonly Option<string?> Connection = new("--connection")
    {
        Description = "Apply directly to this store (Data Source=… or Host=…); default: ConnectionStrings__Stockroom, else Data Source=stockroom.db.",
    };

    private static readonly Option<Uri?> Server = new("--server")
    {
        Description = "Apply through a running Stockroom server, e.g. http://localhost:5000.",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            result.AddError($"--server must be an http(s) address, not '{text}'");
            return null;
        },
    };

    private static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "The key to send with --server (Authorization: Bearer); default: STOCKROOM_API_KEY.",
    };

    /// <summary>The running server the rows go to, with the key to send, or null to apply directly.</summary>
    private static ServerTarget? TargetOf(ParseResult result) =>
        result.GetValue(Server) is { } address
            ? new ServerTarget(address, result.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable(ServerTarget.ApiKeyVariable))
            : null;

    public static Command Create()
    {
        var import = new Command("import", "Import supply, items or locations from a CSV file.");
        var file = new Argument<FileInfo>("file") { Description = "The CSV file, with a header row." };

        var source = new Option<string>("--source") { Description = "The system the counts come from (e.g. erp, pos-store-1).", Required = true };
        var asOf = new Option<DateTimeOffset>("--as-of") { Description = "When the counts were taken, RFC 3339 with an offset.", Required = true };
        var supply = new Command("supply", "Absolute supply: columns sku, location, type (onHand|inTransit|purchaseOrder), quantity, eta, reference.")
        {
            file, source, asOf, Connection, Server, ApiKey,
        };
        supply.SetAction((result, cancellationToken) =>
            SupplyAsync(result.GetValue(file)!, result.GetValue(source)!, result.GetValue(asOf), result.GetValue(Connection), TargetOf(result), cancellationToken));

        var items = new Command("items", "Items: columns sku, name, description, status, policy, backorderable, parentSku, price, unitCost.") { file, Connection, Server, ApiKey };
        items.SetAction((result, cancellationToken) => ItemsAsync(result.GetValue(file)!, result.GetValue(Connection), TargetOf(result), cancellationToken));

        var locations = new Command("locations", "Locations: columns id, name, type, canShip, canPickup, priority, leadTimeDays, latitude, longitude, active.")
        {
            file, Connection, Server, ApiKey,
        };
        locations.SetAction((result, cancellationToken) => LocationsAsync(result.GetValue(file)!, result.GetValue(Connection), TargetOf(result), cancellationToken));

        import.Subcommands.Add(supply);
        import.Subcommands.Add(items);
        import.Subcommands.Add(locations);
        return import;
    }

    private static async Task<int> SupplyAsync(FileInfo file, string source, DateTimeOffset asOf, string? connection, ServerTarget? server, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (await ImportRows.ReadAsync(file, row => new SyncLine(
            row.Text("sku"), row.Text("location"), row.Enum<SupplyType>("type"), row.Long("quantity"), row.Date("eta"), row.Text("reference"))) is not { } read)
        {
            return 2;
        }

        var rows = read.Rows;
        var request = new SyncRequest(source, asOf.ToUniversalTime(), [.. rows.Select(r => r.Value)]);
        var validation = SyncSupply.Validate(request, DateTimeOffset.UtcNow, Limits.ImportRowsMax);
        if (!ImportRows.Report(validation.Errors, read))
        {
            return 2;
        }

        if (server is not null)
        {
            return await SupplyThroughServerAsync(server, request, rows.Count, started, cancellationToken);
        }

        await using var store = await OpenStoreAsync(connection, cancellationToken);
        SyncResponse? response = null;
        Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? problem = null;
        await AnsiConsole.Status().StartAsync($"Applying {rows.Count:N0} lines in one transaction…", async _ =>
            (response, problem) = await SyncSupply.ApplyAsync(request, store, new HoldWriterOptions(), cancellationToken));
        if (problem is not null)
        {
            return ImportRows.Refused(problem.ProblemDetails, rows);
        }

        ImportRows.Done($"{rows.Count:N0} supply lines from '{source}' applied ({response!.BackordersFilled.Count} backorders filled)", rows.Count, started);
        return 0;
    }

    /// <summary>
    /// Through a server: every SKU and location is checked against it first, so that the chunks
    /// that follow — each applied atomically — cannot be refused for an unknown reference.
    /// </summary>
    private static async Task<int> SupplyThroughServerAsync(ServerTarget server, SyncRequest request, int count, long started, CancellationToken cancellationToken)
    {
        using var http = server.Open(TimeSpan.FromMinutes(5));
        var lines = request.Lines!;
        var locations = lines.Select(l => l.Location!).Distinct(StringComparer.Ordinal).ToList();
        var unknown = new List<string>();
        var allSkus = lines.Select(l => l.Sku!).Distinct(StringComparer.Ordinal).ToList();
        foreach (var some in locations.Chunk(Limits.GroupLocationsMax))
        {
            // Each query stays within what the server answers in one call: SKUs × locations.
            foreach (var skus in allSkus.Chunk(Math.Clamp(Limits.AvailabilityCellsMax / some.Length, 1, Limits.BulkSkusMax)))
            {
                using var answer = await http.PostAsJsonAsync("/v1/availability/query", new { skus, locations = some }, cancellationToken);
                var body = await answer.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                if (!answer.IsSuccessStatusCode)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]{body.GetProperty("detail").GetString()}[/] Nothing was applied.");
                    return 2;
                }

                unknown.AddRange(body.GetProperty("results").EnumerateArray().Where(r => !r.GetProperty("known").GetBoolean()).Select(r => r.GetProperty("sku").GetString()!));
            }
        }

        if (unknown.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{unknown.Distinct().Count()} SKUs are unknown to the server[/] (first: {unknown[0]}). Nothing was applied.");
            return 2;
        }

        // The file is one snapshot however many requests carry it: each chunk names it, so a lot
        // set by an earlier chunk is not ended by a later chunk for the same position and type.
        var snapshot = request with { SnapshotId = request.SnapshotId ?? $"import-{Guid.NewGuid():N}" };
        var failed = false;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask($"Sending {count:N0} lines to {server.Address}", maxValue: count);
            foreach (var chunk in lines.Chunk(ServerChunkLines))
            {
                using var response = await http.PostAsJsonAsync("/v1/supply/sync", snapshot with { Lines = [.. chunk] }, StockroomJson.Options, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]The server refused lines {task.Value + 2:N0}–{task.Value + chunk.Length + 1:N0}:[/] {await response.Content.ReadAsStringAsync(cancellationToken)}");
                    AnsiConsole.MarkupLineInterpolated($"Lines before them were applied; counts are absolute, so the same import can be run again once corrected.");
                    failed = true;
                    return;
                }

                task.Increment(chunk.Length);
            }
        });
        if (failed)
        {
            return 1;
        }

        ImportRows.Done($"{count:N0} supply lines sent to {server.Address}", count, started);
        return 0;
    }

    private static async Task<int> ItemsAsync(FileInfo file, string? connection, ServerTarget? server, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var read = await ImportRows.ReadAsync(file, row => (Sku: row.Text("sku") ?? "", Request: new PutItemRequest(row.Text("name"), row.Text("description"),
            row.Enum<ItemStatus>("status"), row.Enum<StockPolicy>("policy"), row.Int("acceptWithinSeconds"), row.Bool("backorderable"),
            row.Text("parentSku"), null, row.Decimal("price"), row.Decimal("unitCost"))));
        if (read is not { } ok || !ImportRows.Report(ImportRows.Prefixed(ok.Rows, r => ItemsApi.Validate(r.Sku, r.Request).Errors), ok))
        {
            return 2;
        }

        var rows = ok.Rows;

        // Parents before their variants, so that every variant finds its parent.
        var ordered = rows.OrderBy(r => r.Value.Request.ParentSku is null ? 0 : 1).ToList();
        return await UpsertAllAsync(ordered, connection, server, started, "items",
            (write, row, ct) => ItemsApi.UpsertAsync(write, row.Sku, row.Request, ct).ContinueWith(t => t.Result.Problem, ct, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default),
            row => ($"/v1/items/{row.Sku}", row.Request), cancellationToken);
    }

    private static async Task<int> LocationsAsync(FileInfo file, string? connection, ServerTarget? server, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var read = await ImportRows.ReadAsync(file, row => (Id: row.Text("id") ?? "", Request: new PutLocationRequest(row.Text("name"), row.Enum<LocationType>("type"),
            row.Bool("canShip"), row.Bool("canPickup"), row.Double("latitude"), row.Double("longitude"), row.Int("priority"), row.Bool("active"),
            row.Int("leadTimeDays"))));
        if (read is not { } ok || !ImportRows.Report(ImportRows.Prefixed(ok.Rows, r => NetworkApi.ValidateLocation(r.Id, r.Request).Errors), ok))
        {
            return 2;
        }

        var rows = ok.Rows;

        return await UpsertAllAsync(rows, connection, server, started, "locations",
            async (write, row, ct) =>
            {
                await NetworkApi.UpsertLocationAsync(write, row.Id, row.Request, ct);
                return null;
            },
            row => ($"/v1/locations/{row.Id}", row.Request), cancellationToken);
    }

    /// <summary>
    /// Directly: every row in one transaction. Through a server: one idempotent PUT per row,
    /// so that a run cut short can simply be run again.
    /// </summary>
    private static async Task<int> UpsertAllAsync<T>(IReadOnlyList<ImportRows.Row<T>> rows, string? connection, ServerTarget? server, long started, string what,
        Func<IStockWrite, T, CancellationToken, Task<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult?>> upsert,
        Func<T, (string Path, object Body)> put, CancellationToken cancellationToken)
    {
        var failure = (string?)null;
        if (server is not null)
        {
            using var http = server.Open(TimeSpan.FromMinutes(1));
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask($"Sending {rows.Count:N0} {what} to {server.Address}", maxValue: rows.Count);
                foreach (var row in rows)
                {
                    var (path, body) = put(row.Value);
                    using var response = await http.PutAsJsonAsync(path, body, StockroomJson.Options, cancellationToken);
                    if (!response.IsSuccessStatusCode)
                    {
                        failure = $"line {row.Line}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
                        return;
                    }

                    task.Increment(1);
                }
            });
        }
        else
        {
            await using var store = await OpenStoreAsync(connection, cancellationToken);
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask($"Importing {rows.Count:N0} {what} in one transaction", maxValue: rows.Count);
                await using var write = await store.BeginWriteAsync(cancellationToken);
                foreach (var row in rows)
                {
                    if (await upsert(write, row.Value, cancellationToken) is { } problem)
                    {
                        failure = $"line {row.Line}: {string.Join("; ", ((Microsoft.AspNetCore.Http.HttpValidationProblemDetails)problem.ProblemDetails).Errors.SelectMany(e => e.Value.Select(m => $"{e.Key} {m}")))}";
                        return;
                    }

                    task.Increment(1);
                }

                await write.CommitAsync(cancellationToken);
            });
        }

        if (failure is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{failure}[/]");
            AnsiConsole.WriteLine(server is null ? "Nothing was applied." : "Rows before it were applied; the import can be run again once corrected.");
            return 2;
        }

        ImportRows.Done($"{rows.Count:N0} {what} imported", rows.Count, started);
        return 0;
    }

    private static async Task<IStockStore> OpenStoreAsync(string? connection, CancellationToken cancellationToken)
    {
        var store = Stores.Open(connection ?? Environment.GetEnvironmentVariable("ConnectionStrings__Stockroom"), TimeProvider.System);
        await store.MigrateAsync(cancellationToken);
        return store;
    }
}
