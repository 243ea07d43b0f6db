using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;

namespace Stockroom.Http;

/// <summary>
/// Collects every field error of a request, so that a client learns all that is wrong at once,
/// not one field per round trip.
/// </summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
    }

    public IDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public ProblemHttpResult Problem() => Problems.Validation(Errors);

    /// <summary>An optional query value naming one of <typeparamref name="TEnum"/>'s members (any case, never a number).</summary>
    public TEnum? Member<TEnum>(string field, string? value) where TEnum : struct, Enum
    {
        if (value is null)
        {
            return null;
        }

        if (Enum.TryParse<TEnum>(value, ignoreCase: true, out var parsed) && !int.TryParse(value, out _))
        {
            return parsed;
        }

        Add(field, $"must be one of {string.Join(", ", Enum.GetNames<TEnum>().Select(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName))}");
        return null;
    }

    /// <summary>Checks an identifier; returns true when it is present and well formed.</summary>
    public bool Identifier(string field, string? value, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, "is required");
            }

            return false;
        }

        if (!Core.Identifier.IsValid(value))
        {
            Add(field, $"must be 1–{Limits.IdentifierLengthMax} characters of A–Z, a–z, 0–9, '.', '_', ':' or '-'");
            return false;
        }

        return true;
    }

    public void Text(string field, string? value, int lengthMax, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required || value is not null)
            {
                Add(field, "is required and must not be blank");
            }

            return;
        }

        if (value.Length > lengthMax)
        {
            Add(field, $"must be at most {lengthMax} characters");
        }
        else if (HasControlCharacters(value))
        {
            Add(field, ControlCharactersMessage);
        }
    }

    public const string ControlCharactersMessage = "must not contain NUL or other control characters except tab and line breaks";

    /// <summary>
    /// True when text holds a control character other than tab, CR or LF. NUL cannot be stored in
    /// a PostgreSQL text column at all (the write fails after validation passed), and escape
    /// sequences in names end up in admin pages, logs and CSV exports; so free text refuses them
    /// up front, the same on both stores.
    /// </summary>
    public static bool HasControlCharacters(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        foreach (var c in value)
        {
            if (char.IsControl(c) && c is not ('\t' or '\r' or '\n'))
            {
                return true;
            }
        }

        return false;
    }

    public void Quantity(string field, long? value, bool required = true) =>
        Range(field, value, 0, Limits.QuantityMax, required);

    public void Range(string field, long? value, long min, long max, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, "is required");
            }

            return;
        }

        if (value < min || value > max)
        {
            Add(field, string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {min} to {max}"));
        }
    }

    public void Required<T>(string field, T? value) where T : struct
    {
        if (value is null)
        {
            Add(field, "is required");
        }
    }

    /// <summary>
    /// A line of demand: present, naming a SKU, for at least one unit. Returns false when the line
    /// is missing, so that the caller skips its other fields.
    /// </summary>
    public bool DemandLine(string at, [NotNullWhen(true)] object? line, string? sku, long? quantity)
    {
        if (line is null)
        {
            Add(at, "must be an object");
            return false;
        }

        Identifier($"{at}.sku", sku);
        Range($"{at}.quantity", quantity, 1, Limits.QuantityMax);
        return true;
    }

    /// <summary>A line of supply: present, naming a SKU, a location and a type of supply.</summary>
    public bool SupplyLine<TType>(string at, [NotNullWhen(true)] object? line, string? sku, string? location, TType? type) where TType : struct
    {
        if (line is null)
        {
            Add(at, "must be an object");
            return false;
        }

        Identifier($"{at}.sku", sku);
        Identifier($"{at}.location", location);
        Required($"{at}.type", type);
        return true;
    }

    public void Money(string field, decimal? value)
    {
        if (value is { } amount && (amount < 0 || amount >= Limits.MoneyMax || amount.Scale > 4))
        {
            Add(field, $"must be from 0 to below {Limits.MoneyMax} with at most 4 decimal places");
        }
    }

    /// <summary>A calendar date within the horizon Stockroom plans over.</summary>
    public void Date(string field, DateOnly? value, DateOnly today, bool allowPast)
    {
        if (value is not { } date)
        {
            return;
        }

        if (!allowPast && date < today)
        {
            Add(field, "must be today or later");
        }
        else if (date > today.AddDays(Limits.HorizonDaysMax) || date < today.AddDays(-Limits.HorizonDaysMax))
        {
            Add(field, $"must be within {Limits.HorizonDaysMax} days of today");
        }
    }
}
