using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Intake;

/// <summary>
/// Keeps in the audit trail the deliveries to intake that are refused before the handler runs: no
/// key or one not in force (401, <see cref="DeliveryOutcome.Unauthenticated"/>; 429 when its address
/// had presented too many such keys to have it looked up), or a key whose
/// scopes do not allow intake (403, <see cref="DeliveryOutcome.Refused"/>). The payload is not
/// read. Such requests are not rate limited (the limiter counts per key), so at most
/// <see cref="RowsPerSecondMax"/> of them a second become rows; the rest are only counted in
/// <c>stockroom.intake.deliveries</c>, so that anonymous traffic cannot grow the table at will.
/// </summary>
internal sealed class IntakeDoor(IStockStore store, TimeProvider time, ILogger<IntakeDoor> logger) : IAuthorizationMiddlewareResultHandler
{
    public const int RowsPerSecondMax = 10;

    private readonly AuthorizationMiddlewareResultHandler _inner = new();
    private readonly Lock _lock = new();
    private long _second;
    private int _rows;

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if ((authorizeResult.Challenged || authorizeResult.Forbidden)
            && context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == IntakeApi.OrderEndpoint
            && context.Request.RouteValues["format"] is string format && MarketplaceOrders.Formats.Contains(format))
        {
            var (outcome, problem) = authorizeResult.Challenged
                ? (DeliveryOutcome.Unauthenticated, FailedAuthentication.WasRefused(context, out var retryAfter)
                    ? Problems.TooManyFailedAuthentications(retryAfter).ProblemDetails
                    : Problems.Unauthorized().ProblemDetails)
                : (DeliveryOutcome.Refused, Problems.Forbidden("This key's scopes do not allow this request.").ProblemDetails);
            var delivery = IntakeAudit.Of(format, outcome, problem);
            if (Admit())
            {
                await IntakeAudit.RecordAsync(store, [delivery], logger, CancellationToken.None);
            }
            else
            {
                Telemetry.IntakeDelivery(format, Sql.Text(outcome));
            }
        }

        await _inner.HandleAsync(next, context, policy, authorizeResult);
    }

    /// <summary>Whether this second still has room for a row.</summary>
    private bool Admit()
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        lock (_lock)
        {
            if (second != _second)
            {
                (_second, _rows) = (second, 0);
            }

            return ++_rows <= RowsPerSecondMax;
        }
    }
}
