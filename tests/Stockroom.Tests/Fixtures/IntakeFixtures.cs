using System.Globalization;
using System.Net;
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
}
