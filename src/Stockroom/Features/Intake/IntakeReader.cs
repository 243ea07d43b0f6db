using System.Globalization;
using System.Text.Json;
using Stockroom.Core;

namespace Stockroom.Features.Intake;

/// <summary>
/// What one marketplace line comes to: the SKU it names (or null), the units owed and shipped, the
/// marketplace's ids a listing may map, and the field that names the SKU; or the reason it is skipped.
/// </summary>
internal readonly record struct LineRead(string? Sku, long Owed, string? Skip = null)
{
    public long Shipped { get; init; }

    public IReadOnlyList<string> Listings { get; init; } = [];

    public string SkuField { get; init; } = "sku";

    public static LineRead Skipped(string reason) => new(null, 0, reason);

    /// <summary>A stock line; the listing ids that are absent are left out.</summary>
    public static LineRead Of(string? sku, string skuField, long owed, long shipped, params string?[] listings) =>
        new(sku, owed) { Shipped = shipped, SkuField = skuField, Listings = [.. listings.OfType<string>().Distinct(StringComparer.Ordinal)] };
}

/// <summary>The lines of one order as they are read, across the pages that carry them.</summary>
internal sealed class LineSet
{
    public List<MarketplaceLine> Stock { get; } = [];

    public List<SkippedLine> Skipped { get; } = [];

    public int Count { get; set; }
}

/// <summary>Reads the fields of one marketplace order and collects, by path, what is wrong with them.</summary>
internal sealed class IntakeReader
{
    private readonly List<(string Field, string Message)> errors = [];

    /// <summary>The first id read well: the order's own, which every reader reads first.</summary>
    private string? orderId;

    public static ParsedOrder Read(Func<IntakeReader, MarketplaceOrder?> read)
    {
        var reader = new IntakeReader();
        var order = read(reader);
        return reader.errors.Count > 0 || order is null
            ? new ParsedOrder(null, reader.errors.GroupBy(e => e.Field, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal), reader.orderId)
            : new ParsedOrder(order, null);
    }

    public void Error(string field, string message) => errors.Add((field, message));

    /// <summary>An order id: a string or a whole number, as marketplaces differ.</summary>
    public string? Id(JsonElement order, string name, string prefix = "")
    {
        if (order.ValueKind != JsonValueKind.Object || !order.TryGetProperty(name, out var value))
        {
            Error($"{prefix}{name}", "is required");
            return null;
        }

        var id = value.ValueKind switch
        {
            JsonValueKind.String => Text(value),
            JsonValueKind.Number when value.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (string.IsNullOrEmpty(id) || !Identifier.IsValid(id))
        {
            Error($"{prefix}{name}", "must be a non-empty order id of letters, digits, '.', '_', ':' or '-'");
            return null;
        }

        orderId ??= id;
        return id;
    }

    /// <summary>
    /// The array of lines named <paramref name="name"/>; null when it is absent, which is an error
    /// unless the order is cancelled (a cancelled order owes nothing, lines or not).
    /// </summary>
    public JsonElement? Array(JsonElement owner, string name, string path, bool required)
    {
        if (owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array)
        {
            return items;
        }

        var present = owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var found) && found.ValueKind != JsonValueKind.Null;
        if (required || present)
        {
            Error(path, "is required and must be an array");
        }

        return null;
    }

