using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// SKU mapping per channel (issue 17, item 4): <c>PUT /v1/channels/{id}/listings/{externalId}</c>
/// maps a marketplace's id of an item to a Stockroom SKU, consulted before the SKU a line names; a
/// line no listing maps and whose SKU Stockroom does not know is marked while the others are held,
/// or refuses the order when the channel says so.
/// </summary>
public abstract class IntakeListingsTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    /// <summary>The Shopify fixture with the marketplace's own SKU on its first two lines (the same variant).</summary>
    private static (string Body, string Id) WithMarketplaceSku(Network n, string marketplaceSku)
    {
        var (body, id) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        var order = JsonNode.Parse(body)!;
        order["line_items"]![0]!["sku"] = marketplaceSku;
        order["line_items"]![1]!["sku"] = marketplaceSku;
        return (order.ToJsonString(), id);
    }

    [Fact]
    public async Task An_order_no_line_of_which_maps_is_refused_until_its_variant_is_listed()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        var (body, id) = WithMarketplaceSku(n, "LAMP BLACK");
        var problem = await Client.Post("/v1/intake/shopify", body).Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["line_items[0]", "line_items[1]"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Contains("/v1/channels/shopify/listings/", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await IntakeFixtures.AllocatedAsync(Client, n));
        var refused = (await IntakeAuditTests.DeliveriesAsync(Client, "&outcome=refused")).Last(d => d.GetProperty("marketplaceOrderId").GetString() == id);
        Assert.Contains("'LAMP BLACK' is not an item in Stockroom", refused.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The seller maps the variant; Shopify's next delivery of the same order is taken.
        var listing = await Client.Put("/v1/channels/shopify/listings/808950810", new { sku = n.Sku }).Expect(HttpStatusCode.Created);
        Assert.Equal(("808950810", n.Sku), (listing.GetProperty("externalId").GetString(), listing.GetProperty("sku").GetString()));
        var taken = await Client.Post("/v1/intake/shopify", body).Expect(HttpStatusCode.Created);
        Assert.Equal(3, taken.GetProperty("order").GetProperty("lines").EnumerateArray().Sum(l => l.Long("quantity")));
        Assert.Equal(3, await IntakeFixtures.AllocatedAsync(Client, n));
        await Client.Send(HttpMethod.Delete, "/v1/channels/shopify/listings/808950810").Expect(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_marketplace_sku_listed_for_the_channel_maps_to_the_stockroom_sku()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        // Amazon-style seller SKUs with spaces are not Stockroom identifiers, but they are listing ids.
        await Client.Put($"/v1/channels/shopify/listings/{Uri.EscapeDataString("LAMP BLACK")}", new { sku = n.Sku }).Expect(HttpStatusCode.Created);
        await Client.Put($"/v1/channels/shopify/listings/{Uri.EscapeDataString("LAMP BLACK")}", new { sku = n.Sku }).Expect(HttpStatusCode.OK);
        var (body, _) = WithMarketplaceSku(n, "LAMP BLACK");
        await Client.Post("/v1/intake/shopify", body).Expect(HttpStatusCode.Created);
        Assert.Equal(3, await IntakeFixtures.AllocatedAsync(Client, n));

        var page = await Client.Send(HttpMethod.Get, "/v1/channels/shopify/listings?limit=100").Expect(HttpStatusCode.OK);
        Assert.Contains(page.GetProperty("data").EnumerateArray(), l => l.GetProperty("externalId").GetString() == "LAMP BLACK");
        await Client.Send(HttpMethod.Delete, $"/v1/channels/shopify/listings/{Uri.EscapeDataString("LAMP BLACK")}").Expect(HttpStatusCode.NoContent);
        await Client.Send(HttpMethod.Delete, $"/v1/channels/shopify/listings/{Uri.EscapeDataString("LAMP BLACK")}").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_unknown_sku_is_marked_and_the_known_lines_held_unless_the_channel_refuses_such_orders()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        var (body, _) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        var order = JsonNode.Parse(body)!;
        order["line_items"]![1]!["sku"] = "NOT-LISTED";
        order["line_items"]![1]!["variant_id"] = 1;
        var partly = await Client.Post("/v1/intake/shopify", order.ToJsonString()).Expect(HttpStatusCode.Created);
        Assert.Equal(2, partly.GetProperty("order").GetProperty("lines").EnumerateArray().Sum(l => l.Long("quantity")));
        Assert.Contains(partly.GetProperty("skipped").EnumerateArray(), s => s.GetProperty("line").GetString() == "line_items[1]"
            && s.GetProperty("reason").GetString()!.Contains("'NOT-LISTED' is not an item", StringComparison.Ordinal));
        Assert.Equal(2, await IntakeFixtures.AllocatedAsync(Client, n));

        var channel = await Client.Put("/v1/channels/shopify", new { name = "shopify", group = n.Group, intakeUnknownSkus = "refuse" }).Expect(HttpStatusCode.OK);
        Assert.Equal("refuse", channel.GetProperty("intakeUnknownSkus").GetString());
        var (strict, _) = IntakeFixtures.Fixture("shopify-webhook.json", n.Sku, "820982911946154508");
        var refused = JsonNode.Parse(strict)!;
        refused["line_items"]![1]!["sku"] = "NOT-LISTED";
        var problem = await Client.Post("/v1/intake/shopify", refused.ToJsonString()).Problem(HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.GetProperty("errors").TryGetProperty("line_items[1]", out _), problem.ToString());
        Assert.Equal(2, await IntakeFixtures.AllocatedAsync(Client, n));
        await Client.Put("/v1/channels/shopify", new { name = "shopify", group = n.Group }).Expect(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/v1/channels/shopify/listings/808950810", """{"sku":"NO-SUCH-ITEM"}""", HttpStatusCode.UnprocessableEntity, "sku")]
    [InlineData("/v1/channels/shopify/listings/808950810", """{"sku":"a b"}""", HttpStatusCode.BadRequest, "sku")]
    [InlineData("/v1/channels/shopify/listings/%0A", """{"sku":"X"}""", HttpStatusCode.BadRequest, "externalId")]
    [InlineData("/v1/channels/no-such-channel/listings/808950810", null, HttpStatusCode.NotFound, null)]
    public async Task A_listing_must_name_an_item_of_an_existing_channel(string path, string? body, HttpStatusCode status, string? field)
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        var head = await Client.LedgerHeadAsync();
        var problem = await Client.Put(path, (object?)body ?? new { sku = n.Sku }).Problem(status);
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }

        Assert.Equal(head, await Client.LedgerHeadAsync());
    }
}

public sealed class IntakeListingsTests_Sqlite(SqliteServer server) : IntakeListingsTests(server), IClassFixture<SqliteServer>;

public sealed class IntakeListingsTests_Postgres(PostgresServerFixture server) : IntakeListingsTests(server), IClassFixture<PostgresServerFixture>;
