using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Stockroom.Admin;

/// <summary>One line or set of bars of a chart: its name in the legend, its colour, and a value per point of the x axis.</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<long> Values);

/// <summary>
/// Charts drawn on the server as inline SVG: no script and nothing fetched. Each has axes with tick
/// labels, a legend, <c>role="img"</c> with a title and a description that states what it shows, and
/// its numbers in a table under a <c>&lt;details&gt;</c>, so that a screen reader (or anyone who would
/// rather read) has the data itself. Every series is a <c>g.series</c> carrying its name and its
/// number of points, which is what tests count.
/// </summary>
public static class Charts
{
    /// <summary>Points one chart draws at most; callers bound their reads to this.</summary>
    public const int PointsMax = 1_000;

    // Drawn in a 640 × 220 box that scales to the width it is given (the page's or a phone's).
    private const double Width = 640, Height = 220, Left = 52, Right = 12, Top = 12, Bottom = 30;
    private const double PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    // Round steps for the y axis (times a power of ten) and for time ticks (in minutes, a minute to a month).
    private static readonly double[] NiceSteps = [1, 2, 2.5, 5, 10];
    private static readonly int[] TimeStepsMinutes = [1, 5, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 43200];

    /// <summary>Colours with at least 3:1 contrast on white, told apart also by the legend's order and the data table.</summary>
    public static class Palette
    {
        public const string Blue = "#1f45c7";
        public const string Orange = "#b54708";
        public const string Green = "#067647";
        public const string Red = "#b42318";
    }

    /// <summary>
    /// Values over time, as steps (a value holds until the next point: stock) or straight lines.
    /// <paramref name="at"/> gives the moment of each point, oldest first; every series has one value per moment.
    /// </summary>
    public static IHtmlContent OverTime(string id, string title, IReadOnlyList<DateTimeOffset> at, IReadOnlyList<ChartSeries> series, bool step = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(at);
        ArgumentNullException.ThrowIfNull(series);
        Core.Invariant.Require(series.All(s => s.Values.Count == at.Count), "every series has a value per point of the x axis");
        Core.Invariant.Require(at.Count <= PointsMax, "a chart draws a bounded number of points");
        if (at.Count == 0)
        {
            return Empty(id, title);
        }

        var first = at[0];
        var span = Math.Max(1, (at[^1] - first).TotalSeconds);
        double X(DateTimeOffset moment) => Left + ((moment - first).TotalSeconds / span * PlotWidth);
        var (max, ticks) = Scale(series);
        double Y(long value) => Top + PlotHeight - (value / (double)max * PlotHeight);

        var svg = new StringBuilder();
        Open(svg, id, title, Describe(title, at.Count, series, at[0], at[^1]));
        YAxis(svg, ticks, Y);
        var wide = span > 2 * 86_400;
        foreach (var tick in TimeTicks(first, at[^1]))
        {
            var label = wide ? tick.UtcDateTime.ToString("MMM d", CultureInfo.InvariantCulture) : tick.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);
            XTick(svg, X(tick), label);
        }

        foreach (var s in series)
        {
            var path = new StringBuilder();
            for (var i = 0; i < at.Count; i++)
            {
                var (x, y) = (X(at[i]), Y(s.Values[i]));
                path.Append(i == 0 ? FormattableString.Invariant($"M{x:F1},{y:F1}") : step ? FormattableString.Invariant($" H{x:F1} V{y:F1}") : FormattableString.Invariant($" L{x:F1},{y:F1}"));
            }

            svg.Append(CultureInfo.InvariantCulture,
                $"<g class=\"series\" data-series=\"{Encode(s.Name)}\" data-points=\"{s.Values.Count}\"><path d=\"{path}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\"/></g>");
        }

