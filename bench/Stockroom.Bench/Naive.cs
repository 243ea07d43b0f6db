using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Stockroom.Bench;

/// <summary>
/// The baseline: what a hand-written endpoint does — per hold, one transaction of
/// <c>SELECT … FOR UPDATE; UPDATE; INSERT; COMMIT</c> — on the same PostgreSQL, behind the same HTTP
/// stack. It runs inside the benchmark (the flash-sale rows) or as a server process of its own
/// (<c>naive-server</c>, for the shares section), started with the flags the real server takes.
/// </summary>
public static class Naive
{
    public const string Verb = "naive-server";

    /// <summary>The two tables, and <paramref name="unitsEach"/> units of each hot SKU.</summary>
    public static async Task CreateAsync(NpgsqlDataSource data, int skus, long unitsEach)
    {
        ArgumentNullException.ThrowIfNull(data);
        await using (var setup = data.CreateCommand("""
            CREATE TABLE naive_positions (sku TEXT PRIMARY KEY, on_hand BIGINT NOT NULL, reserved BIGINT NOT NULL);
            CREATE TABLE naive_holds (id TEXT PRIMARY KEY, sku TEXT NOT NULL, quantity BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL);
            """))
        {
            await setup.ExecuteNonQueryAsync();
        }

        for (var i = 0; i < skus; i++)
        {
            await using var seed = data.CreateCommand("INSERT INTO naive_positions VALUES ($1, $2, 0)");
            seed.Parameters.Add(new NpgsqlParameter { Value = $"HOT-{i}" });
            seed.Parameters.Add(new NpgsqlParameter { Value = unitsEach });
            await seed.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A slim web application with the naive hold endpoint and the health probes the real server answers.</summary>
    public static WebApplication Build(string[] args, NpgsqlDataSource data)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/health/live", () => Results.Ok());
        app.MapGet("/health/ready", () => Results.Ok());
        app.MapPost("/v1/reservations", async (HttpRequest request) =>
        {
            var body = await request.ReadFromJsonAsync<JsonElement>();
            var id = body.GetProperty("id").GetString();
            var line = body.GetProperty("lines")[0];
            var sku = line.GetProperty("sku").GetString();
            var quantity = line.GetProperty("quantity").GetInt64();
            await using var connection = await data.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var select = new NpgsqlCommand("SELECT on_hand - reserved FROM naive_positions WHERE sku = $1 FOR UPDATE", connection, transaction);
            select.Parameters.Add(new NpgsqlParameter { Value = sku });
            var available = (long)(await select.ExecuteScalarAsync())!;
            if (available < quantity)
            {
                return Results.Conflict();
            }

            await using var update = new NpgsqlCommand("UPDATE naive_positions SET reserved = reserved + $1 WHERE sku = $2", connection, transaction);
            update.Parameters.Add(new NpgsqlParameter { Value = quantity });
            update.Parameters.Add(new NpgsqlParameter { Value = sku });
            await update.ExecuteNonQueryAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO naive_holds VALUES ($1, $2, $3, now())", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = sku });
            insert.Parameters.Add(new NpgsqlParameter { Value = quantity });
            await insert.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
            return Results.Created();
        });
        return app;
    }

    /// <summary>
    /// Units held beyond on-hand, plus any distance between the units held and the holds answered 201.
    /// Holds still unanswered when the load generator stopped (<paramref name="unanswered"/>) may or may
    /// not have landed: the store may show up to that many more than were answered, never fewer.
    /// </summary>
    public static async Task<long> OversoldAsync(NpgsqlDataSource data, long created, long unanswered = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        await using var check = data.CreateCommand("SELECT COALESCE(SUM(GREATEST(reserved - on_hand, 0)), 0), COALESCE(SUM(reserved), 0) FROM naive_positions");
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        var over = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
        var reserved = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        return over + Math.Max(0, created - reserved) + Math.Max(0, reserved - created - unanswered);
    }

    /// <summary>
    /// <c>naive-server</c>: the baseline as a process of its own, started with the real server's flags
    /// (<c>--urls</c>, <c>--ConnectionStrings:Stockroom</c>) and <c>--Naive:Units</c> per hot SKU. It
    /// creates its tables before it listens, and runs until it is killed.
    /// </summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        var settings = new ConfigurationBuilder().AddCommandLine([.. args.Where(a => a != Verb)]).Build();
        var connection = settings.GetConnectionString("Stockroom") ?? throw new InvalidOperationException("naive-server needs --ConnectionStrings:Stockroom.");
        await using var data = NpgsqlDataSource.Create(connection);
        await CreateAsync(data, Scenarios.HotSkus, long.Parse(settings["Naive:Units"] ?? "1000000", CultureInfo.InvariantCulture));
        await using var app = Build([.. args.Where(a => a != Verb)], data);
        await app.RunAsync();
        return 0;
    }
}
