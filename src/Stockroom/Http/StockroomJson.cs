using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stockroom.Http;

/// <summary>
/// The wire format: camelCase, enums as camelCase words, timestamps in RFC 3339 UTC, unknown
/// and repeated fields refused (a misspelt <c>quantitiy</c> must not silently become zero).
/// </summary>
public static class StockroomJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowTrailingCommas = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.MaxDepth = 32;
        // {"quantity":1,"quantity":-1} means whatever the reader picks: the last one, here, and
        // maybe the first one in a proxy or a log pipeline that checked it. Refuse the ambiguity.
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.Converters.Add(new UtcTimestampConverter());
        return options;
    }

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
    private sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            return ParseTimestamp(reader.GetString()) ?? throw new JsonException(TimestampRule);
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture));
    }
}
