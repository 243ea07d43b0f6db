using System.Data.Common;
using System.Text.Json;
using Stockroom.Core.Supply;
using Stockroom.Storage;

namespace Stockroom.Features.Transfers;

/// <summary>
/// Which transfers to list, in id order after <c>After</c>: those whose id starts with
/// <c>Search</c> or with a line of that SKU, in <c>Status</c>; null filters match everything.
/// </summary>
public sealed record TransferSearch(string? Search, TransferStatus? Status, string? After, int Limit);

/// <summary>Transfers between locations, their lines kept as JSON in their row.</summary>
public static class TransferStatements
{
    private const string Columns = "id, from_location, to_location, eta, status, lines, created_at, received_at";

    private static Transfer Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.Nullable<DateOnly>(3), Sql.Parse<TransferStatus>(r.GetString(4)),
        JsonSerializer.Deserialize<List<TransferLine>>(r.GetString(5), Sql.RowJson)!, r.GetFieldValue<DateTimeOffset>(6), r.Nullable<DateTimeOffset>(7));

    /// <summary>Reads a transfer; with <paramref name="forUpdate"/>, locks it until the transaction ends.</summary>
    public static async Task<Transfer?> FindTransferAsync(this IStockWrite write, string id, bool forUpdate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (forUpdate)
        {
            write.Locking(LockStage.Transfers, [id]);
        }

        await using var command = write.Command($"SELECT {Columns} FROM transfers WHERE id = @id{(forUpdate ? write.Dialect.ForUpdate : "")}").With("@id", id);
        return (await command.ListAsync(Read, cancellationToken)).SingleOrDefault();
    }

    public static async Task InsertTransferAsync(this IStockWrite write, Transfer transfer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(transfer);
        await write.InsertRowsAsync("transfers", Columns,
            [[transfer.Id, transfer.From, transfer.To, transfer.Eta, Sql.Text(transfer.Status), JsonSerializer.Serialize(transfer.Lines, Sql.RowJson),
                transfer.CreatedAt, transfer.ReceivedAt]], cancellationToken);
    }

    /// <summary>Writes a transfer's status, receipt time and received quantities.</summary>
    public static async Task UpdateTransferAsync(this IStockWrite write, Transfer transfer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(transfer);
        await using var command = write.Command("UPDATE transfers SET status = @status, received_at = @receivedAt, lines = @lines WHERE id = @id")
            .With("@status", Sql.Text(transfer.Status)).With("@receivedAt", transfer.ReceivedAt)
            .With("@lines", JsonSerializer.Serialize(transfer.Lines, Sql.RowJson)).With("@id", transfer.Id);
        Core.Invariant.Require(await write.ExecuteAsync(command, cancellationToken) == 1, $"transfer {transfer.Id} exists when updated");
    }

    public static async Task<Transfer?> GetTransferAsync(this IStockStore store, string id, CancellationToken cancellationToken) =>
        (await store.QueryAsync($"SELECT {Columns} FROM transfers WHERE id = @id", c => c.With("@id", id), Read, cancellationToken)).SingleOrDefault();

    /// <summary>
    /// A page of transfers as <paramref name="search"/> asks, keyed by id. A SKU is found in the
    /// lines' JSON (<c>"sku":"…"</c>), which both stores match with the same <c>LIKE</c>; the search
    /// is an identifier, so <c>_</c> is the only character of it <c>LIKE</c> would read as a wildcard.
    /// </summary>
    public static async Task<IReadOnlyList<Transfer>> SearchTransfersAsync(this IStockStore store, TransferSearch search, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(search);
        var escaped = search.Search?.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal);
        return await store.QueryAsync($"""
            SELECT {Columns} FROM transfers
            WHERE id > @after AND (@status IS NULL OR status = @status)
              AND (@search IS NULL OR id LIKE @idPrefix ESCAPE '\' OR lines LIKE @sku ESCAPE '\')
            ORDER BY id LIMIT @limit
            """,
            c => c.With("@after", search.After ?? "").WithText("@status", search.Status is { } status ? Sql.Text(status) : null)
                .WithText("@search", search.Search).WithText("@idPrefix", escaped + "%").WithText("@sku", $"%\"sku\":\"{escaped}\"%")
                .With("@limit", search.Limit),
            Read, cancellationToken);
    }
}
