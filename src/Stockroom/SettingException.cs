namespace Stockroom;

/// <summary>
/// A setting the server cannot run with: a key too short, a limit out of range, a connection string
/// it cannot read. Thrown while the server starts, and told to the operator in one line naming the
/// setting, with its own exit code, rather than as a stack trace.
/// </summary>
public sealed class SettingException(string message, Exception? innerException = null) : InvalidOperationException(message, innerException);
