namespace Stockroom.Core;

/// <summary>
/// Thrown when a rule that protects stock would be broken. It stops the operation before
/// anything is written: a refused request is better than a corrupt ledger.
/// </summary>
public sealed class InvariantViolationException(string message) : Exception(message);

/// <summary>
/// Always-on checks. <c>Debug.Assert</c> vanishes from Release builds, and the invariants that
/// guard stock must hold in production most of all.
/// </summary>
public static class Invariant
{
    public static void Require(bool condition, string rule)
    {
        if (!condition)
        {
            throw new InvariantViolationException(rule);
        }
    }
}
