using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Stockroom.Tests.Fixtures;

/// <summary>
/// Google Merchant API, written from: "inventories_v1 accounts.products.localInventories.insert" (POST
/// /inventories/v1/accounts/{account}/products/{product}/localInventories:insert, body LocalInventory { storeCode:
/// string required, localInventoryAttributes: { availability: LIMITED_AVAILABILITY|IN_STOCK|OUT_OF_STOCK|ON_DISPLAY_TO_ORDER,
/// quantity: int64 as a string } }); "accounts.products.regionalInventories.insert" (body RegionalInventory { region:
/// string required, regionalInventoryAttributes: { availability: IN_STOCK|OUT_OF_STOCK } }); the LocalInventory name
/// field (product is contentLanguage~feedLabel~offerId, or its unpadded base64url form); OAuth 2.0 bearer tokens;
/// the API error model { error: { code, message, status } } with RESOURCE_EXHAUSTED for quota.
/// </summary>
public sealed class GoogleMerchantStandIn : MarketplaceStandIn
{
    public const string AccountId = "123456789";
    public const string AccessToken = "ya29.test-token";
    public const string ServiceAccountEmail = "stockroom@merchant-project.iam.gserviceaccount.com";

    private readonly System.Security.Cryptography.RSA _serviceAccount = System.Security.Cryptography.RSA.Create(2048);

    /// <summary>A service account's JSON key whose token_uri is this stand-in, as Google Cloud hands one out.</summary>
    public string ServiceAccountKey => Json(new
    {
        type = "service_account",
        client_email = ServiceAccountEmail,
        private_key = _serviceAccount.ExportPkcs8PrivateKeyPem(),
        token_uri = new Uri(BaseUrl, "/token").ToString(),
    });

    public static async Task<GoogleMerchantStandIn> StartNewAsync()
    {
        var standIn = new GoogleMerchantStandIn();
        await standIn.StartAsync();
        return standIn;
    }

    /// <summary>Each insert taken: (product id decoded, kind, store code or region, availability, quantity or null).</summary>
    public List<(string Product, string Kind, string Where, string Availability, string? Quantity)> Inserts() =>
    [
        .. Calls.Select(call =>
        {
            var (product, kind) = Target(call.Path);
            using var document = JsonDocument.Parse(call.Body);
            var root = document.RootElement;
            return kind == "local"
                ? (product!, kind!, Text(root, "storeCode")!, Text(root.GetProperty("localInventoryAttributes"), "availability")!, Text(root.GetProperty("localInventoryAttributes"), "quantity"))
                : (product!, kind!, Text(root, "region")!, Text(root.GetProperty("regionalInventoryAttributes"), "availability")!, (string?)null);
        }),
    ];

    /// <summary>The product id (decoded from base64url when encoded) and which insert a path is.</summary>
    private static (string? Product, string? Kind) Target(string path)
    {
        var prefix = $"/inventories/v1/accounts/{AccountId}/products/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return (null, null);
        }

        var rest = path[prefix.Length..].Split('/');
        if (rest.Length != 2)
        {
            return (null, null);
        }

        var kind = rest[1] switch { "localInventories:insert" => "local", "regionalInventories:insert" => "regional", _ => null };
        var product = rest[0];
        if (product.Split('~').Length != 3)
        {
            try
            {
                var base64 = product.Replace('-', '+').Replace('_', '/');
                product = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
            }
            catch (FormatException)
            {
                return (null, kind);
            }
        }

