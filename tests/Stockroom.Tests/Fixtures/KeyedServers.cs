using Stockroom.Testing;

namespace Stockroom.Tests.Fixtures;

/// <summary>The keys of the scope × channel matrix, from configuration. Channel keys are bound to "web-a" and "web-b".</summary>
public static class MatrixKeys
{
    public const string Admin = "k-admin-0123456789abcdef";
    public const string Inventory = "k-inventory-0123456789ab";
    public const string Reservations = "k-reservations-01234567";
    public const string Read = "k-read-0123456789abcdef";
    public const string WebA = "k-web-a-0123456789abcde";
    public const string WebB = "k-web-b-0123456789abcde";

    public static IReadOnlyList<string> Settings =>
    [
        "--Stockroom:ApiKeys:0:Key", Admin, "--Stockroom:ApiKeys:0:Scopes", "admin",
        "--Stockroom:ApiKeys:1:Key", Inventory, "--Stockroom:ApiKeys:1:Scopes", "inventory:write",
        "--Stockroom:ApiKeys:2:Key", Reservations, "--Stockroom:ApiKeys:2:Scopes", "reservations:write",
        "--Stockroom:ApiKeys:3:Key", Read, "--Stockroom:ApiKeys:3:Scopes", "read",
        "--Stockroom:ApiKeys:4:Key", WebA, "--Stockroom:ApiKeys:4:Scopes", "reservations:write", "--Stockroom:ApiKeys:4:Channel", "web-a",
        "--Stockroom:ApiKeys:5:Key", WebB, "--Stockroom:ApiKeys:5:Scopes", "reservations:write", "--Stockroom:ApiKeys:5:Channel", "web-b",
    ];
}

/// <summary>A server with API keys configured: the admin pages ask for one.</summary>
public sealed class KeyedSqliteServer : SqliteServer
{
    public const string AdminKey = "sr-admin-0123456789abcdef";
    public const string ReadKey = "sr-read-0123456789abcdef";

    protected override IReadOnlyList<string> Settings =>
    [
        "--Stockroom:ApiKeys:0:Key", AdminKey, "--Stockroom:ApiKeys:0:Scopes", "admin",
        "--Stockroom:ApiKeys:1:Key", ReadKey, "--Stockroom:ApiKeys:1:Scopes", "read",
    ];
}

public sealed class KeyedMatrixSqliteServer : SqliteServer
{
    protected override IReadOnlyList<string> Settings => MatrixKeys.Settings;
}

public sealed class KeyedMatrixPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override IReadOnlyList<string> Settings => MatrixKeys.Settings;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
}

/// <summary>A keyed server with a tiny rate limit: a burst of three, then one request a second.</summary>
public sealed class RateLimitedServer : SqliteServer
{
    protected override IReadOnlyList<string> Settings =>
    [
        .. MatrixKeys.Settings,
        "--Stockroom:RateLimit:RequestsPerSecond", "1", "--Stockroom:RateLimit:Burst", "3",
    ];
}

/// <summary>A keyed server that lets one address present five keys not in force at once, then six a minute.</summary>
public sealed class FailedAuthLimitedSqliteServer : SqliteServer
{
    protected override IReadOnlyList<string> Settings => [.. MatrixKeys.Settings, .. FailedAuthLimits.Settings];
}

public sealed class FailedAuthLimitedPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override IReadOnlyList<string> Settings => [.. MatrixKeys.Settings, .. FailedAuthLimits.Settings];

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
}

public static class FailedAuthLimits
{
    public const int Burst = 5;
    public const int PerMinute = 6;

    public static IReadOnlyList<string> Settings =>
    [
        "--Stockroom:RateLimit:FailedAuthBurst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--Stockroom:RateLimit:FailedAuthPerMinute", PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];
}

/// <summary>A keyed server whose data-protection keys are encrypted with a self-signed certificate made for it.</summary>
public sealed class CertificateProtectedSqliteServer : SqliteServer
{
    public static readonly string CertificatePath = CreateCertificate();

    protected override IReadOnlyList<string> Settings =>
    [
        .. MatrixKeys.Settings,
        "--Stockroom:DataProtection:Certificate", CertificatePath, "--Stockroom:DataProtection:CertificatePassword", "test-only",
    ];

    private static string CreateCertificate()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=stockroom-test-data-protection", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(Path.GetTempPath(), $"stockroom-test-dp-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "test-only"));
        return path;
    }
}