    /// <summary>Reads each line of <paramref name="items"/> into <paramref name="set"/>, skipping the ones without stock to hold.</summary>
    public void Lines(LineSet set, JsonElement items, string path, Func<JsonElement, string, LineRead?> line)
    {
        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            var at = $"{path}[{i++}]";
            set.Count++;
            if (set.Count > Limits.DemandLinesMax)
            {
                continue;
            }

            if (item.ValueKind != JsonValueKind.Object)
            {
                Error(at, "must be an object");
                continue;
            }

            switch (line(item, at))
            {
                case { Skip: { } reason }:
                    set.Skipped.Add(new SkippedLine(at, reason));
                    break;
                // A line that owes nothing and shipped nothing (wholly cancelled or refunded) has nothing to hold or revise.
                case { } read when read.Owed > 0 || read.Shipped > 0:
                    set.Stock.Add(new MarketplaceLine(at, read.Sku, read.Listings, read.Owed, read.Shipped, read.SkuField));
                    break;
            }
        }
    }

    /// <summary>An order has 1 to <see cref="Limits.DemandLinesMax"/> lines; a cancelled one may have none.</summary>
    public void CheckCount(LineSet set, string path, bool cancelled)
    {
        if ((set.Count == 0 && !cancelled) || set.Count > Limits.DemandLinesMax)
        {
            Error(path, $"must have 1 to {Limits.DemandLinesMax} lines");
        }
    }

    /// <summary>
    /// The SKU a line names, as the marketplace wrote it; null when it names none (a custom item,
    /// a tip, a service), which a listing may still map. Whether it is a SKU Stockroom knows is
    /// decided with the channel's listings and the catalog (<see cref="IntakeMapping"/>); only a
    /// value that is not text at all is an error of the payload.
    /// </summary>
    public string? Sku(JsonElement item, string name, string at)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var sku = value.ValueKind == JsonValueKind.String ? Text(value) : null;
        if (sku is null)
        {
            Error($"{at}.{name}", "must be a string");
            return null;
        }

        return string.IsNullOrWhiteSpace(sku) ? null : sku;
    }

    /// <summary>A marketplace id of what a line sold (a variant id, an ASIN): text or a whole number, or null.</summary>
    public static string? ListingId(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String when Text(value) is { Length: > 0 } text && !string.IsNullOrWhiteSpace(text) => text,
            JsonValueKind.Number when value.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
            _ => null,
        } : null;

    /// <summary>A quantity: a whole number, or a string of one (Walmart sends "1"), at least <paramref name="min"/>.</summary>
    public long? Quantity(JsonElement item, string name, string at, long min = 1)
    {
        var quantity = Whole(item, name);
        if (quantity is null || quantity < min || quantity > Limits.QuantityMax)
        {
            Error($"{at}.{name}", $"must be a whole number from {min} to {Limits.QuantityMax}");
            return null;
        }

        return quantity;
    }

    /// <summary>A quantity that may be absent (or null); when present it must be a whole number of zero or more.</summary>
    public (bool Ok, long? Value) OptionalQuantity(JsonElement item, string name, string at)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return (true, null);
        }

        var quantity = Quantity(item, name, at, min: 0);
        return (quantity is not null, quantity);
    }

    private static long? Whole(JsonElement item, string name)
    {
        long quantity = 0;
        var ok = item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) && value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out quantity),
            JsonValueKind.String => long.TryParse(Text(value), NumberStyles.None, CultureInfo.InvariantCulture, out quantity),
            _ => false,
        };
        return ok ? quantity : null;
    }

    /// <summary>A child object, or the default element when there is none.</summary>
    public static JsonElement Object(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;

    public static bool Has(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A string field's value; null when it is absent, not a string, or not text.</summary>
    public static string? String(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Text(value) : null;

    /// <summary>true, or the string "true" (Amazon's flags are strings).</summary>
    public static bool Flag(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value)
        && (value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.String && string.Equals(Text(value), "true", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// A version time: an RFC 3339 string with an offset, or milliseconds since the epoch (Walmart);
    /// null when it is absent. One that is there but neither is an error: read as "no version", the
    /// delivery would be applied whatever its age.
    /// </summary>
    public DateTimeOffset? Time(JsonElement owner, string name, string path)
    {
        if (owner.ValueKind != JsonValueKind.Object || !owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var time = value.ValueKind switch
        {
            JsonValueKind.String => Http.StockroomJson.ParseTimestamp(Text(value)),
            JsonValueKind.Number when value.TryGetInt64(out var ms) && ms is > 0 and < 253_402_300_800_000 => DateTimeOffset.FromUnixTimeMilliseconds(ms),
            _ => null,
        };
        if (time is null)
        {
            Error(path, "must be a time with an offset (RFC 3339) or milliseconds since the epoch");
        }

        return time;
    }

    /// <summary>
    /// A string's value, or null when it cannot be one: bytes that are not UTF-8, or an escaped
    /// lone surrogate. The payload is kept as raw JSON, so such text is only found when it is
    /// read, here; it is a field error like any other, not a failure of the server.
    /// </summary>
    public static string? Text(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
