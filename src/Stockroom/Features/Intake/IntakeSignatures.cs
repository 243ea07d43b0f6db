using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Intake;

/// <summary>
/// Whether a marketplace delivery is authentic. A channel with an intake secret takes the deliveries
/// of a format that signs them (Shopify) only with a signature that verifies — base64 HMAC-SHA256 of
/// the raw body, keyed with the secret, in <c>X-Shopify-Hmac-Sha256</c>, as
/// https://shopify.dev/docs/apps/build/webhooks/verify-deliveries describes — whether or not an API
/// key comes with it; a signed delivery needs no key. Without a secret, and for formats that do not
/// sign (Amazon, Walmart), the key alone decides, as for any request.
/// </summary>
public static class IntakeSignatures
{
    public const string ShopifyHeader = "X-Shopify-Hmac-Sha256";

    /// <summary>The authentication type of a caller let in by a verified signature.</summary>
    public const string SignedDelivery = "SignedDelivery";

    /// <summary>The header a format signs its deliveries in; null for a format that does not sign them.</summary>
    public static string? HeaderOf(string format) => format == "shopify" ? ShopifyHeader : null;

    /// <summary>The signature of <paramref name="body"/> with <paramref name="secret"/>: base64 HMAC-SHA256 keyed with the secret's UTF-8 bytes.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Does <paramref name="signature"/> (one header value) sign <paramref name="body"/> with <paramref name="secret"/>? Compared in constant time.</summary>
    public static bool Verifies(string secret, ReadOnlySpan<byte> body, StringValues signature)
    {
        if (signature.Count != 1 || string.IsNullOrEmpty(signature[0]))
        {
            return false;
        }

        Span<byte> given = stackalloc byte[2 * HMACSHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(signature[0]!, given, out var written) || written != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given[..written]);
    }

    /// <summary>
    /// Who a delivery of <paramref name="format"/> acts as, or the 401 that refuses it before anything
    /// is read or written. A caller let in by its signature alone acts as a key bound to the format's
    /// channel with <c>reservations:write</c>.
    /// </summary>
    public static async Task<(ClaimsPrincipal? User, ProblemHttpResult? Refused)> AuthenticateAsync(
        string format, HttpRequest request, ClaimsPrincipal user, IStockStore store, KeyRing keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(keys);
        var keyed = user.FindFirst(Caller.KeyClaim) is not null;
        var header = HeaderOf(format);
        var secret = header is null ? null : await store.GetIntakeSecretAsync(format, cancellationToken);
        if (secret is null)
        {
            // Nothing to check a signature with: only a key (or a server running open) lets the delivery in.
            return keyed || !await keys.IsSecuredAsync(cancellationToken) ? (user, null) : (null, Problems.Unauthorized());
        }

        var body = await RawBodies.ReadAsync(request, cancellationToken);
        if (!Verifies(secret, body, request.Headers[header!]))
        {
            return (null, NotSigned(format, header!));
        }

        return keyed ? (user, null)
            : (new Caller($"signed:{format}", new HashSet<string>(StringComparer.Ordinal) { Scopes.ReservationsWrite }, format).ToPrincipal(SignedDelivery), null);
    }

    private static ProblemHttpResult NotSigned(string format, string header) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = Problems.Type("signature"),
            Title = "The delivery is not signed with the channel's intake secret.",
            Status = StatusCodes.Status401Unauthorized,
            Detail = $"Channel '{format}' has an intake secret: {header} must be the base64 HMAC-SHA256 of the body as sent, keyed with it. Nothing was changed.",
        });
}
