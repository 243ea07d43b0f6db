using System.Globalization;

namespace Stockroom.Admin;

/// <summary>Durations and moments as people read them: "13 min", "2 h 5 min", "3 d", "13 min ago".</summary>
public static class AdminText
{
    public static string Duration(TimeSpan span)
    {
        var length = span.Duration();
        return length switch
        {
            { TotalSeconds: < 1 } => "0 s",
            { TotalMinutes: < 1 } => $"{(int)length.TotalSeconds} s",
            { TotalHours: < 1 } => $"{(int)length.TotalMinutes} min",
            { TotalDays: < 1 } => length.Minutes == 0 ? $"{(int)length.TotalHours} h" : $"{(int)length.TotalHours} h {length.Minutes} min",
            { TotalDays: < 7 } => length.Hours == 0 ? $"{(int)length.TotalDays} d" : $"{(int)length.TotalDays} d {length.Hours} h",
            _ => $"{(int)length.TotalDays} d",
        };
    }

    /// <summary>"13 min ago", "in 2 h 5 min", or "now".</summary>
    public static string Relative(DateTimeOffset at, DateTimeOffset now)
    {
        var span = at - now;
        return Math.Abs(span.TotalSeconds) < 1 ? "now" : span < TimeSpan.Zero ? $"{Duration(span)} ago" : $"in {Duration(span)}";
    }

    /// <summary>A moment for a table cell: the relative time, with the exact UTC time for a tooltip and machines.</summary>
    public static Microsoft.AspNetCore.Html.IHtmlContent Moment(DateTimeOffset at, DateTimeOffset now) =>
        new Microsoft.AspNetCore.Html.HtmlString(string.Create(CultureInfo.InvariantCulture,
            $"<time datetime=\"{at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\" title=\"{at.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC\">{System.Net.WebUtility.HtmlEncode(Relative(at, now))}</time>"));

    /// <summary>"3 × SKU-1" and what follows it, the SKU linking to its page.</summary>
    public static Microsoft.AspNetCore.Html.IHtmlContent Line(long quantity, string sku, string after = "")
    {
        ArgumentNullException.ThrowIfNull(sku);
        var encoded = System.Net.WebUtility.HtmlEncode(sku);
        return new Microsoft.AspNetCore.Html.HtmlString(string.Create(CultureInfo.InvariantCulture,
            $"{quantity} × <a href=\"/admin/items/{Uri.EscapeDataString(sku)}\">{encoded}</a>{System.Net.WebUtility.HtmlEncode(after)}"));
    }

    /// <summary>
    /// What a page shows on the GET after a form's redirect: what was done, as a polite status; what
    /// was refused, as an alert that is read out at once.
    /// </summary>
    public static Microsoft.AspNetCore.Html.IHtmlContent Flash(string? message, string? refusal = null) => new Microsoft.AspNetCore.Html.HtmlString(
        (message is null ? "" : $"<p class=\"flash\" role=\"status\" id=\"message\">{System.Net.WebUtility.HtmlEncode(message)}</p>")
        + (refusal is null ? "" : $"<p class=\"flash failed\" role=\"alert\" id=\"refusal\">{System.Net.WebUtility.HtmlEncode(refusal)}</p>"));

    /// <summary>Lines one after the other, separated by commas.</summary>
    public static Microsoft.AspNetCore.Html.IHtmlContent Joined(IEnumerable<Microsoft.AspNetCore.Html.IHtmlContent> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var builder = new Microsoft.AspNetCore.Html.HtmlContentBuilder();
        var first = true;
        foreach (var line in lines)
        {
            if (!first)
            {
                builder.AppendHtml(", ");
            }

            builder.AppendHtml(line);
            first = false;
        }

        return builder;
    }
}
