using System.CommandLine;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Spectre.Console;

namespace Stockroom.Cli;

/// <summary>
/// <c>stockroom demo</c>: loads a sample network through the API itself — stores and warehouses,
/// a ship-to-home group, web, Amazon and POS channels, a few hundred SKUs with variants, stock,
/// purchase orders, holds and orders at every stage — so that the admin pages have something to
/// show a minute after cloning. Its ids are fixed, so running it twice changes nothing.
/// </summary>
public static class DemoCommand
{
    private static readonly string[] Colours = ["black", "white", "oak", "brass"];
    /// <summary>How far each sample order has gone: waiting for the POS, picked, shipped, or just allocated.</summary>
    private static readonly string[][] OrderStages =
    [
        ["sentToPos"],
        ["sentToPos", "posAcknowledged", "picked"],
        ["sentToPos", "posAcknowledged", "picked", "packed", "shipped"],
        [],
    ];

    private static readonly string[] Products = ["desk-lamp", "floor-lamp", "pendant", "wall-light", "table-lamp", "reading-light", "spotlight", "lantern"];

    public static Command Create()
    {
        var connection = new Option<string?>("--connection") { Description = "The store to load (default: ConnectionStrings__Stockroom, else Data Source=stockroom.db)." };
        var demo = new Command("demo", "Load a sample network, stock, holds and orders.") { connection };
        demo.SetAction((result, cancellationToken) => RunAsync(result.GetValue(connection), cancellationToken));
        return demo;
    }

