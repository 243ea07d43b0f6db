using Stockroom.Features.Keys;

namespace Stockroom.Features.Insights;

public static class InsightsApi
{
    public static IEndpointRouteBuilder MapInsightsApi(this IEndpointRouteBuilder app)
    {
        var insights = app.MapGroup("/v1/insights").WithTags("Insights");
        insights.MapGet("/replenishment", ReplenishmentPlans.Get).RequireStoreWideScope(Scopes.Read).WithName("GetReplenishment")
            .WithSummary("Per SKU and location: average daily demand and its spread, safety stock at a service level, reorder point and what to order.");
        insights.MapPost("/replenishment/apply", ReplenishmentPlans.Apply).RequireStoreWideScope(Scopes.InventoryWrite).WithName("ApplyReplenishment")
            .WithSummary("Compute the same figures and make each row's safety stock the SKU's safety stock rule at that location.");
        insights.MapGet("/demand/{sku}", DemandHistory.Get).RequireStoreWideScope(Scopes.Read).WithName("GetDemandHistory")
            .WithSummary("Units shipped and lost for want of stock, per location and UTC day.");
        app.MapGet("/v1/valuation", Valuation.Get).RequireStoreWideScope(Scopes.Read).WithTags("Insights").WithName("GetValuation")
            .WithSummary("Stock value at weighted average cost and cost of goods sold; ?format=csv (or Accept: text/csv) exports it for accounting.");
        return app;
    }
}
