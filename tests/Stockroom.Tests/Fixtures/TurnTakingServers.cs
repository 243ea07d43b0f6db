using Stockroom.Testing;

namespace Stockroom.Tests.Fixtures;

/// <summary>A server that answers one wide availability read at a time and lets none wait, so that a test can hold the only turn.</summary>
public sealed class OneWideReadSqliteServer : SqliteServer
{
    protected override IReadOnlyList<string> Settings => OneWideRead.Settings;
}

public sealed class OneWideReadPostgresServer : StockroomServer
{
    public override Storage.StoreKind Kind => Storage.StoreKind.Postgres;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();

    protected override IReadOnlyList<string> Settings => OneWideRead.Settings;
}

internal static class OneWideRead
{
    public static readonly IReadOnlyList<string> Settings = ["--Stockroom:Reads:ConcurrentMax", "1", "--Stockroom:Reads:QueueMax", "0"];
}
