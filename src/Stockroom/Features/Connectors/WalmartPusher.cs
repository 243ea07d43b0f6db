using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stockroom.Features.Connectors;

/// <summary>
/// Sends availability to Walmart Marketplace (US) through the Inventory API: a single-SKU update for
/// small batches, the bulk inventory feed for larger ones, authorised by a client-credentials token.
/// </summary>
/// <remarks>
/// Request formats from Walmart's "Marketplace Inventory API reference" (Update inventory for an item:
/// <c>PUT /v3/inventory?sku=…[&amp;shipNode=…]</c>, body <c>{ sku, quantity: { unit: "EACH", amount } }</c>),
/// "Update inventory in bulk" (<c>POST /v3/feeds?feedType=inventory</c>, a multipart <c>file</c> holding
/// the spec 1.4 JSON feed <c>{ InventoryHeader: { version: "1.4" }, Inventory: [ … ] }</c>), "Token API"
/// (<c>POST /v3/token</c>, Basic client id and secret, <c>grant_type=client_credentials</c>) and
/// "Rate limiting" (429 with <c>x-current-token-count</c> and <c>x-next-replenish-time</c>).
/// </remarks>
public sealed class WalmartPusher(TimeProvider time, AccessTokenCache tokens) : IAvailabilityPusher
{
    /// <summary>A pusher with a token cache of its own.</summary>
    public WalmartPusher(TimeProvider time)
        : this(time, new AccessTokenCache(time))
    {
    }

    /// <summary>The service name Walmart asks every request to carry in <c>WM_SVC.NAME</c>.</summary>
    public const string ServiceName = "Walmart Marketplace";

    /// <summary>
    /// Batches of this many SKUs or more go as one bulk feed. The feeds endpoint allows only a few
    /// submissions an hour, and Walmart processes a feed minutes later (a single update sent meanwhile
    /// for the same SKU can be overwritten by the feed's older figure until the next change), so
    /// everyday changes go one SKU at a time and feeds carry the re-sync's large batches.
    /// </summary>
    public const int FeedThreshold = 20;

    /// <summary>SKUs in one feed: well under the documented 5 MB a file.</summary>
    public const int FeedSkusMax = 1_000;

    /// <summary>How long to wait after a 429 that says nothing of when tokens come back: Walmart's buckets refill each minute.</summary>
    public static readonly TimeSpan DefaultThrottleWait = TimeSpan.FromMinutes(1);

    public ConnectorKind Kind => ConnectorKind.Walmart;

    public IReadOnlyList<ConnectorField> Fields { get; } =
    [
        new("clientId", Required: true, Secret: false, null, "The client ID of the seller's Walmart Marketplace API key."),
        new("clientSecret", Required: true, Secret: true, null, "The client secret of that API key."),
        new("shipNode", Required: false, Secret: false, "^[A-Za-z0-9_-]{1,64}$", "The ship node whose inventory is set, for sellers with more than one; the default node unless set."),
    ];

    public int BatchSizeMax => FeedSkusMax;

    public bool NeedsLocations => false;

    public async Task<PushOutcome> PushAsync(HttpClient http, ConnectorSettings connector, IReadOnlyList<AvailabilityPush> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(batch);
        if (connector.Kind != ConnectorKind.Walmart)
        {
            throw new ArgumentException($"a {connector.Kind} connector was given to the Walmart pusher", nameof(connector));
        }

        if (batch.Count > FeedSkusMax)
        {
            throw new ArgumentException($"at most {FeedSkusMax} SKUs go in one push", nameof(batch));
        }

        if (batch.Count >= FeedThreshold)
        {
            return await SendAsync(http, connector, () => FeedRequest(connector, batch), FeedAccepted, cancellationToken);
        }

        foreach (var push in batch)
        {
            var outcome = await SendAsync(http, connector, () => SingleRequest(connector, push), _ => true, cancellationToken);
            if (outcome is not PushOutcome.Delivered)
            {
                // The SKUs updated before it are sent again with the batch; the amounts are absolute.
                return outcome;
            }
        }

        return new PushOutcome.Delivered();
    }

    internal static HttpRequestMessage SingleRequest(ConnectorSettings connector, AvailabilityPush push)
    {
        var query = "?sku=" + Uri.EscapeDataString(push.ExternalId) + ShipNodeQuery(connector);
        return new HttpRequestMessage(HttpMethod.Put, MarketplaceCall.Endpoint(connector.BaseUrl, "/v3/inventory" + query))
        {
            Content = new StringContent(Item(push).ToJsonString(), Encoding.UTF8, "application/json"),
        };
    }

    internal static HttpRequestMessage FeedRequest(ConnectorSettings connector, IReadOnlyList<AvailabilityPush> batch)
    {
        var feed = new JsonObject
        {
            ["InventoryHeader"] = new JsonObject { ["version"] = "1.4" },
            ["Inventory"] = new JsonArray([.. batch.Select(push => (JsonNode)Item(push))]),
        };
        var file = new StringContent(feed.ToJsonString(), Encoding.UTF8, "application/json");
        var form = new MultipartFormDataContent { { file, "file", "inventory.json" } };
        return new HttpRequestMessage(HttpMethod.Post, MarketplaceCall.Endpoint(connector.BaseUrl, "/v3/feeds?feedType=inventory" + ShipNodeQuery(connector)))
        {
            Content = form,
        };
    }

