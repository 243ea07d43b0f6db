using Stockroom.Testing;

namespace Stockroom.Tests.Fixtures;

/// <summary>The matrix keys with a tiny rate limit (a burst of three, then one a second), on PostgreSQL.</summary>
public sealed class RateLimitedPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override IReadOnlyList<string> Settings =>
    [
        .. MatrixKeys.Settings,
        "--Stockroom:RateLimit:RequestsPerSecond", "1", "--Stockroom:RateLimit:Burst", "3",
    ];

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
}

/// <summary>The storefront origins the CORS tests allow; any other origin is refused.</summary>
public static class StorefrontOrigins
{
    public const string Shop = "https://shop.example.com";
    public const string Other = "https://elsewhere.example.net";

    public static IReadOnlyList<string> Settings => ["--Stockroom:Cors:Origins:0", Shop, "--Stockroom:Cors:Origins:1", "http://localhost:3000"];
}

/// <summary>A server that lets the storefront origins read availability from browsers.</summary>
public sealed class CorsSqliteServer : SqliteServer
{
    protected override IReadOnlyList<string> Settings => StorefrontOrigins.Settings;
}

public sealed class CorsPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override IReadOnlyList<string> Settings => StorefrontOrigins.Settings;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
}

/// <summary>The same origins may also hold carts: <c>Stockroom:Cors:AllowWrites</c>.</summary>
public sealed class CorsWritesSqliteServer : SqliteServer
{
    protected override IReadOnlyList<string> Settings => [.. StorefrontOrigins.Settings, "--Stockroom:Cors:AllowWrites", "true"];
}

public sealed class CorsWritesPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override IReadOnlyList<string> Settings => [.. StorefrontOrigins.Settings, "--Stockroom:Cors:AllowWrites", "true"];

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
}
