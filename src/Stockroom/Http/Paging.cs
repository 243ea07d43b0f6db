using System.Globalization;
using System.Text.Json.Serialization;
using Stockroom.Core;

namespace Stockroom.Http;

/// <summary>
/// One page of a list: every list endpoint answers <c>{ data, next }</c>. <c>next</c> is an opaque
/// cursor, a string, to pass back as <c>after</c> for the following page; null on the last page (written
/// out, not left out, so that a client can tell the last page from an old shape).
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Data, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next);

/// <summary>Keyset paging: <c>after</c> the last id seen, at most <c>limit</c> rows.</summary>
public static class Paging
{
    public static (Validation Validation, int Size) Validate(string? after, int? limit)
    {
        var validation = new Validation();
        validation.Identifier("after", after, required: false);
        validation.Range("limit", limit, 1, Limits.PageSizeMax, required: false);
        return (validation, limit ?? Limits.PageSizeDefault);
    }

    /// <summary>The same for lists cursored by a sequence number: <c>after</c> is the digits of the last one seen.</summary>
    public static (Validation Validation, long After, int Size) ValidateSequence(string? after, int? limit)
    {
        var validation = new Validation();
        long sequence = 0;
        if (after is not null && !long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out sequence))
        {
            validation.Add("after", "must be the next cursor of a previous page (a sequence number)");
        }

        validation.Range("limit", limit, 1, Limits.PageSizeMax, required: false);
        return (validation, sequence, limit ?? Limits.PageSizeDefault);
    }

    /// <summary>A full page may have more behind it: its last row's cursor is <c>next</c>.</summary>
    public static Page<T> Page<T>(IReadOnlyList<T> rows, int size, Func<T, string> id) =>
        new(rows, Next(rows, size, id));

    public static string? Next<T>(IReadOnlyList<T> rows, int size, Func<T, string> id)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(id);
        return rows.Count == size && rows.Count > 0 ? id(rows[^1]) : null;
    }

    public static string Cursor(long sequence) => sequence.ToString(CultureInfo.InvariantCulture);
}
