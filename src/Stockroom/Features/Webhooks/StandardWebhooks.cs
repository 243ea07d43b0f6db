using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Stockroom.Features.Webhooks;

/// <summary>
/// The Standard Webhooks signature (https://www.standardwebhooks.com), sent beside
/// <c>Stockroom-Signature</c> so that a subscriber can verify deliveries with that specification's
/// libraries: <c>webhook-id</c>, <c>webhook-timestamp</c> (unix seconds) and
/// <c>webhook-signature: v1,&lt;base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)&gt;</c>.
/// </summary>
public static class StandardWebhooks
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>The prefix of a secret in the specification's own form: the base64 of the key follows it.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>
    /// The HMAC key of a subscription's secret: the base64-decoded rest of a <c>whsec_…</c> secret,
    /// as the specification's libraries read it; any other secret's UTF-8 bytes, as
    /// <c>Stockroom-Signature</c> uses it.
    /// </summary>
    public static byte[] Key(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return TryDecode(secret, out var key) ? key : Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>Whether a secret that says it is in the specification's form really is (its rest decodes as base64 to a key).</summary>
    public static bool IsWellFormed(string secret) =>
        !secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || TryDecode(secret, out _);

    private static bool TryDecode(string secret, out byte[] key)
    {
        key = [];
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var encoded = secret[SecretPrefix.Length..];
        var buffer = new byte[encoded.Length];
        if (encoded.Length == 0 || !Convert.TryFromBase64String(encoded, buffer, out var written) || written == 0)
        {
            return false;
        }

        key = buffer[..written];
        return true;
    }

    /// <summary>The <c>webhook-signature</c> value: <c>v1,</c> and the base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>.</summary>
    public static string Sign(string secret, string id, long unixSeconds, string body)
    {
        var signed = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id}.{unixSeconds}.{body}"));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(Key(secret), signed));
    }

    /// <summary>
    /// The message id of a delivery: the <c>id</c> its body carries, the same on every retry and to every
    /// subscriber. A delivery queued before bodies carried one gets its own stable id instead.
    /// </summary>
    public static string MessageId(WebhookDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        try
        {
            using var body = JsonDocument.Parse(delivery.Payload);
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                && id.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (JsonException)
        {
            // Every payload is written as JSON; one that is not still gets an id, below.
        }

        return string.Create(CultureInfo.InvariantCulture, $"dlv_{delivery.Id}");
    }

    /// <summary>The id of a ledger event in webhook bodies: stable, as its sequence is.</summary>
    public static string EventId(long sequence) => string.Create(CultureInfo.InvariantCulture, $"evt_{sequence}");
}
