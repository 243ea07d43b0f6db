using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Core;

namespace Stockroom.Http;

/// <summary>
/// Turns what fails before or outside a handler — unreadable JSON, a body over the limit, a
/// broken invariant — into problem+json, so that no client ever has to parse an HTML page or
/// an empty body.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new ProblemDetails
            {
                Type = Problems.Type("body-too-large"),
                Title = "The request body is too large.",
                Status = StatusCodes.Status413PayloadTooLarge,
                Detail = $"Request bodies are limited to {Limits.RequestBodyBytesMax} bytes. Split the request.",
            },
            BadHttpRequestException { InnerException: JsonException json } => FromJson(json),
            BadHttpRequestException unbound when FromBinding(unbound) is { } invalid => invalid,
            BadHttpRequestException bad => new ProblemDetails
            {
                Type = Problems.Type("bad-request"),
                Title = "The request could not be read.",
                Status = bad.StatusCode,
                Detail = bad.Message,
            },
            InvariantViolationException broken => Invariant(broken),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ => Unexpected(exception),
        };

        if (problem is null)
        {
            return true;
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private ProblemDetails Invariant(InvariantViolationException broken)
    {
        Log.InvariantRefused(logger, broken.Message);
        return new ProblemDetails
        {
            Type = Problems.Type("invariant"),
            Title = "The change would break a stock invariant and was refused.",
            Status = StatusCodes.Status500InternalServerError,
            Detail = $"Nothing was changed. Rule: {broken.Message}.",
        };
    }

    private ProblemDetails Unexpected(Exception exception)
    {
        Log.Unexpected(logger, exception);
        return new ProblemDetails
        {
            Type = Problems.Type("internal"),
            Title = "Something went wrong on our side.",
            Status = StatusCodes.Status500InternalServerError,
            Detail = "The request was not applied. It is safe to retry it with the same id.",
        };
    }

    /// <summary>Names the field a JSON error is about, in the request's own terms.</summary>
    internal static HttpValidationProblemDetails FromJson(JsonException json)
    {
        // Only the root's "$." goes: a member may itself start with '$' ("$type").
        var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body"
            : json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path.TrimStart('$');
        string message;
        if (UnmappedMember().Match(json.Message) is { Success: true } unmapped)
        {
            var name = unmapped.Groups[1].Value;
            field = field == "body" ? name : field.EndsWith(name, StringComparison.Ordinal) ? field : $"{field}.{name}";
            message = "is not a known field";
        }
        else if (DuplicateMember().Match(json.Message) is { Success: true } duplicate)
        {
            // A raw JSON payload (intake) reports the document, not the member: name the member.
            field = field == "body" ? duplicate.Groups[1].Value : field;
            message = "must appear only once";
        }
        else if (ConvertTo().Match(json.Message) is { Success: true } convert)
        {
            message = Describe(convert.Groups[1].Value);
        }
        else if (json.Message.StartsWith("must ", StringComparison.Ordinal))
        {
            message = json.Message;
        }
        else
        {
            message = $"is not valid JSON: {FirstSentence(json.Message)}";
        }

        return Invalid(field, message);
    }

    /// <summary>
    /// A query value of the wrong type (<c>?limit=ten</c>, <c>?after=</c> beyond a long) or a body
    /// that is missing or <c>null</c>, as a validation problem naming the parameter like every
    /// other field error; null for any other refusal by the framework.
    /// </summary>
    internal static HttpValidationProblemDetails? FromBinding(BadHttpRequestException bad)
    {
        if (FailedToBind().Match(bad.Message) is { Success: true } failed)
        {
            var whole = failed.Groups[1].Value is "int" or "long" or "Int32" or "Int64";
            return Invalid(failed.Groups[2].Value, whole ? "must be a whole number in range" : "has the wrong format");
        }

        return NoBody().IsMatch(bad.Message) ? Invalid("body", "is required: send a JSON object") : null;
    }

    private static HttpValidationProblemDetails Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] })
        {
            Type = Problems.Type("validation"),
            Title = "The request is not valid.",
            Status = StatusCodes.Status400BadRequest,
            Detail = "See errors for the fields to correct. Nothing was changed.",
        };

    private static string Describe(string type) => type switch
    {
        _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) =>
            "must be a whole number in range (quantities are integers from 0 to 1000000000)",
        _ when type.Contains("Decimal", StringComparison.Ordinal) || type.Contains("Double", StringComparison.Ordinal) => "must be a number",
        _ when type.Contains("Boolean", StringComparison.Ordinal) => "must be true or false",
        _ when type.Contains("DateOnly", StringComparison.Ordinal) => "must be a date YYYY-MM-DD",
        _ when type.Contains("DateTimeOffset", StringComparison.Ordinal) => "must be an RFC 3339 timestamp, e.g. 2026-11-22T10:00:00Z",
        _ when type.Contains("String", StringComparison.Ordinal) => "must be a string",
        _ when type.Contains("List", StringComparison.Ordinal) || type.Contains("[]", StringComparison.Ordinal) => "must be an array",
        _ when type.Contains("Dictionary", StringComparison.Ordinal) => "must be an object of string values",
        _ when type.StartsWith("Stockroom.", StringComparison.Ordinal) && !type.Contains("Request", StringComparison.Ordinal) => "is not one of the allowed values",
        _ => "has the wrong type",
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }

    [GeneratedRegex(@"The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"^Failed to bind parameter ""(?:Nullable<)?(\w+)>? (\w+)"" from")]
    private static partial Regex FailedToBind();

    [GeneratedRegex(@"^(Implicit body inferred for parameter ""\w+"" but no body was provided|Required parameter ""[^""]*"" was not provided from body)")]
    private static partial Regex NoBody();

    [GeneratedRegex(@"Duplicate property '([^']*)'")]
    private static partial Regex DuplicateMember();

    [GeneratedRegex(@"could not be converted to (?:System\.Nullable`1\[)?([\w.`\[\], ]+?)\]?\. Path")]
    private static partial Regex ConvertTo();
}
