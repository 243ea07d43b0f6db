using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core.Supply;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Transfers;

public static class TransfersApi
{
    public static RouteGroupBuilder MapTransfersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/transfers").WithTags("Supply");
        group.MapPost("/", CreateTransfer.Handle).RequireStoreWideScope(Scopes.InventoryWrite).WithName("CreateTransfer")
            .WithSummary("Send on-hand units from one location to another, in transit until received; idempotent by id.");
        group.MapPost("/{id}/receive", ReceiveTransfer.Handle).RequireStoreWideScope(Scopes.InventoryWrite).WithName("ReceiveTransfer")
            .WithSummary("Receive a transfer: what is in transit under its id becomes on-hand at its destination.");
        group.MapGet("/{id}", Get).RequireStoreWideScope(Scopes.Read).WithName("GetTransfer").WithSummary("Read one transfer.");
        return group;
    }

    public static Task<Results<Ok<Transfer>, ProblemHttpResult>> Get(string id, IStockStore store, CancellationToken cancellationToken) =>
        Problems.FindAsync("id", id, "transfer", () => store.GetTransferAsync(id, cancellationToken));
}
