using System.Text.Json;
using System.Text.Json.Serialization;
using Stockroom.Core.Ledger;

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
        options.Converters.Add(new LedgerJson.UtcTimestampConverter());
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public const string TimestampRule = LedgerJson.TimestampRule;

    /// <summary>See <see cref="LedgerJson.ParseTimestamp"/>.</summary>
    public static DateTimeOffset? ParseTimestamp(string? text) => LedgerJson.ParseTimestamp(text);
}
