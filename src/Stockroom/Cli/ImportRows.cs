using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Spectre.Console;
using Stockroom.Core;

namespace Stockroom.Cli;

/// <summary>The rows of an import file: read and typed by line, checked, and their errors reported against their lines.</summary>
internal static class ImportRows
{
    /// <summary>A CSV row's value with the file line it came from.</summary>
    internal sealed record Row<T>(int Line, T Value);

    /// <summary>Reads every row; values that do not parse are errors by line, reported with the rest.</summary>
    internal static async Task<(List<Row<T>> Rows, List<string> Errors)?> ReadAsync<T>(FileInfo file, Func<CsvRow, T> map)
    {
        if (!file.Exists)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]There is no file {file.FullName}.[/]");
            return null;
        }

        var rows = new List<Row<T>>();
        var errors = new List<string>();
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask($"Reading {file.Name}", maxValue: file.Length);
            using var reader = new StreamReader(file.FullName);
            using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture)
            {
                PrepareHeaderForMatch = args => args.Header.Trim().ToUpperInvariant(),
                MissingFieldFound = null,
                TrimOptions = TrimOptions.Trim,
            });
            await csv.ReadAsync();
            csv.ReadHeader();
            while (await csv.ReadAsync())
            {
                var row = new CsvRow(csv);
                var value = map(row);
                errors.AddRange(row.Errors.Select(e => $"line {csv.Parser.RawRow}: {e}"));
                rows.Add(new Row<T>(csv.Parser.RawRow, value));
                if (rows.Count > Limits.ImportRowsMax)
                {
                    errors.Add($"the file has more than {Limits.ImportRowsMax:N0} rows; split it");
                    break;
                }

                task.Value = reader.BaseStream.Position;
            }

            task.Value = task.MaxValue;
        });

        return (rows, errors);
    }

    internal static Dictionary<string, string[]> Prefixed<T>(IReadOnlyList<Row<T>> rows, Func<T, IDictionary<string, string[]>> validate)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            foreach (var (field, messages) in validate(rows[i].Value))
            {
                errors[$"lines[{i}].{field}"] = messages;
            }
        }

        return errors;
    }

    /// <summary>Prints read and validation errors, naming the file line of each; false when there were any.</summary>
    internal static bool Report<T>(IDictionary<string, string[]> errors, (List<Row<T>> Rows, List<string> Errors) read)
    {
        var all = read.Errors.Concat(errors.SelectMany(e => e.Value.Select(m => $"{Where(e.Key, read.Rows)}: {m}")))
            .OrderBy(e => e.StartsWith("line ", StringComparison.Ordinal) && int.TryParse(e[5..e.IndexOfAny([':', ','])], out var line) ? line : 0)
            .ToList();
        if (all.Count == 0)
        {
            return true;
        }

        PrintErrors(all);
        return false;
    }

    internal static int Refused<T>(Microsoft.AspNetCore.Mvc.ProblemDetails problem, IReadOnlyList<Row<T>> rows)
    {
        var errors = problem is Microsoft.AspNetCore.Http.HttpValidationProblemDetails v ? v.Errors : new Dictionary<string, string[]>();
        AnsiConsole.MarkupLineInterpolated($"[red]{problem.Title}[/] {problem.Detail}");
        PrintErrors([.. errors.SelectMany(e => e.Value.Select(m => $"{Where(e.Key, rows)}: {m}"))]);
        return 2;
    }

    /// <summary>Turns <c>lines[i].field</c> into <c>line N, field</c>.</summary>
    internal static string Where<T>(string key, IReadOnlyList<Row<T>> rows)
    {
        if (!key.StartsWith("lines[", StringComparison.Ordinal))
        {
            return key;
        }

        var close = key.IndexOf(']', StringComparison.Ordinal);
        var index = int.Parse(key[6..close], CultureInfo.InvariantCulture);
        var field = key[(close + 1)..].TrimStart('.');
        return $"line {rows[index].Line}{(field.Length > 0 ? $", {field}" : "")}";
    }

    internal static void PrintErrors(IReadOnlyList<string> errors)
    {
        foreach (var error in errors.Take(ImportCommand.ErrorsShownMax))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{error}[/]");
        }

        if (errors.Count > ImportCommand.ErrorsShownMax)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]… and {errors.Count - ImportCommand.ErrorsShownMax:N0} more.[/]");
        }

        AnsiConsole.MarkupLine("Nothing was applied.");
    }

    internal static void Done(string what, int count, long started)
    {
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        AnsiConsole.MarkupLineInterpolated($"[green]{what}[/] in {seconds:F1} s ({count / Math.Max(seconds, 0.001):N0} rows/s).");
    }

    /// <summary>Typed reads of one CSV row; a value that does not parse is recorded, not thrown.</summary>
    internal sealed class CsvRow(CsvReader csv)
    {
        public List<string> Errors { get; } = [];

        public string? Text(string column) => csv.TryGetField<string>(column, out var value) && !string.IsNullOrEmpty(value) ? value : null;

        public long? Long(string column) => Parse(column, text => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : (long?)null, "a whole number");

        public int? Int(string column) => Parse(column, text => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : (int?)null, "a whole number");

        public double? Double(string column) => Parse(column, text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null, "a number");

        public decimal? Decimal(string column) => Parse(column, text => decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : (decimal?)null, "a number");

        public bool? Bool(string column) => Parse(column, text => bool.TryParse(text, out var v) ? v : (bool?)null, "true or false");

        public DateOnly? Date(string column) => Parse(column, text => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var v) ? v : (DateOnly?)null, "a date YYYY-MM-DD");

        public TEnum? Enum<TEnum>(string column) where TEnum : struct, System.Enum =>
            Parse(column, text => System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var v) && !int.TryParse(text, out _) ? v : (TEnum?)null,
                $"one of {string.Join(", ", System.Enum.GetNames<TEnum>().Select(JsonNamingPolicy.CamelCase.ConvertName))}");

        private T? Parse<T>(string column, Func<string, T?> parse, string expected) where T : struct
        {
            if (Text(column) is not { } text)
            {
                return null;
            }

            if (parse(text) is { } value)
            {
                return value;
            }

            Errors.Add($"{column} must be {expected}, not '{text}'");
            return null;
        }
    }
}
