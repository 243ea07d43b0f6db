using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Stockroom.Http;

/// <summary>
/// RFC 9457 problem details for every refusal. Each kind of problem has a stable <c>type</c> URN
/// that clients can switch on; <c>errors</c> names the offending fields.
/// </summary>
public static class Problems
{
    public static string Type(string slug) => $"urn:stockroom:problem:{slug}";

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Type = Type("validation"),
            Title = "The request is not valid.",
            Status = StatusCodes.Status400BadRequest,
            Detail = detail ?? "See errors for the fields to correct. Nothing was changed.",
        });

    public static ProblemHttpResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult Unprocessable(IDictionary<string, string[]> errors, string detail) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Type = Type("unprocessable"),
            Title = "The request refers to something that cannot be used.",
            Status = StatusCodes.Status422UnprocessableEntity,
            Detail = detail,
        });

    public static ProblemHttpResult NotFound(string resource, string id) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = Type("not-found"),
            Title = $"No such {resource}.",
            Status = StatusCodes.Status404NotFound,
            Detail = $"There is no {resource} '{id}'.",
        });

    public static ProblemHttpResult Conflict(string slug, string title, string detail, IDictionary<string, string[]>? errors = null) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors ?? new Dictionary<string, string[]>())
        {
            Type = Type(slug),
            Title = title,
            Status = StatusCodes.Status409Conflict,
            Detail = detail,
        });

    /// <summary>Reads one resource by its identifier: 400 for a malformed id, 404 when there is none.</summary>
    public static async Task<Results<Ok<T>, ProblemHttpResult>> FindAsync<T>(string field, string id, string resource, Func<Task<T?>> find)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(find);
        var validation = new Validation();
        if (!validation.Identifier(field, id))
        {
            return validation.Problem();
        }

        return await find() is { } found ? TypedResults.Ok(found) : NotFound(resource, id);
    }

    public static ProblemHttpResult Unauthorized() =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = Type("unauthorized"),
            Title = "An API key is needed.",
            Status = StatusCodes.Status401Unauthorized,
            Detail = "Send 'Authorization: Bearer <key>' with a key in force.",
        });

    /// <summary>403: the key is valid but may not do this (its scopes, or the channel it is bound to).</summary>
    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = Type("forbidden"),
            Title = "This key may not do that.",
            Status = StatusCodes.Status403Forbidden,
            Detail = detail,
        });

    public static ProblemHttpResult TooManyRequests(int retryAfterSeconds) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = Type("rate-limited"),
            Title = "Too many requests with this key.",
            Status = StatusCodes.Status429TooManyRequests,
            Detail = $"Retry after {retryAfterSeconds} s. Nothing was changed.",
        });

    /// <summary>503 for work refused because too much of its kind is waiting; the caller sets Retry-After.</summary>
    public static ProblemHttpResult Overloaded(string title, string detail) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = Type("overloaded"),
            Title = title,
            Status = StatusCodes.Status503ServiceUnavailable,
            Detail = detail,
        });

    /// <summary>Too many keys that are not in force from one address: refused before the key is looked up.</summary>
    public static ProblemHttpResult TooManyFailedAuthentications(int retryAfterSeconds) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = Type("too-many-failed-authentications"),
            Title = "Too many keys that are not in force from this address.",
            Status = StatusCodes.Status429TooManyRequests,
            Detail = $"Retry after {retryAfterSeconds} s. Keys already in use from here carry on. Nothing was changed.",
        });

    /// <summary>
    /// Completes the problems the framework writes by itself, which carry no detail: an unknown
    /// route (404), a method the route does not take (405), a body over the limit (413, when
    /// refused before the handler reads it) and a body that is not JSON (415). They get a stable
    /// type like every other refusal, and the detail the contract promises for every error. Every
    /// problem's <c>traceId</c> is the request's id, as in its <c>Request-Id</c> header.
    /// </summary>
    public static void Complete(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        // The framework's traceId is the whole traceparent; the body names the same id as the Request-Id header and the logs.
        problem.Extensions["traceId"] = RequestIds.Of(context.HttpContext);
        if (problem.Detail is not null)
        {
            return;
        }

        (string Slug, string Detail)? known = problem.Status switch
        {
            StatusCodes.Status404NotFound => ("not-found", "There is no such route. The API is described at /openapi/v1.json."),
            StatusCodes.Status405MethodNotAllowed => ("method-not-allowed", "This route does not take this method. Nothing was changed."),
            StatusCodes.Status413PayloadTooLarge => ("body-too-large", $"Request bodies are limited to {Core.Limits.RequestBodyBytesMax} bytes. Split the request."),
            StatusCodes.Status415UnsupportedMediaType => ("unsupported-media-type", "Send the body as application/json in UTF-8. Nothing was changed."),
            _ => null,
        };
        if (known is { } slugAndDetail)
        {
            problem.Type = Type(slugAndDetail.Slug);
            problem.Detail = slugAndDetail.Detail;
        }
        else
        {
            problem.Detail = $"{problem.Title ?? "The request was refused"}. Nothing was changed.";
        }
    }

    public static ProblemHttpResult IdempotencyClash(string key) =>
        Conflict("idempotency-clash", "This id was already used for a different request.",
            $"A request with id '{key}' was already applied with a different body. Send a new id for a new request.");
}
