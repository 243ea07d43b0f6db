using System.Globalization;
using System.Net;
using Microsoft.Playwright;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests.Browser;

/// <summary>The dashboard at /admin and the positions list at /admin/positions, in Chromium.</summary>
public sealed class DashboardTests(SqliteServer server, Chromium chromium) : IClassFixture<SqliteServer>, IClassFixture<Chromium>
{
    private HttpClient Client => server.Client;

    private static async Task<long> FigureAsync(IPage page, string figure) =>
        long.Parse((await page.Locator($"#today [data-figure='{figure}'] b").InnerTextAsync()).Trim().TrimEnd('+').Replace(",", "", StringComparison.Ordinal),
            CultureInfo.InvariantCulture);

    [Fact]
    public async Task Dashboard_shows_a_hold_made_today_the_sell_out_it_caused_and_a_refused_delivery()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        var before = await chromium.OpenAsync(Client, "/admin");
        var (holds, refused) = (await FigureAsync(before, "holds"), await FigureAsync(before, "refused"));
        var units = long.Parse((await before.Locator("#today [data-figure='holds'] span.muted").Last.InnerTextAsync()).Split(' ')[0].Replace(",", "", StringComparison.Ordinal),
            CultureInfo.InvariantCulture);

        // Every unit at the store held: the position sells out.
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 10, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        var (body, marketplaceId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", body.Replace("\"quantity\": 1,", "\"quantity\": 0,", StringComparison.Ordinal)).Problem(HttpStatusCode.BadRequest);

        var page = await chromium.OpenAsync(Client, "/admin");
        Assert.Equal(holds + 1, await FigureAsync(page, "holds"));
        Assert.Contains($"{units + 10} units", await page.Locator("#today [data-figure='holds']").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(refused + 1, await FigureAsync(page, "refused"));
        Assert.Equal(1, await page.Locator($"#sell-outs tr[data-sku='{n.Sku}'][data-location='{n.Store}']").CountAsync());
        Assert.Equal(1, await page.Locator($"#refused tr[data-order='shopify:{marketplaceId}']").CountAsync());

        // Each figure links to the page that lists what it counts.
        Assert.Equal("/admin/intake?outcome=refused", await page.Locator("#today [data-figure='refused'] a").GetAttributeAsync("href"));
        Assert.Equal("/admin/alerts", await page.Locator("#today [data-figure='sellOuts'] a").GetAttributeAsync("href"));

        var chart = page.Locator("#holds-chart g.series");
        Assert.Equal(2, await chart.CountAsync());
        Assert.Equal("24", await chart.First.GetAttributeAsync("data-points"));
        // The numbers sit in a closed <details>: their text content, not their rendered text.
        var thisHour = await page.Locator("#holds-chart table.chart-data tbody tr").Last.Locator("td").First.TextContentAsync() ?? "";
        Assert.True(long.Parse(thisHour, CultureInfo.InvariantCulture) >= 1, "the hold made now is in this hour's bar");
        await Chromium.ScreenshotAsync(page, "dashboard");

        await page.Locator("#today [data-figure='refused'] a").ClickAsync();
        await Chromium.ArriveAsync(page, "**/admin/intake?outcome=refused");
        Assert.Equal(1, await page.Locator($"#deliveries tr[data-order='shopify:{marketplaceId}']").CountAsync());
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/positions?sort=available&dir=desc")]
    public async Task Dashboard_and_positions_are_accessible_and_fit_at_both_widths(string path)
    {
        await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 4);
        foreach (var width in new[] { Chromium.Desktop, Chromium.Phone })
        {
            var page = await chromium.OpenAsync(Client, path, width);
            await Chromium.AssertAccessibleAsync(page);
            await Chromium.AssertFitsWidthAsync(page);
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Positions_sort_by_a_figure_or_the_key_either_way_from_the_column_headers()
    {
        var (prefix, skus) = await PositionsScenario.SetUpAsync(Client);
        var page = await chromium.OpenAsync(Client, $"/admin/positions?sku={prefix}");
        Assert.Equal(skus, await SkusAsync(page));

        // On hand, highest first: the header sorts numbers descending on the first click.
        await page.Locator("#positions th a", new PageLocatorOptions { HasText = "On hand" }).ClickAsync();
        await Chromium.ArriveAsync(page, "**sort=onHand**");
        Assert.Equal("descending", await page.Locator("#positions th[aria-sort]").GetAttributeAsync("aria-sort"));
        Assert.Equal(new[] { skus[1], skus[2], skus[0] }, await SkusAsync(page));

        await page.Locator("#positions th a", new PageLocatorOptions { HasText = "SKU" }).ClickAsync();
        await Chromium.ArriveAsync(page, "**sort=sku**");
        Assert.Equal(skus, await SkusAsync(page));
        await page.Locator("#positions th a", new PageLocatorOptions { HasText = "SKU" }).ClickAsync();
        await Chromium.ArriveAsync(page, "**dir=desc**");
        Assert.Equal(Enumerable.Reverse(skus).ToArray(), await SkusAsync(page));
        Assert.Contains($"sku={prefix}", page.Url, StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(page, "positions");
    }

    [Fact]
    public async Task Positions_page_on_with_a_keyset_and_refuse_a_figure_sort_over_too_many_positions()
    {
        // 501 SKUs at 4 locations: 2,004 positions, past the 2,000 a figure sort may hold.
        var prefix = Api.NewId("M");
        var skus = Enumerable.Range(0, 501).Select(i => $"{prefix}-{i:D3}").ToArray();
        var locations = Enumerable.Range(0, 4).Select(i => $"many-{i}").ToArray();
        foreach (var location in locations)
        {
            await Client.Put($"/v1/locations/{location}", new { name = location, type = "store", canShip = true, canPickup = true }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        }

        foreach (var chunk in skus.Chunk(50))
        {
            await Task.WhenAll(chunk.Select(sku => Client.Put($"/v1/items/{sku}", new { name = sku }).Expect(HttpStatusCode.Created)));
        }

        await Client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = "2026-11-22T08:00:00Z",
            lines = skus.SelectMany(sku => locations.Select(location => new { sku, location, type = "onHand", quantity = 3 })).ToArray(),
        }).Expect(HttpStatusCode.OK);

        var page = await chromium.OpenAsync(Client, $"/admin/positions?sku={prefix}&sort=available&dir=desc");
        Assert.Contains("at most 2,000 positions", await page.Locator("#problem").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#positions tbody tr").CountAsync());

        page = await chromium.OpenAsync(Client, $"/admin/positions?sku={prefix}");
        Assert.Equal(200, await page.Locator("#positions tbody tr").CountAsync());
        var lastOfFirst = await page.Locator("#positions tbody tr").Last.GetAttributeAsync("data-sku");
        var next = await page.Locator("a[rel='next']").GetAttributeAsync("href");
        Assert.Contains("after=", next, StringComparison.Ordinal);
        page = await chromium.OpenAsync(Client, next!);
        Assert.Equal(200, await page.Locator("#positions tbody tr").CountAsync());
        // Four positions a SKU: the first page ends with the 50th SKU, the next starts with the 51st.
        Assert.Equal(skus[50], await page.Locator("#positions tbody tr").First.GetAttributeAsync("data-sku"));
        Assert.Equal(skus[49], lastOfFirst);
        Assert.Contains($"sku={prefix}", page.Url, StringComparison.Ordinal);
    }

    private static async Task<string[]> SkusAsync(IPage page) =>
        [.. (await page.Locator("#positions tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.sku)")).Distinct()];
}

/// <summary>The dashboard and the positions list over plain HTTP on each store: their new reads work on both.</summary>
public abstract class DashboardStoreTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Dashboard_counts_a_hold_made_now_and_lists_the_sell_out()
    {
        var n = await Client.SeedAsync(storeOnHand: 4, warehouseOnHand: 0);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 4, location = n.Store } } })
            .Expect(HttpStatusCode.Created);

        var html = await Client.GetStringAsync("/admin");
        Assert.Contains($"data-sku=\"{n.Sku}\" data-location=\"{n.Store}\"", html, StringComparison.Ordinal);
        Assert.Contains("data-series=\"Holds\" data-points=\"24\"", html, StringComparison.Ordinal);
        var holds = System.Text.RegularExpressions.Regex.Match(html, "data-figure=\"holds\">.*?<a [^>]*>([0-9,]+)</a>", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(holds.Success && long.Parse(holds.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) >= 1, "the hold made now is counted");
    }

    [Fact]
    public async Task Positions_page_through_a_keyset_in_each_order_and_sort_a_narrowed_set_by_figure()
    {
        var (prefix, skus) = await PositionsScenario.SetUpAsync(Client);
        foreach (var (query, expected) in new (string, string[])[]
        {
            ("sort=sku&dir=asc", skus),
            ("sort=sku&dir=desc", Enumerable.Reverse(skus).ToArray()),
            ("sort=location&dir=asc", skus),
            ("sort=onHand&dir=desc", new[] { skus[1], skus[2], skus[0] }),
            ("sort=available&dir=asc", new[] { skus[0], skus[2], skus[1] }),
        })
        {
            var html = await Client.GetStringAsync($"/admin/positions?sku={prefix}&{query}");
            var order = skus.OrderBy(s => html.IndexOf($"data-sku=\"{s}\"", StringComparison.Ordinal)).ToArray();
            Assert.True(expected.SequenceEqual(order), $"{query}: {string.Join(", ", order)}");
        }

        // After the first SKU's position, in either direction, the page starts at the next one.
        var after = await Client.GetStringAsync($"/admin/positions?sku={prefix}&sort=sku&dir=desc&after={skus[2]}|{PositionsScenario.Location}");
        Assert.DoesNotContain($"data-sku=\"{skus[2]}\"", after, StringComparison.Ordinal);
        Assert.Contains($"data-sku=\"{skus[1]}\"", after, StringComparison.Ordinal);
    }
}

