using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Stockroom.Features.Connectors;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// The Amazon, Walmart and Google Merchant pushers against stand-ins that check every request against the
/// marketplace's published schema. Purely client-side: no Stockroom server, so one class serves both stores.
/// </summary>
public sealed class ConnectorPusherTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private AmazonStandIn _amazon = null!;
    private WalmartStandIn _walmart = null!;
    private GoogleMerchantStandIn _google = null!;

    public async ValueTask InitializeAsync()
    {
        _amazon = await AmazonStandIn.StartNewAsync();
        _walmart = await WalmartStandIn.StartNewAsync();
        _google = await GoogleMerchantStandIn.StartNewAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _amazon.DisposeAsync();
        await _walmart.DisposeAsync();
        await _google.DisposeAsync();
        _http.Dispose();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static AvailabilityPush Push(string sku, long available, long sequence = 1, IReadOnlyDictionary<string, long>? byLocation = null) =>
        new(sku, sku, available, sequence, byLocation);

    private ConnectorSettings Amazon(string channel = "amazon-us") => new(channel, ConnectorKind.Amazon, _amazon.BaseUrl,
        new Dictionary<string, string>
        {
            ["sellerId"] = AmazonStandIn.SellerId,
            ["marketplaceId"] = AmazonStandIn.MarketplaceId,
            ["clientId"] = AmazonStandIn.ClientId,
            ["tokenUrl"] = new Uri(_amazon.BaseUrl, "/auth/o2/token").ToString(),
        },
        new Dictionary<string, string> { ["clientSecret"] = AmazonStandIn.ClientSecret, ["refreshToken"] = AmazonStandIn.RefreshToken });

    private ConnectorSettings Walmart(string? shipNode = null)
    {
        var settings = new Dictionary<string, string> { ["clientId"] = WalmartStandIn.ClientId };
        if (shipNode is not null)
        {
            settings["shipNode"] = shipNode;
        }

        return new("walmart-us", ConnectorKind.Walmart, _walmart.BaseUrl, settings, new Dictionary<string, string> { ["clientSecret"] = WalmartStandIn.ClientSecret });
    }

    private ConnectorSettings Google(string? region = null, string? storeCodes = null, bool serviceAccount = false)
    {
        var settings = new Dictionary<string, string> { ["accountId"] = GoogleMerchantStandIn.AccountId, ["feedLabel"] = "US" };
        if (region is not null)
        {
            settings["region"] = region;
        }

        if (storeCodes is not null)
        {
            settings["storeCodes"] = storeCodes;
        }

        var secrets = serviceAccount
            ? new Dictionary<string, string> { ["serviceAccountKey"] = _google.ServiceAccountKey }
            : new Dictionary<string, string> { ["accessToken"] = GoogleMerchantStandIn.AccessToken };
        return new("google", ConnectorKind.GoogleMerchant, _google.BaseUrl, settings, secrets);
    }

    // ---- Amazon ----

    [Fact]
    public async Task Amazon_patches_fulfillment_availability_per_sku_and_reuses_its_token()
    {
        using var pusher = new AmazonPusher(_time);

        var first = await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 7), Push("BLUE MUG/2", 0), Push("TEE", -3)], Token);
        var second = await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 6, sequence: 2)], Token);

        Assert.IsType<PushOutcome.Delivered>(first);
        Assert.IsType<PushOutcome.Delivered>(second);
        Assert.Empty(_amazon.Violations);
        Assert.Equal([("MUG-1", "DEFAULT", 7L), ("BLUE MUG/2", "DEFAULT", 0L), ("TEE", "DEFAULT", 0L), ("MUG-1", "DEFAULT", 6L)], _amazon.Quantities());
        Assert.Equal(1, _amazon.TokenRequests);
        var call = _amazon.Calls.First();
        Assert.Equal("en_US", call.Query["issueLocale"]);
        using var body = JsonDocument.Parse(call.Body);
        Assert.Equal("PRODUCT", body.RootElement.GetProperty("productType").GetString());
        Assert.Equal("merge", body.RootElement.GetProperty("patches")[0].GetProperty("op").GetString());
    }

    [Fact]
    public async Task Amazon_sends_large_batches_as_one_json_listings_feed()
    {
        using var pusher = new AmazonPusher(_time);
        var batch = Enumerable.Range(1, AmazonPusher.FeedThreshold + 5).Select(i => Push($"SKU-{i}", i)).ToList();

        var outcome = await pusher.PushAsync(_http, Amazon(), batch, Token);

        Assert.IsType<PushOutcome.Delivered>(outcome);
        Assert.Empty(_amazon.Violations);
        Assert.Equal(["/feeds/2021-06-30/documents", "/upload/", "/feeds/2021-06-30/feeds"], _amazon.Calls.Select(c => c.Path.StartsWith("/upload/", StringComparison.Ordinal) ? "/upload/" : c.Path));
        using var feed = JsonDocument.Parse(Assert.Single(_amazon.Uploaded).Value);
        var messages = feed.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal([.. batch.Select(p => (p.ExternalId, p.Available))], messages.Select(m => (
            m.GetProperty("sku").GetString()!,
            m.GetProperty("patches")[0].GetProperty("value")[0].GetProperty("quantity").GetInt64())));
        Assert.All(messages, m => Assert.Equal("PATCH", m.GetProperty("operationType").GetString()));
        Assert.Equal(1, _amazon.TokenRequests);
    }

    [Fact]
    public async Task Amazon_fetches_a_new_token_shortly_before_the_old_one_lapses()
    {
        using var pusher = new AmazonPusher(_time);

        await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 1)], Token);
        _time.Advance(TimeSpan.FromMinutes(50));
        await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 2)], Token);
        Assert.Equal(1, _amazon.TokenRequests);

        // expires_in is 3600 s; a token is not used in its last minute.
        _time.Advance(TimeSpan.FromMinutes(9.5));
        var outcome = await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 3)], Token);

        Assert.IsType<PushOutcome.Delivered>(outcome);
        Assert.Equal(2, _amazon.TokenRequests);
        Assert.Empty(_amazon.Violations);
    }

    [Fact]
    public async Task Amazon_paces_calls_at_the_documented_rate()
    {
        using var pusher = new AmazonPusher(TimeProvider.System);
        var batch = Enumerable.Range(1, AmazonPusher.Burst + 3).Select(i => Push($"SKU-{i}", i)).ToList();

        var clock = Stopwatch.StartNew();
        var outcome = await pusher.PushAsync(_http, Amazon("amazon-paced"), batch, Token);

        // The burst goes at once; each call after it waits one fifth of a second for its token.
        Assert.IsType<PushOutcome.Delivered>(outcome);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(3 * 200 - 100), $"{batch.Count} calls took {clock.Elapsed}");
        Assert.Equal(batch.Count, _amazon.Calls.Count);
    }

    [Fact]
    public async Task Amazon_429_is_a_throttle_for_one_request_at_the_stated_rate()
    {
        using var pusher = new AmazonPusher(_time);
        _amazon.Scripted.Enqueue(AmazonStandIn.Throttle("0.5"));

        var outcome = await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 7), Push("MUG-2", 8)], Token);

        Assert.Equal(new PushOutcome.Throttled(TimeSpan.FromSeconds(2)), outcome);
        Assert.Single(_amazon.Calls);
    }

    [Fact]
    public async Task Amazon_invalid_submission_fails_for_an_operator_with_the_issues_kept()
    {
        using var pusher = new AmazonPusher(_time);
        _amazon.Scripted.Enqueue(AmazonStandIn.InvalidSubmission("MUG-1"));

        var outcome = await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 7)], Token);

        var failed = Assert.IsType<PushOutcome.Failed>(outcome);
        Assert.False(failed.Retryable);
        Assert.Equal(200, failed.Status);
        Assert.Contains("90220", failed.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Amazon_server_error_is_retried()
    {
        using var pusher = new AmazonPusher(_time);
        _amazon.Scripted.Enqueue(AmazonStandIn.InternalFailure());

        var outcome = await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 7)], Token);

        var failed = Assert.IsType<PushOutcome.Failed>(outcome);
        Assert.True(failed.Retryable);
        Assert.Equal(500, failed.Status);
        Assert.Contains("InternalFailure", failed.Body, StringComparison.Ordinal);
    }

    // ---- Walmart ----

    [Fact]
    public async Task Walmart_updates_small_batches_one_sku_at_a_time_with_one_token()
    {
        var pusher = new WalmartPusher(_time);

        var outcome = await pusher.PushAsync(_http, Walmart(shipNode: "721407"), [Push("MUG-1", 7), Push("MUG 2", 0), Push("TEE", -1)], Token);
        var again = await pusher.PushAsync(_http, Walmart(shipNode: "721407"), [Push("MUG-1", 5)], Token);

        Assert.IsType<PushOutcome.Delivered>(outcome);
        Assert.IsType<PushOutcome.Delivered>(again);
        Assert.Empty(_walmart.Violations);
        Assert.Equal([("MUG-1", 7L), ("MUG 2", 0L), ("TEE", 0L), ("MUG-1", 5L)], _walmart.Amounts());
        Assert.All(_walmart.Calls, call => Assert.Equal("721407", call.Query["shipNode"]));
        Assert.Equal(1, _walmart.TokenRequests);
    }

    [Fact]
    public async Task Walmart_sends_large_batches_as_one_bulk_inventory_feed()
    {
        var pusher = new WalmartPusher(_time);
        var batch = Enumerable.Range(1, WalmartPusher.FeedThreshold + 2).Select(i => Push($"SKU-{i}", i * 10)).ToList();

        var outcome = await pusher.PushAsync(_http, Walmart(), batch, Token);

        Assert.IsType<PushOutcome.Delivered>(outcome);
        Assert.Empty(_walmart.Violations);
        var feed = Assert.Single(_walmart.Calls);
        Assert.Equal("/v3/feeds", feed.Path);
        Assert.Equal([.. batch.Select(p => (p.ExternalId, p.Available))], _walmart.Amounts());
    }

    [Fact]
    public async Task Walmart_429_waits_until_the_next_replenish_time()
    {
        var pusher = new WalmartPusher(_time);
        _walmart.Scripted.Enqueue(WalmartStandIn.Throttle(_time.GetUtcNow() + TimeSpan.FromSeconds(42)));

        var outcome = await pusher.PushAsync(_http, Walmart(), [Push("MUG-1", 7)], Token);

        Assert.Equal(new PushOutcome.Throttled(TimeSpan.FromSeconds(42)), outcome);
    }

    [Fact]
    public async Task Walmart_refusal_fails_for_an_operator_and_server_errors_are_retried()
    {
        var pusher = new WalmartPusher(_time);
        _walmart.Scripted.Enqueue(WalmartStandIn.Error(400, "The SKU MUG-1 is not in your catalog."));
        _walmart.Scripted.Enqueue(WalmartStandIn.Error(503, "Service unavailable."));

        var refused = Assert.IsType<PushOutcome.Failed>(await pusher.PushAsync(_http, Walmart(), [Push("MUG-1", 7)], Token));
        var unavailable = Assert.IsType<PushOutcome.Failed>(await pusher.PushAsync(_http, Walmart(), [Push("MUG-1", 7)], Token));

        Assert.False(refused.Retryable);
        Assert.Equal(400, refused.Status);
        Assert.Contains("not in your catalog", refused.Body, StringComparison.Ordinal);
        Assert.True(unavailable.Retryable);
        Assert.Equal(503, unavailable.Status);
    }

    // ---- Google Merchant ----

    [Fact]
    public async Task Google_sends_one_local_inventory_per_store_and_the_regional_one()
    {
        var pusher = new GoogleMerchantPusher(_time);
        var batch = new[]
        {
            Push("MUG-1", 5, byLocation: new Dictionary<string, long> { ["berlin"] = 5, ["paris"] = 0 }),
            Push("TEE/XL", 0, byLocation: new Dictionary<string, long> { ["berlin"] = 0 }),
        };

        var outcome = await pusher.PushAsync(_http, Google(region: "west", storeCodes: "berlin=STORE-BER"), batch, Token);

        Assert.IsType<PushOutcome.Delivered>(outcome);
        Assert.Empty(_google.Violations);
        Assert.Equal(
        [
            ("en~US~MUG-1", "local", "STORE-BER", "IN_STOCK", "5"),
            ("en~US~MUG-1", "local", "paris", "OUT_OF_STOCK", "0"),
            ("en~US~MUG-1", "regional", "west", "IN_STOCK", null),
            ("en~US~TEE/XL", "local", "STORE-BER", "OUT_OF_STOCK", "0"),
            ("en~US~TEE/XL", "regional", "west", "OUT_OF_STOCK", null),
        ], _google.Inserts());
    }

    [Fact]
    public async Task Google_sends_no_regional_inventory_without_a_region()
    {
        var pusher = new GoogleMerchantPusher(_time);

        var outcome = await pusher.PushAsync(_http, Google(), [Push("MUG-1", 2, byLocation: new Dictionary<string, long> { ["berlin"] = 2 })], Token);

        Assert.IsType<PushOutcome.Delivered>(outcome);
        Assert.Equal([("en~US~MUG-1", "local", "berlin", "IN_STOCK", "2")], _google.Inserts());
    }

    [Fact]
    public async Task Google_mints_tokens_from_a_service_account_key_and_reuses_them_until_they_lapse()
    {
        var pusher = new GoogleMerchantPusher(_time);
        var push = Push("MUG-1", 2, byLocation: new Dictionary<string, long> { ["berlin"] = 2 });

        await pusher.PushAsync(_http, Google(serviceAccount: true), [push], Token);
        await pusher.PushAsync(_http, Google(serviceAccount: true), [push], Token);
        Assert.Equal(1, _google.TokenRequests);

        _time.Advance(TimeSpan.FromMinutes(59));
        var outcome = await pusher.PushAsync(_http, Google(serviceAccount: true), [push], Token);

        Assert.IsType<PushOutcome.Delivered>(outcome);
        Assert.Equal(2, _google.TokenRequests);
        Assert.Empty(_google.Violations);
        Assert.Equal(3, _google.Calls.Count);
    }

    [Fact]
    public async Task Google_resource_exhausted_is_a_throttle()
    {
        var pusher = new GoogleMerchantPusher(_time);
        _google.Scripted.Enqueue(GoogleMerchantStandIn.Error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests'.", ("Retry-After", "7")));
        _google.Scripted.Enqueue(GoogleMerchantStandIn.Error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests'."));
        var push = Push("MUG-1", 2, byLocation: new Dictionary<string, long> { ["berlin"] = 2 });

        var stated = await pusher.PushAsync(_http, Google(), [push], Token);
        var unstated = await pusher.PushAsync(_http, Google(), [push], Token);

        Assert.Equal(new PushOutcome.Throttled(TimeSpan.FromSeconds(7)), stated);
        Assert.Equal(new PushOutcome.Throttled(GoogleMerchantPusher.DefaultThrottleWait), unstated);
    }

    [Fact]
    public async Task Google_invalid_argument_fails_for_an_operator_and_server_errors_are_retried()
    {
        var pusher = new GoogleMerchantPusher(_time);
        _google.Scripted.Enqueue(GoogleMerchantStandIn.Error(400, "INVALID_ARGUMENT", "[storeCode] Store code not found in the Business Profile."));
        _google.Scripted.Enqueue(GoogleMerchantStandIn.Error(500, "INTERNAL", "Internal error encountered."));
        var push = Push("MUG-1", 2, byLocation: new Dictionary<string, long> { ["berlin"] = 2 });

        var refused = Assert.IsType<PushOutcome.Failed>(await pusher.PushAsync(_http, Google(), [push], Token));
        var failed = Assert.IsType<PushOutcome.Failed>(await pusher.PushAsync(_http, Google(), [push], Token));

        Assert.False(refused.Retryable);
        Assert.Equal(400, refused.Status);
        Assert.Contains("Store code not found", refused.Body, StringComparison.Ordinal);
        Assert.True(failed.Retryable);
        Assert.Equal(500, failed.Status);
    }

    [Fact]
    public async Task Stand_ins_refuse_requests_outside_the_published_schema()
    {
        // replace with a string quantity and no access token: what patchListingsItem documents as invalid.
        using var amazonBody = new StringContent("""{"productType":"PRODUCT","patches":[{"op":"replace","path":"/attributes/fulfillment_availability","value":[{"fulfillment_channel_code":"DEFAULT","quantity":"7"}]}]}""",
            System.Text.Encoding.UTF8, "application/json");
        using var amazon = await _http.PatchAsync(new Uri(_amazon.BaseUrl, $"/listings/2021-08-01/items/{AmazonStandIn.SellerId}/MUG-1?marketplaceIds={AmazonStandIn.MarketplaceId}"), amazonBody, Token);
        using var walmartBody = new StringContent("""{"sku":"MUG-1","quantity":{"unit":"PIECE","amount":7}}""", System.Text.Encoding.UTF8, "application/json");
        using var walmart = await _http.PutAsync(new Uri(_walmart.BaseUrl, "/v3/inventory?sku=MUG-1"), walmartBody, Token);
        using var googleBody = new StringContent("""{"storeCode":"berlin","availability":"in stock","quantity":7}""", System.Text.Encoding.UTF8, "application/json");
        using var google = await _http.PostAsync(new Uri(_google.BaseUrl, $"/inventories/v1/accounts/{GoogleMerchantStandIn.AccountId}/products/en~US~MUG-1/localInventories:insert"), googleBody, Token);

        Assert.All([amazon, walmart, google], response => Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode));
        Assert.Contains(_amazon.Violations, v => v.Contains("x-amz-access-token", StringComparison.Ordinal));
        Assert.Contains(_amazon.Violations, v => v.Contains("quantity is an integer", StringComparison.Ordinal));
        Assert.Contains(_walmart.Violations, v => v.Contains("WM_SEC.ACCESS_TOKEN", StringComparison.Ordinal));
        Assert.Contains(_walmart.Violations, v => v.Contains("unit: EACH", StringComparison.Ordinal));
        Assert.Contains(_google.Violations, v => v.Contains("availability is a field", StringComparison.Ordinal));
        Assert.Contains(_google.Violations, v => v.Contains("localInventoryAttributes is an object", StringComparison.Ordinal));
        Assert.Empty(_amazon.Calls);
        Assert.Empty(_walmart.Calls);
        Assert.Empty(_google.Calls);
    }

    [Fact]
    public async Task Amazon_fetches_a_token_anew_when_the_cached_one_is_refused()
    {
        using var pusher = new AmazonPusher(_time);
        await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 1)], Token);
        _amazon.Scripted.Enqueue(new StandInAnswer(403, """{"errors":[{"code":"Unauthorized","message":"The access token you provided is revoked, malformed or invalid.","details":""}]}"""));

        var outcome = await pusher.PushAsync(_http, Amazon(), [Push("MUG-1", 2)], Token);

        Assert.IsType<PushOutcome.Delivered>(outcome);
        Assert.Equal(2, _amazon.TokenRequests);
        Assert.Equal([("MUG-1", "DEFAULT", 1L), ("MUG-1", "DEFAULT", 2L), ("MUG-1", "DEFAULT", 2L)], _amazon.Quantities());
    }

    [Fact]
    public void Each_pusher_declares_its_kind_and_fields()
    {
        using var amazon = new AmazonPusher(_time);
        IAvailabilityPusher[] pushers = [amazon, new WalmartPusher(_time), new GoogleMerchantPusher(_time)];

        Assert.Equal([ConnectorKind.Amazon, ConnectorKind.Walmart, ConnectorKind.GoogleMerchant], pushers.Select(p => p.Kind));
        Assert.All(pushers, p => Assert.True(p.BatchSizeMax > 0));
        Assert.Equal([false, false, true], pushers.Select(p => p.NeedsLocations));
        Assert.Equal(["clientSecret", "refreshToken"], amazon.Fields.Where(f => f.Secret).Select(f => f.Name));
        Assert.Contains(pushers[2].Fields, f => f is { Name: "accessToken", Secret: true });
        Assert.Contains(pushers[2].Fields, f => f is { Name: "serviceAccountKey", Secret: true });
    }
}
