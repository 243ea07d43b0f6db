using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Stockroom.Admin;

/// <summary>
/// One admin form's fields and the messages beside them. A form posts plain text; the page turns it
/// into the API's request (a value that is not a number is refused here, as the API refuses JSON
/// that is not one), calls the API's own handler, and shows each message of its problem+json beside
/// the field it names. Messages for fields the form does not show are listed at its foot, so none is lost.
/// </summary>
public sealed class FormFields
{
    private readonly Dictionary<string, List<string>> _errors;
    private readonly HashSet<string> _shown;
    private readonly string _namePrefix;
    private readonly string? _messageIdPrefix;

    /// <param name="idPrefix">Prefixes element ids, so that two forms on one page never share one.</param>
    /// <param name="messageIdPrefix">
    /// When given, a field's message is named after the API's field it is about, made safe for an id
    /// (<c>error-lines-1--quantity</c> for <c>lines[1].quantity</c>), rather than after its element
    /// (<c>transfer-id-error</c>); forms whose fields are the API's own names use it.
    /// </param>
    public FormFields(string idPrefix, string? messageIdPrefix = null)
        : this(idPrefix, "", messageIdPrefix, new(StringComparer.OrdinalIgnoreCase), new(StringComparer.OrdinalIgnoreCase))
    {
    }

    private FormFields(string idPrefix, string namePrefix, string? messageIdPrefix, Dictionary<string, List<string>> errors, HashSet<string> shown)
    {
        IdPrefix = idPrefix;
        _namePrefix = namePrefix;
        _messageIdPrefix = messageIdPrefix;
        _errors = errors;
        _shown = shown;
    }

    /// <summary>Prefixes element ids, so that two forms on one page never share one.</summary>
    public string IdPrefix { get; }

    /// <summary>
    /// The fields of one entry of a list the form posts (a transfer's <c>lines[2]</c>): their ids start
    /// with <paramref name="idPrefix"/>, their names and the API fields they show with
    /// <paramref name="namePrefix"/>. They share this form's messages; its summary stays with the form.
    /// </summary>
    public FormFields Part(string idPrefix, string namePrefix) => new(idPrefix, _namePrefix + namePrefix, _messageIdPrefix, _errors, _shown);

    /// <summary>A new id for a form that creates something: sent again (a reload of the answer), it names the same thing, so nothing is created twice.</summary>
    public static string NewId(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
    }

    /// <summary>The API's title and detail when it refused the form.</summary>
    public string? Message { get; private set; }

    public bool Failed => Message is not null || _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>Takes the refusal of an API handler: its message and the messages per field.</summary>
    public void Take(AdminOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Succeeded)
        {
            return;
        }

