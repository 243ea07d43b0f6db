using Microsoft.AspNetCore.Http.HttpResults;

namespace Stockroom.Http;

/// <summary>
/// The <c>Idempotency-Key</c> header of a write that creates something. A body without an <c>id</c>
/// takes the header's value as its id; a body with one must name the same (a client that sends two
/// different ids has a bug, and applying either could apply the request twice); with neither, the
/// endpoint's own validation refuses the missing id.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>The id the write goes under, or the refusal: 400 for a header that is not an identifier, 409 when it and the body disagree.</summary>
    public static (string? Id, ProblemHttpResult? Problem) Resolve(string? bodyId, string? headerKey)
    {
        if (headerKey is null)
        {
            return (bodyId, null);
        }

        var validation = new Validation();
        if (!validation.Identifier(Header, headerKey))
        {
            return (null, validation.Problem());
        }

        if (bodyId is not null && !string.Equals(bodyId, headerKey, StringComparison.Ordinal))
        {
            return (null, Problems.Conflict("idempotency-key-mismatch", "The Idempotency-Key header and the body's id differ.",
                $"The header says '{headerKey}' and the body's id '{bodyId}'. Send one of them, or the same value in both. Nothing was changed.",
                new Dictionary<string, string[]> { [Header] = [$"must equal the body's id '{bodyId}' when both are given"] }));
        }

        return (headerKey, null);
    }
}
