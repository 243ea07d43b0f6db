using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;

namespace Stockroom.Features.Connectors;

/// <summary>
/// Sends availability to Amazon through the Selling Partner API, Listings Items API v2021-08-01
/// <c>patchListingsItem</c>, one seller SKU per call, or for large batches one JSON_LISTINGS_FEED through
/// the Feeds API, authorised by a Login with Amazon access token.
/// </summary>
/// <remarks>
/// Request format from Amazon's "Listings Items API v2021-08-01 reference" (patchListingsItem) and the
/// tutorials "Partially update a listing" and "Merge a listing": <c>PATCH
/// /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=…&amp;issueLocale=…</c> with a JSON Patch
/// body on <c>/attributes/fulfillment_availability</c>. The <c>merge</c> operation is used rather than
/// <c>replace</c>: it sets <c>quantity</c> for the selected <c>fulfillment_channel_code</c> and keeps
/// the seller's <c>lead_time_to_ship_max_days</c> and <c>restock_date</c>, which <c>replace</c> would erase.
/// Tokens from "Connecting to the Selling Partner API" (Login with Amazon refresh-token grant).
/// </remarks>
public sealed class AmazonPusher(TimeProvider time, AccessTokenCache tokens) : IAvailabilityPusher, IDisposable
{
    /// <summary>A pusher with a token cache of its own.</summary>
    public AmazonPusher(TimeProvider time)
        : this(time, new AccessTokenCache(time))
    {
    }

    public const string DefaultTokenUrl = "https://api.amazon.com/auth/o2/token";

    public const string DefaultProductType = "PRODUCT";

    /// <summary>patchListingsItem's documented usage plan: 5 requests a second, burst 5.</summary>
    public const int RequestsPerSecond = 5;

    public const int Burst = 5;

    /// <summary>
    /// Batches up to this many SKUs are patched one call per SKU, paced by the limiter (four seconds at the
    /// documented rate); larger ones go as one JSON_LISTINGS_FEED.
    /// </summary>
    public const int FeedThreshold = 20;

    /// <summary>Messages in one JSON_LISTINGS_FEED: the feed takes up to 10,000; this keeps a document near a megabyte.</summary>
    public const int FeedMessagesMax = 2_000;

    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _limiters = new(StringComparer.Ordinal);

    public ConnectorKind Kind => ConnectorKind.Amazon;

    public IReadOnlyList<ConnectorField> Fields { get; } =
    [
        new("sellerId", Required: true, Secret: false, "^[A-Z0-9]{1,32}$", "The selling partner identifier (merchant token) whose listings are patched."),
        new("marketplaceId", Required: true, Secret: false, "^[A-Z0-9]{1,32}$", "The Amazon marketplace identifier, e.g. ATVPDKIKX0DER for amazon.com."),
        new("clientId", Required: true, Secret: false, null, "The Login with Amazon client identifier of the Selling Partner API application."),
        new("clientSecret", Required: true, Secret: true, null, "The Login with Amazon client secret of the application."),
        new("refreshToken", Required: true, Secret: true, null, "The refresh token the selling partner granted the application (Atzr|…)."),
        new("tokenUrl", Required: false, Secret: false, "^https?://", "The Login with Amazon token endpoint; https://api.amazon.com/auth/o2/token unless set."),
        new("productType", Required: false, Secret: false, "^[A-Z0-9_]{1,64}$", "The Amazon product type sent with each patch; PRODUCT unless set."),
    ];

    public int BatchSizeMax => FeedMessagesMax;

    public bool NeedsLocations => false;

