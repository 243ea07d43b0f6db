using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Stockroom.Tests;

/// <summary>Thin client helpers: tests speak JSON to the server the way integrators do.</summary>
public static class Api
{
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];

    public static async Task<HttpResponseMessage> Send(this HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> Put(this HttpClient client, string path, object body) => client.Send(HttpMethod.Put, path, body);

    public static Task<HttpResponseMessage> Post(this HttpClient client, string path, object body) => client.Send(HttpMethod.Post, path, body);

    public static async Task<JsonElement> Json(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> Expect(this Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Either status will do (an upsert that may create or replace).</summary>
    public static async Task<JsonElement> Expect(this Task<HttpResponseMessage> call, HttpStatusCode status, HttpStatusCode orStatus)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status || response.StatusCode == orStatus, $"expected {(int)status} or {(int)orStatus}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a refusal is problem+json with the given status, and returns it.</summary>
    public static async Task<JsonElement> Problem(this Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    public static long Long(this JsonElement element, string property) => element.GetProperty(property).GetInt64();

    /// <summary>A small network: one item stocked at two locations grouped for ship-to-home, and a web channel.</summary>
    public static async Task<Network> SeedAsync(this HttpClient client, long storeOnHand = 10, long warehouseOnHand = 25)
    {
        var network = new Network(NewId("SKU"), NewId("store"), NewId("wh"), NewId("g"), NewId("web"));
        await client.Put($"/v1/locations/{network.Store}", new { name = "Main Street", type = "store", canShip = true, canPickup = true, priority = 10 }).Expect(HttpStatusCode.Created);
        await client.Put($"/v1/locations/{network.Warehouse}", new { name = "Warehouse", type = "warehouse", canShip = true, canPickup = false }).Expect(HttpStatusCode.Created);
        await client.Put($"/v1/items/{network.Sku}", new { name = "Desk lamp", price = 49.90m }).Expect(HttpStatusCode.Created);
        await client.Put($"/v1/groups/{network.Group}", new { name = "Ship to home", locations = new[] { network.Store, network.Warehouse } }).Expect(HttpStatusCode.Created);
        await client.Put($"/v1/channels/{network.Channel}", new { name = "Web shop", group = network.Group }).Expect(HttpStatusCode.Created);
        await client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = "2026-11-22T08:00:00Z",
            lines = new object[]
            {
                new { sku = network.Sku, location = network.Store, type = "onHand", quantity = storeOnHand },
                new { sku = network.Sku, location = network.Warehouse, type = "onHand", quantity = warehouseOnHand },
            },
        }).Expect(HttpStatusCode.OK);
        return network;
    }

    public static Task<JsonElement> AvailabilityAsync(this HttpClient client, string sku, string query) =>
        client.Send(HttpMethod.Get, $"/v1/availability/{sku}?{query}").Expect(HttpStatusCode.OK);

    /// <summary>The ledger's last sequence: unchanged means nothing was written.</summary>
    public static async Task<long> LedgerHeadAsync(this HttpClient client)
    {
        long after = 0;
        while (true)
        {
            var page = await client.Send(HttpMethod.Get, $"/v1/events?after={after}&limit=1000").Expect(HttpStatusCode.OK);
            var events = page.GetProperty("data");
            if (events.GetArrayLength() == 0)
            {
                return after;
            }

            after = events[events.GetArrayLength() - 1].Long("sequence");
        }
    }
}

public sealed record Network(string Sku, string Store, string Warehouse, string Group, string Channel);
