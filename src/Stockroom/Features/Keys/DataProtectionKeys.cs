using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Stockroom.Storage;

namespace Stockroom.Features.Keys;

/// <summary>
/// Where the keys that protect admin cookies and anti-forgery tokens live: in the store, so that
/// every process on one database honours what any of them issued, and nothing is written under
/// the user profile. The key XML is kept as the framework hands it over — unencrypted, unless
/// <c>Stockroom:DataProtection:Certificate</c> names a certificate to encrypt it with — so whoever
/// can read the database can forge sessions: the database is the trust boundary.
/// </summary>
public static class DataProtectionKeys
{
    public const string ApplicationName = "Stockroom";

    public static IServiceCollection AddStoreDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var protection = services.AddDataProtection().SetApplicationName(ApplicationName);
        // As PersistKeysToDbContext does it: the repository needs the store, which only the container has.
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider =>
            new ConfigureOptions<KeyManagementOptions>(options => options.XmlRepository = new StoreXmlRepository(provider.GetRequiredService<IStockStore>())));
        if (configuration["Stockroom:DataProtection:Certificate"] is { Length: > 0 } path)
        {
            // A PKCS#12 file with its private key: it encrypts new keys and decrypts them again.
            X509Certificate2 certificate;
            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, configuration["Stockroom:DataProtection:CertificatePassword"]);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new SettingException($"Stockroom:DataProtection:Certificate: cannot read '{path}' as a PKCS#12 file: {exception.Message}", exception);
            }

            if (!certificate.HasPrivateKey)
            {
                throw new SettingException($"Stockroom:DataProtection:Certificate: '{path}' holds no private key, so keys it encrypts could not be read back.");
            }

            protection.ProtectKeysWithCertificate(certificate);
        }

        return services;
    }

    public static async Task<IReadOnlyList<(string FriendlyName, string Xml)>> ReadDataProtectionKeysAsync(this IStockStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.QueryAsync("SELECT friendly_name, xml FROM data_protection_keys ORDER BY created_at, friendly_name", _ => { },
            r => (r.GetString(0), r.GetString(1)), cancellationToken);
    }

    /// <summary>Stores a key unless one of that name is there: two processes starting at once may both try.</summary>
    public static async Task InsertDataProtectionKeyAsync(this IStockStore store, string friendlyName, string xml, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var write = await store.BeginWriteAsync(cancellationToken);
        await using var command = write.Command(
            "INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@name, @xml, @now) ON CONFLICT (friendly_name) DO NOTHING")
            .With("@name", friendlyName).With("@xml", xml).With("@now", write.Now);
        await write.ExecuteAsync(command, cancellationToken);
        await write.CommitAsync(cancellationToken);
    }
}

/// <summary>
/// The data-protection key ring's XML, kept in the store's <c>data_protection_keys</c> table. The
/// framework's interface is synchronous, so this blocks on the store; it is called seldom — at
/// start-up, when a key is added, when the ring is refreshed (about once a day) and when a payload
/// names a key this process does not hold shortly after start — so one thread waits on one query
/// that often, never on every request.
/// </summary>
public sealed class StoreXmlRepository(IStockStore store) : IXmlRepository
{
    /// <summary>How long reading or writing the ring may take before the request that needed it fails.</summary>
    public static readonly TimeSpan TimeoutMax = TimeSpan.FromSeconds(30);

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var timeout = new CancellationTokenSource(TimeoutMax);
        var rows = store.ReadDataProtectionKeysAsync(timeout.Token).GetAwaiter().GetResult();
        return [.. rows.Select(row => XElement.Parse(row.Xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        // The framework names keys "key-<guid>"; without a name, a fresh one keeps keys apart.
        var name = string.IsNullOrEmpty(friendlyName) ? $"key-{Guid.NewGuid():D}" : friendlyName;
        using var timeout = new CancellationTokenSource(TimeoutMax);
        store.InsertDataProtectionKeyAsync(name, element.ToString(SaveOptions.DisableFormatting), timeout.Token).GetAwaiter().GetResult();
    }
}
