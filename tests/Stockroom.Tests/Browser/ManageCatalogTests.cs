using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Stockroom.Features.Channels;
using Stockroom.Features.Connectors;
using Stockroom.Features.Rules;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests.Browser;

/// <summary>
/// The pages that manage the catalog and the network, walked in Chromium: each form is filled and
/// sent as a person would, and the change is then read back through the HTTP API. A bad value
/// shows the API's own message beside its field and changes nothing.
/// </summary>
public sealed class ManageCatalogTests(ConnectorSqliteServer server, Chromium chromium) : IClassFixture<ConnectorSqliteServer>, IClassFixture<Chromium>
{
    private HttpClient Client => server.Client;

    private Task<IPage> OpenAsync(string path, int width = Chromium.Desktop) => chromium.OpenAsync(Client, path, width);

    private static async Task OpenFormsAsync(IPage page) => await page.EvaluateAsync("() => document.querySelectorAll('details.create').forEach(d => d.open = true)");

    private async Task PassAsync()
    {
        await server.Service<ChannelPublisher>().PublishDueAsync(CancellationToken.None);
        await server.Service<ConnectorPushes>().RunDueAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Every_page_and_form_is_accessible_and_fits_a_phone()
    {
        var n = await Client.SeedAsync();
        await Client.Put($"/v1/items/{n.Sku}-red", new { name = "Desk lamp, red", parentSku = n.Sku, attributes = new { colour = "red" } }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/safety-stock", new { sku = n.Sku, units = 2 }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/low-stock", new { location = n.Store, threshold = 3 }).Expect(HttpStatusCode.Created);
        await Client.Put($"/v1/channels/{n.Channel}/listings/4242", new { sku = n.Sku }).Expect(HttpStatusCode.Created);
        var pages = new (string Path, string Screenshot)[]
        {
            ("/admin/items", "items"),
            ($"/admin/items/{n.Sku}/edit", "item-form"),
            ("/admin/locations", "locations"),
            ($"/admin/locations/{n.Store}", "location-form"),
            ($"/admin/locations/groups/{n.Group}", "group-form"),
            ("/admin/channels", "channels"),
            ($"/admin/channels/{n.Channel}", "channel"),
            ("/admin/rules", "rules"),
        };
        foreach (var (path, screenshot) in pages)
        {
            foreach (var width in new[] { Chromium.Desktop, Chromium.Phone })
            {
                var page = await OpenAsync(path, width);
                await OpenFormsAsync(page);
                await Chromium.AssertAccessibleAsync(page);
                await Chromium.AssertFitsWidthAsync(page);
                if (width == Chromium.Desktop)
                {
                    await Chromium.ScreenshotAsync(page, screenshot);
                }
                else
                {
                    await Chromium.ScreenshotAsync(page, $"{screenshot}-phone");
                }

                await page.CloseAsync();
            }
        }
    }

    [Fact]
    public async Task Creating_a_location_in_the_browser_creates_it_in_the_api()
    {
        var id = Api.NewId("store");
        var page = await OpenAsync("/admin/locations");
        await page.ClickAsync("#new-location > summary");
        await page.FillAsync("#new-location-id", id);
        await page.FillAsync("#new-location-name", "Harbour Street");
        await page.SelectOptionAsync("#new-location-type", "store");
        await page.CheckAsync("#new-location-canPickup");
        await page.FillAsync("#new-location-latitude", "59.3293");
        await page.FillAsync("#new-location-longitude", "18.0686");
        await page.FillAsync("#new-location-priority", "7");
        await page.FillAsync("#new-location-leadTimeDays", "2");
        await Chromium.ScreenshotAsync(page, "location-create");
        await page.ClickAsync("#new-location button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        Assert.Contains($"Location {id} created", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator($"#locations tr[data-location='{id}']").CountAsync());

        var location = await Client.Send(HttpMethod.Get, $"/v1/locations/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("Harbour Street", location.GetProperty("name").GetString());
        Assert.Equal("store", location.GetProperty("type").GetString());
        Assert.True(location.GetProperty("canShip").GetBoolean());
        Assert.True(location.GetProperty("canPickup").GetBoolean());
        Assert.True(location.GetProperty("active").GetBoolean());
        Assert.Equal(59.3293, location.GetProperty("latitude").GetDouble());
        Assert.Equal(7, location.GetProperty("priority").GetInt32());
        Assert.Equal(2, location.GetProperty("leadTimeDays").GetInt32());

        // Edited: made inactive; sent again unchanged, nothing more is written.
        page = await OpenAsync($"/admin/locations/{id}");
        await page.UncheckAsync("#location-active");
        await page.ClickAsync("#location-form button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        Assert.False((await Client.Send(HttpMethod.Get, $"/v1/locations/{id}").Expect(HttpStatusCode.OK)).GetProperty("active").GetBoolean());
        var head = await Client.LedgerHeadAsync();
        await page.ClickAsync("#location-form button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        Assert.Contains("nothing was changed", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        Assert.Equal(head, await Client.LedgerHeadAsync());
    }

    [Fact]
    public async Task A_bad_value_shows_the_api_message_beside_the_field_and_changes_nothing()
    {
        var id = Api.NewId("store");
        var head = await Client.LedgerHeadAsync();
        var page = await OpenAsync("/admin/locations");
        await page.ClickAsync("#new-location > summary");
        await page.FillAsync("#new-location-id", id);
        await page.FillAsync("#new-location-name", "Nowhere");
        await page.SelectOptionAsync("#new-location-type", "warehouse");
        await page.FillAsync("#new-location-latitude", "200");
        await page.FillAsync("#new-location-longitude", "10");
        await page.ClickAsync("#new-location button[type=submit]");
        await page.WaitForSelectorAsync("#new-location-latitude-error");
        Assert.Contains("must be between -90 and 90", await page.InnerTextAsync("#new-location-latitude-error"), StringComparison.Ordinal);
        Assert.Equal("true", await page.GetAttributeAsync("#new-location-latitude", "aria-invalid"));
        Assert.Contains("Nothing was changed", await page.InnerTextAsync("#new-location-problem"), StringComparison.Ordinal);
        // What was typed stays in the form, to be corrected.
        Assert.Equal("200", await page.InputValueAsync("#new-location-latitude"));
        Assert.Equal(id, await page.InputValueAsync("#new-location-id"));
        await Chromium.AssertAccessibleAsync(page);
        await Chromium.ScreenshotAsync(page, "location-form-invalid");

        await Client.Send(HttpMethod.Get, $"/v1/locations/{id}").Problem(HttpStatusCode.NotFound);
        Assert.Equal(head, await Client.LedgerHeadAsync());

        // A rule for an item that does not exist: the API's 422, beside the SKU.
        page = await OpenAsync("/admin/rules");
        await page.ClickAsync("#new-low-stock > summary");
        await page.FillAsync("#low-sku", "no-such-sku");
        await page.FillAsync("#low-threshold", "5");
        await page.ClickAsync("#new-low-stock button[type=submit]");
        await page.WaitForSelectorAsync("#low-sku-error");
        Assert.Contains("there is no item 'no-such-sku'", await page.InnerTextAsync("#low-sku-error"), StringComparison.Ordinal);
        Assert.Equal(head, await Client.LedgerHeadAsync());
    }

    [Fact]
    public async Task Creating_an_item_and_a_variant_in_the_browser_creates_them_in_the_api()
    {
        var sku = Api.NewId("SKU");
        var page = await OpenAsync("/admin/items");
        await page.ClickAsync("#new-item > summary");
        await page.FillAsync("#new-item-sku", sku);
        await page.FillAsync("#new-item-name", "Linen shirt");
        await page.SelectOptionAsync("#new-item-policy", "auto");
        await page.FillAsync("#new-item-acceptWithinSeconds", "3600");
        await page.FillAsync("#new-item-price", "39.90");
        await page.ClickAsync("#new-item button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        Assert.Equal(1, await page.Locator($"#items tr[data-sku='{sku}']").CountAsync());

        await page.ClickAsync("#new-item > summary");
        await page.FillAsync("#new-item-sku", $"{sku}-M");
        await page.FillAsync("#new-item-name", "Linen shirt, M");
        await page.FillAsync("#new-item-parentSku", sku);
        await page.FillAsync("#new-item-attributes", "size=M\ncolour=sand");
        await Chromium.ScreenshotAsync(page, "item-create");
        await page.ClickAsync("#new-item button[type=submit]");
        await page.WaitForSelectorAsync("#message");

        var item = await Client.Send(HttpMethod.Get, $"/v1/items/{sku}").Expect(HttpStatusCode.OK);
        Assert.Equal("Linen shirt", item.GetProperty("name").GetString());
        Assert.Equal("auto", item.GetProperty("policy").GetString());
        Assert.Equal(3600, item.GetProperty("acceptWithinSeconds").GetInt32());
        Assert.Equal(39.90m, item.GetProperty("price").GetDecimal());
        var variant = await Client.Send(HttpMethod.Get, $"/v1/items/{sku}-M").Expect(HttpStatusCode.OK);
        Assert.Equal(sku, variant.GetProperty("parentSku").GetString());
        Assert.Equal("M", variant.GetProperty("attributes").GetProperty("size").GetString());
        Assert.Equal("sand", variant.GetProperty("attributes").GetProperty("colour").GetString());

        // The list counts the variant, and its link lists the parent's variants.
        page = await OpenAsync($"/admin/items?q={sku}");
        var row = page.Locator($"#items tr[data-sku='{sku}']");
        Assert.Contains("1 variant", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal($"/admin/items/{sku}", await row.Locator("td:first-child a").GetAttributeAsync("href"));
        await row.Locator("a", new LocatorLocatorOptions { HasText = "1 variant" }).ClickAsync();
        await Chromium.ArriveAsync(page, $"**/admin/items?parent={sku}");
        Assert.Equal(1, await page.Locator("#items tbody tr").CountAsync());

        // A SKU that exists is not replaced by the create form.
        page = await OpenAsync("/admin/items");
        await page.ClickAsync("#new-item > summary");
        await page.FillAsync("#new-item-sku", sku);
        await page.FillAsync("#new-item-name", "Something else");
        await page.ClickAsync("#new-item button[type=submit]");
        await page.WaitForSelectorAsync("#new-item-sku-error");
        Assert.Equal("Linen shirt", (await Client.Send(HttpMethod.Get, $"/v1/items/{sku}").Expect(HttpStatusCode.OK)).GetProperty("name").GetString());

        // Edited, then sent again unchanged: one change.
        page = await OpenAsync($"/admin/items/{sku}/edit");
        await page.FillAsync("#item-name", "Linen shirt (relaxed)");
        await page.SelectOptionAsync("#item-status", "discontinued");
        await page.ClickAsync("#item-form button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        item = await Client.Send(HttpMethod.Get, $"/v1/items/{sku}").Expect(HttpStatusCode.OK);
        Assert.Equal("Linen shirt (relaxed)", item.GetProperty("name").GetString());
        Assert.Equal("discontinued", item.GetProperty("status").GetString());
        Assert.Equal(39.90m, item.GetProperty("price").GetDecimal());
        var head = await Client.LedgerHeadAsync();
        await page.ClickAsync("#item-form button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        Assert.Contains("nothing was changed", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        Assert.Equal(head, await Client.LedgerHeadAsync());
        Assert.Equal(1, await page.Locator($"#variants tr[data-sku='{sku}-M']").CountAsync());
    }

    [Fact]
    public async Task Creating_rules_in_the_browser_creates_them_in_the_api_and_deleting_removes_them()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var page = await OpenAsync("/admin/rules");
        await page.ClickAsync("#new-safety > summary");
        await page.FillAsync("#safety-sku", n.Sku);
        await page.FillAsync("#safety-location", n.Store);
        await page.FillAsync("#safety-units", "4");
        await page.FillAsync("#safety-vipPriority", "10");
        await page.ClickAsync("#new-safety button[type=submit]");
        await page.WaitForSelectorAsync("#message");

        await page.ClickAsync("#new-low-stock > summary");
        await page.FillAsync("#low-sku", n.Sku);
        await page.FillAsync("#low-group", n.Group);
        await page.FillAsync("#low-threshold", "3");
        await page.ClickAsync("#new-low-stock button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        Assert.Equal(1, await page.Locator($"#safety-rules tr[data-sku='{n.Sku}'][data-location='{n.Store}']").CountAsync());
        Assert.Equal(1, await page.Locator($"#low-stock-rules tr[data-sku='{n.Sku}'][data-group='{n.Group}']").CountAsync());
        await Chromium.ScreenshotAsync(page, "rules-after-create");

        var safety = (await Client.Send(HttpMethod.Get, $"/v1/rules/safety-stock?sku={n.Sku}").Expect(HttpStatusCode.OK)).GetProperty("data");
        var rule = Assert.Single(safety.EnumerateArray());
        Assert.Equal(n.Store, rule.GetProperty("location").GetString());
        Assert.Equal(4, rule.Long("units"));
        Assert.Equal(10, rule.GetProperty("vipPriority").GetInt32());
        var low = Assert.Single((await Client.Send(HttpMethod.Get, $"/v1/rules/low-stock?sku={n.Sku}").Expect(HttpStatusCode.OK)).GetProperty("data").EnumerateArray());
        Assert.Equal(n.Group, low.GetProperty("group").GetString());
        Assert.Equal(3, low.Long("threshold"));
        // The same rule sent again changes nothing.
        var head = await Client.LedgerHeadAsync();
        await page.ClickAsync("#new-low-stock > summary");
        await page.FillAsync("#low-sku", n.Sku);
        await page.FillAsync("#low-group", n.Group);
        await page.FillAsync("#low-threshold", "3");
        await page.ClickAsync("#new-low-stock button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        Assert.Contains("nothing was changed", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        Assert.Equal(head, await Client.LedgerHeadAsync());

        // The safety stock now keeps four units back at the store.
        Assert.Equal(6, (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("available"));

        await page.Locator($"#safety-rules tr[data-sku='{n.Sku}'] button", new PageLocatorOptions { HasText = "Delete" }).ClickAsync();
        await page.WaitForSelectorAsync("#message");
        Assert.Contains("deleted", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        Assert.Equal(0, (await Client.Send(HttpMethod.Get, $"/v1/rules/safety-stock?sku={n.Sku}").Expect(HttpStatusCode.OK)).GetProperty("data").GetArrayLength());
        Assert.Equal(10, (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("available"));
    }

    [Fact]
    public async Task Creating_a_group_and_a_channel_in_the_browser_creates_them_in_the_api()
    {
        var n = await Client.SeedAsync();
        var group = Api.NewId("g");
        var page = await OpenAsync("/admin/locations");
        await page.ClickAsync("#new-group > summary");
        await page.FillAsync("#new-group-id", group);
        await page.FillAsync("#new-group-name", "Click and collect");
        await page.CheckAsync($"#new-group-locations input[value='{n.Store}']");
        await page.ClickAsync("#new-group button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        var created = await Client.Send(HttpMethod.Get, $"/v1/groups/{group}").Expect(HttpStatusCode.OK);
        Assert.Equal([n.Store], created.GetProperty("locations").EnumerateArray().Select(l => l.GetString()));

        // The group's page adds the warehouse.
        page = await OpenAsync($"/admin/locations/groups/{group}");
        await page.CheckAsync($"#group-locations input[value='{n.Warehouse}']");
        await page.ClickAsync("#group-form button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        created = await Client.Send(HttpMethod.Get, $"/v1/groups/{group}").Expect(HttpStatusCode.OK);
        Assert.Equal(new[] { n.Store, n.Warehouse }.Order(StringComparer.Ordinal), created.GetProperty("locations").EnumerateArray().Select(l => l.GetString()));

        var channel = Api.NewId("pos");
        page = await OpenAsync("/admin/channels");
        await page.ClickAsync("#new-channel > summary");
        await page.FillAsync("#new-channel-id", channel);
        await page.FillAsync("#new-channel-name", "Pickup app");
        await page.SelectOptionAsync("#new-channel-group", group);
        await page.FillAsync("#new-channel-bufferPercent", "10");
        await page.FillAsync("#new-channel-bufferUnits", "2");
        await page.FillAsync("#new-channel-reservationTtlSeconds", "900");
        await page.FillAsync("#new-channel-publishEverySeconds", "300");
        await Chromium.ScreenshotAsync(page, "channel-create");
        await page.ClickAsync("#new-channel button[type=submit]");
        await Chromium.ArriveAsync(page, $"**/admin/channels/{channel}");
        Assert.Contains("at most every 5 min", await page.InnerTextAsync(".summary"), StringComparison.Ordinal);
        var saved = await Client.Send(HttpMethod.Get, $"/v1/channels/{channel}").Expect(HttpStatusCode.OK);
        Assert.Equal(group, saved.GetProperty("group").GetString());
        Assert.Equal(10m, saved.GetProperty("buffer").GetProperty("percent").GetDecimal());
        Assert.Equal(2, saved.GetProperty("buffer").Long("units"));
        Assert.Equal(900, saved.GetProperty("reservationTtlSeconds").GetInt32());
        Assert.Equal(300, saved.GetProperty("publishEverySeconds").GetInt32());

        // A buffer over 100 % is the API's 400, beside the field; the channel keeps its buffer.
        await page.FillAsync("#channel-bufferPercent", "150");
        await page.ClickAsync("#channel-form button[type=submit]");
        await page.WaitForSelectorAsync("#channel-bufferPercent-error");
        Assert.Contains("must be from 0 to 100", await page.InnerTextAsync("#channel-bufferPercent-error"), StringComparison.Ordinal);
        Assert.Equal(10m, (await Client.Send(HttpMethod.Get, $"/v1/channels/{channel}").Expect(HttpStatusCode.OK)).GetProperty("buffer").GetProperty("percent").GetDecimal());

        // A listing mapped on the channel's page is the API's listing.
        page = await OpenAsync($"/admin/channels/{channel}");
        await page.FillAsync("#listing-externalId", "B000TEST01");
        await page.FillAsync("#listing-sku", n.Sku);
        await page.ClickAsync("#listing-form button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        var listing = Assert.Single((await Client.Send(HttpMethod.Get, $"/v1/channels/{channel}/listings").Expect(HttpStatusCode.OK)).GetProperty("data").EnumerateArray());
        Assert.Equal(n.Sku, listing.GetProperty("sku").GetString());
        await page.Locator("#listings-table tr[data-external-id='B000TEST01'] button").ClickAsync();
        await page.WaitForSelectorAsync("#message");
        Assert.Equal(0, (await Client.Send(HttpMethod.Get, $"/v1/channels/{channel}/listings").Expect(HttpStatusCode.OK)).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task A_channel_page_shows_its_connector_lag_and_last_failure_and_asks_for_a_resync()
    {
        await using var shopify = await ShopifyStandIn.StartAsync();
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        await Client.Put($"/v1/channels/{n.Channel}/listings/{Random.Shared.NextInt64(1_000_000, 9_999_999_999)}", new { sku = n.Sku }).Expect(HttpStatusCode.Created);
        await Client.Put($"/v1/channels/{n.Channel}", new
        {
            name = "Shopify",
            group = n.Group,
            connector = new { kind = "shopify", baseUrl = shopify.BaseUrl, accessToken = ShopifyStandIn.Token, locationId = ShopifyStandIn.Location },
        }).Expect(HttpStatusCode.OK);
        await PassAsync();

        // The marketplace fails the next push; the connector falls behind while time passes.
        shopify.FailNext = 1;
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 2 } } })
            .Expect(HttpStatusCode.Created);
        await PassAsync();
        server.Time.Advance(TimeSpan.FromMinutes(13));
        var status = await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector").Expect(HttpStatusCode.OK);
        Assert.Equal(500, status.GetProperty("lastError").GetProperty("status").GetInt32());

        var page = await OpenAsync($"/admin/channels/{n.Channel}");
        Assert.Equal("shopify", await page.GetAttributeAsync("#connector-status", "data-kind"));
        Assert.Equal(status.Long("lagSequences").ToString(System.Globalization.CultureInfo.InvariantCulture),
            await page.GetAttributeAsync("#connector-status [data-lag-sequences]", "data-lag-sequences"));
        Assert.True(status.Long("lagSequences") >= 1);
        Assert.Contains("13 min behind", await page.InnerTextAsync("#connector-status"), StringComparison.Ordinal);
        Assert.Contains("HTTP 500", await page.InnerTextAsync("#connector-error-at"), StringComparison.Ordinal);
        Assert.Contains("Internal Server Error", await page.InnerTextAsync("#connector-error"), StringComparison.Ordinal);
        Assert.DoesNotContain(ShopifyStandIn.Token, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Contains("accessToken", await page.InnerTextAsync("#connector-settings"), StringComparison.Ordinal);
        await Chromium.AssertAccessibleAsync(page);
        await Chromium.ScreenshotAsync(page, "channel-connector");

        // The list shows the same lag and the failure.
        var list = await OpenAsync("/admin/channels");
        var row = list.Locator($"#channels tr[data-channel='{n.Channel}']");
        Assert.Equal(status.Long("lagSequences").ToString(System.Globalization.CultureInfo.InvariantCulture), await row.Locator("[data-lag]").GetAttributeAsync("data-lag"));
        Assert.Contains("13 min", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("500", await row.InnerTextAsync(), StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(list, "channels-with-connector");

        await page.ClickAsync("#resync-form button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        Assert.True((await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector").Expect(HttpStatusCode.OK)).GetProperty("resyncPending").GetBoolean());
        Assert.Contains("asked for", await page.InnerTextAsync("#connector-settings"), StringComparison.Ordinal);

        // Saving the channel's plain fields keeps its connector and its secret.
        await page.FillAsync("#channel-name", "Shopify store");
        await page.ClickAsync("#channel-form button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        status = await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector").Expect(HttpStatusCode.OK);
        Assert.Equal(["accessToken"], status.GetProperty("secretsSet").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("Shopify store", (await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}").Expect(HttpStatusCode.OK)).GetProperty("name").GetString());
    }
}

/// <summary>A key that may only read sees the management pages without their forms, and a forged form post is refused with 403.</summary>
public sealed partial class ManageCatalogReadOnlyTests(KeyedSqliteServer server, Chromium chromium) : IClassFixture<KeyedSqliteServer>, IClassFixture<Chromium>
{
    [Fact]
    public async Task A_read_only_key_sees_no_forms_and_a_forged_post_is_refused()
    {
        using var admin = new HttpClient { BaseAddress = server.Client.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", KeyedSqliteServer.AdminKey);
        var n = await admin.SeedAsync();

        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(server.Client.BaseAddress!, "/admin/sign-in").ToString());
        await page.FillAsync("input[name=key]", KeyedSqliteServer.ReadKey);
        await page.ClickAsync("button[type=submit]");
        await Chromium.ArriveAsync(page, "**/admin");

        foreach (var path in new[] { "/admin/items", $"/admin/items/{n.Sku}/edit", "/admin/locations", $"/admin/locations/{n.Store}", $"/admin/locations/groups/{n.Group}",
            "/admin/channels", $"/admin/channels/{n.Channel}", "/admin/rules" })
        {
            var response = await page.GotoAsync(new Uri(server.Client.BaseAddress!, path).ToString());
            Assert.Equal(200, response!.Status);
            Assert.Equal(0, await page.Locator("form[method=post]").CountAsync());
            Assert.Equal(0, await page.Locator("details.create").CountAsync());
        }

        await Chromium.ScreenshotAsync(page, "rules-read-only");

        // A token the read-only session may hold (the sign-in page's), sent with forms the pages never showed it.
        await page.GotoAsync(new Uri(server.Client.BaseAddress!, "/admin/sign-in").ToString());
        var token = await page.GetAttributeAsync("input[name=__RequestVerificationToken]", "value");
        Assert.False(string.IsNullOrEmpty(token));
        var id = Api.NewId("store");
        var forged = new (string Path, Dictionary<string, string> Form)[]
        {
            ("/admin/locations?handler=Location", new() { ["id"] = id, ["name"] = "Forged", ["type"] = "store" }),
            ($"/admin/locations/{n.Store}", new() { ["name"] = "Forged", ["type"] = "store" }),
            ("/admin/items?handler=Create", new() { ["sku"] = id, ["name"] = "Forged" }),
            ($"/admin/items/{n.Sku}/edit", new() { ["name"] = "Forged" }),
            ("/admin/rules?handler=Safety", new() { ["sku"] = n.Sku, ["units"] = "1" }),
            ("/admin/rules?handler=LowStock", new() { ["sku"] = n.Sku, ["threshold"] = "1" }),
            ("/admin/channels?handler=Create", new() { ["id"] = id, ["name"] = "Forged", ["group"] = n.Group }),
            ($"/admin/channels/{n.Channel}?handler=Resync", new()),
            ($"/admin/locations/groups/{n.Group}", new() { ["name"] = "Forged" }),
        };
        foreach (var (path, fields) in forged)
        {
            var form = context.APIRequest.CreateFormData();
            form.Set("__RequestVerificationToken", token!);
            foreach (var (name, value) in fields)
            {
                form.Set(name, value);
            }

            var answer = await context.APIRequest.PostAsync(new Uri(server.Client.BaseAddress!, path).ToString(),
                new APIRequestContextOptions { Form = form, MaxRedirects = 0 });
            Assert.True(answer.Status == 403, $"{path}: {answer.Status} {await answer.TextAsync()}");
        }

        await admin.Send(HttpMethod.Get, $"/v1/locations/{id}").Problem(HttpStatusCode.NotFound);
        await admin.Send(HttpMethod.Get, $"/v1/items/{id}").Problem(HttpStatusCode.NotFound);
        Assert.Equal("Desk lamp", (await admin.Send(HttpMethod.Get, $"/v1/items/{n.Sku}").Expect(HttpStatusCode.OK)).GetProperty("name").GetString());
        Assert.Equal(0, (await admin.Send(HttpMethod.Get, $"/v1/rules/safety-stock?sku={n.Sku}").Expect(HttpStatusCode.OK)).GetProperty("data").GetArrayLength());

        // Without the token, the post is refused before the page looks at it.
        var bare = context.APIRequest.CreateFormData();
        bare.Set("name", "Forged");
        var refused = await context.APIRequest.PostAsync(new Uri(server.Client.BaseAddress!, "/admin/locations?handler=Location").ToString(),
            new APIRequestContextOptions { Form = bare, MaxRedirects = 0 });
        Assert.Equal(400, refused.Status);
    }
}

/// <summary>
/// The SQL behind the management pages, on both stores, over plain HTTP: the catalog searched,
/// sorted and paged with a keyset, and the channels list's connector summaries.
/// </summary>
public abstract partial class ManageCatalogStoreTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private async Task<string> PageAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {html}");
        return html;
    }

    private static List<string> Skus(string html) => [.. SkuRow().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))];

    private static string? Next(string html) => NextLink().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    [Fact]
    public async Task Items_are_searched_sorted_and_paged_in_the_store()
    {
        var prefix = Api.NewId("P").Replace("-", "", StringComparison.Ordinal);
        var names = new List<(string Sku, string Name)>();
        for (var i = 0; i < 104; i++)
        {
            var sku = $"{prefix}-{i:D3}";
            // Names sort apart from SKUs, and in mixed case: the list sorts them without regard to case.
            var name = $"{(i % 2 == 0 ? "lamp" : "Lamp")} {(char)('a' + (103 - i) % 26)}{i:D3}";
            names.Add((sku, name));
            await Client.Put($"/v1/items/{sku}", new { name, status = i == 5 ? "draft" : "active", parentSku = i is > 0 and < 4 ? $"{prefix}-000" : null })
                .Expect(HttpStatusCode.Created);
        }

        await Client.Put($"/v1/items/{Api.NewId("OTHER")}", new { name = "Unrelated" }).Expect(HttpStatusCode.Created);

        // By SKU, in two pages: 100, then the 4 left; the search leaves out what does not match.
        var first = await PageAsync($"/admin/items?q={prefix}");
        Assert.Equal(names.Take(100).Select(n => n.Sku), Skus(first));
        var next = Next(first);
        Assert.NotNull(next);
        var second = await PageAsync(next);
        Assert.Equal(names.Skip(100).Select(n => n.Sku), Skus(second));
        Assert.Null(Next(second));

        // Found by name too, ignoring case.
        Assert.Equal([names[7].Sku], Skus(await PageAsync($"/admin/items?q={Uri.EscapeDataString(names[7].Name.ToUpperInvariant())}")));

        // By name, descending, across the page boundary: the order is the whole list's.
        var byName = names.OrderByDescending(n => n.Name.ToLowerInvariant(), StringComparer.Ordinal).ThenByDescending(n => n.Sku, StringComparer.Ordinal)
            .Select(n => n.Sku).ToList();
        first = await PageAsync($"/admin/items?q={prefix}&sort=name&dir=desc");
        second = await PageAsync(Next(first)!);
        Assert.Equal(byName, Skus(first).Concat(Skus(second)));

        // By last update, newest first: the last written comes first, and the pages neither skip nor repeat.
        first = await PageAsync($"/admin/items?q={prefix}&sort=updated&dir=desc");
        second = await PageAsync(Next(first)!);
        var byUpdate = Skus(first).Concat(Skus(second)).ToList();
        Assert.Equal(104, byUpdate.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(names[^1].Sku, byUpdate[0]);

        // Filters: one status; one parent's variants, which the parent's row counts.
        Assert.Equal([names[5].Sku], Skus(await PageAsync($"/admin/items?q={prefix}&status=draft")));
        Assert.Equal(names.Skip(1).Take(3).Select(n => n.Sku), Skus(await PageAsync($"/admin/items?parent={prefix}-000")));
        Assert.Contains("3 variants", await PageAsync($"/admin/items?q={prefix}-000"), StringComparison.Ordinal);

        // A search with LIKE's wildcards finds them as text.
        Assert.Empty(Skus(await PageAsync($"/admin/items?q={Uri.EscapeDataString(prefix + "%_")}")));
        // A cursor that is not one starts again at the first page.
        Assert.Equal(100, Skus(await PageAsync($"/admin/items?q={prefix}&sort=updated&after=not-a-cursor")).Count);
    }

    [Fact]
    public async Task The_channels_list_shows_each_connector_in_one_read()
    {
        var n = await Client.SeedAsync();
        var other = Api.NewId("web");
        await Client.Put($"/v1/channels/{other}", new { name = "Second shop", group = n.Group }).Expect(HttpStatusCode.Created);
        // A port nothing listens on: the connector's pass fails without an answer.
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        await Client.Put($"/v1/channels/{n.Channel}/listings/1001", new { sku = n.Sku }).Expect(HttpStatusCode.Created);
        await Client.Put($"/v1/channels/{n.Channel}", new
        {
            name = "Shopify",
            group = n.Group,
            connector = new { kind = "shopify", baseUrl = $"http://127.0.0.1:{port}/", accessToken = "shpat_unreachable", locationId = "gid://shopify/Location/1" },
        }).Expect(HttpStatusCode.OK);
        await server.Service<ChannelPublisher>().PublishDueAsync(CancellationToken.None);
        await server.Service<ConnectorPushes>().RunDueAsync(CancellationToken.None);
        server.Time.Advance(TimeSpan.FromMinutes(13));

        var status = await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector").Expect(HttpStatusCode.OK);
        Assert.True(status.GetProperty("failuresInARow").GetInt32() >= 1);
        var html = await PageAsync($"/admin/channels?q={n.Group}");
        var row = ChannelRow(html, n.Channel);
        Assert.Contains("data-kind=\"shopify\"", row, StringComparison.Ordinal);
        Assert.Contains($"data-lag=\"{status.Long("lagSequences")}\"", row, StringComparison.Ordinal);
        Assert.Contains("no answer", row, StringComparison.Ordinal);
        Assert.Contains("never", row, StringComparison.Ordinal);
        Assert.Contains("none", ChannelRow(html, other), StringComparison.Ordinal);

        var detail = await PageAsync($"/admin/channels/{n.Channel}");
        Assert.Contains("No answer", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("shpat_unreachable", detail, StringComparison.Ordinal);
        Assert.Contains("1001", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Locations_groups_and_rules_pages_list_what_the_api_made()
    {
        var n = await Client.SeedAsync();
        await Client.Put("/v1/rules/safety-stock", new { sku = n.Sku, percent = 12.5m }).Expect(HttpStatusCode.Created);
        await Client.Put("/v1/rules/low-stock", new { sku = n.Sku, location = n.Store, threshold = 3 }).Expect(HttpStatusCode.Created);

        var locations = await PageAsync($"/admin/locations?q={n.Store}");
        Assert.Contains($"data-location=\"{n.Store}\"", locations, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-location=\"{n.Warehouse}\"", locations, StringComparison.Ordinal);
        Assert.Contains($"data-group=\"{n.Group}\"", locations, StringComparison.Ordinal);
        Assert.Contains(n.Group, await PageAsync($"/admin/locations/{n.Store}"), StringComparison.Ordinal);
        Assert.Contains(n.Channel, await PageAsync($"/admin/locations/groups/{n.Group}"), StringComparison.Ordinal);

        // The exact-selector lookups the rule forms use to leave an unchanged rule alone.
        Assert.Equal(12.5m, (await server.Store.FindSafetyRuleAsync(n.Sku, null, null, CancellationToken.None))!.Percent);
        Assert.Null(await server.Store.FindSafetyRuleAsync(n.Sku, n.Store, null, CancellationToken.None));
        Assert.Equal(3, (await server.Store.FindLowStockRuleAsync(n.Sku, n.Store, null, CancellationToken.None))!.Threshold);
        Assert.Null(await server.Store.FindLowStockRuleAsync(n.Sku, null, null, CancellationToken.None));

        var rules = await PageAsync($"/admin/rules?sku={n.Sku}");
        Assert.Contains("12.5 %", rules, StringComparison.Ordinal);
        Assert.Contains($"{n.Sku} at {n.Store}", rules, StringComparison.Ordinal);

        using var missing = await Client.GetAsync($"/admin/items/{Api.NewId("none")}/edit");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var missingChannel = await Client.GetAsync($"/admin/channels/{Api.NewId("none")}");
        Assert.Equal(HttpStatusCode.NotFound, missingChannel.StatusCode);
    }

    private static string ChannelRow(string html, string channel)
    {
        var start = html.IndexOf($"<tr data-channel=\"{channel}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row for {channel}");
        return html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    [GeneratedRegex("<tr data-sku=\"([^\"]+)\"")]
    private static partial Regex SkuRow();

    [GeneratedRegex("<a rel=\"next\" href=\"([^\"]+)\"")]
    private static partial Regex NextLink();
}

public sealed class ManageCatalogStoreTests_Sqlite(ConnectorSqliteServer server) : ManageCatalogStoreTests(server), IClassFixture<ConnectorSqliteServer>;

public sealed class ManageCatalogStoreTests_Postgres(ConnectorPostgresServer server) : ManageCatalogStoreTests(server), IClassFixture<ConnectorPostgresServer>;