        Message = outcome.Message;
        foreach (var (field, messages) in outcome.FieldErrors)
        {
            foreach (var message in messages)
            {
                Add(field, message);
            }
        }
    }

    /// <summary>
    /// Takes an API handler's answer to this form: true when it succeeded; when it refused, its
    /// message and its messages per field become the form's.
    /// </summary>
    public bool Accepted(IResult result)
    {
        var outcome = AdminOutcome.From(result, "");
        Take(outcome);
        return outcome.Succeeded;
    }

    /// <summary>
    /// A create form sent through the API's PUT, which would replace what it names: an id already
    /// taken is refused beside its field instead. Otherwise the form's request (whose values may add
    /// messages of their own) goes to the API's handler, and its answer is taken. True when created.
    /// </summary>
    public async Task<bool> CreatedAsync<TRequest>(string idField, string id, string what, Func<Task<bool>> exists, Func<TRequest> request, Func<TRequest, Task<IResult>> put)
    {
        ArgumentNullException.ThrowIfNull(exists);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(put);
        if (id.Length > 0 && await exists())
        {
            Add(idField, $"there is already {what} '{id}': edit it instead");
        }

        var sent = request();
        return !Failed && Accepted(await put(sent));
    }

    /// <summary>The messages for a field: its own key, and keys under it (<c>attributes.colour</c>, <c>locations[2]</c>).</summary>
    public IReadOnlyList<string> ErrorsOf(string field) =>
        [.. _errors.Where(e => Under(e.Key, field)).SelectMany(e => e.Value.Select(m => e.Key.Equals(field, StringComparison.OrdinalIgnoreCase) ? m : $"{e.Key}: {m}"))];

    private static bool Under(string key, string field) =>
        key.Equals(field, StringComparison.OrdinalIgnoreCase)
        || (key.StartsWith(field, StringComparison.OrdinalIgnoreCase) && key.Length > field.Length && key[field.Length] is '.' or '[');

    // ---- Parsing what the form posted. A blank field is left out (null), as in a JSON body.

    public int? Whole(string? text, string field) => Parse<int>(text, field, "must be a whole number",
        t => int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null);

    public long? Units(string? text, string field) => Parse<long>(text, field, "must be a whole number",
        t => long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null);

    public double? Degrees(string? text, string field) => Parse<double>(text, field, "must be a number",
        t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null);

    public decimal? Amount(string? text, string field) => Parse<decimal>(text, field, "must be a number",
        t => decimal.TryParse(t, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : null);

    public T? Enum<T>(string? text, string field) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (System.Enum.TryParse<T>(text.Trim(), ignoreCase: true, out var value) && System.Enum.IsDefined(value))
        {
            return value;
        }

        Add(field, $"must be one of: {string.Join(", ", System.Enum.GetValues<T>().Select(v => Storage.Sql.Text(v)))}");
        return null;
    }

    private T? Parse<T>(string? text, string field, string message, Func<string, T?> parse) where T : struct
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var value = parse(text.Trim());
        if (value is null)
        {
            Add(field, message);
        }

        return value;
    }

    /// <summary>A blank text field is left out of the request.</summary>
    public static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    public static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    public static string Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    public static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    // ---- Rendering.

    /// <summary>The API's message above the form, announced to screen readers.</summary>
    public IHtmlContent Summary() => Message is null && _errors.Count == 0
        ? HtmlString.Empty
        : new HtmlString($"<div class=\"flash failed\" role=\"alert\" id=\"{Encode(IdPrefix)}problem\">{Encode(Message ?? "Correct the fields marked below. Nothing was changed.")}</div>");

    public IHtmlContent Text(string name, string label, string? value, string? hint = null, bool required = false, string? inputMode = null,
        string? apiKey = null, string type = "text", string? autocomplete = "off", string? list = null, string? placeholder = null)
    {
        var id = Id(name);
        var extra = new StringBuilder();
        if (placeholder is not null)
        {
            extra.Append($" placeholder=\"{Encode(placeholder)}\"");
        }

        if (list is not null)
        {
            extra.Append($" list=\"{Encode(list)}\"");
        }

        if (inputMode is not null)
        {
            extra.Append($" inputmode=\"{Encode(inputMode)}\"");
        }

        if (autocomplete is not null)
        {
            extra.Append($" autocomplete=\"{Encode(autocomplete)}\"");
        }

        if (required)
        {
            extra.Append(" required aria-required=\"true\"");
        }

        return Field(name, label, hint, apiKey,
            $"<input id=\"{id}\" name=\"{Name(name)}\" type=\"{Encode(type)}\" value=\"{Encode(value ?? "")}\"{extra}{Described(name, hint, apiKey)} />");
    }

    public IHtmlContent Area(string name, string label, string? value, string? hint = null, string? apiKey = null, int rows = 3) =>
        Field(name, label, hint, apiKey,
            $"<textarea id=\"{Id(name)}\" name=\"{Name(name)}\" rows=\"{rows}\"{Described(name, hint, apiKey)}>{Encode(value ?? "")}</textarea>");

    public IHtmlContent Select(string name, string label, IEnumerable<(string Value, string Label)> options, string? selected, string? hint = null,
        string? apiKey = null)
    {
        var html = new StringBuilder($"<select id=\"{Id(name)}\" name=\"{Name(name)}\"{Described(name, hint, apiKey)}>");
        foreach (var (value, text) in options)
        {
            var chosen = string.Equals(value, selected, StringComparison.OrdinalIgnoreCase) ? " selected" : "";
            html.Append($"<option value=\"{Encode(value)}\"{chosen}>{Encode(text)}</option>");
        }

        return Field(name, label, hint, apiKey, html.Append("</select>").ToString());
    }

    /// <summary>A select of an enum's values by their API names, with a first blank choice when <paramref name="blank"/> is given.</summary>
    public IHtmlContent Select<T>(string name, string label, T? selected, string? blank = null, string? hint = null) where T : struct, Enum =>
        Select(name, label,
            (blank is null ? [] : new[] { ("", blank) }).Concat(System.Enum.GetValues<T>().Select(v => (Storage.Sql.Text(v), Storage.Sql.Text(v)))),
            selected is { } s ? Storage.Sql.Text(s) : "", hint);

    /// <summary>A checkbox; it posts <c>true</c> when ticked and nothing when not.</summary>
    public IHtmlContent Check(string name, string label, bool value, string? hint = null, string? apiKey = null)
    {
        var id = Id(name);
        return new HtmlString($"<div class=\"field\"><label for=\"{id}\"><input id=\"{id}\" name=\"{Name(name)}\" type=\"checkbox\" value=\"true\"" +
            $"{(value ? " checked" : "")}{Described(name, hint, apiKey)} /> {Encode(label)}</label>{Hint(name, hint)}{Errors(name, apiKey)}</div>");
    }

    /// <summary>A group of checkboxes posting every ticked value under one name.</summary>
    public IHtmlContent Checkboxes(string name, string legend, IEnumerable<(string Value, string Label)> options, IReadOnlyCollection<string> selected,
        string? hint = null, string? apiKey = null)
    {
        var html = new StringBuilder($"<fieldset class=\"field choices\" id=\"{Id(name)}\"{Described(name, hint, apiKey)}><legend>{Encode(legend)}</legend>");
        html.Append(Hint(name, hint));
        var i = 0;
        foreach (var (value, text) in options)
        {
            var id = $"{Id(name)}-{i++}";
            var chosen = selected.Contains(value) ? " checked" : "";
            html.Append($"<label for=\"{id}\"><input id=\"{id}\" type=\"checkbox\" name=\"{Name(name)}\" value=\"{Encode(value)}\"{chosen} /> {Encode(text)}</label>");
        }

        if (i == 0)
        {
            html.Append("<p class=\"muted\">There is nothing to choose yet.</p>");
        }

        return new HtmlString(html.Append(Errors(name, apiKey)).Append("</fieldset>").ToString());
    }

    /// <summary>
    /// A fieldset around fields already rendered (a transfer's lines), with the messages under
    /// <paramref name="name"/> that none of them showed: the group's own (<c>lines</c>) and those about
    /// a whole entry (<c>lines[2]</c>).
    /// </summary>
    public IHtmlContent Group(string name, string legend, IHtmlContent fields)
    {
        var key = Key(name, null);
        var messages = _errors.Where(e => Under(e.Key, key) && !_shown.Any(shown => Under(e.Key, shown)))
            .SelectMany(e => e.Value.Select(m => e.Key.Equals(key, StringComparison.OrdinalIgnoreCase) ? m : $"{e.Key}: {m}")).ToList();
        _shown.Add(key);
        var described = messages.Count == 0 ? "" : $" aria-describedby=\"{ErrorId(name, null)}\"";
        var html = new HtmlContentBuilder();
        html.AppendHtml($"<fieldset class=\"field\" id=\"{Id(name)}\"{described}><legend>{Encode(legend)}</legend>");
        if (messages.Count > 0)
        {
            html.AppendHtml($"<p class=\"field-error\" id=\"{ErrorId(name, null)}\">{string.Join(" ", messages.Select(Encode))}</p>");
        }

        return html.AppendHtml(fields).AppendHtml("</fieldset>");
    }

    /// <summary>The messages for fields this form did not show, at its foot.</summary>
    public IHtmlContent Rest()
    {
        var rest = _errors.Where(e => !_shown.Any(shown => Under(e.Key, shown))).SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")).ToList();
        return rest.Count == 0
            ? HtmlString.Empty
            : new HtmlString($"<ul class=\"field-error\">{string.Concat(rest.Select(r => $"<li>{Encode(r)}</li>"))}</ul>");
    }

    private HtmlString Field(string name, string label, string? hint, string? apiKey, string control) =>
        new($"<div class=\"field\"><label for=\"{Id(name)}\">{Encode(label)}</label>{control}{Hint(name, hint)}{Errors(name, apiKey)}</div>");

    private string Hint(string name, string? hint) => hint is null ? "" : $"<span class=\"muted\" id=\"{Id(name)}-hint\">{Encode(hint)}</span>";

    private string Errors(string name, string? apiKey)
    {
        var key = Key(name, apiKey);
        _shown.Add(key);
        var messages = ErrorsOf(key);
        return messages.Count == 0
            ? ""
            : $"<p class=\"field-error\" id=\"{ErrorId(name, apiKey)}\">{string.Join(" ", messages.Select(Encode))}</p>";
    }

    private string Described(string name, string? hint, string? apiKey)
    {
        var invalid = ErrorsOf(Key(name, apiKey)).Count > 0;
        var ids = new List<string>();
        if (hint is not null)
        {
            ids.Add($"{Id(name)}-hint");
        }

        if (invalid)
        {
            ids.Add(ErrorId(name, apiKey));
        }

        return (ids.Count == 0 ? "" : $" aria-describedby=\"{string.Join(' ', ids)}\"") + (invalid ? " aria-invalid=\"true\"" : "");
    }

    private string Id(string name) => Encode(IdPrefix + name);

    private string Name(string name) => Encode(_namePrefix + name);

    /// <summary>The API field a form field shows messages for.</summary>
    private string Key(string name, string? apiKey) => _namePrefix + (apiKey ?? name);

    private string ErrorId(string name, string? apiKey) => _messageIdPrefix is null
        ? $"{Id(name)}-error"
        : Encode(_messageIdPrefix + string.Concat(Key(name, apiKey).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')));

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

/// <summary>What the management pages share: reading a small list whole.</summary>
public static class ManagePages
{
    /// <summary>How many rows of a small list (locations, groups, channels) a page reads at most.</summary>
    public const int SmallListMax = 5_000;

    /// <summary>Reads a list the store pages by id, whole up to <see cref="SmallListMax"/> rows.</summary>
    public static async Task<List<T>> ReadAllAsync<T>(Func<string?, int, Task<IReadOnlyList<T>>> page, Func<T, string> id)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(id);
        const int size = 1_000;
        var all = new List<T>();
        string? after = null;
        while (all.Count < SmallListMax)
        {
            var rows = await page(after, size);
            all.AddRange(rows);
            if (rows.Count < size)
            {
                break;
            }

            after = id(rows[^1]);
        }

        return all;
    }
}
