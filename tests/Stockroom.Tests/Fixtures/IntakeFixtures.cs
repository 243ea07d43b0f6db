using System.Globalization;
using System.Net;
using System.Text.Json;
using Stockroom.Testing;

namespace Stockroom.Tests.Fixtures;

/// <summary>The published-shape marketplace payloads of <c>Fixtures/Intake</c>, made fresh for one test.</summary>
internal static class IntakeFixtures
{
    /// <summary>
    /// A fixture with the test's SKU and, since each test class shares one database, a fresh
    /// marketplace order id (keeping the id's own prefix where it has letters or dashes).
    /// </summary>
    public static (string Body, string Id) Fixture(string name, string sku, string marketplaceId, string? id = null)
    {
        var fresh = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture);
        // A fixture about an order another one already delivered (a refund, a later version) takes its id.
        id ??= marketplaceId.Any(char.IsAsciiLetter) || marketplaceId.Contains('-', StringComparison.Ordinal)
            ? $"{marketplaceId[..4]}{fresh}" : fresh;
        var body = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Intake", name))
            .Replace("{{SKU}}", sku, StringComparison.Ordinal).Replace(marketplaceId, id, StringComparison.Ordinal);
        return (body, id);
    }

    /// <summary>The seeded network, with the marketplace's channel selling from its group.</summary>
    public static async Task<Network> SeedAsync(HttpClient client, string format)
    {
        var n = await client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        await client.Put($"/v1/channels/{format}", new { name = format, group = n.Group }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        return n;
    }

    /// <summary>Units allocated at the network's store.</summary>
    public static async Task<long> AllocatedAsync(HttpClient client, Network n) =>
        (await client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("allocated");

    /// <summary>The units of an intake result's order.</summary>
    public static long Units(JsonElement result) => result.GetProperty("order").GetProperty("lines").EnumerateArray().Sum(l => l.Long("quantity"));

    /// <summary>An intake result's skipped lines, as "path: reason".</summary>
    public static string[] Skipped(JsonElement result) =>
        [.. result.GetProperty("skipped").EnumerateArray().Select(s => $"{s.GetProperty("line").GetString()}: {s.GetProperty("reason").GetString()}")];
}
