using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Stockroom.Core.Alerts;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>Small helpers for writing SQL by hand against either provider.</summary>
internal static class Sql
{
    public static DbCommand Command(this DbConnection connection, DbTransaction? transaction, string text)
    {
        Telemetry.Commands.Add(1);
        var command = connection.CreateCommand();
        command.CommandText = text;
        command.Transaction = transaction;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static T? Nullable<T>(this DbDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static string? NullableString(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Enums are stored as their camelCase names, the same words the API speaks.</summary>
    public static string Text<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    public static T Parse<T>(string text) where T : struct, Enum => Enum.Parse<T>(text, ignoreCase: true);

    public static async Task<List<T>> ListAsync<T>(this DbCommand command, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    public const string ItemColumns =
        "sku, name, description, status, policy, accept_within_seconds, backorderable, parent_sku, attributes, price, unit_cost, created_at, updated_at";

    public static Item ReadItem(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.NullableString(2), Parse<ItemStatus>(r.GetString(3)), Parse<StockPolicy>(r.GetString(4)),
        r.Nullable<int>(5), r.GetBoolean(6), r.NullableString(7),
        r.IsDBNull(8) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(8)),
        r.Nullable<decimal>(9), r.Nullable<decimal>(10), r.GetFieldValue<DateTimeOffset>(11), r.GetFieldValue<DateTimeOffset>(12));

    public const string LocationColumns =
        "id, name, type, can_ship, can_pickup, latitude, longitude, priority, active, created_at, updated_at, lead_time_days";

    public static Location ReadLocation(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), Parse<LocationType>(r.GetString(2)), r.GetBoolean(3), r.GetBoolean(4),
        r.Nullable<double>(5), r.Nullable<double>(6), r.GetInt32(7), r.GetBoolean(8),
        r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), r.Nullable<int>(11));

    public const string ChannelColumns =
        "id, name, group_id, buffer_percent, buffer_units, reservation_ttl_seconds, created_at, updated_at, publish_every_seconds";

    public static Channel ReadChannel(DbDataReader r)
    {
        var percent = r.Nullable<decimal>(3);
        var units = r.Nullable<long>(4);
        return new Channel(r.GetString(0), r.GetString(1), r.GetString(2),
            percent is null && units is null ? null : new ChannelBuffer(percent, units),
            r.Nullable<int>(5), r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7), r.GetInt32(8));
    }

    public const string PositionColumns = "sku, location_id, on_hand, reserved, allocated, backordered";

    public static Position ReadPosition(DbDataReader r) =>
        new(new PositionKey(r.GetString(0), r.GetString(1)), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5));

    /// <summary>How reservation lines are kept as JSON in their row.</summary>
    public static readonly JsonSerializerOptions LinesJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public const string ReservationColumns =
        "id, channel_id, customer_id, priority, status, allow_partial, allow_backorder, request_hash, created_at, expires_at, updated_at, order_id, lines, accept_by";

    public static StoredReservation ReadReservation(DbDataReader r) => new(
        new Reservation(r.GetString(0), r.GetString(1), r.NullableString(2), r.GetInt32(3), Parse<ReservationStatus>(r.GetString(4)),
            r.GetBoolean(5), r.GetBoolean(6), r.GetFieldValue<DateTimeOffset>(8), r.GetFieldValue<DateTimeOffset>(9),
            r.GetFieldValue<DateTimeOffset>(10), r.NullableString(11),
            JsonSerializer.Deserialize<List<ReservationLine>>(r.GetString(12), LinesJson)!, r.Nullable<DateTimeOffset>(13)),
        r.GetString(7));

    public static object?[] ReservationRow(StoredReservation stored)
    {
        var r = stored.Reservation;
        return [r.Id, r.Channel, r.CustomerId, r.Priority, Text(r.Status), r.AllowPartial, r.AllowBackorder, stored.RequestHash,
            r.CreatedAt, r.ExpiresAt, r.UpdatedAt, r.OrderId, JsonSerializer.Serialize(r.Lines, LinesJson), r.AcceptBy];
    }

    public const string OrderColumns =
        "id, channel_id, reservation_id, status, request_hash, created_at, updated_at, sent_to_pos_at, pos_acknowledged_at, tracking_number";

    public static StoredOrder ReadOrder(DbDataReader r) => new(
        new Order(r.GetString(0), r.GetString(1), r.NullableString(2), Parse<OrderStatus>(r.GetString(3)),
            r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6), r.Nullable<DateTimeOffset>(7), r.Nullable<DateTimeOffset>(8),
            r.NullableString(9), []),
        r.GetString(4));

    public const string OrderLineColumns = "line, sku, location_id, quantity, returned";

    public static OrderLine ReadOrderLine(DbDataReader r) =>
        new(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4));

    public const string SafetyRuleColumns = "sku, location_id, group_id, units, percent, vip_priority, created_at, updated_at";

    public static SafetyStockRule ReadSafetyRule(DbDataReader r) => new(
        NullIfEmpty(r.GetString(0)), NullIfEmpty(r.GetString(1)), NullIfEmpty(r.GetString(2)),
        r.Nullable<long>(3), r.Nullable<decimal>(4), r.Nullable<int>(5), r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    public const string LowStockRuleColumns = "sku, location_id, group_id, threshold, created_at, updated_at";

    public static LowStockRule ReadLowStockRule(DbDataReader r) => new(
        NullIfEmpty(r.GetString(0)), NullIfEmpty(r.GetString(1)), NullIfEmpty(r.GetString(2)), r.GetInt64(3),
        r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5));

    public const string WebhookColumns = "id, url, events, secret, created_at, request_hash";

    public static (Webhook Webhook, string RequestHash) ReadWebhook(DbDataReader r) => (
        new Webhook(r.GetString(0), r.GetString(1), JsonSerializer.Deserialize<List<string>>(r.GetString(2))!, r.GetString(3), r.GetFieldValue<DateTimeOffset>(4)),
        r.GetString(5));

    public const string ApiKeyColumns = "id, name, key_hash, prefix, scopes, channel_id, created_at, revoked_at, request_hash";

    public static (StoredApiKey Key, string RequestHash) ReadApiKey(DbDataReader r) => (
        new StoredApiKey(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
            r.GetString(4).Split(' ', StringSplitOptions.RemoveEmptyEntries), r.IsDBNull(5) ? null : r.GetString(5),
            r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7)),
        r.GetString(8));

    public const string DeliveryColumns =
        "id, webhook_id, event_type, payload, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at";

    public static WebhookDelivery ReadDelivery(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5), r.GetFieldValue<DateTimeOffset>(6),
        r.Nullable<int>(7), r.NullableString(8), r.GetFieldValue<DateTimeOffset>(9), r.Nullable<DateTimeOffset>(10));

    public const string InboundColumns = "sku, location_id, type, reference, quantity, eta";

    public static InboundSupply ReadInbound(DbDataReader r) =>
        new(new PositionKey(r.GetString(0), r.GetString(1)), Parse<SupplyType>(r.GetString(2)), r.GetString(3), r.GetInt64(4), r.Nullable<DateOnly>(5));
}
