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
/// </remarks>
public sealed class GoogleMerchantPusher(TimeProvider time) : IAvailabilityPusher
{
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
        new("accessToken", Required: true, Secret: true, null, "An OAuth 2.0 access token with the https://www.googleapis.com/auth/content scope."),
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
                var outcome = await InsertAsync(http, connector, product + "/localInventories:insert", body, cancellationToken);
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
                var outcome = await InsertAsync(http, connector, product + "/regionalInventories:insert", body, cancellationToken);
                if (outcome is not PushOutcome.Delivered)
                {
                    return outcome;
                }
            }
        }

        return new PushOutcome.Delivered();
    }

    private async Task<PushOutcome> InsertAsync(HttpClient http, ConnectorSettings connector, string path, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, MarketplaceCall.Endpoint(connector.BaseUrl, path))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", connector.Secret("accessToken"));
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
            ? Convert.ToBase64String(Encoding.UTF8.GetBytes(product)).TrimEnd('=').Replace('+', '-').Replace('/', '_')
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
