using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Stockroom.Features.Intake;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// Authenticity of Shopify deliveries: a channel's write-only intake secret, the
/// <c>X-Shopify-Hmac-Sha256</c> signature over the raw body that lets a delivery in without a key,
/// and the 401 that changes nothing when a secret is set and the signature does not verify.
/// </summary>
public abstract class IntakeSignatureTests(StockroomServer server)
{
    private const string Secret = "hush";

    /// <summary>The fixture as stored (line ends made LF, so that a checkout's own do not change the bytes).</summary>
    private static byte[] FixtureBytes() =>
        Encoding.UTF8.GetBytes(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Intake", "shopify-webhook.json")).ReplaceLineEndings("\n"));

    /// <summary>Computed here, not by Stockroom: base64 HMAC-SHA256 keyed with the secret's UTF-8 bytes.</summary>
    private static string Signature(string secret, byte[] body) => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private HttpClient As(string? key)
    {
        var client = new HttpClient { BaseAddress = server.Client.BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>A Shopify order of the test's SKU with a fresh id, as the bytes Shopify would send.</summary>
    private static byte[] Order(string sku)
    {
        var id = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(FixtureBytes()).Replace("{{SKU}}", sku, StringComparison.Ordinal)
            .Replace("820982911946154508", id, StringComparison.Ordinal));
    }

    private static Task<HttpResponseMessage> Deliver(HttpClient client, byte[] body, string? signature, string format = "shopify")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/intake/{format}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(IntakeSignatures.ShopifyHeader, signature);
        }

        return client.SendAsync(request);
    }

