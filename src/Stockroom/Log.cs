namespace Stockroom;

/// <summary>Structured log messages with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Stockroom store: {Kind} ({Target})")]
    public static partial void StoreSelected(ILogger logger, string kind, string target);

    [LoggerMessage(2, LogLevel.Warning, "No API key exists: Stockroom is running OPEN and accepts every request from anyone. Configure Stockroom:ApiKeys or create a key with POST /v1/keys before exposing it.")]
    public static partial void RunningOpen(ILogger logger);

    [LoggerMessage(3, LogLevel.Information, "Migrations applied in {ElapsedMs} ms")]
    public static partial void Migrated(ILogger logger, long elapsedMs);

    [LoggerMessage(4, LogLevel.Information, "Released {Count} reservations that expired while the server was down")]
    public static partial void ExpiredAtStart(ILogger logger, int count);

    [LoggerMessage(10, LogLevel.Error, "Refused a change that would break a stock invariant: {Rule}")]
    public static partial void InvariantRefused(ILogger logger, string rule);

    [LoggerMessage(12, LogLevel.Error, "Could not record {Count} intake deliveries in the audit trail; the marketplace was answered as if they were")]
    public static partial void IntakeDeliveriesUnrecorded(ILogger logger, int count, Exception exception);

    [LoggerMessage(11, LogLevel.Error, "Unexpected failure while handling a request")]
    public static partial void Unexpected(ILogger logger, Exception exception);

    [LoggerMessage(61, LogLevel.Information, "Ended the admin session of key {KeyId}: the key is revoked, no longer configured, or no longer allowed the admin pages")]
    public static partial void SessionEnded(ILogger logger, string keyId);
}
