using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core.Alerts;
using Stockroom.Core.Catalog;
using Stockroom.Core.Rules;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Features.Rules;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// Safety stock and low-stock rules, each list paged in the store in rule order and narrowed to one
/// SKU if asked, with forms that set and delete rules through the rule endpoints' own handlers.
/// </summary>
public sealed class RulesModel(IStockStore store, KeyRing keys) : PageModel
{
    public const int PageSize = 100;

    public string? Sku { get; private set; }
    public IReadOnlyList<SafetyStockRule> SafetyRules { get; private set; } = [];
    public string? SafetyNext { get; private set; }
    public IReadOnlyList<LowStockRule> LowStockRules { get; private set; } = [];
    public string? LowStockNext { get; private set; }
    public IReadOnlyList<Location> Locations { get; private set; } = [];
    public IReadOnlyList<DistributionGroup> Groups { get; private set; } = [];
    public bool MayWrite { get; private set; }
    public SafetyRuleForm SafetyForm { get; private set; } = new();
    public FormFields SafetyFields { get; } = new("safety-");
    public LowStockRuleForm LowStockForm { get; private set; } = new();
    public FormFields LowStockFields { get; } = new("low-");

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Refusal { get; set; }

    public async Task OnGetAsync(string? sku, string? safetyAfter, string? lowAfter, CancellationToken cancellationToken)
    {
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken);
        await ListAsync(sku, safetyAfter, lowAfter, cancellationToken);
    }

    public async Task<IActionResult> OnPostSafetyAsync(SafetyRuleForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.InventoryWrite);
        }

        MayWrite = true;
        SafetyForm = form;
        var request = new SafetyStockRuleRequest(FormFields.Blank(form.Sku), FormFields.Blank(form.Location), FormFields.Blank(form.Group),
            SafetyFields.Units(form.Units, "units"), SafetyFields.Amount(form.Percent, "percent"), SafetyFields.Whole(form.VipPriority, "vipPriority"));
        if (!SafetyFields.Failed)
        {
            // The same rule again changes nothing: no new version, no event.
            if (await store.FindSafetyRuleAsync(request.Sku, request.Location, request.Group, cancellationToken) is { } existing
                && existing.Units == request.Units && existing.Percent == request.Percent && existing.VipPriority == request.VipPriority)
            {
                Message = $"The safety stock rule for {Describe(request.Sku, request.Location, request.Group)} was already set so: nothing was changed.";
                return Redirect("/admin/rules");
            }

            var result = await SafetyStockRulesApi.Put(request, store, Request, cancellationToken);
            if (SafetyFields.Accepted(result.Result))
            {
                Message = $"Safety stock rule for {Describe(request.Sku, request.Location, request.Group)} set.";
                return Redirect("/admin/rules");
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await ListAsync(null, null, null, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostLowStockAsync(LowStockRuleForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.InventoryWrite);
        }

        MayWrite = true;
        LowStockForm = form;
        var request = new LowStockRuleRequest(FormFields.Blank(form.Sku), FormFields.Blank(form.Location), FormFields.Blank(form.Group),
            LowStockFields.Units(form.Threshold, "threshold"));
        if (!LowStockFields.Failed)
        {
            // The same rule again changes nothing: no new version, no event.
            if (await store.FindLowStockRuleAsync(request.Sku, request.Location, request.Group, cancellationToken) is { } existing
                && existing.Threshold == request.Threshold)
            {
                Message = $"The low-stock rule for {Describe(request.Sku, request.Location, request.Group)} was already set so: nothing was changed.";
                return Redirect("/admin/rules#low-stock");
            }

            var result = await LowStockRulesApi.Put(request, store, Request, cancellationToken);
            if (LowStockFields.Accepted(result.Result))
            {
                Message = $"Low-stock rule for {Describe(request.Sku, request.Location, request.Group)} set.";
                return Redirect("/admin/rules#low-stock");
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await ListAsync(null, null, null, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteSafetyAsync(string? sku, string? location, string? group, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.InventoryWrite);
        }

        var result = await SafetyStockRulesApi.Delete(store, Request, cancellationToken, sku, location, group);
        (Message, Refusal) = AdminOutcome.From(result.Result, $"Safety stock rule for {Describe(sku, location, group)} deleted.").Flash;
        return Redirect("/admin/rules");
    }

    public async Task<IActionResult> OnPostDeleteLowStockAsync(string? sku, string? location, string? group, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.InventoryWrite);
        }

        var result = await LowStockRulesApi.Delete(store, Request, cancellationToken, sku, location, group);
        (Message, Refusal) = AdminOutcome.From(result.Result, $"Low-stock rule for {Describe(sku, location, group)} deleted.").Flash;
        return Redirect("/admin/rules#low-stock");
    }

    private async Task ListAsync(string? sku, string? safetyAfter, string? lowAfter, CancellationToken cancellationToken)
    {
        Sku = string.IsNullOrWhiteSpace(sku) || !Core.Identifier.IsValid(sku.Trim()) ? null : sku.Trim();
        // The rule endpoints' own lists: the same order, filter and cursors as GET /v1/rules/safety-stock and /low-stock.
        if ((await SafetyStockRulesApi.List(store, cancellationToken, Sku, safetyAfter, PageSize)).Result is Ok<Page<SafetyStockRule>> { Value: { } safety })
        {
            (SafetyRules, SafetyNext) = (safety.Data, safety.Next);
        }

        if ((await LowStockRulesApi.List(store, cancellationToken, Sku, lowAfter, PageSize)).Result is Ok<Page<LowStockRule>> { Value: { } low })
        {
            (LowStockRules, LowStockNext) = (low.Data, low.Next);
        }

        Locations = await ManagePages.ReadAllAsync((after, size) => store.ListLocationsAsync(after, size, cancellationToken), l => l.Id);
        Groups = await ManagePages.ReadAllAsync((after, size) => store.ListGroupsAsync(after, size, cancellationToken), g => g.Id);
    }

    /// <summary>What a rule applies to, as people say it: "SKU-1 at store-7", "every position".</summary>
    public static string Describe(string? sku, string? location, string? group)
    {
        var parts = new List<string>();
        if (sku is not null)
        {
            parts.Add(sku);
        }

        if (location is not null)
        {
            parts.Add($"at {location}");
        }

        if (group is not null)
        {
            parts.Add($"in group {group}");
        }

        return parts.Count == 0 ? "every position" : string.Join(" ", parts);
    }
}

/// <summary>A safety stock rule as the form posts it.</summary>
public sealed class SafetyRuleForm
{
    public string? Sku { get; set; }
    public string? Location { get; set; }
    public string? Group { get; set; }
    public string? Units { get; set; }
    public string? Percent { get; set; }
    public string? VipPriority { get; set; }
}

/// <summary>A low-stock rule as the form posts it.</summary>
public sealed class LowStockRuleForm
{
    public string? Sku { get; set; }
    public string? Location { get; set; }
    public string? Group { get; set; }
    public string? Threshold { get; set; }
}
