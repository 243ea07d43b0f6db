using System.Net;
using Microsoft.AspNetCore.Html;

namespace Stockroom.Admin;

/// <summary>
/// The API's message for one field, beside the field: the paragraph a field's
/// <c>aria-describedby</c> names, so a screen reader reads the message with the field.
/// </summary>
public static class AdminFields
{
    /// <summary>The element id of a field's message; the API's field names (<c>lines[0].sku</c>) made safe for an id.</summary>
    public static string ErrorId(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return "error-" + string.Concat(field.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'));
    }

    /// <summary>The messages the outcome has for <paramref name="field"/>, or nothing.</summary>
    public static IHtmlContent Error(AdminOutcome? outcome, string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (outcome is null || !outcome.FieldErrors.TryGetValue(field, out var messages) || messages.Length == 0)
        {
            return HtmlString.Empty;
        }

        return new HtmlString($"<p class=\"field-error\" id=\"{ErrorId(field)}\">{WebUtility.HtmlEncode(string.Join(" ", messages))}</p>");
    }

    /// <summary>
    /// The value of a field's <c>aria-describedby</c> (its message's id) when the outcome has a message
    /// for it, else null, which Razor leaves out along with the attribute; <c>aria-invalid</c> is set the same way.
    /// </summary>
    public static string? DescribedBy(AdminOutcome? outcome, string field) =>
        outcome is not null && outcome.FieldErrors.ContainsKey(field) ? ErrorId(field) : null;

    public static string? Invalid(AdminOutcome? outcome, string field) => DescribedBy(outcome, field) is null ? null : "true";

    /// <summary>A new id for a form that creates something: sent again (a reload of the answer), it names the same thing, so nothing is created twice.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
