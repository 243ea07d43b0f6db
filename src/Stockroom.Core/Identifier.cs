namespace Stockroom.Core;

/// <summary>
/// Identifiers are 1–64 characters of <c>[A-Za-z0-9._:-]</c>: safe in URLs, file names and
/// log lines without escaping, and compared ordinally (case matters).
/// </summary>
public static class Identifier
{
    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > Limits.IdentifierLengthMax)
        {
            return false;
        }

        foreach (var c in value)
        {
            var allowed = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-';
            if (!allowed)
            {
                return false;
            }
        }

        return true;
    }
}