        return (product.Split('~').Length >= 3 ? product : null, kind);
    }

    protected override bool IsTokenRequest(StandInRequest request) => request.Path == "/token";

    /// <summary>A bearer token neither configured nor minted here is refused as Google refuses it: 401 UNAUTHENTICATED.</summary>
    protected override StandInAnswer? Unauthorized(StandInRequest request) =>
        IsTokenRequest(request) || request.Headers["authorization"] is var authorization &&
            (authorization == "Bearer " + AccessToken || IssuedTokens.Any(issued => authorization == "Bearer " + issued))
            ? null
            : Error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");

    /// <summary>
    /// The JWT bearer grant, from "Using OAuth 2.0 for Server to Server Applications": form-encoded grant_type
    /// urn:ietf:params:oauth:grant-type:jwt-bearer and assertion, an RS256 JWT signed by the service account's key
    /// with iss, scope, aud (the token URI), iat and exp at most an hour later.
    /// </summary>
    private void CheckTokenRequest(StandInRequest request, List<string> problems)
    {
        Require(request.Method == "POST", "the token request is a POST", problems);
        Require(Form(request.Body, "grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer", "grant_type is the JWT bearer grant", problems);
        var parts = Form(request.Body, "assertion").Split('.');
        if (parts.Length != 3)
        {
            problems.Add("assertion is a signed JWT");
            return;
        }

        static byte[] Decode(string part)
        {
            var base64 = part.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
        }

        Require(_serviceAccount.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Decode(parts[2]),
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1), "the JWT is signed with the service account's key (RS256)", problems);
        using var header = JsonDocument.Parse(Decode(parts[0]));
        using var claims = JsonDocument.Parse(Decode(parts[1]));
        Require(Text(header.RootElement, "alg") == "RS256", "alg is RS256", problems);
        Require(Text(claims.RootElement, "iss") == ServiceAccountEmail, "iss is the service account", problems);
        Require(Text(claims.RootElement, "scope")?.Split(' ').Contains("https://www.googleapis.com/auth/content") == true, "scope has the content scope", problems);
        Require(Text(claims.RootElement, "aud") == new Uri(BaseUrl, "/token").ToString(), "aud is the token URI", problems);
        var lifetime = claims.RootElement.GetProperty("exp").GetInt64() - claims.RootElement.GetProperty("iat").GetInt64();
        Require(lifetime is > 0 and <= 3600, "exp is at most an hour after iat", problems);
    }

    protected override void Check(StandInRequest request, List<string> problems)
    {
        if (IsTokenRequest(request))
        {
            CheckTokenRequest(request, problems);
            return;
        }

        Require(request.Method == "POST", "insert is a POST", problems);
        var (product, kind) = Target(request.Path);
        Require(product is not null, "the parent is accounts/{account}/products/{contentLanguage~feedLabel~offerId}", problems);
        Require(kind is not null, "the method is localInventories:insert or regionalInventories:insert", problems);
        Require(request.Headers.TryGetValue("authorization", out var authorization) && authorization.StartsWith("Bearer ", StringComparison.Ordinal),
            "Authorization is a Bearer access token", problems);
        if (ParseObject(request.Body, problems) is not { } body)
        {
            return;
        }

        foreach (var property in body.EnumerateObject())
        {
            Require(property.Name is "name" or "account" or "storeCode" or "localInventoryAttributes" or "region" or "regionalInventoryAttributes",
                $"{property.Name} is a field of the resource", problems);
        }

        if (kind == "local")
        {
            Require(Text(body, "storeCode") is { Length: > 0 }, "storeCode is required", problems);
            if (!body.TryGetProperty("localInventoryAttributes", out var attributes) || attributes.ValueKind != JsonValueKind.Object)
            {
                problems.Add("localInventoryAttributes is an object");
                return;
            }

            Require(Text(attributes, "availability") is null or "IN_STOCK" or "LIMITED_AVAILABILITY" or "ON_DISPLAY_TO_ORDER" or "OUT_OF_STOCK", "availability is a LocalInventoryAttributes.Availability", problems);
            Require(!attributes.TryGetProperty("quantity", out _) || long.TryParse(Text(attributes, "quantity"), NumberStyles.None, CultureInfo.InvariantCulture, out _),
                "quantity is an int64 written as a string", problems);
        }
        else if (kind == "regional")
        {
            Require(Text(body, "region") is { Length: > 0 }, "region is required", problems);
            Require(body.TryGetProperty("regionalInventoryAttributes", out var attributes) && Text(attributes, "availability") is "IN_STOCK" or "OUT_OF_STOCK",
                "regionalInventoryAttributes.availability is IN_STOCK or OUT_OF_STOCK", problems);
        }
    }

    protected override StandInAnswer TokenAnswer(string token) => new(200, Json(new { access_token = token, expires_in = 3599, token_type = "Bearer" }));

    /// <summary>The regional availability held, per <c>product@region</c>.</summary>
    public ConcurrentDictionary<string, string> Regional { get; } = new(StringComparer.Ordinal);

    /// <summary>The name <see cref="MarketplaceStandIn.Stock"/> holds a product's local inventory at a store under.</summary>
    public static string Local(string product, string storeCode) => $"{product}@{storeCode}";

    /// <summary>A local inventory insert replaces the product's inventory at its store; a regional one its availability in the region.</summary>
    protected override void Apply(StandInRequest request)
    {
        var (product, kind) = Target(request.Path);
        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        if (kind == "local")
        {
            var quantity = Text(root.GetProperty("localInventoryAttributes"), "quantity");
            Set(Local(product!, Text(root, "storeCode")!), quantity is null ? 0 : long.Parse(quantity, CultureInfo.InvariantCulture));
        }
        else
        {
            Regional[$"{product}@{Text(root, "region")}"] = Text(root.GetProperty("regionalInventoryAttributes"), "availability")!;
        }
    }

    protected override StandInAnswer Success(StandInRequest request) => new(200, request.Body);

    protected override StandInAnswer Invalid(IReadOnlyList<string> problems) => Error(400, "INVALID_ARGUMENT", problems[0]);

    public static StandInAnswer Error(int code, string status, string message, params (string Name, string Value)[] headers) =>
        new(code, Json(new { error = new { code, message, status } }), headers);
}
