using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class CatalogApiTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Putting_an_item_creates_it_then_replaces_it()
    {
        var sku = Api.NewId("SKU");
        var created = await Client.Put($"/v1/items/{sku}", new { name = "Lamp", status = "active", policy = "auto", price = 19.99m, attributes = new { color = "red" } })
            .Expect(HttpStatusCode.Created);
        Assert.Equal("auto", created.GetProperty("policy").GetString());
        var replaced = await Client.Put($"/v1/items/{sku}", new { name = "Lamp XL", status = "discontinued", policy = "reserve" }).Expect(HttpStatusCode.OK);
        Assert.Equal(created.GetProperty("createdAt").GetString(), replaced.GetProperty("createdAt").GetString());

        var read = await Client.Send(HttpMethod.Get, $"/v1/items/{sku}").Expect(HttpStatusCode.OK);
        Assert.Equal("Lamp XL", read.GetProperty("name").GetString());
        Assert.Equal("discontinued", read.GetProperty("status").GetString());
        Assert.False(read.TryGetProperty("price", out _));
    }

    [Fact]
    public async Task Variants_name_an_existing_parent()
    {
        var parent = Api.NewId("TEE");
        await Client.Put($"/v1/items/{parent}", new { name = "T-shirt" }).Expect(HttpStatusCode.Created);
        var variant = await Client.Put($"/v1/items/{parent}-M", new { name = "T-shirt M", parentSku = parent, attributes = new { size = "M" } })
            .Expect(HttpStatusCode.Created);
        Assert.Equal("M", variant.GetProperty("attributes").GetProperty("size").GetString());

        var problem = await Client.Put($"/v1/items/{parent}-L", new { name = "T-shirt L", parentSku = "NO-SUCH-PARENT" }).Problem(HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.GetProperty("errors").TryGetProperty("parentSku", out _));
        await Client.Send(HttpMethod.Get, $"/v1/items/{parent}-L").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Items_page_in_sku_order()
    {
        var prefix = Api.NewId("P");
        foreach (var suffix in new[] { "c", "a", "b" })
        {
            await Client.Put($"/v1/items/{prefix}-{suffix}", new { name = suffix }).Expect(HttpStatusCode.Created);
        }

        var page = await Client.Send(HttpMethod.Get, $"/v1/items?after={prefix}&limit=2").Expect(HttpStatusCode.OK);
        Assert.Equal([$"{prefix}-a", $"{prefix}-b"], page.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("sku").GetString()));
        Assert.Equal($"{prefix}-b", page.GetProperty("next").GetString());
        await Client.Send(HttpMethod.Get, "/v1/items?limit=0").Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Groups_and_channels_refer_to_what_exists()
    {
        var network = await Client.SeedAsync();
        var group = await Client.Send(HttpMethod.Get, $"/v1/groups/{network.Group}").Expect(HttpStatusCode.OK);
        Assert.Equal(2, group.GetProperty("locations").GetArrayLength());

        var problem = await Client.Put($"/v1/groups/{Api.NewId("g")}", new { name = "x", locations = new[] { network.Store, "nowhere" } })
            .Problem(HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.GetProperty("errors").TryGetProperty("locations[1]", out _));
        await Client.Put($"/v1/channels/{Api.NewId("c")}", new { name = "x", group = "no-group" }).Problem(HttpStatusCode.UnprocessableEntity);
        await Client.Put($"/v1/groups/{Api.NewId("g")}", new { name = "x", locations = new[] { network.Store, network.Store } }).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Location_needs_its_type_and_services()
    {
        var problem = await Client.Put($"/v1/locations/{Api.NewId("l")}", new { name = "x", latitude = 91.0, longitude = 0.0 }).Problem(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "type", "canShip", "canPickup", "latitude" })
        {
            Assert.True(errors.TryGetProperty(field, out _), field);
        }
    }
}

public sealed class CatalogApiTests_Sqlite(SqliteServer server) : CatalogApiTests(server), IClassFixture<SqliteServer>;

public sealed class CatalogApiTests_Postgres(PostgresServerFixture server) : CatalogApiTests(server), IClassFixture<PostgresServerFixture>;
