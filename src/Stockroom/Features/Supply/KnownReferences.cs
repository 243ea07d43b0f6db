using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Features.Catalog;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Supply;

internal static class KnownReferences
{
    /// <summary>
    /// A 422 naming every line whose SKU or location does not exist, or null when all do. Supply
    /// for unknown SKUs is refused rather than created on the fly: a typo in an ERP export must
    /// not invent stock nobody can sell.
    /// </summary>
    public static async Task<ProblemHttpResult?> CheckAsync(IStockWrite write, IReadOnlyList<(string Sku, string Location)> lines, CancellationToken cancellationToken)
    {
        var skus = await write.ExistingSkusAsync([.. lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal)], cancellationToken);
        var locations = await write.ExistingLocationsAsync([.. lines.Select(l => l.Location).Distinct(StringComparer.Ordinal)], cancellationToken);
        var validation = new Validation();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!skus.Contains(lines[i].Sku))
            {
                validation.Add($"lines[{i}].sku", $"there is no item '{lines[i].Sku}'");
            }

            if (!locations.Contains(lines[i].Location))
            {
                validation.Add($"lines[{i}].location", $"there is no location '{lines[i].Location}'");
            }
        }

        return validation.IsValid ? null : Problems.Unprocessable(validation.Errors, "Create items and locations before sending their supply. Nothing was changed.");
    }
}