public sealed class DashboardStoreTests_Sqlite(SqliteServer server) : DashboardStoreTests(server), IClassFixture<SqliteServer>;

public sealed class DashboardStoreTests_Postgres(PostgresServerFixture server) : DashboardStoreTests(server), IClassFixture<PostgresServerFixture>;

/// <summary>Three SKUs of one fresh prefix at one location, with on hand 2, 9 and 5.</summary>
internal static class PositionsScenario
{
    public const string Location = "pos-store";

    public static async Task<(string Prefix, string[] Skus)> SetUpAsync(HttpClient client)
    {
        var prefix = Api.NewId("P");
        string[] skus = [$"{prefix}-1", $"{prefix}-2", $"{prefix}-3"];
        await client.Put($"/v1/locations/{Location}", new { name = "Positions store", type = "store", canShip = true, canPickup = true }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        foreach (var sku in skus)
        {
            await client.Put($"/v1/items/{sku}", new { name = sku }).Expect(HttpStatusCode.Created);
        }

        await client.Post("/v1/supply/sync", new
        {
            source = "erp",
            asOf = "2026-11-22T08:00:00Z",
            lines = skus.Zip(new[] { 2, 9, 5 }).Select(p => new { sku = p.First, location = Location, type = "onHand", quantity = p.Second }).ToArray(),
        }).Expect(HttpStatusCode.OK);
        return (prefix, skus);
    }
}

/// <summary>The dashboard's connector lag is the figure <c>GET /v1/channels/{id}/connector</c> gives, on each store.</summary>
public abstract class DashboardConnectorTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Dashboard_shows_each_connectors_lag_as_the_api_reports_it()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        // A connector to a closed port on this machine: it never delivers, so the ledger moves ahead of it.
        await Client.Put($"/v1/channels/{n.Channel}", new
        {
            name = "Shopify",
            group = n.Group,
            connector = new { kind = "shopify", baseUrl = "http://127.0.0.1:9/", accessToken = "shpat_x", locationId = "gid://shopify/Location/1" },
        }).Expect(HttpStatusCode.OK);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
            .Expect(HttpStatusCode.Created);

        var status = await Client.Send(HttpMethod.Get, $"/v1/channels/{n.Channel}/connector").Expect(HttpStatusCode.OK);
        var html = await Client.GetStringAsync("/admin");
        var row = System.Text.RegularExpressions.Regex.Match(html, $"<tr data-channel=\"{n.Channel}\">.*?</tr>", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(row.Success, "the connected channel has a row");
        Assert.Contains($"href=\"/admin/channels/{n.Channel}\"", row.Value, StringComparison.Ordinal);
        Assert.Contains($">{status.Long("lagSequences").ToString("N0", CultureInfo.InvariantCulture)}</td>", row.Value, StringComparison.Ordinal);
        Assert.True(status.Long("lagSequences") > 0, "the connector is behind the hold");
    }
}

public sealed class DashboardConnectorTests_Sqlite(ConnectorSqliteServer server) : DashboardConnectorTests(server), IClassFixture<ConnectorSqliteServer>;

public sealed class DashboardConnectorTests_Postgres(ConnectorPostgresServer server) : DashboardConnectorTests(server), IClassFixture<ConnectorPostgresServer>;
