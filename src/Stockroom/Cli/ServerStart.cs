using System.Data.Common;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Stockroom.Cli;

/// <summary>
/// Runs the server. The failures an operator can put right — a setting refused, a port already
/// taken, a store that does not answer — end with one line on standard error that says what and
/// where, and an exit code a supervisor can act on, not a stack trace.
/// </summary>
public static class ServerStart
{
    /// <summary>A setting is wrong (sysexits' EX_CONFIG): restarting will not help until it is changed.</summary>
    public const int ExitSettings = 78;

    /// <summary>The port or the store is not available (sysexits' EX_UNAVAILABLE): a restart later may succeed.</summary>
    public const int ExitUnavailable = 69;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            await using var app = StockroomApp.Build(args);
            await StockroomApp.PrepareAsync(app, CancellationToken.None);
            try
            {
                await app.StartAsync();
            }
            catch
            {
                // The workers started before the listener failed: stopped, they end quietly
                // instead of each reporting its cancellation as a fault.
                await app.StopAsync();
                throw;
            }

            await app.WaitForShutdownAsync();
            return 0;
        }
        catch (SettingException exception)
        {
            return Fail(exception.Message, ExitSettings);
        }
        catch (IOException exception) when (exception.InnerException is AddressInUseException or SocketException)
        {
            return Fail($"cannot listen: {exception.Message}", ExitUnavailable);
        }
        catch (Exception exception) when (exception is DbException or TimeoutException or SocketException)
        {
            return Fail($"the store cannot be reached: {exception.Message}", ExitUnavailable);
        }
    }

    private static int Fail(string message, int exitCode)
    {
        Console.Error.WriteLine($"stockroom: {message}");
        return exitCode;
    }
}
