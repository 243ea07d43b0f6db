using System.Net;
using Microsoft.Playwright;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests.Browser;

/// <summary>
/// The admin pages in the machine's Chromium (headless, driven by Playwright), after the API calls
/// that change what they show. Each test saves a screenshot under <c>artifacts/screenshots</c>.
/// </summary>
public sealed class AdminPagesTests(SqliteServer server, Chromium chromium) : IClassFixture<SqliteServer>, IClassFixture<Chromium>
{
    private HttpClient Client => server.Client;

    private Task<IPage> OpenAsync(string path, int width = Chromium.Desktop) => chromium.OpenAsync(Client, path, width);

    private static Task ScreenshotAsync(IPage page, string name) => Chromium.ScreenshotAsync(page, name);

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/positions")]
    [InlineData("/admin/reservations")]
    [InlineData("/admin/allocations")]
    [InlineData("/admin/intake")]
    [InlineData("/admin/alerts")]
    [InlineData("/admin/ledger")]
    public async Task Every_page_is_accessible_and_fits_a_phone(string path)
    {
        await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 4);
        foreach (var width in new[] { Chromium.Desktop, Chromium.Phone })
        {
            var page = await OpenAsync(path, width);
            await Chromium.AssertAccessibleAsync(page);
            await Chromium.AssertFitsWidthAsync(page);
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task The_keyboard_reaches_the_content_first()
    {
        var page = await OpenAsync("/admin/ledger");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        Assert.EndsWith("#content", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Positions_page_shows_a_hold_in_the_arithmetic()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 4);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 3, location = n.Store } } })
            .Expect(HttpStatusCode.Created);

        var page = await OpenAsync($"/admin/positions?sku={n.Sku}");
        var row = page.Locator($"#positions tr[data-sku='{n.Sku}'][data-location='{n.Store}']");
        Assert.Equal("3", (await row.Locator("td[data-term='reserved']").InnerTextAsync()).Trim());
        Assert.Equal("7", (await row.Locator("td[data-term='available']").InnerTextAsync()).Trim());
        await ScreenshotAsync(page, "positions-after-hold");
    }

    [Fact]
    public async Task Accepting_a_pending_hold_holds_its_units()
    {
        var n = await Client.SeedAsync(storeOnHand: 5, warehouseOnHand: 0);
        await Client.Put($"/v1/items/{n.Sku}", new { name = "Made to order", policy = "onRequest" }).Expect(HttpStatusCode.OK);
        var id = (await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 2 } } })
            .Expect(HttpStatusCode.Created)).GetProperty("id").GetString();

        var page = await OpenAsync("/admin/reservations?status=pending");
        await page.Locator($"#reservations tr[data-reservation='{id}'] button", new PageLocatorOptions { HasText = "Accept" }).ClickAsync();
        await page.WaitForSelectorAsync("#message");
        Assert.Contains($"Reservation {id} is active", await page.Locator("#message").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator($"#reservations tr[data-reservation='{id}']").CountAsync());
        await ScreenshotAsync(page, "reservation-accepted");

        var reservation = await Client.Send(HttpMethod.Get, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("active", reservation.GetProperty("status").GetString());
        Assert.Equal(3, (await Client.AvailabilityAsync(n.Sku, $"group={n.Group}")).Long("available"));
    }

    [Fact]
    public async Task Allocations_page_drops_an_order_once_the_pos_acknowledges_it()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var waiting = Api.NewId("o");
        var known = Api.NewId("o");
        foreach (var order in new[] { waiting, known })
        {
            await Client.Post("/v1/orders", new { id = order, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 2, location = n.Store } } })
                .Expect(HttpStatusCode.Created);
            await Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = "sentToPos" }).Expect(HttpStatusCode.OK);
        }

        await Client.Post($"/v1/orders/{known}/events", new { id = Api.NewId("e"), type = "posAcknowledged" }).Expect(HttpStatusCode.OK);

        var page = await OpenAsync("/admin/allocations");
        Assert.Equal(1, await page.Locator($"#allocations tr[data-order='{waiting}']").CountAsync());
        Assert.Equal(0, await page.Locator($"#allocations tr[data-order='{known}']").CountAsync());
        await ScreenshotAsync(page, "allocations-after-pos-ack");
    }

    [Fact]
    public async Task Intake_page_lists_deliveries_by_outcome()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        await Client.Put("/v1/channels/shopify", new { name = "shopify", group = n.Group }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        var (taken, takenId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", taken).Expect(HttpStatusCode.Created);
        var (refused, refusedId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", refused.Replace("\"quantity\": 1,", "\"quantity\": 0,", StringComparison.Ordinal)).Problem(HttpStatusCode.BadRequest);

        var page = await OpenAsync("/admin/intake");
        Assert.Equal("allocated", await page.Locator($"#deliveries tr[data-order='shopify:{takenId}']").GetAttributeAsync("data-outcome"));
        await ScreenshotAsync(page, "intake-deliveries");

        page = await OpenAsync("/admin/intake?channel=shopify&outcome=refused");
        Assert.Equal(1, await page.Locator($"#deliveries tr[data-order='shopify:{refusedId}']").CountAsync());
        Assert.Equal(0, await page.Locator($"#deliveries tr[data-order='shopify:{takenId}']").CountAsync());
        Assert.Equal(1, await page.Locator("header a[href='/admin/intake']").CountAsync());
    }
}