    private static JsonObject Item(AvailabilityPush push) => new()
    {
        ["sku"] = push.ExternalId,
        // Walmart takes no negative amount; a channel figure below zero offers nothing.
        ["quantity"] = new JsonObject { ["unit"] = "EACH", ["amount"] = Math.Max(0, push.Available) },
    };

    private static string ShipNodeQuery(ConnectorSettings connector) =>
        connector.Setting("shipNode") is { } node ? "&shipNode=" + Uri.EscapeDataString(node) : "";

    /// <summary>A feed is taken when Walmart answers with its <c>feedId</c>; the feed is then processed on Walmart's side.</summary>
    private static bool FeedAccepted(MarketplaceAnswer answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("feedId", out var id) && id.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task<PushOutcome> SendAsync(
        HttpClient http, ConnectorSettings connector, Func<HttpRequestMessage> build, Func<MarketplaceAnswer, bool> accepted, CancellationToken cancellationToken)
    {
        // A token Walmart stops taking before its time (401) is fetched anew once.
        for (var attempt = 0; ; attempt++)
        {
            var (token, key, problem) = await AccessTokenAsync(http, connector, tokens, time, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            using var request = build();
            AddServiceHeaders(request);
            request.Headers.Add("WM_SEC.ACCESS_TOKEN", token);
            var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken);
            if (answer is null)
            {
                return failure!;
            }

            if (answer.Status == 401 && attempt == 0)
            {
                tokens.Forget(key);
                continue;
            }

            if (!answer.Succeeded)
            {
                return Refusal(answer, time.GetUtcNow());
            }

            return accepted(answer)
                ? new PushOutcome.Delivered()
                : new PushOutcome.Failed(Retryable: true, answer.Status, MarketplaceCall.Truncate(answer.Body));
        }
    }

    /// <summary>
    /// A 429 waits until <c>x-next-replenish-time</c> (epoch milliseconds) when Walmart gives it, else its
    /// Retry-After, else a minute; other refusals are classified as for every marketplace.
    /// </summary>
    internal static PushOutcome Refusal(MarketplaceAnswer answer, DateTimeOffset now)
    {
        if (answer.Status == 429 &&
            long.TryParse(answer.Header("x-next-replenish-time"), NumberStyles.None, CultureInfo.InvariantCulture, out var replenishMs))
        {
            return new PushOutcome.Throttled(MarketplaceCall.Clamp(DateTimeOffset.FromUnixTimeMilliseconds(replenishMs) - now));
        }

        return MarketplaceCall.Refusal(answer, DefaultThrottleWait, now);
    }

    /// <summary>The headers every Walmart Marketplace request carries: the service name, a fresh correlation id, and JSON asked for.</summary>
    internal static void AddServiceHeaders(HttpRequestMessage request)
    {
        request.Headers.Add("WM_SVC.NAME", ServiceName);
        request.Headers.Add("WM_QOS.CORRELATION_ID", Guid.NewGuid().ToString());
        request.Headers.Accept.ParseAdd("application/json");
    }

    /// <summary>
    /// An access token for the connector's key, cached until shortly before <c>expires_in</c> (Walmart
    /// grants them for 15 minutes): <c>POST /v3/token</c> with Basic client id and secret. The order
    /// poller asks here too, so that pushing and polling one connector share a token.
    /// </summary>
    internal static async Task<(string Token, string Key, PushOutcome? Problem)> AccessTokenAsync(HttpClient http, ConnectorSettings connector, AccessTokenCache tokens,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (connector.Setting("clientId") is not { } clientId || connector.Secret("clientSecret") is not { } clientSecret)
        {
            return ("", "", new PushOutcome.Failed(Retryable: false, Status: null, "the connector has no clientId and clientSecret"));
        }

        var key = AccessTokenCache.Key(connector.Channel, connector.BaseUrl.ToString(), clientId, clientSecret);
        if (tokens.Get(key) is { } cached)
        {
            return (cached, key, null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, MarketplaceCall.Endpoint(connector.BaseUrl, "/v3/token"));
        AddServiceHeaders(request);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(clientId + ":" + clientSecret)));
        request.Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]);
        var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken);
        if (answer is null)
        {
            return ("", key, failure);
        }

        if (!answer.Succeeded)
        {
            return ("", key, Refusal(answer, time.GetUtcNow()));
        }

        var (token, expiresIn) = MarketplaceCall.ReadToken(answer);
        if (token is null)
        {
            return ("", key, new PushOutcome.Failed(Retryable: true, answer.Status, MarketplaceCall.Truncate(answer.Body)));
        }

        tokens.Put(key, token, expiresIn);
        return (token, key, null);
    }
}