        svg.Append("</svg>");
        return Figure(id, title, svg, series, [.. at.Select(a => a.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))], "At (UTC)");
    }

    /// <summary>Values per category (an hour, a day), as bars side by side; categories in the order given.</summary>
    public static IHtmlContent Bars(string id, string title, string categoryHeader, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series, int labelEvery = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(series);
        Core.Invariant.Require(series.All(s => s.Values.Count == categories.Count), "every series has a value per category");
        Core.Invariant.Require(categories.Count <= PointsMax, "a chart draws a bounded number of bars");
        if (categories.Count == 0)
        {
            return Empty(id, title);
        }

        var (max, ticks) = Scale(series);
        double Y(long value) => Top + PlotHeight - (value / (double)max * PlotHeight);
        var slot = PlotWidth / categories.Count;
        var bar = slot * 0.8 / series.Count;
        var svg = new StringBuilder();
        Open(svg, id, title, Describe(title, categories.Count, series, null, null, categories[0], categories[^1]));
        YAxis(svg, ticks, Y);
        for (var i = 0; i < categories.Count; i += Math.Max(1, labelEvery))
        {
            XTick(svg, Left + (slot * (i + 0.5)), categories[i]);
        }

        for (var j = 0; j < series.Count; j++)
        {
            var s = series[j];
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"series\" data-series=\"{Encode(s.Name)}\" data-points=\"{s.Values.Count}\" fill=\"{s.Color}\">");
            for (var i = 0; i < categories.Count; i++)
            {
                var y = Y(s.Values[i]);
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{Left + (slot * i) + (slot * 0.1) + (bar * j):F1}\" y=\"{y:F1}\" width=\"{Math.Max(0.5, bar - 0.5):F1}\" height=\"{Top + PlotHeight - y:F1}\"/>");
            }

            svg.Append("</g>");
        }

        svg.Append("</svg>");
        return Figure(id, title, svg, series, categories, categoryHeader);
    }

    private static IHtmlContent Empty(string id, string title) =>
        new HtmlString($"<figure class=\"chart\" id=\"{Encode(id)}\"><figcaption>{Encode(title)}</figcaption><p class=\"muted\">Nothing to draw yet.</p></figure>");

    private static void Open(StringBuilder svg, string id, string title, string description) =>
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg viewBox=\"0 0 {Width} {Height}\" width=\"100%\" role=\"img\" aria-labelledby=\"{Encode(id)}-title {Encode(id)}-desc\" font-size=\"11\" font-family=\"system-ui, sans-serif\">" +
            $"<title id=\"{Encode(id)}-title\">{Encode(title)}</title><desc id=\"{Encode(id)}-desc\">{Encode(description)}</desc>" +
            $"<line x1=\"{Left}\" y1=\"{Top + PlotHeight}\" x2=\"{Width - Right}\" y2=\"{Top + PlotHeight}\" stroke=\"#5d6678\"/>" +
            $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + PlotHeight}\" stroke=\"#5d6678\"/>");

    private static void YAxis(StringBuilder svg, IReadOnlyList<long> ticks, Func<long, double> y)
    {
        svg.Append("<g class=\"y-axis\">");
        foreach (var tick in ticks)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{Left}\" y1=\"{y(tick):F1}\" x2=\"{Width - Right}\" y2=\"{y(tick):F1}\" stroke=\"#e4e7ec\"/>" +
                $"<text x=\"{Left - 6}\" y=\"{y(tick) + 4:F1}\" text-anchor=\"end\" fill=\"#5d6678\">{tick.ToString("N0", CultureInfo.InvariantCulture)}</text>");
        }

        svg.Append("</g>");
    }

    private static void XTick(StringBuilder svg, double x, string label) =>
        svg.Append(CultureInfo.InvariantCulture,
            $"<g class=\"x-tick\"><line x1=\"{x:F1}\" y1=\"{Top + PlotHeight}\" x2=\"{x:F1}\" y2=\"{Top + PlotHeight + 4}\" stroke=\"#5d6678\"/>" +
            $"<text x=\"{x:F1}\" y=\"{Height - 10}\" text-anchor=\"middle\" fill=\"#5d6678\">{Encode(label)}</text></g>");

    /// <summary>The top of the y axis, a round number above every value, and four or five ticks up to it from zero.</summary>
    private static (long Max, IReadOnlyList<long> Ticks) Scale(IReadOnlyList<ChartSeries> series)
    {
        var highest = Math.Max(1, series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        var rough = highest / 4.0;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = (long)Math.Max(1, NiceSteps.Select(m => m * magnitude).First(s => s >= rough));
        var max = (long)Math.Ceiling(highest / (double)step) * step;
        var ticks = new List<long>();
        for (var t = 0L; t <= max; t += step)
        {
            ticks.Add(t);
        }

        return (max, ticks);
    }

    /// <summary>About five moments on round hours or days between the first and the last.</summary>
    private static IEnumerable<DateTimeOffset> TimeTicks(DateTimeOffset first, DateTimeOffset last)
    {
        var span = last - first;
        if (span <= TimeSpan.Zero)
        {
            yield return first;
            yield break;
        }

        var steps = TimeStepsMinutes.Select(m => TimeSpan.FromMinutes(m));
        var step = steps.FirstOrDefault(s => span / s <= 6, TimeSpan.FromDays(30));
        var start = new DateTimeOffset((first.UtcTicks + step.Ticks - 1) / step.Ticks * step.Ticks, TimeSpan.Zero);
        for (var tick = start; tick <= last; tick += step)
        {
            yield return tick;
        }
    }

    private static string Describe(string title, int count, IReadOnlyList<ChartSeries> series, DateTimeOffset? from, DateTimeOffset? to,
        string? firstCategory = null, string? lastCategory = null)
    {
        var range = from is { } f && to is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"from {f.UtcDateTime:yyyy-MM-dd HH:mm} to {t.UtcDateTime:yyyy-MM-dd HH:mm} UTC")
            : $"from {firstCategory} to {lastCategory}";
        var latest = string.Join(", ", series.Select(s => $"{s.Name} {s.Values[^1].ToString("N0", CultureInfo.InvariantCulture)}"));
        return $"{title}: {count} points {range}. Last values: {latest}. The numbers are in the table that follows.";
    }

    private static IHtmlContent Figure(string id, string title, StringBuilder svg, IReadOnlyList<ChartSeries> series, IReadOnlyList<string> rows, string rowHeader)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<figure class=\"chart\" id=\"{Encode(id)}\"><figcaption>{Encode(title)}</figcaption>");
        html.Append(svg);
        html.Append("<ul class=\"legend\">");
        foreach (var s in series)
        {
            html.Append(CultureInfo.InvariantCulture, $"<li><span class=\"swatch\" style=\"background:{s.Color}\" aria-hidden=\"true\"></span>{Encode(s.Name)}</li>");
        }

        html.Append("</ul>");
        html.Append(CultureInfo.InvariantCulture,
            $"<details><summary>{Encode(title)}: the numbers ({rows.Count} rows)</summary><div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{Encode(title)} data\"><table class=\"chart-data\">");
        html.Append(CultureInfo.InvariantCulture, $"<thead><tr><th scope=\"col\">{Encode(rowHeader)}</th>");
        foreach (var s in series)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th scope=\"col\" class=\"n\">{Encode(s.Name)}</th>");
        }

        html.Append("</tr></thead><tbody>");
        for (var i = 0; i < rows.Count; i++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{Encode(rows[i])}</th>");
            foreach (var s in series)
            {
                html.Append(CultureInfo.InvariantCulture, $"<td class=\"n\">{s.Values[i]}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table></div></details></figure>");
        return new HtmlString(html.ToString());
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