    /// <summary>A network, and channel shopify selling from it with the given secret (left out: the one it has).</summary>
    private static async Task<Network> SeedAsync(HttpClient admin, string? secret)
    {
        var n = await admin.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        await admin.Put("/v1/channels/shopify", new { name = "Shopify", group = n.Group, intakeSecret = secret }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        return n;
    }

    [Fact]
    public void The_signature_is_base64_hmac_sha256_of_the_raw_body_keyed_with_the_secret()
    {
        var body = FixtureBytes();
        // Precomputed independently (Python's hmac) from the fixture's bytes and "hush".
        const string expected = "BFUMTGpPaP9JKB8vOiXXfSR0K9rKJfah/nxeV5BocdY=";
        Assert.Equal(expected, Signature(Secret, body));
        Assert.Equal(expected, IntakeSignatures.Sign(Secret, body));
        Assert.True(IntakeSignatures.Verifies(Secret, body, expected));

        var tampered = (byte[])body.Clone();
        tampered[^3] ^= 1;
        Assert.False(IntakeSignatures.Verifies(Secret, tampered, expected));
        Assert.False(IntakeSignatures.Verifies("hush!", body, expected));
        Assert.False(IntakeSignatures.Verifies(Secret, body, default));
        Assert.False(IntakeSignatures.Verifies(Secret, body, "not base64 at all"));
        Assert.False(IntakeSignatures.Verifies(Secret, body, expected[..^4]));
        Assert.False(IntakeSignatures.Verifies(Secret, body, new Microsoft.Extensions.Primitives.StringValues([expected, expected])));
    }

    [Fact]
    public async Task A_delivery_signed_with_the_channel_secret_is_taken_without_a_key()
    {
        using var admin = As(MatrixKeys.Admin);
        using var anonymous = As(null);
        var n = await SeedAsync(admin, Secret);
        var body = Order(n.Sku);
        var result = await Deliver(anonymous, body, Signature(Secret, body)).Expect(HttpStatusCode.Created);
        Assert.Equal("allocated", result.GetProperty("outcome").GetString());
        Assert.Equal("shopify", result.GetProperty("order").GetProperty("channel").GetString());
        Assert.Equal(3, (await admin.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("allocated"));
        // The same delivery again (Shopify retries) replays the order.
        await Deliver(anonymous, body, Signature(Secret, body)).Expect(HttpStatusCode.Created);
        Assert.Equal(3, (await admin.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("allocated"));
    }

    [Fact]
    public async Task A_tampered_body_a_wrong_secret_or_no_signature_is_a_401_that_changes_nothing()
    {
        using var admin = As(MatrixKeys.Admin);
        using var anonymous = As(null);
        using var reservations = As(MatrixKeys.Reservations);
        var n = await SeedAsync(admin, Secret);
        var body = Order(n.Sku);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"quantity\": 3", "\"quantity\": 4", StringComparison.Ordinal));
        Assert.NotEqual(body, tampered);
        var head = await admin.LedgerHeadAsync();

        var signed = await Deliver(anonymous, tampered, Signature(Secret, body)).Problem(HttpStatusCode.Unauthorized);
        Assert.Equal("urn:stockroom:problem:signature", signed.GetProperty("type").GetString());
        await Deliver(anonymous, body, Signature("not-the-secret", body)).Problem(HttpStatusCode.Unauthorized);
        await Deliver(anonymous, body, "").Problem(HttpStatusCode.Unauthorized);
        await Deliver(anonymous, body, null).Problem(HttpStatusCode.Unauthorized);
        // With a secret set the signature is required even of a key that may take orders.
        await Deliver(reservations, body, null).Problem(HttpStatusCode.Unauthorized);
        await Deliver(admin, tampered, Signature(Secret, body)).Problem(HttpStatusCode.Unauthorized);
        // A bad key is not made good by a signature.
        using var bad = As("k-not-a-key-0123456789");
        await Deliver(bad, body, Signature(Secret, body)).Problem(HttpStatusCode.Unauthorized);

        Assert.Equal(head, await admin.LedgerHeadAsync());
        Assert.Equal(0, (await admin.AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("allocated"));
        // The trail keeps the refused signatures, for the seller to see.
        var trail = await admin.Send(HttpMethod.Get, "/v1/intake/deliveries?channel=shopify&outcome=unauthenticated&limit=1000").Expect(HttpStatusCode.OK);
        Assert.Contains(trail.GetProperty("data").EnumerateArray(), d => d.GetProperty("reason").GetString()!.Contains("intake secret", StringComparison.Ordinal));
        // A key with the signature works too (an API pull that signs what it posts).
        await Deliver(reservations, body, Signature(Secret, body)).Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_secret_is_never_shown_in_an_answer_the_channel_list_or_the_ledger()
    {
        using var admin = As(MatrixKeys.Admin);
        const string secret = "shpss_never-shown-4f1c9e";
        var head = await admin.LedgerHeadAsync();
        var n = await SeedAsync(admin, secret);
        var texts = new List<string>();
        using (var put = await admin.Put("/v1/channels/shopify", new { name = "Shopify", group = n.Group, intakeSecret = secret }))
        {
            texts.Add(await put.Content.ReadAsStringAsync());
        }

        foreach (var path in new[] { "/v1/channels/shopify", "/v1/channels?limit=1000", $"/v1/events?after={head}&limit=1000" })
        {
            using var response = await admin.Send(HttpMethod.Get, path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            texts.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.All(texts, text => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
        Assert.All(texts, text => Assert.DoesNotContain("\"intakeSecret\"", text, StringComparison.Ordinal));
        Assert.True(JsonDocument.Parse(texts[0]).RootElement.GetProperty("intakeSecretSet").GetBoolean());
        Assert.True(JsonDocument.Parse(texts[1]).RootElement.GetProperty("intakeSecretSet").GetBoolean());
        var listed = JsonDocument.Parse(texts[2]).RootElement.GetProperty("data").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "shopify");
        Assert.True(listed.GetProperty("intakeSecretSet").GetBoolean());
        var upserted = JsonDocument.Parse(texts[3]).RootElement.GetProperty("data").EnumerateArray()
            .Last(e => e.GetProperty("type").GetString() == "channel.upserted").GetProperty("data");
        Assert.True(upserted.GetProperty("intakeSecretSet").GetBoolean());
    }

    [Fact]
    public async Task Leaving_the_secret_out_keeps_it_and_null_clears_it()
    {
        using var admin = As(MatrixKeys.Admin);
        using var anonymous = As(null);
        using var reservations = As(MatrixKeys.Reservations);
        var n = await SeedAsync(admin, Secret);

        // A PUT without the field keeps the secret: deliveries must still be signed.
        var kept = await admin.Put("/v1/channels/shopify", new { name = "Shopify renamed", group = n.Group }).Expect(HttpStatusCode.OK);
        Assert.True(kept.GetProperty("intakeSecretSet").GetBoolean());
        var body = Order(n.Sku);
        await Deliver(reservations, body, null).Problem(HttpStatusCode.Unauthorized);
        await Deliver(anonymous, body, Signature(Secret, body)).Expect(HttpStatusCode.Created);

        // null clears it: a key is needed again, and a signature alone no longer lets a delivery in.
        var cleared = await admin.Put("/v1/channels/shopify", new { name = "Shopify", group = n.Group, intakeSecret = (string?)null }).Expect(HttpStatusCode.OK);
        Assert.False(cleared.GetProperty("intakeSecretSet").GetBoolean());
        Assert.False((await admin.Send(HttpMethod.Get, "/v1/channels/shopify").Expect(HttpStatusCode.OK)).GetProperty("intakeSecretSet").GetBoolean());
        var next = Order(n.Sku);
        var head = await admin.LedgerHeadAsync();
        await Deliver(anonymous, next, Signature(Secret, next)).Problem(HttpStatusCode.Unauthorized);
        Assert.Equal(head, await admin.LedgerHeadAsync());
        await Deliver(reservations, next, null).Expect(HttpStatusCode.Created);

        // An empty or non-string secret is refused, without repeating what was sent.
        var problem = await admin.Put("/v1/channels/shopify", new { name = "Shopify", group = n.Group, intakeSecret = "" }).Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("intakeSecret", out _), problem.ToString());
        await admin.Put("/v1/channels/shopify", new { name = "Shopify", group = n.Group, intakeSecret = 42 }).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Formats_that_do_not_sign_keep_needing_a_key()
    {
        using var admin = As(MatrixKeys.Admin);
        using var anonymous = As(null);
        await SeedAsync(admin, Secret);
        var body = Encoding.UTF8.GetBytes("""{"AmazonOrderId":"1-2","OrderItems":[]}""");
        await Deliver(anonymous, body, Signature(Secret, body), "amazon").Problem(HttpStatusCode.Unauthorized);
        await Deliver(anonymous, body, Signature(Secret, body), "walmart").Problem(HttpStatusCode.Unauthorized);
    }
}

public sealed class IntakeSignatureTests_Sqlite(KeyedMatrixSqliteServer server) : IntakeSignatureTests(server), IClassFixture<KeyedMatrixSqliteServer>;

public sealed class IntakeSignatureTests_Postgres(KeyedMatrixPostgresServer server) : IntakeSignatureTests(server), IClassFixture<KeyedMatrixPostgresServer>;
