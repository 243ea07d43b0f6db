using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stockroom.Features.Connectors;

/// <summary>
/// Sends availability to Google Merchant Center through the Merchant API's Inventories sub-API v1:
/// one local inventory per store and, when a region is configured, the regional inventory.
/// </summary>
/// <remarks>
/// Request formats from Google's Merchant API reference, "inventories_v1 accounts.products.localInventories.insert"
/// (<c>POST /inventories/v1/{parent=accounts/*/products/*}/localInventories:insert</c>, body a LocalInventory:
/// <c>{ storeCode, localInventoryAttributes: { availability, quantity } }</c>, availability one of
/// IN_STOCK, LIMITED_AVAILABILITY, ON_DISPLAY_TO_ORDER, OUT_OF_STOCK, quantity an int64 as a string) and
/// "accounts.products.regionalInventories.insert" (<c>{ region, regionalInventoryAttributes: { availability } }</c>,
/// IN_STOCK or OUT_OF_STOCK). The product segment is <c>contentLanguage~feedLabel~offerId</c>, base64url
/// encoded when the offer id holds <c>/</c>, <c>%</c> or <c>~</c>, as the LocalInventory name field documents.
/// Errors are Google's <c>{ error: { code, message, status } }</c>; quota is <c>RESOURCE_EXHAUSTED</c>.
/// Authorisation is a bearer token, given as is or minted from a service account key.
/// </remarks>
public sealed class GoogleMerchantPusher(TimeProvider time, AccessTokenCache tokens) : IAvailabilityPusher
{
    /// <summary>A pusher with a token cache of its own.</summary>
    public GoogleMerchantPusher(TimeProvider time)
        : this(time, new AccessTokenCache(time))
    {
    }

    /// <summary>The scope the Merchant API asks of an access token.</summary>
    public const string ContentScope = "https://www.googleapis.com/auth/content";

    public const string DefaultTokenUri = "https://oauth2.googleapis.com/token";

    public const string DefaultContentLanguage = "en";

    /// <summary>SKUs in one push; each costs one call per store and one for its region.</summary>
    public const int SkusPerBatchMax = 50;

    /// <summary>How long to wait after a quota refusal without Retry-After: Merchant API quotas are counted per minute.</summary>
    public static readonly TimeSpan DefaultThrottleWait = TimeSpan.FromMinutes(1);

    public ConnectorKind Kind => ConnectorKind.GoogleMerchant;

    public IReadOnlyList<ConnectorField> Fields { get; } =
    [
        new("accountId", Required: true, Secret: false, "^[0-9]{1,20}$", "The Merchant Center account id whose products' inventories are set."),
        new("feedLabel", Required: true, Secret: false, "^[A-Za-z0-9_-]{1,20}$", "The feed label of the products (e.g. US), part of each product's id."),
        new("contentLanguage", Required: false, Secret: false, "^[a-z]{2}$", "The two-letter content language of the products; en unless set."),
        new("accessToken", Required: false, Secret: true, null,
            "An OAuth 2.0 access token with the https://www.googleapis.com/auth/content scope; give it or serviceAccountKey."),
        new("serviceAccountKey", Required: false, Secret: true, null,
            "A service account's JSON key (client_email, private_key, token_uri); access tokens are then minted from it and renewed before they lapse."),
        new("region", Required: false, Secret: false, "^[A-Za-z0-9_-]{1,64}$", "A region id defined in Merchant Center; when set, the regional inventory is sent too."),
        new("storeCodes", Required: false, Secret: false, "^[^=,]+=[^=,]+(,[^=,]+=[^=,]+)*$",
            "Stockroom location to Business Profile store code, as location=storeCode pairs separated by commas; a location not named uses its own id."),
    ];

    public int BatchSizeMax => SkusPerBatchMax;

    public bool NeedsLocations => true;

    public async Task<PushOutcome> PushAsync(HttpClient http, ConnectorSettings connector, IReadOnlyList<AvailabilityPush> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(batch);
        if (connector.Kind != ConnectorKind.GoogleMerchant)
        {
            throw new ArgumentException($"a {connector.Kind} connector was given to the Google Merchant pusher", nameof(connector));
        }

        var (token, tokenProblem) = await AccessTokenAsync(http, connector, cancellationToken);
        if (tokenProblem is not null)
        {
            return tokenProblem;
        }

        var storeCodes = StoreCodes(connector.Setting("storeCodes"));
        var region = connector.Setting("region");
        foreach (var push in batch)
        {
            var product = ProductPath(connector, push.ExternalId);
            // Ordinal order so that a batch sent again sends its stores in the same order.
            foreach (var (location, quantity) in (push.ByLocation ?? new Dictionary<string, long>()).OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                var body = new JsonObject
                {
                    ["storeCode"] = storeCodes.TryGetValue(location, out var code) ? code : location,
                    ["localInventoryAttributes"] = new JsonObject
                    {
                        ["availability"] = quantity > 0 ? "IN_STOCK" : "OUT_OF_STOCK",
                        ["quantity"] = MarketplaceCall.Invariant(Math.Max(0, quantity)),
                    },
                };
                var outcome = await InsertAsync(http, connector, token, product + "/localInventories:insert", body, cancellationToken);
                if (outcome is not PushOutcome.Delivered)
                {
                    return outcome;
                }
            }

            if (region is not null)
            {
                var body = new JsonObject
                {
                    ["region"] = region,
                    ["regionalInventoryAttributes"] = new JsonObject { ["availability"] = push.Available > 0 ? "IN_STOCK" : "OUT_OF_STOCK" },
                };
                var outcome = await InsertAsync(http, connector, token, product + "/regionalInventories:insert", body, cancellationToken);
                if (outcome is not PushOutcome.Delivered)
                {
                    return outcome;
                }
            }
        }

        return new PushOutcome.Delivered();
    }

