using System.Data.Common;
using System.Text.Json;
using Stockroom.Core.Supply;

namespace Stockroom.Storage;

/// <summary>Small helpers for writing SQL by hand against either dialect.</summary>
public static class Sql
{
    public static DbCommand Command(this DbConnection connection, DbTransaction? transaction, string text)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Telemetry.Commands.Add(1);
        var command = connection.CreateCommand();
        command.CommandText = text;
        command.Transaction = transaction;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    /// <summary>A text parameter that may be null; typed, so that <c>@p IS NULL</c> is understood by PostgreSQL.</summary>
    public static DbCommand WithText(this DbCommand command, string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = System.Data.DbType.String;
        parameter.Value = (object?)value ?? DBNull.Value;
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
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(map);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.RowsAsync(map, cancellationToken);
    }

    /// <summary>The rows of the reader's current result.</summary>
    public static async Task<List<T>> RowsAsync<T>(this DbDataReader reader, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(map);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>The rows of the reader's next result, which every statement of a batch answers.</summary>
    public static async Task<List<T>> NextRowsAsync<T>(this DbDataReader reader, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        Core.Invariant.Require(await reader.NextResultAsync(cancellationToken), "every statement of a batch answers");
        return await reader.RowsAsync(map, cancellationToken);
    }

    public const string PositionColumns = "sku, location_id, on_hand, reserved, allocated, backordered";

    public static Position ReadPosition(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(new PositionKey(r.GetString(0), r.GetString(1)), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5));
    }

    /// <summary>How lists kept as JSON in a row (reservation and transfer lines) are written.</summary>
    public static readonly JsonSerializerOptions RowJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