    public async Task<PushOutcome> PushAsync(HttpClient http, ConnectorSettings connector, IReadOnlyList<AvailabilityPush> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(batch);
        if (connector.Kind != ConnectorKind.Amazon)
        {
            throw new ArgumentException($"an {connector.Kind} connector was given to the Amazon pusher", nameof(connector));
        }

        var limiter = _limiters.GetOrAdd(connector.Channel, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1.0 / RequestsPerSecond),
            QueueLimit = FeedThreshold * 4,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        }));

        if (batch.Count > FeedMessagesMax)
        {
            throw new ArgumentException($"at most {FeedMessagesMax} SKUs go in one push", nameof(batch));
        }

        if (batch.Count > FeedThreshold)
        {
            return await FeedAsync(http, connector, batch, cancellationToken);
        }

        foreach (var push in batch)
        {
            using var lease = await limiter.AcquireAsync(1, cancellationToken);
            if (!lease.IsAcquired)
            {
                // Only when more pushes queue for this connector than the queue holds: wait one burst.
                return new PushOutcome.Throttled(TimeSpan.FromSeconds((double)Burst / RequestsPerSecond));
            }

            var outcome = await PatchAsync(http, connector, push, cancellationToken);
            if (outcome is not PushOutcome.Delivered)
            {
                // The SKUs patched before it are sent again with the batch: figures are absolute, so a
                // second patch with the same quantity changes nothing.
                return outcome;
            }
        }

        return new PushOutcome.Delivered();
    }

    private async Task<PushOutcome> PatchAsync(HttpClient http, ConnectorSettings connector, AvailabilityPush push, CancellationToken cancellationToken)
    {
        // A token Amazon stops taking before its time (403 Unauthorized) is fetched anew once.
        for (var attempt = 0; ; attempt++)
        {
            var (token, tokenKey, tokenProblem) = await AccessTokenAsync(http, connector, tokens, time, cancellationToken);
            if (tokenProblem is not null)
            {
                return tokenProblem;
            }

            using var request = new HttpRequestMessage(HttpMethod.Patch, PatchUrl(connector, push.ExternalId));
            request.Headers.Add("x-amz-access-token", token);
            request.Headers.Accept.ParseAdd("application/json");
            request.Content = new StringContent(PatchBody(connector, push.Available).ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken);
            if (answer is null)
            {
                return failure!;
            }

            if (answer.Status is 401 or 403 && attempt == 0)
            {
                tokens.Forget(tokenKey);
                continue;
            }

            if (!answer.Succeeded)
            {
                return MarketplaceCall.Refusal(answer, ThrottleWait(answer), time.GetUtcNow());
            }

            return Submission(answer);
        }
    }

    /// <summary>
    /// Sends a large batch as one JSON_LISTINGS_FEED through the Feeds API 2021-06-30 ("Feeds API v2021-06-30
    /// reference", "JSON_LISTINGS_FEED" and "Listings Feed Type Values"): <c>createFeedDocument</c> for an
    /// upload URL, the feed uploaded there (a pre-signed URL: no access token), then <c>createFeed</c>.
    /// Amazon processes the feed afterwards; the batch is delivered once the feed is created. A feed is
    /// processed minutes later, so a patch sent meanwhile for the same SKU can be overwritten by the
    /// feed's older figure until the next change: feeds suit the re-sync's large batches.
    /// </summary>
    private async Task<PushOutcome> FeedAsync(HttpClient http, ConnectorSettings connector, IReadOnlyList<AvailabilityPush> batch, CancellationToken cancellationToken)
    {
        const string contentType = "application/json; charset=UTF-8";
        var (document, documentProblem) = await SellingPartnerPostAsync(http, connector, "/feeds/2021-06-30/documents",
            new JsonObject { ["contentType"] = contentType }, cancellationToken);
        if (documentProblem is not null)
        {
            return documentProblem;
        }

        string? documentId;
        Uri? upload;
        using (document)
        {
            documentId = Text(document!, "feedDocumentId");
            if (documentId is null || !Uri.TryCreate(Text(document!, "url"), UriKind.Absolute, out upload))
            {
                return new PushOutcome.Failed(Retryable: true, 201, MarketplaceCall.Truncate(document!.RootElement.GetRawText()));
            }
        }

        using (var request = new HttpRequestMessage(HttpMethod.Put, upload))
        {
            request.Content = new StringContent(ListingsFeed(connector, batch).ToJsonString(), System.Text.Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken);
            if (answer is null)
            {
                return failure!;
            }

            if (!answer.Succeeded)
            {
                // The pre-signed URL lapses after five minutes; a new document is created on the next attempt.
                return new PushOutcome.Failed(Retryable: true, answer.Status, MarketplaceCall.Truncate(answer.Body));
            }
        }

        var (feed, feedProblem) = await SellingPartnerPostAsync(http, connector, "/feeds/2021-06-30/feeds", new JsonObject
        {
            ["feedType"] = "JSON_LISTINGS_FEED",
            ["marketplaceIds"] = new JsonArray { connector.Setting("marketplaceId") },
            ["inputFeedDocumentId"] = documentId,
        }, cancellationToken);
        if (feedProblem is not null)
        {
            return feedProblem;
        }

        using (feed)
        {
            return Text(feed!, "feedId") is not null
                ? new PushOutcome.Delivered()
                : new PushOutcome.Failed(Retryable: true, 202, MarketplaceCall.Truncate(feed!.RootElement.GetRawText()));
        }
    }

    /// <summary>The JSON_LISTINGS_FEED document: a header, then one PATCH message per SKU with the same patch patchListingsItem sends.</summary>
    internal static JsonObject ListingsFeed(ConnectorSettings connector, IReadOnlyList<AvailabilityPush> batch) => new()
    {
        ["header"] = new JsonObject
        {
            ["sellerId"] = connector.Setting("sellerId"),
            ["version"] = "2.0",
            ["issueLocale"] = "en_US",
        },
        ["messages"] = new JsonArray([.. batch.Select((push, index) =>
        {
            var patch = PatchBody(connector, push.Available);
            return (JsonNode)new JsonObject
            {
                ["messageId"] = index + 1,
                ["sku"] = push.ExternalId,
                ["operationType"] = "PATCH",
                ["productType"] = patch["productType"]!.DeepClone(),
                ["patches"] = patch["patches"]!.DeepClone(),
            };
        })]),
    };

    private static string? Text(JsonDocument document, string name) =>
        document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>A JSON POST to the Selling Partner API with the access token; the parsed answer, or why not.</summary>
    private async Task<(JsonDocument? Answer, PushOutcome? Problem)> SellingPartnerPostAsync(
        HttpClient http, ConnectorSettings connector, string path, JsonObject body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (token, tokenKey, tokenProblem) = await AccessTokenAsync(http, connector, tokens, time, cancellationToken);
            if (tokenProblem is not null)
            {
                return (null, tokenProblem);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, MarketplaceCall.Endpoint(connector.BaseUrl, path));
            request.Headers.Add("x-amz-access-token", token);
            request.Headers.Accept.ParseAdd("application/json");
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken);
            if (answer is null)
            {
                return (null, failure);
            }

            if (answer.Status is 401 or 403 && attempt == 0)
            {
                tokens.Forget(tokenKey);
                continue;
            }

            if (!answer.Succeeded)
            {
                return (null, MarketplaceCall.Refusal(answer, ThrottleWait(answer), time.GetUtcNow()));
            }

            try
            {
                return (JsonDocument.Parse(answer.Body), null);
            }
            catch (JsonException)
            {
                return (null, new PushOutcome.Failed(Retryable: true, answer.Status, MarketplaceCall.Truncate(answer.Body)));
            }
        }
    }

    /// <summary>
    /// The documented ListingsItemSubmissionResponse: <c>status</c> ACCEPTED (or VALID for a validation
    /// preview) is taken; INVALID, or any issue of severity ERROR, is a refusal kept with its body.
    /// </summary>
    private static PushOutcome Submission(MarketplaceAnswer answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            var root = document.RootElement;
            var status = root.TryGetProperty("status", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var errors = root.TryGetProperty("issues", out var issues) && issues.ValueKind == JsonValueKind.Array &&
                issues.EnumerateArray().Any(issue => issue.ValueKind == JsonValueKind.Object &&
                    issue.TryGetProperty("severity", out var severity) && severity.ValueKind == JsonValueKind.String && severity.GetString() == "ERROR");
            if (status is "ACCEPTED" or "VALID" && !errors)
            {
                return new PushOutcome.Delivered();
            }

            return new PushOutcome.Failed(Retryable: false, answer.Status, MarketplaceCall.Truncate(answer.Body));
        }
        catch (JsonException)
        {
            // A 2xx that is not the documented submission response is not taken as a delivery.
            return new PushOutcome.Failed(Retryable: true, answer.Status, MarketplaceCall.Truncate(answer.Body));
        }
    }

    /// <summary>
    /// The wait after a 429: Retry-After when given, else one request's share of the rate Amazon states in
    /// <c>x-amzn-RateLimit-Limit</c>, else of the documented rate.
    /// </summary>
    private static TimeSpan ThrottleWait(MarketplaceAnswer answer)
    {
        var stated = answer.Header("x-amzn-RateLimit-Limit");
        var rate = double.TryParse(stated, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : RequestsPerSecond;
        return MarketplaceCall.Clamp(TimeSpan.FromSeconds(1.0 / rate));
    }

    internal static Uri PatchUrl(ConnectorSettings connector, string sku) =>
        MarketplaceCall.Endpoint(connector.BaseUrl,
            $"/listings/2021-08-01/items/{Uri.EscapeDataString(connector.Setting("sellerId")!)}/{Uri.EscapeDataString(sku)}" +
            $"?marketplaceIds={Uri.EscapeDataString(connector.Setting("marketplaceId")!)}&issueLocale=en_US");

    internal static JsonObject PatchBody(ConnectorSettings connector, long available) => new()
    {
        ["productType"] = connector.Setting("productType") ?? DefaultProductType,
        ["patches"] = new JsonArray
        {
            new JsonObject
            {
                ["op"] = "merge",
                ["path"] = "/attributes/fulfillment_availability",
                ["value"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["fulfillment_channel_code"] = "DEFAULT",
                        // Amazon takes no negative quantity; a channel figure below zero offers nothing.
                        ["quantity"] = Math.Max(0, available),
                    },
                },
            },
        },
    };

    /// <summary>
    /// A Login with Amazon access token for the connector, cached until shortly before <c>expires_in</c>:
    /// <c>POST {tokenUrl}</c>, form-encoded <c>grant_type=refresh_token</c>, <c>refresh_token</c>,
    /// <c>client_id</c>, <c>client_secret</c> ("Connecting to the Selling Partner API", step 1). The order
    /// poller asks here too, so that pushing and polling one connector share a token.
    /// </summary>
    internal static async Task<(string Token, string Key, PushOutcome? Problem)> AccessTokenAsync(HttpClient http, ConnectorSettings connector, AccessTokenCache tokens,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var tokenUrl = connector.Setting("tokenUrl") ?? DefaultTokenUrl;
        if (connector.Setting("clientId") is not { } clientId || connector.Secret("clientSecret") is not { } clientSecret
            || connector.Secret("refreshToken") is not { } refreshToken)
        {
            return ("", "", new PushOutcome.Failed(Retryable: false, Status: null, "the connector has no clientId, clientSecret and refreshToken"));
        }

        var key = AccessTokenCache.Key(connector.Channel, tokenUrl, clientId, refreshToken + "\n" + clientSecret);
        if (tokens.Get(key) is { } cached)
        {
            return (cached, key, null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(tokenUrl, UriKind.Absolute));
        request.Headers.Accept.ParseAdd("application/json");
        request.Content = new FormUrlEncodedContent(
        [
            new("grant_type", "refresh_token"),
            new("refresh_token", refreshToken),
            new("client_id", clientId),
            new("client_secret", clientSecret),
        ]);
        var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken);
        if (answer is null)
        {
            return ("", key, failure);
        }

        if (!answer.Succeeded)
        {
            return ("", key, MarketplaceCall.Refusal(answer, TimeSpan.FromSeconds(1), time.GetUtcNow()));
        }

        return MarketplaceCall.ReadToken(answer) is ({ } token, var expiresIn)
            ? Cached(token, expiresIn)
            : ("", key, new PushOutcome.Failed(Retryable: true, answer.Status, MarketplaceCall.Truncate(answer.Body)));

        (string, string, PushOutcome?) Cached(string token, long expiresIn)
        {
            tokens.Put(key, token, expiresIn);
            return (token, key, null);
        }
    }

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }

        _limiters.Clear();
    }
}
