using System.Globalization;
using System.Text.Json.Serialization;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Insights;
using Stockroom.Core;
using Stockroom.Features.Availability;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Insights;

/// <summary>
/// One SKU at weighted average cost. <c>onHand</c> is every location's on-hand; <c>valuedUnits</c>
/// the units the valuation holds a cost for (received with a unit cost, less shipped and written
/// off, plus returned), which differ when stock arrived without a cost.
/// </summary>
public sealed record ValuationItem(string Sku, long OnHand, long ValuedUnits, decimal UnitCost, decimal Value, decimal Cogs);

/// <summary>
/// Stock value and cost of goods sold. Money is exact in the store and rounded here, for display: 2 places, unit costs 4.
/// A report with totals: its page of SKUs is <c>items</c> (the contract's name), continued by the <c>next</c> cursor.
/// </summary>
public sealed record ValuationResponse(decimal TotalValue, decimal Cogs, IReadOnlyList<ValuationItem> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next);

public static class Valuation
{
    /// <summary>Valuations read per round trip when totalling or exporting.</summary>
    public const int ScanPageSize = 5_000;

    public const string CsvMediaType = "text/csv";

    public static async Task<Results<Ok<ValuationResponse>, PushStreamHttpResult, ProblemHttpResult>> Get(
        IStockStore store, HttpRequest httpRequest, CancellationToken cancellationToken, string? format = null, string? after = null, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(httpRequest);
        var validation = new Validation();
        if (format is not (null or "json" or "csv"))
        {
            validation.Add("format", "must be json or csv");
        }

        validation.Identifier("after", after, required: false);
        validation.Range("limit", limit, 1, Limits.PageSizeMax, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var csv = format == "csv" || (format is null && httpRequest.Headers.Accept.Any(a => a?.Contains(CsvMediaType, StringComparison.OrdinalIgnoreCase) == true));
        if (csv)
        {
            return TypedResults.Stream(stream => WriteCsvAsync(store, stream, cancellationToken), $"{CsvMediaType}; charset=utf-8", "valuation.csv");
        }

        // Totals are over every SKU, exact, and rounded once at the end.
        decimal totalValue = 0, cogs = 0;
        await foreach (var layers in PagesAsync(store, null, cancellationToken))
        {
            totalValue += layers.Sum(l => l.Value);
            cogs += layers.Sum(l => l.Cogs);
        }

        var pageSize = limit ?? Limits.PageSizeMax;
        var page = await store.ReadCostsAsync(after, pageSize, cancellationToken);
        var items = await ItemsAsync(store, page, cancellationToken);
        return TypedResults.Ok(new ValuationResponse(Money(totalValue), Money(cogs), items, page.Count == pageSize ? page[^1].Sku : null));
    }

    private static async Task WriteCsvAsync(IStockStore store, Stream stream, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, leaveOpen: true);
        await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        csv.WriteHeader<ValuationItem>();
        await csv.NextRecordAsync();
        await foreach (var layers in PagesAsync(store, null, cancellationToken))
        {
            await csv.WriteRecordsAsync(await ItemsAsync(store, layers, cancellationToken), cancellationToken);
        }

        await csv.FlushAsync();
    }

    private static async IAsyncEnumerable<IReadOnlyList<CostLayer>> PagesAsync(IStockStore store, string? after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await store.ReadCostsAsync(after, ScanPageSize, cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }

            yield return page;
            if (page.Count < ScanPageSize)
            {
                yield break;
            }

            after = page[^1].Sku;
        }
    }

    private static async Task<List<ValuationItem>> ItemsAsync(IStockStore store, IReadOnlyList<CostLayer> layers, CancellationToken cancellationToken)
    {
        var onHand = await store.ReadOnHandTotalsAsync([.. layers.Select(l => l.Sku)], cancellationToken);
        return [.. layers.Select(l => new ValuationItem(l.Sku, onHand.GetValueOrDefault(l.Sku), l.Quantity,
            Math.Round(l.AverageCost, 4, MidpointRounding.AwayFromZero) + 0.00m, Money(l.Value), Money(l.Cogs)))];
    }

    /// <summary>Rounded to cents for display; adding 0.00 gives every amount two places (60.00, not 60.0).</summary>
    private static decimal Money(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero) + 0.00m;
}
