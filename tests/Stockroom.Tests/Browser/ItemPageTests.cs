using System.Net;
using Microsoft.Playwright;
using Stockroom.Testing;

namespace Stockroom.Tests.Browser;

/// <summary>A SKU's page with a hold, an order and inbound supply on it: what it shows is what the API answers.</summary>
public sealed class ItemPageTests(SqliteServer server, Chromium chromium) : IClassFixture<SqliteServer>, IClassFixture<Chromium>
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Item_page_shows_the_apis_availability_per_location_and_channel_with_holds_orders_and_inbound()
    {
        var (n, hold, order) = await ItemScenario.SetUpAsync(Client);

        var page = await chromium.OpenAsync(Client, $"/admin/items/{n.Sku}");
        foreach (var location in new[] { n.Store, n.Warehouse })
        {
            var api = await Client.AvailabilityAsync(n.Sku, $"location={location}");
            var row = page.Locator($"#locations tr[data-location='{location}']");
            foreach (var term in new[] { "onHand", "reserved", "allocated", "backordered", "safetyStock", "available" })
            {
                Assert.Equal(api.Long(term).ToString(System.Globalization.CultureInfo.InvariantCulture), (await row.Locator($"td[data-term='{term}']").InnerTextAsync()).Trim());
            }
        }

        var channel = await Client.AvailabilityAsync(n.Sku, $"channel={n.Channel}");
        var channelRow = page.Locator($"#channels tr[data-channel='{n.Channel}']");
        Assert.Equal(channel.Long("available").ToString(System.Globalization.CultureInfo.InvariantCulture), (await channelRow.Locator("td[data-term='available']").InnerTextAsync()).Trim());
        Assert.StartsWith(channel.Long("buffer").ToString(System.Globalization.CultureInfo.InvariantCulture), (await channelRow.Locator("td[data-term='buffer']").InnerTextAsync()).Trim(), StringComparison.Ordinal);
        Assert.True(channel.Long("buffer") > 0, "the channel's buffer hides units");

        Assert.Equal(1, await page.Locator($"#holds tr[data-reservation='{hold}']").CountAsync());
        Assert.Equal(1, await page.Locator($"#orders tr[data-order='{order}']").CountAsync());
        Assert.Equal(ItemScenario.Eta.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            await page.Locator($"#inbound tr[data-reference='PO-1'] td[data-eta]").GetAttributeAsync("data-eta"));
        Assert.Contains("5 by", await page.Locator($"#locations tr[data-location='{n.Warehouse}']").InnerTextAsync(), StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(page, "item-page");
    }

    [Fact]
    public async Task Stock_chart_has_a_step_per_ledger_change_of_the_sku_and_the_demand_chart_a_bar_per_day()
    {
        var (n, _, _) = await ItemScenario.SetUpAsync(Client);
        var changes = await ItemScenario.LedgerChangesOfAsync(Client, n.Sku);

        var page = await chromium.OpenAsync(Client, $"/admin/items/{n.Sku}");
        var stock = page.Locator("#stock-chart g.series");
        Assert.Equal(new[] { "On hand", "Committed", "Available" }, await SeriesNamesAsync(stock));
        for (var i = 0; i < 3; i++)
        {
            // A point per positions.changed event that touched the SKU, and one for now.
            Assert.Equal((changes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), await stock.Nth(i).GetAttributeAsync("data-points"));
        }

        // The last row of the chart's numbers is now: the totals the API gives over the group.
        var group = await Client.AvailabilityAsync(n.Sku, $"group={n.Group}");
        var last = page.Locator("#stock-chart table.chart-data tbody tr").Last;
        var cells = await last.Locator("td").AllTextContentsAsync();
        Assert.Equal(new[] { group.Long("onHand"), group.Long("reserved") + group.Long("allocated") + group.Long("backordered"), group.Long("available") },
            cells.Select(c => long.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        Assert.Equal("img", await page.Locator("#stock-chart svg").GetAttributeAsync("role"));

        var demand = page.Locator("#demand-chart g.series");
        Assert.Equal(2, await demand.CountAsync());
        Assert.Equal("28", await demand.First.GetAttributeAsync("data-points"));
        Assert.Equal(28, await demand.First.Locator("rect").CountAsync());
    }

    [Fact]
    public async Task Item_page_is_accessible_and_fits_at_desktop_and_phone_widths()
    {
        var (n, _, _) = await ItemScenario.SetUpAsync(Client);
        foreach (var width in new[] { Chromium.Desktop, Chromium.Phone })
        {
            var page = await chromium.OpenAsync(Client, $"/admin/items/{n.Sku}", width);
            await Chromium.AssertAccessibleAsync(page);
            await Chromium.AssertFitsWidthAsync(page);
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Positions_link_each_sku_to_its_page()
    {
        var (n, _, _) = await ItemScenario.SetUpAsync(Client);
        var page = await chromium.OpenAsync(Client, $"/admin/positions?sku={n.Sku}");
        await page.Locator($"#positions tr[data-sku='{n.Sku}'][data-location='{n.Store}'] a").ClickAsync();
        await Chromium.ArriveAsync(page, $"**/admin/items/{n.Sku}");
        Assert.Contains(n.Sku, await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_sku_is_a_404_page()
    {
        var page = await chromium.Browser.NewPageAsync();
        var response = await page.GotoAsync(new Uri(Client.BaseAddress!, "/admin/items/NO-SUCH-SKU").ToString());
        Assert.Equal(404, response!.Status);
        Assert.Contains("No item", await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        await Chromium.AssertAccessibleAsync(page);
    }

    private static async Task<string[]> SeriesNamesAsync(ILocator series)
    {
        var names = new List<string>();
        for (var i = 0; i < await series.CountAsync(); i++)
        {
            names.Add((await series.Nth(i).GetAttributeAsync("data-series"))!);
        }

        return [.. names];
    }
}

/// <summary>The item page read over plain HTTP on each store: its new reads (position history, variants, orders by SKU) work on both.</summary>
public abstract class ItemPageStoreTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Item_page_renders_the_figures_and_every_change_on_this_store()
    {
        var (n, hold, order) = await ItemScenario.SetUpAsync(Client);
        await Client.Put($"/v1/items/{n.Sku}-RED", new { name = "Desk lamp, red", parentSku = n.Sku, attributes = new { colour = "red" } }).Expect(HttpStatusCode.Created);
        var changes = await ItemScenario.LedgerChangesOfAsync(Client, n.Sku);

        using var response = await Client.GetAsync($"/admin/items/{n.Sku}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"data-reservation=\"{hold}\"", html, StringComparison.Ordinal);
        Assert.Contains($"data-order=\"{order}\"", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/admin/items/{n.Sku}-RED\"", html, StringComparison.Ordinal);
        Assert.Contains($"data-series=\"On hand\" data-points=\"{changes + 1}\"", html, StringComparison.Ordinal);

        using var missing = await Client.GetAsync("/admin/items/NO-SUCH-SKU");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}

public sealed class ItemPageStoreTests_Sqlite(SqliteServer server) : ItemPageStoreTests(server), IClassFixture<SqliteServer>;

public sealed class ItemPageStoreTests_Postgres(PostgresServerFixture server) : ItemPageStoreTests(server), IClassFixture<PostgresServerFixture>;

/// <summary>A SKU with a hold at the store, an order at the warehouse, a purchase order due, and a channel with a buffer.</summary>
internal static class ItemScenario
{
    public static readonly DateOnly Eta = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(7);

    public static async Task<(Network Network, string Hold, string Order)> SetUpAsync(HttpClient client)
    {
        var n = await client.SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        await client.Put($"/v1/channels/{n.Channel}", new { name = "Web shop", group = n.Group, buffer = new { percent = 10, units = 1 } }).Expect(HttpStatusCode.OK);
        await client.Post("/v1/supply/adjust", new
        {
            id = Api.NewId("adj"),
            lines = new[] { new { sku = n.Sku, location = n.Warehouse, type = "purchaseOrder", delta = 5, reason = "po", eta = Eta.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), reference = "PO-1" } },
        }).Expect(HttpStatusCode.OK);
        var hold = Api.NewId("r");
        await client.Post("/v1/reservations", new { id = hold, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 3, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        var order = Api.NewId("o");
        await client.Post("/v1/orders", new { id = order, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 2, location = n.Warehouse } } })
            .Expect(HttpStatusCode.Created);
        return (n, hold, order);
    }

    /// <summary>How many positions.changed events of the whole ledger touch <paramref name="sku"/>.</summary>
    public static async Task<int> LedgerChangesOfAsync(HttpClient client, string sku)
    {
        var count = 0;
        long after = 0;
        while (true)
        {
            var page = (await client.Send(HttpMethod.Get, $"/v1/events?after={after}&limit=1000").Expect(HttpStatusCode.OK)).GetProperty("data");
            if (page.GetArrayLength() == 0)
            {
                return count;
            }

            foreach (var e in page.EnumerateArray())
            {
                after = e.Long("sequence");
                if (e.GetProperty("type").GetString() == "positions.changed"
                    && e.GetProperty("data").GetProperty("changes").EnumerateArray().Any(c => c.GetProperty("sku").GetString() == sku))
                {
                    count++;
                }
            }
        }
    }
}
