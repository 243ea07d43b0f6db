using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests.Browser;

/// <summary>
/// The pages for transfers, webhooks and intake deliveries, and the searchable operational lists,
/// walked in Chromium; each change is then checked through the HTTP API. The server runs open, as a
/// first install does, so every form shows.
/// </summary>
public sealed class ManageOperationsTests(SqliteServer server, Chromium chromium) : IClassFixture<SqliteServer>, IClassFixture<Chromium>
{
    private HttpClient Client => server.Client;

    private Task<IPage> OpenAsync(string path, int width = Chromium.Desktop) => chromium.OpenAsync(Client, path, width);

    /// <summary>The page as it stands (a form's answer, not only a fresh load) is accessible and fits a phone too.</summary>
    internal static async Task AssertFitsAPhoneAsync(IPage page)
    {
        await page.SetViewportSizeAsync(Chromium.Phone, 844);
        await Chromium.AssertAccessibleAsync(page);
        await Chromium.AssertFitsWidthAsync(page);
        await page.SetViewportSizeAsync(Chromium.Desktop, 900);
    }

    [Theory]
    [InlineData("/admin/transfers", "transfers")]
    [InlineData("/admin/webhooks", "webhooks-empty")]
    [InlineData("/admin/keys", "keys-open")]
    [InlineData("/admin/intake?order=newest", "intake")]
    [InlineData("/admin/reservations?status=any", "reservations")]
    [InlineData("/admin/allocations", "allocations")]
    [InlineData("/admin/alerts", "alerts")]
    [InlineData("/admin/ledger?type=supply.synced", "ledger")]
    public async Task Every_page_is_accessible_and_fits_a_phone(string path, string screenshot)
    {
        var n = await Client.SeedAsync(storeOnHand: 3, warehouseOnHand: 0);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, customerId = "c-77", lines = new[] { new { sku = n.Sku, quantity = 3, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        foreach (var width in new[] { Chromium.Desktop, Chromium.Phone })
        {
            var page = await OpenAsync(path, width);
            await Chromium.AssertAccessibleAsync(page);
            await Chromium.AssertFitsWidthAsync(page);
            if (width == Chromium.Desktop)
            {
                await Chromium.ScreenshotAsync(page, screenshot);
            }

            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Sending_a_transfer_and_receiving_it_moves_the_units()
    {
        var n = await Client.SeedAsync(storeOnHand: 2, warehouseOnHand: 20);
        var page = await OpenAsync("/admin/transfers");
        var id = await page.InputValueAsync("#transfer-id");
        await page.SelectOptionAsync("#transfer-from", n.Warehouse);
        await page.SelectOptionAsync("#transfer-to", n.Store);
        await page.FillAsync("#line-0-sku", n.Sku);
        await page.FillAsync("#line-0-quantity", "5");
        await page.ClickAsync("#create-transfer button[type=submit]");
        await page.WaitForSelectorAsync("#message");
        Assert.Contains($"Transfer {id} is on its way: 5 units", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        var row = page.Locator($"#transfers tr[data-transfer='{id}']");
        Assert.Equal("inTransit", await row.GetAttributeAsync("data-status"));
        var sent = await Client.Send(HttpMethod.Get, $"/v1/transfers/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("inTransit", sent.GetProperty("status").GetString());

        await row.Locator("button", new LocatorLocatorOptions { HasText = "Receive" }).ClickAsync();
        await page.WaitForSelectorAsync($"#transfers tr[data-transfer='{id}'][data-status='received']");
        Assert.Contains($"Transfer {id} is received: 5 of 5 units are on hand at {n.Store}", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(page, "transfer-received");
        await AssertFitsAPhoneAsync(page);

        var received = await Client.Send(HttpMethod.Get, $"/v1/transfers/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("received", received.GetProperty("status").GetString());
        Assert.Equal(7, (await Client.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("available"));
        Assert.Equal(15, (await Client.AvailabilityAsync(n.Sku, $"location={n.Warehouse}")).Long("available"));
    }

    [Fact]
    public async Task A_bad_quantity_shows_the_apis_message_beside_the_field_and_changes_nothing()
    {
        var n = await Client.SeedAsync(storeOnHand: 2, warehouseOnHand: 20);
        var head = await Client.LedgerHeadAsync();
        var page = await OpenAsync("/admin/transfers");
        var id = await page.InputValueAsync("#transfer-id");
        await page.SelectOptionAsync("#transfer-from", n.Warehouse);
        await page.SelectOptionAsync("#transfer-to", n.Store);
        // The second row of the form, so the message must come back to the row it is about.
        await page.FillAsync("#line-1-sku", n.Sku);
        await page.FillAsync("#line-1-quantity", "0");
        await page.ClickAsync("#create-transfer button[type=submit]");
        var message = page.Locator("#error-lines-1--quantity");
        await message.WaitForAsync();
        var problem = await Client.Post("/v1/transfers", new { id = Api.NewId("tr"), from = n.Warehouse, to = n.Store, lines = new[] { new { sku = n.Sku, quantity = 0 } } })
            .Problem(HttpStatusCode.BadRequest);
        Assert.Equal(problem.GetProperty("errors").GetProperty("lines[0].quantity")[0].GetString(), (await message.InnerTextAsync()).Trim());
        Assert.Equal("true", await page.GetAttributeAsync("#line-1-quantity", "aria-invalid"));
        Assert.Equal("error-lines-1--quantity", await page.GetAttributeAsync("#line-1-quantity", "aria-describedby"));
        // The form comes back as it was sent.
        Assert.Equal(n.Sku, await page.InputValueAsync("#line-1-sku"));
        await Chromium.AssertAccessibleAsync(page);
        await Chromium.ScreenshotAsync(page, "transfer-refused");
        await AssertFitsAPhoneAsync(page);

        await Client.Send(HttpMethod.Get, $"/v1/transfers/{id}").Problem(HttpStatusCode.NotFound);
        Assert.Equal(head, await Client.LedgerHeadAsync());
    }

    [Fact]
    public async Task A_refused_intake_delivery_is_found_by_its_marketplace_order_id()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        var (taken, _) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", taken).Expect(HttpStatusCode.Created);
        var (refused, refusedId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        var answer = await Client.Post("/v1/intake/shopify", refused.Replace("\"quantity\": 1,", "\"quantity\": 0,", StringComparison.Ordinal))
            .Problem(HttpStatusCode.BadRequest);
        // Delivered after the refused one, so only refused-first puts the refused one above it.
        var (later, laterId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", later).Expect(HttpStatusCode.Created);

        var page = await OpenAsync("/admin/intake");
        var outcomes = await page.Locator("#deliveries tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.outcome)");
        var firstOther = Array.FindIndex(outcomes, o => o is not ("refused" or "unauthenticated"));
        Assert.True(firstOther > 0 && outcomes.Skip(firstOther).All(o => o is not ("refused" or "unauthenticated")), string.Join(",", outcomes));

        await page.FillAsync("input[name=q]", refusedId);
        await page.ClickAsync("form.filters button[type=submit]");
        await Chromium.ArriveAsync(page, $"**/admin/intake?q={refusedId}*");
        var rows = page.Locator("#deliveries tbody tr");
        Assert.Equal(1, await rows.CountAsync());
        Assert.Equal("refused", await rows.GetAttributeAsync("data-outcome"));
        Assert.Equal(refusedId, await rows.GetAttributeAsync("data-marketplace-order"));
        // The reason reads as the marketplace was answered: the problem's title, then each field's message.
        var reason = (await rows.Locator("td.reason").InnerTextAsync()).Trim();
        Assert.StartsWith(answer.GetProperty("title").GetString()!, reason, StringComparison.Ordinal);
        foreach (var field in answer.GetProperty("errors").EnumerateObject())
        {
            Assert.Contains($"{field.Name}: {field.Value[0].GetString()}", reason, StringComparison.Ordinal);
        }
        await Chromium.AssertAccessibleAsync(page);
        await Chromium.ScreenshotAsync(page, "intake-refused");
        await AssertFitsAPhoneAsync(page);

        // Searched by Stockroom's order id, the delivery taken later is found too.
        page = await OpenAsync($"/admin/intake?q=shopify:{laterId}");
        Assert.Equal("allocated", await page.Locator("#deliveries tbody tr").GetAttributeAsync("data-outcome"));
    }

    [Fact]
    public async Task A_failed_webhook_delivery_is_sent_again_from_the_page()
    {
        await using var subscriber = await Subscriber.StartAsync();
        subscriber.FailuresLeft = int.MaxValue;
        var page = await OpenAsync("/admin/webhooks");
        var id = await page.InputValueAsync("#hook-id");
        await page.FillAsync("#hook-url", subscriber.Url);
        await page.CheckAsync("input[name=events][value='stock.low']");
        await page.ClickAsync("#create-webhook button[type=submit]");
        await page.WaitForSelectorAsync("#created");
        var secret = await page.InputValueAsync("#secret");
        Assert.StartsWith(StandardWebhooks.SecretPrefix, secret, StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(page, "webhook-created");
        await AssertFitsAPhoneAsync(page);
        var created = await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal(subscriber.Url, created.GetProperty("url").GetString());
        // The secret was shown on the answer to the form; the page never shows it again.
        page = await OpenAsync("/admin/webhooks");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        var delivery = await FailedDeliveryAsync(id);
        subscriber.FailuresLeft = 0;
        page = await OpenAsync("/admin/webhooks");
        var row = page.Locator($"#failures tr[data-delivery='{delivery}']");
        Assert.Equal("failed", await row.GetAttributeAsync("data-status"));
        Assert.Contains("HTTP 500: the subscriber answered 500", await row.Locator("td.answer").InnerTextAsync(), StringComparison.Ordinal);
        await Chromium.ScreenshotAsync(page, "webhooks");
        await row.Locator("button", new LocatorLocatorOptions { HasText = "Send again" }).ClickAsync();
        await page.WaitForSelectorAsync("#message");
        Assert.Contains($"Delivery {delivery} to {id} is queued to be sent once more", await page.InnerTextAsync("#message"), StringComparison.Ordinal);

        await ReservationApiTests.Eventually(async () =>
        {
            await server.Service<WebhookDispatcher>().DeliverDueAsync(CancellationToken.None);
            await server.Service<WebhookDispatcher>().IdleAsync();
            return !subscriber.Received.IsEmpty;
        });
        var log = await Client.Send(HttpMethod.Get, $"/v1/webhooks/{id}/deliveries").Expect(HttpStatusCode.OK);
        var sent = log.GetProperty("data").EnumerateArray().Single(d => d.Long("id") == delivery);
        Assert.Equal("delivered", sent.GetProperty("status").GetString());
        Assert.Equal(WebhookDispatcher.AttemptsMax + 1, sent.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Reservations_are_found_by_customer_and_sku_and_the_ledger_by_order_id()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var customer = Api.NewId("c");
        var id = Api.NewId("r");
        await Client.Post("/v1/reservations", new { id, channel = n.Channel, customerId = customer, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
            .Expect(HttpStatusCode.Created);

        var page = await OpenAsync("/admin/reservations?status=any");
        await page.FillAsync("input[name=q]", customer);
        await page.ClickAsync("form.filters button[type=submit]");
        await Chromium.ArriveAsync(page, "**q=*");
        Assert.Equal([id], await page.Locator("#reservations tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.reservation)"));
        Assert.Matches(@"^\d+ (min|h)", (await page.InnerTextAsync($"#reservations tr[data-reservation='{id}'] td.countdown")).Trim());
        page = await OpenAsync($"/admin/reservations?status=any&q={n.Sku}");
        Assert.Equal([id], await page.Locator("#reservations tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.reservation)"));

        page = await OpenAsync($"/admin/ledger?q={id}");
        var types = await page.Locator("#ledger tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.type)");
        Assert.NotEmpty(types);
        Assert.All(await page.Locator("#ledger tbody tr td:nth-child(4)").AllInnerTextsAsync(), data => Assert.Contains(id, data, StringComparison.Ordinal));
    }

    /// <summary>A delivery of a stock.low event to <paramref name="webhook"/> that failed every attempt it has.</summary>
    private async Task<long> FailedDeliveryAsync(string webhook)
    {
        await using (var write = await server.Store.BeginWriteAsync(CancellationToken.None))
        {
            await write.EnqueueDeliveriesAsync("stock.low", ["""{"type":"stock.low"}"""], CancellationToken.None);
            await write.CommitAsync(CancellationToken.None);
        }

        var dispatcher = server.Service<WebhookDispatcher>();
        for (var attempt = 1; attempt <= WebhookDispatcher.AttemptsMax * 2; attempt++)
        {
            await dispatcher.DeliverDueAsync(CancellationToken.None);
            await dispatcher.IdleAsync();
            var log = await Client.Send(HttpMethod.Get, $"/v1/webhooks/{webhook}/deliveries").Expect(HttpStatusCode.OK);
            if (log.GetProperty("data").EnumerateArray().FirstOrDefault(d => d.GetProperty("status").GetString() == "failed") is { ValueKind: JsonValueKind.Object } failed)
            {
                return failed.Long("id");
            }

            server.Time.Advance(WebhookDispatcher.Backoff(attempt) + TimeSpan.FromSeconds(1));
        }

        throw new InvalidOperationException("the delivery never failed for good");
    }
}

/// <summary>
/// The keys page behind a keyed server: an admin creates a key and sees its secret once, then
/// revokes it after a confirmation; a read-only key sees no form and is refused a forged one.
/// </summary>
public sealed class ManageKeysTests(KeyedSqliteServer server, Chromium chromium) : IClassFixture<KeyedSqliteServer>, IClassFixture<Chromium>
{
    private HttpClient Admin()
    {
        var client = new HttpClient { BaseAddress = server.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", KeyedSqliteServer.AdminKey);
        return client;
    }

    private async Task<IPage> SignInAsync(string key, string path, int width = Chromium.Desktop)
    {
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 } });
        await page.GotoAsync(new Uri(server.Client.BaseAddress!, path).ToString());
        await page.FillAsync("input[name=key]", key);
        await page.ClickAsync("button[type=submit]");
        await Chromium.ArriveAsync(page, $"**{path}");
        return page;
    }

    [Fact]
    public async Task The_keys_page_is_accessible_and_fits_a_phone()
    {
        foreach (var width in new[] { Chromium.Desktop, Chromium.Phone })
        {
            var page = await SignInAsync(KeyedSqliteServer.AdminKey, "/admin/keys", width);
            await Chromium.AssertAccessibleAsync(page);
            await Chromium.AssertFitsWidthAsync(page);
            if (width == Chromium.Desktop)
            {
                await Chromium.ScreenshotAsync(page, "keys");
            }

            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_created_key_shows_its_secret_once_and_a_revoked_one_is_refused()
    {
        var page = await SignInAsync(KeyedSqliteServer.AdminKey, "/admin/keys");
        var id = await page.InputValueAsync("#key-id");
        await page.FillAsync("#key-name", "Store 1 POS");
        await page.CheckAsync("input[name=scopes][value='inventory:write']");
        await page.ClickAsync("#create-key button[type=submit]");
        await page.WaitForSelectorAsync("#created");
        var secret = await page.InputValueAsync("#secret");
        Assert.StartsWith("sr_", secret, StringComparison.Ordinal);
        await Chromium.AssertAccessibleAsync(page);
        await Chromium.ScreenshotAsync(page, "key-created");
        await ManageOperationsTests.AssertFitsAPhoneAsync(page);

        // Shown once: the list, opened again, has the key and never its secret.
        await page.GotoAsync(new Uri(server.Client.BaseAddress!, "/admin/keys").ToString());
        Assert.Equal(1, await page.Locator($"#keys tr[data-key='{id}'][data-status='active']").CountAsync());
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        using (var withKey = new HttpClient { BaseAddress = server.Client.BaseAddress })
        {
            withKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            using var allowed = await withKey.GetAsync("/v1/locations");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // Revoking asks first; cancelling changes nothing.
        await page.ClickAsync($"#keys tr[data-key='{id}'] a");
        await page.WaitForSelectorAsync("#confirm-revoke");
        await Chromium.ScreenshotAsync(page, "key-revoke-confirm");
        await ManageOperationsTests.AssertFitsAPhoneAsync(page);
        await page.ClickAsync("#confirm-revoke a");
        await Chromium.ArriveAsync(page, "**/admin/keys");
        Assert.Equal(1, await page.Locator($"#keys tr[data-key='{id}'][data-status='active']").CountAsync());

        await page.ClickAsync($"#keys tr[data-key='{id}'] a");
        await page.ClickAsync("#confirm-revoke button");
        await page.WaitForSelectorAsync("#message");
        Assert.Contains($"Key {id} is revoked", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator($"#keys tr[data-key='{id}'][data-status='revoked']").CountAsync());
        await Chromium.ScreenshotAsync(page, "key-revoked");

        using var admin = Admin();
        var keys = await admin.Send(HttpMethod.Get, "/v1/keys").Expect(HttpStatusCode.OK);
        var key = keys.GetProperty("data").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id);
        Assert.Equal(["inventory:write", "read"], key.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).ToArray());
        Assert.True(key.TryGetProperty("revokedAt", out _));
        server.Time.Advance(Features.Keys.KeyRing.TimeToLive + TimeSpan.FromSeconds(1));
        using var refused = new HttpClient { BaseAddress = server.Client.BaseAddress };
        refused.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var after = await refused.GetAsync("/v1/locations");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task A_key_without_scopes_shows_the_apis_message_and_creates_nothing()
    {
        var page = await SignInAsync(KeyedSqliteServer.AdminKey, "/admin/keys");
        var id = await page.InputValueAsync("#key-id");
        await page.UncheckAsync("input[name=scopes][value='read']");
        await page.ClickAsync("#create-key button[type=submit]");
        var message = page.Locator("#error-scopes");
        await message.WaitForAsync();
        Assert.StartsWith("must list one or more of admin", (await message.InnerTextAsync()).Trim(), StringComparison.Ordinal);
        Assert.Equal(id, await page.InputValueAsync("#key-id"));

        using var admin = Admin();
        var keys = await admin.Send(HttpMethod.Get, "/v1/keys").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(keys.GetProperty("data").EnumerateArray(), k => k.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task A_key_another_admin_revoked_meanwhile_is_refused_with_an_alert()
    {
        using var admin = Admin();
        var id = Api.NewId("key");
        await admin.Post("/v1/keys", new { id, scopes = new[] { "read" } }).Expect(HttpStatusCode.Created);
        var page = await SignInAsync(KeyedSqliteServer.AdminKey, "/admin/keys");
        await page.ClickAsync($"#keys tr[data-key='{id}'] a");
        await page.WaitForSelectorAsync("#confirm-revoke");

        // Another admin revokes it while this page still asks.
        using (var revoked = await admin.DeleteAsync($"/v1/keys/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        await page.ClickAsync("#confirm-revoke button");
        var refusal = page.Locator("#refusal");
        await refusal.WaitForAsync();
        Assert.Equal("alert", await refusal.GetAttributeAsync("role"));
        Assert.Contains(id, await refusal.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#message").CountAsync());
        await Chromium.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_read_only_key_sees_no_forms_and_a_forged_post_is_refused()
    {
        var page = await SignInAsync(KeyedSqliteServer.ReadKey, "/admin/keys");
        Assert.Equal(1, await page.Locator("#admin-only").CountAsync());
        Assert.Equal(0, await page.Locator("#create-key, #keys").CountAsync());
        foreach (var path in new[] { "/admin/webhooks", "/admin/transfers", "/admin/reservations" })
        {
            await page.GotoAsync(new Uri(server.Client.BaseAddress!, path).ToString());
            Assert.Equal(0, await page.Locator("main form[method=post]").CountAsync());
        }

        // A form a read key never sees, posted with a valid anti-forgery token of its own session.
        await page.GotoAsync(new Uri(server.Client.BaseAddress!, "/admin/ledger").ToString());
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        foreach (var (path, fields) in new (string, Dictionary<string, string>)[]
        {
            ("/admin/keys?handler=Create", new() { ["id"] = "forged-key", ["scopes"] = "admin" }),
            ("/admin/keys?handler=Revoke", new() { ["id"] = "forged-key" }),
            ("/admin/webhooks?handler=Create", new() { ["id"] = "forged-hook", ["url"] = "http://127.0.0.1:9/x", ["events"] = "stock.low" }),
            ("/admin/transfers?handler=Receive", new() { ["id"] = "forged-transfer" }),
        })
        {
            var form = page.APIRequest.CreateFormData();
            form.Set("__RequestVerificationToken", token!);
            foreach (var (name, value) in fields)
            {
                form.Set(name, value);
            }

            var response = await page.APIRequest.PostAsync(new Uri(server.Client.BaseAddress!, path).ToString(), new APIRequestContextOptions { Form = form, MaxRedirects = 0 });
            Assert.Equal(403, response.Status);
        }

        using var admin = Admin();
        var keys = await admin.Send(HttpMethod.Get, "/v1/keys").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(keys.GetProperty("data").EnumerateArray(), k => k.GetProperty("id").GetString() == "forged-key");
        await admin.Send(HttpMethod.Get, "/v1/webhooks/forged-hook").Problem(HttpStatusCode.NotFound);
    }
}