    public static async Task<int> RunAsync(string? connection, CancellationToken cancellationToken)
    {
        var settings = new List<string> { "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning" };
        if ((connection ?? Environment.GetEnvironmentVariable("ConnectionStrings__Stockroom")) is { } store)
        {
            settings.AddRange(["--ConnectionStrings:Stockroom", store]);
        }

        await using var app = StockroomApp.Build([.. settings]);
        await StockroomApp.PrepareAsync(app, cancellationToken);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var random = new Random(42);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var locations = await LoadNetworkAsync(http, progress, cancellationToken);
            var skus = await LoadItemsAsync(http, progress, random, cancellationToken);
            await LoadSupplyAsync(http, progress, random, skus, locations, today, cancellationToken);
            await LoadDemandAsync(http, progress, random, skus, cancellationToken);
        });

        await app.StopAsync(cancellationToken);
        AnsiConsole.MarkupLine("[green]Sample network loaded.[/] Start the server (dotnet run --project src/Stockroom) and open [link]http://localhost:5000/admin[/].");
        return 0;
    }

    private sealed record DemoLocation(string Id, string Name, string Type, bool Ship, int Priority, int Lead);

    /// <summary>Locations, groups, channels and rules.</summary>
    private static async Task<DemoLocation[]> LoadNetworkAsync(HttpClient http, ProgressContext progress, CancellationToken cancellationToken)
    {
        var network = progress.AddTask("Network", maxValue: 4);
        DemoLocation[] locations =
        [
            new("wh-east", "East warehouse", "warehouse", true, 20, 2), new("wh-west", "West warehouse", "warehouse", true, 10, 3),
            new("store-soho", "Soho store", "store", true, 5, 1), new("store-camden", "Camden store", "store", true, 4, 1),
            new("store-leeds", "Leeds store", "store", false, 3, 2), new("store-york", "York store", "store", false, 2, 2),
        ];
        foreach (var l in locations)
        {
            await PutAsync(http, $"/v1/locations/{l.Id}", new { name = l.Name, type = l.Type, canShip = l.Ship, canPickup = l.Type == "store", priority = l.Priority, leadTimeDays = l.Lead }, cancellationToken);
        }

        network.Increment(1);
        await PutAsync(http, "/v1/groups/ship-to-home", new { name = "Ship to home", locations = locations.Where(l => l.Ship).Select(l => l.Id).ToArray() }, cancellationToken);
        await PutAsync(http, "/v1/groups/stores", new { name = "Stores", locations = locations.Where(l => l.Type == "store").Select(l => l.Id).ToArray() }, cancellationToken);
        network.Increment(1);
        await PutAsync(http, "/v1/channels/web", new { name = "Web shop", group = "ship-to-home", reservationTtlSeconds = 900 }, cancellationToken);
        await PutAsync(http, "/v1/channels/amazon", new { name = "Amazon", group = "ship-to-home", buffer = new { percent = 10 }, publishEverySeconds = 300 }, cancellationToken);
        await PutAsync(http, "/v1/channels/pos", new { name = "Store tills", group = "stores" }, cancellationToken);
        network.Increment(1);
        await PutAsync(http, "/v1/rules/safety-stock", new { group = "stores", units = 1, vipPriority = 100 }, cancellationToken);
        await PutAsync(http, "/v1/rules/low-stock", new { threshold = 3 }, cancellationToken);
        network.Increment(1);
        return locations;
    }

    /// <summary>Parent items and their variants, one policy per model.</summary>
    private static async Task<List<string>> LoadItemsAsync(HttpClient http, ProgressContext progress, Random random, CancellationToken cancellationToken)
    {
        var skus = new List<string>();
        var items = progress.AddTask("Items", maxValue: Products.Length * (1 + Colours.Length * 10));
        foreach (var product in Products)
        {
            var parent = product.ToUpperInvariant();
            await PutAsync(http, $"/v1/items/{parent}", new { name = Title(product), price = 20 + random.Next(180) }, cancellationToken);
            items.Increment(1);
            for (var model = 1; model <= 10; model++)
            {
                foreach (var colour in Colours)
                {
                    var sku = $"{parent}-{model:D2}-{colour.ToUpperInvariant()}";
                    var policy = model == 10 ? "onRequest" : model == 9 ? "auto" : "reserve";
                    await PutAsync(http, $"/v1/items/{sku}", new
                    {
                        name = $"{Title(product)} {model} ({colour})", parentSku = parent, policy, backorderable = model % 3 == 0,
                        attributes = new Dictionary<string, string> { ["colour"] = colour, ["model"] = model.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                        price = 20 + random.Next(180), unitCost = 5 + random.Next(40),
                    }, cancellationToken);
                    skus.Add(sku);
                    items.Increment(1);
                }
            }
        }
        return skus;
    }

    /// <summary>A count at every location and purchase orders for one SKU in five.</summary>
    private static async Task LoadSupplyAsync(HttpClient http, ProgressContext progress, Random random, List<string> skus, DemoLocation[] locations, DateOnly today,
        CancellationToken cancellationToken)
    {
        var supply = progress.AddTask("Stock and purchase orders", maxValue: 1);
        var lines = skus.SelectMany(sku => locations.Select(l => new { sku, location = l.Id, type = "onHand", quantity = (long)Math.Max(0, random.Next(-4, 25)), eta = (string?)null, reference = (string?)null }))
            .Concat(skus.Where((_, i) => i % 5 == 0).Select((sku, i) => new { sku, location = i % 2 == 0 ? "wh-east" : "wh-west", type = "purchaseOrder", quantity = 50L,
                eta = (string?)today.AddDays(3 + i % 20).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), reference = (string?)$"PO-{1000 + i}" }))
            .ToArray();
        await PostAsync(http, "/v1/supply/sync", new { source = "demo-erp", asOf = DateTimeOffset.UtcNow.AddMinutes(-5), lines }, cancellationToken);
        supply.Increment(1);
    }

    /// <summary>Carts and orders at various stages.</summary>
    private static async Task LoadDemandAsync(HttpClient http, ProgressContext progress, Random random, List<string> skus, CancellationToken cancellationToken)
    {
        var demand = progress.AddTask("Holds and orders", maxValue: 60);
        for (var i = 0; i < 60; i++)
        {
            var sku = skus[random.Next(skus.Count)];
            var channel = i % 3 == 0 ? "amazon" : "web";
            if (i < 35)
            {
                await PostAsync(http, "/v1/reservations", new { id = $"demo-cart-{i}", channel, customerId = $"customer-{i}", priority = i % 10 == 0 ? 100 : 0,
                    allowPartial = true, allowBackorder = true, lines = new[] { new { sku, quantity = 1 + random.Next(3) } } }, cancellationToken, allowRefusal: true);
            }
            else
            {
                var order = $"demo-order-{i}";
                if (await PostAsync(http, "/v1/orders", new { id = order, channel, lines = new[] { new { sku, quantity = 1 } } }, cancellationToken, allowRefusal: true))
                {
                    foreach (var type in OrderStages[i % 4])
                    {
                        await PostAsync(http, $"/v1/orders/{order}/events", new { id = $"{order}-{type}", type }, cancellationToken);
                    }
                }
            }

            demand.Increment(1);
        }
    }

    private static string Title(string product) =>
        string.Join(' ', product.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static Task PutAsync(HttpClient http, string path, object body, CancellationToken cancellationToken, bool allowRefusal = false) =>
        SendAsync(http.PutAsJsonAsync(path, body, cancellationToken), path, allowRefusal);

    private static Task<bool> PostAsync(HttpClient http, string path, object body, CancellationToken cancellationToken, bool allowRefusal = false) =>
        SendAsync(http.PostAsJsonAsync(path, body, cancellationToken), path, allowRefusal);

    /// <summary>Sends one request; a refusal is fine where the sample expects some (sold-out holds), an error elsewhere.</summary>
    private static async Task<bool> SendAsync(Task<HttpResponseMessage> call, string path, bool allowRefusal)
    {
        using var response = await call;
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        if (allowRefusal && (int)response.StatusCode is 400 or 409 or 422)
        {
            return false;
        }

        throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
