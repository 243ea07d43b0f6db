using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Stockroom.Features.Keys;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// An admin session lasts no longer than its key (issue 18): revoked here, the next page sends the
/// visitor to sign in; revoked through another process, within the key ring's memory. The keys
/// that sign sessions live in the store, so every server on it honours every other's cookies.
/// </summary>
public abstract class AdminSessionTests(StockroomServer server)
{
    private Uri Address => server.BaseAddress;

    private HttpClient Admin(Uri at)
    {
        var client = new HttpClient { BaseAddress = at };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MatrixKeys.Admin);
        return client;
    }

    private async Task<(string Id, string Secret)> CreateKeyAsync(params string[] scopes)
    {
        using var admin = Admin(Address);
        var id = Api.NewId("key");
        var created = await admin.Post("/v1/keys", new { id, scopes }).Expect(HttpStatusCode.Created);
        return (id, created.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task A_session_ends_at_once_when_its_key_is_revoked_through_the_same_server()
    {
        var (id, secret) = await CreateKeyAsync("read");
        var session = await AdminSession.SignInAsync(Address, secret);
        Assert.True(await AdminSession.ShowsAsync(Address, session));

        using var admin = Admin(Address);
        await admin.Send(HttpMethod.Delete, $"/v1/keys/{id}").Expect(HttpStatusCode.NoContent);

        using var after = await AdminSession.PageAsync(Address, session);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/admin/sign-in", after.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        // The cookie is cleared too, so the browser stops presenting it.
        Assert.Contains(after.Headers.GetValues("Set-Cookie"), c => c.StartsWith(AdminSession.CookieName + "=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_ends_within_the_key_rings_memory_when_another_server_revokes_its_key()
    {
        var (id, secret) = await CreateKeyAsync("inventory:write");
        var session = await AdminSession.SignInAsync(Address, secret);
        Assert.True(await AdminSession.ShowsAsync(Address, session));

        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            using var admin = Admin(otherClient.BaseAddress!);
            await admin.Send(HttpMethod.Delete, $"/v1/keys/{id}").Expect(HttpStatusCode.NoContent);

            // This server remembers the key for at most KeyRing.TimeToLive; the other server already refuses it.
            Assert.True(await AdminSession.ShowsAsync(Address, session));
            Assert.False(await AdminSession.ShowsAsync(otherClient.BaseAddress!, session));
            server.Time.Advance(KeyRing.TimeToLive + TimeSpan.FromSeconds(1));
            Assert.False(await AdminSession.ShowsAsync(Address, session));
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_session_with_a_configured_key_lasts_while_the_key_is_configured()
    {
        var session = await AdminSession.SignInAsync(Address, MatrixKeys.Read);
        server.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await AdminSession.ShowsAsync(Address, session));

        // A key bound to a channel may not use the pages, and is told so.
        using var refused = await AdminSession.PostAsync(Address, MatrixKeys.WebA);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.DoesNotContain(refused.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith(AdminSession.CookieName + "=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_configured_keys_sessions_end_when_its_entry_holds_another_secret()
    {
        static IConfiguration Configured(string key) =>
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Stockroom:ApiKeys:0:Key"] = key,
                ["Stockroom:ApiKeys:0:Scopes"] = "read",
            }).Build();

        const string Old = "k-old-read-0123456789abcdef";
        var before = KeyRing.From(Configured(Old), server.Store, server.Time);
        var rotated = KeyRing.From(Configured("k-new-read-0123456789abcdef"), server.Store, server.Time);
        Assert.NotNull(await before.FindByIdAsync("config:0", KeyRing.Digest(Old), CancellationToken.None));
        Assert.Null(await rotated.FindByIdAsync("config:0", KeyRing.Digest(Old), CancellationToken.None));
    }

    [Fact]
    public async Task A_cookie_and_an_anti_forgery_token_issued_by_one_server_are_honoured_by_another_on_the_same_store()
    {
        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            var second = otherClient.BaseAddress!;
            // The form comes from the second server and is posted to the first.
            var session = await AdminSession.SignInAsync(Address, MatrixKeys.Read, formFrom: second);
            Assert.True(await AdminSession.ShowsAsync(second, session));
            Assert.True(await AdminSession.ShowsAsync(Address, session));
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }
    }

    [Fact]
    public async Task Data_protection_keys_are_kept_in_the_store_and_never_under_the_user_profile()
    {
        await AdminSession.SignInAsync(Address, MatrixKeys.Read);

        var repository = server.Service<IOptions<KeyManagementOptions>>().Value.XmlRepository;
        Assert.IsType<StoreXmlRepository>(repository);
        var stored = await server.Store.ReadDataProtectionKeysAsync(CancellationToken.None);
        Assert.NotEmpty(stored);
        Assert.All(stored, key => Assert.StartsWith("<key ", key.Xml, StringComparison.Ordinal));

        // Where the framework would otherwise have put them: none of these keys is there.
        var profile = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aspnet", "DataProtection-Keys");
        Assert.All(stored, key => Assert.False(File.Exists(Path.Combine(profile, key.FriendlyName + ".xml")), $"{key.FriendlyName} was written under {profile}"));
    }
}

public sealed class AdminSessionTests_Sqlite(KeyedMatrixSqliteServer server) : AdminSessionTests(server), IClassFixture<KeyedMatrixSqliteServer>;

public sealed class AdminSessionTests_Postgres(KeyedMatrixPostgresServer server) : AdminSessionTests(server), IClassFixture<KeyedMatrixPostgresServer>;

/// <summary>With <c>Stockroom:DataProtection:Certificate</c> set, the keys in the store are encrypted, and another server with the certificate reads them.</summary>
public sealed class DataProtectionCertificateTests(CertificateProtectedSqliteServer server) : IClassFixture<CertificateProtectedSqliteServer>
{
    [Fact]
    public async Task Keys_are_stored_encrypted_with_the_certificate_and_another_server_with_it_honours_the_cookie()
    {
        var session = await AdminSession.SignInAsync(server.BaseAddress, MatrixKeys.Read);
        var stored = await server.Store.ReadDataProtectionKeysAsync(CancellationToken.None);
        Assert.NotEmpty(stored);
        Assert.All(stored, key =>
        {
            Assert.Contains("EncryptedData", key.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", key.Xml, StringComparison.Ordinal);
        });

        var (other, otherClient) = await server.StartAnotherAsync();
        try
        {
            Assert.True(await AdminSession.ShowsAsync(otherClient.BaseAddress!, session));
        }
        finally
        {
            otherClient.Dispose();
            await other.StopAsync();
            await other.DisposeAsync();
        }
    }
}
