using Stockroom.Storage;
using Xunit;

namespace Stockroom.Testing;

/// <summary>
/// A running Stockroom server over one database, whichever way it runs: in the test's own process
/// (<see cref="StockroomServer"/>, with fake time) or as the real <c>stockroom</c> executable in a
/// process of its own (<see cref="StockroomProcess"/>, which can also be killed and started again).
/// </summary>
public interface IStockroomServer : IAsyncDisposable
{
    /// <summary>A client for the server's HTTP API, addressed to it.</summary>
    HttpClient Client { get; }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:41234/</c>; a restart may move it.</summary>
    Uri BaseAddress { get; }

    /// <summary>The database the server runs on.</summary>
    string ConnectionString { get; }

    StoreKind Kind { get; }

    /// <summary>Runs <c>stockroom verify</c> over the server's database; returns its exit code and what it printed.</summary>
    Task<(int ExitCode, string Output)> VerifyLedgerAsync(CancellationToken cancellationToken = default);
}

public static class StockroomServerAssertions
{
    /// <summary>Asserts that <c>stockroom verify</c> passes: the chain is whole and rebuilds every stored position.</summary>
    public static async Task AssertLedgerVerifiesAsync(this IStockroomServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var (exit, output) = await server.VerifyLedgerAsync();
        Assert.True(exit == 0, output);
    }
}
