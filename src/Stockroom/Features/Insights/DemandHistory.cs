using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Insights;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Insights;

public sealed record DemandHistoryResponse(string Sku, DateOnly From, DateOnly To, IReadOnlyList<DemandDay> Days);

/// <summary>The demand history of one SKU: units shipped and lost per location and UTC day, days with none left out.</summary>
public static class DemandHistory
{
    public static async Task<Results<Ok<DemandHistoryResponse>, ProblemHttpResult>> Get(
        string sku, IStockStore store, TimeProvider time, CancellationToken cancellationToken, string? location = null, int? days = null)
    {
        var validation = new Validation();
        validation.Identifier("sku", sku);
        validation.Identifier("location", location, required: false);
        validation.Range("days", days, 1, Replenishment.WindowDaysMax, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var to = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var from = to.AddDays(1 - (days ?? ReplenishmentPlans.WindowDaysDefault));
        var rows = await store.ReadDemandAsync([sku], location is null ? null : [location], from, to, cancellationToken);
        return TypedResults.Ok(new DemandHistoryResponse(sku, from, to, rows));
    }
}
