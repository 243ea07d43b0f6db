using System.Net;
using Microsoft.Playwright;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests.Browser;

/// <summary>With keys configured, the admin pages ask for one and remember it in an HTTP-only cookie.</summary>
public sealed class AdminSignInTests(KeyedSqliteServer server) : IClassFixture<KeyedSqliteServer>
{
    [Fact]
    public async Task Pages_ask_for_a_key_and_refuse_a_wrong_one()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.Client.BaseAddress };
        using var page = await http.GetAsync("/admin/reservations");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/admin/sign-in", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        // A form posted without its anti-forgery token is refused.
        using var forged = await http.PostAsync("/admin/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = KeyedSqliteServer.AdminKey }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task A_valid_key_signs_in_with_an_http_only_cookie()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.ExecutablePath,
            Headless = true,
            Args = Chromium.Arguments,
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Client.BaseAddress!, "/admin/ledger").ToString());
        Assert.Contains("/admin/sign-in", page.Url, StringComparison.Ordinal);

        await page.FillAsync("input[name=key]", "not-a-key");
        await page.ClickAsync("button[type=submit]");
        Assert.Contains("not valid", await page.InnerTextAsync("main"), StringComparison.Ordinal);

        await page.FillAsync("input[name=key]", KeyedSqliteServer.ReadKey);
        await page.ClickAsync("button[type=submit]");
        await Chromium.ArriveAsync(page, "**/admin/ledger");
        Assert.Equal("Ledger", (await page.InnerTextAsync("h1")).Trim());
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "stockroom-admin");
        Assert.True(cookie.HttpOnly);
    }
}
