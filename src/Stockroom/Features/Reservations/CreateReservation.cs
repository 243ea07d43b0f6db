using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Core;
using Stockroom.Core.Demand;
using Stockroom.Features.Keys;
using Stockroom.Http;

namespace Stockroom.Features.Reservations;

public sealed record ReservationLineRequest(string? Sku, long? Quantity, string? Location, string? Group);

public sealed record CreateReservationRequest(
    string? Id,
    string? Channel,
    string? CustomerId,
    int? Priority,
    int? ExpiresInSeconds,
    bool? AllowPartial,
    bool? AllowBackorder,
    List<ReservationLineRequest>? Lines);

/// <summary>
/// Holds units for a cart or checkout. The request goes through the batching writer; the answer
/// is the reservation (201), or 409 with the shortage per line and nothing held.
/// </summary>
public static class CreateReservation
{
    public static async Task<Results<Created<Reservation>, ProblemHttpResult>> Handle(
        CreateReservationRequest request, HoldWriter writer, HttpResponse httpResponse, ClaimsPrincipal user, CancellationToken cancellationToken,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey = null)
    {
        var (id, mismatch) = IdempotencyKeys.Resolve(request.Id, idempotencyKey);
        if (mismatch is not null)
        {
            return mismatch;
        }

        request = request with { Id = id };
        var validation = Validate(request);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        if (Caller.Of(user).RefusesChannel(request.Channel) is { } refused)
        {
            return refused;
        }

        var submission = new HoldSubmission(
            new ReservationTerms(request.Id!, request.Channel!, request.CustomerId, request.Priority ?? 0, request.ExpiresInSeconds,
                request.AllowPartial ?? false, request.AllowBackorder ?? false),
            [.. request.Lines!.Select(l => new HoldLineRequest(l.Sku!, l.Quantity!.Value, l.Location, l.Group))],
            Idempotency.Hash(request));
        switch (await writer.SubmitAsync(submission, cancellationToken))
        {
            case HoldResult.Created created:
                httpResponse.Headers["Idempotent-Replayed"] = created.Replayed ? "true" : "false";
                return TypedResults.Created($"/v1/reservations/{created.Reservation.Id}", created.Reservation);
            case HoldResult.Insufficient insufficient:
                return Shortage(insufficient.Lines);
            case HoldResult.Unprocessable unprocessable:
                return Problems.Unprocessable(unprocessable.Errors.ToDictionary(), "The reservation refers to something that cannot be held. Nothing was held.");
            case HoldResult.Clash:
                return Problems.IdempotencyClash(request.Id!);
            default:
                httpResponse.Headers.RetryAfter = "1";
                return Problems.Overloaded("Too many holds are waiting.", "Retry after a second with the same id; nothing was held.");
        }
    }

    /// <summary>409 naming, for every line that fell short, what it asked and what could be promised.</summary>
    public static ProblemHttpResult Shortage(IReadOnlyList<LineOutcome> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var shortages = lines.Select((l, i) => (Line: i, Outcome: l)).Where(l => l.Outcome.Shortfall > 0).ToList();
        var problem = Problems.Conflict("insufficient-stock", "Not enough stock to hold every line.",
            "Nothing was held. Each line in errors says what it asked for and what could be promised.",
            shortages.ToDictionary(s => $"lines[{s.Line}].quantity", s => new[] { $"requested {s.Outcome.Requested}; {s.Outcome.Held} can be promised" }));
        problem.ProblemDetails.Extensions["shortages"] = shortages
            .Select(s => new { line = s.Line, sku = s.Outcome.Sku, requested = s.Outcome.Requested, available = s.Outcome.Held })
            .ToList();
        return problem;
    }

    private static Validation Validate(CreateReservationRequest request)
    {
        var validation = new Validation();
        validation.Identifier("id", request.Id);
        validation.Identifier("channel", request.Channel);
        validation.Text("customerId", request.CustomerId, Limits.NameLengthMax, required: false);
        validation.Range("priority", request.Priority, -Limits.PriorityMax, Limits.PriorityMax, required: false);
        validation.Range("expiresInSeconds", request.ExpiresInSeconds, 1, Limits.HoldSecondsMax, required: false);
        OrderLines.ValidateCount(validation, request.Lines?.Count);
        for (var i = 0; i < (request.Lines?.Count ?? 0); i++)
        {
            var line = request.Lines![i];
            if (!validation.DemandLine($"lines[{i}]", line, line?.Sku, line?.Quantity))
            {
                continue;
            }

            validation.Identifier($"lines[{i}].location", line.Location, required: false);
            validation.Identifier($"lines[{i}].group", line.Group, required: false);
            if (line.Location is not null && line.Group is not null)
            {
                validation.Add($"lines[{i}]", "give a location or a group, not both");
            }
        }

        return validation;
    }
}

/// <summary>Rules shared by the requests that carry demand lines.</summary>
internal static class OrderLines
{
    public static void ValidateCount(Validation validation, int? count)
    {
        if (count is null or 0)
        {
            validation.Add("lines", "must have at least one line");
        }
        else if (count > Limits.DemandLinesMax)
        {
            validation.Add("lines", $"must have at most {Limits.DemandLinesMax} lines");
        }
    }
}
