using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stockroom.Core.Ledger;

/// <summary>
/// The one format of ledger event data, and so of webhook payloads: camelCase, enums as camelCase
/// words, nulls left out, timestamps in UTC with a <c>Z</c> — the same words the API speaks, so a
/// subscriber parses an event the way it parses an answer.
/// </summary>
public static class LedgerJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false), new UtcTimestampConverter() },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public const string TimestampRule = "must be an RFC 3339 timestamp with an offset, e.g. 2026-11-22T10:00:00Z";

    /// <summary>
    /// An RFC 3339 timestamp that carries an offset, in UTC; null for anything else. A time without
    /// an offset is ambiguous, so it is refused rather than read in a guessed zone.
    /// </summary>
    public static DateTimeOffset? ParseTimestamp(string? text)
    {
        var hasOffset = text is { Length: > 10 } && (text.EndsWith('Z') || text.EndsWith('z') || text[^6] is '+' or '-');
        return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) ? value.ToUniversalTime() : null;
    }

    /// <summary>Reads RFC 3339 timestamps that carry an offset; writes them in UTC with a <c>Z</c>.</summary>
    public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            ParseTimestamp(reader.GetString()) ?? throw new JsonException(TimestampRule);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture));
        }
    }
}