    private async Task<PushOutcome> InsertAsync(HttpClient http, ConnectorSettings connector, string token, string path, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, MarketplaceCall.Endpoint(connector.BaseUrl, path))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json");
        var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken);
        if (answer is null)
        {
            return failure!;
        }

        if (answer.Succeeded)
        {
            return new PushOutcome.Delivered();
        }

        // Google also reports quota as RESOURCE_EXHAUSTED in the error body, whatever the status.
        var now = time.GetUtcNow();
        return answer.Status != 429 && ErrorStatus(answer.Body) == "RESOURCE_EXHAUSTED"
            ? new PushOutcome.Throttled(MarketplaceCall.RetryAfter(answer, now) ?? DefaultThrottleWait)
            : MarketplaceCall.Refusal(answer, DefaultThrottleWait, now);
    }

    /// <summary>
    /// The bearer token: the configured access token, or one minted from the service account key with
    /// the OAuth 2.0 JWT bearer grant ("Using OAuth 2.0 for Server to Server Applications": an RS256 JWT
    /// with iss, scope, aud, iat and exp of at most an hour, posted as
    /// <c>grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&amp;assertion=…</c> to the key's token_uri),
    /// cached until shortly before it lapses.
    /// </summary>
    private async Task<(string Token, PushOutcome? Problem)> AccessTokenAsync(HttpClient http, ConnectorSettings connector, CancellationToken cancellationToken)
    {
        if (connector.Secret("serviceAccountKey") is not { } keyJson)
        {
            return connector.Secret("accessToken") is { } configured
                ? (configured, null)
                : ("", new PushOutcome.Failed(Retryable: false, Status: null, "the connector has neither accessToken nor serviceAccountKey"));
        }

        string email, privateKey, tokenUri;
        try
        {
            using var key = JsonDocument.Parse(keyJson);
            email = key.RootElement.GetProperty("client_email").GetString() ?? "";
            privateKey = key.RootElement.GetProperty("private_key").GetString() ?? "";
            tokenUri = key.RootElement.TryGetProperty("token_uri", out var uri) && uri.GetString() is { Length: > 0 } given ? given : DefaultTokenUri;
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return ("", new PushOutcome.Failed(Retryable: false, Status: null, "serviceAccountKey is not a service account's JSON key"));
        }

        var cacheKey = AccessTokenCache.Key(connector.Channel, tokenUri, email, privateKey);
        if (tokens.Get(cacheKey) is { } cached)
        {
            return (cached, null);
        }

        string assertion;
        try
        {
            assertion = SignedAssertion(email, privateKey, tokenUri, time.GetUtcNow());
        }
        catch (Exception exception) when (exception is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return ("", new PushOutcome.Failed(Retryable: false, Status: null, "serviceAccountKey's private_key is not an RSA key in PEM"));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(tokenUri, UriKind.Absolute))
        {
            Content = new FormUrlEncodedContent([new("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), new("assertion", assertion)]),
        };
        request.Headers.Accept.ParseAdd("application/json");
        var (answer, failure) = await MarketplaceCall.SendAsync(http, request, cancellationToken);
        if (answer is null)
        {
            return ("", failure);
        }

        if (!answer.Succeeded)
        {
            return ("", MarketplaceCall.Refusal(answer, DefaultThrottleWait, time.GetUtcNow()));
        }

        var (token, expiresIn) = MarketplaceCall.ReadToken(answer);
        if (token is null)
        {
            return ("", new PushOutcome.Failed(Retryable: true, answer.Status, MarketplaceCall.Truncate(answer.Body)));
        }

        tokens.Put(cacheKey, token, expiresIn);
        return (token, null);
    }

    internal static string SignedAssertion(string email, string privateKeyPem, string audience, DateTimeOffset now)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT" };
        var claims = new JsonObject
        {
            ["iss"] = email,
            ["scope"] = ContentScope,
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.ToUnixTimeSeconds() + 3600,
        };
        var signed = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(signed), System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        return signed + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? ErrorStatus(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object &&
                error.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
                ? status.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>/inventories/v1/accounts/{accountId}/products/{product}</c>, the product being <c>contentLanguage~feedLabel~offerId</c>.</summary>
    internal static string ProductPath(ConnectorSettings connector, string offerId)
    {
        var product = $"{connector.Setting("contentLanguage") ?? DefaultContentLanguage}~{connector.Setting("feedLabel")}~{offerId}";
        var segment = offerId.AsSpan().IndexOfAny('/', '%', '~') >= 0
            ? Base64Url(Encoding.UTF8.GetBytes(product))
            : Uri.EscapeDataString(product);
        return $"/inventories/v1/accounts/{connector.Setting("accountId")}/products/{segment}";
    }

    internal static Dictionary<string, string> StoreCodes(string? setting)
    {
        var codes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0)
            {
                codes[parts[0]] = parts[1];
            }
        }

        return codes;
    }
}
