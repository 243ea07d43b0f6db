using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Stockroom.Client;

/// <summary>
/// An RFC 9457 problem as the server answered it: <c>type</c> (a stable
/// <c>urn:stockroom:problem:&lt;slug&gt;</c>), <c>title</c>, <c>status</c>, <c>detail</c>, the
/// offending fields in <c>errors</c>, and every other member in <see cref="Extensions"/>.
/// </summary>
public sealed record StockroomProblem
{
    public const string TypePrefix = "urn:stockroom:problem:";

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoErrors = new Dictionary<string, IReadOnlyList<string>>();
    private static readonly IReadOnlyDictionary<string, JsonElement> NoExtensions = new Dictionary<string, JsonElement>();

    public string Type { get; init; } = "about:blank";

    public string? Title { get; init; }

    public int Status { get; init; }

    public string? Detail { get; init; }

    public string? Instance { get; init; }

    /// <summary>Messages by field, e.g. <c>lines[0].quantity</c>; empty when the problem names no field.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Errors { get; init; } = NoErrors;

    /// <summary>Members beyond the standard ones, e.g. <c>shortages</c> or <c>traceId</c>.</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; init; } = NoExtensions;

    /// <summary>The part of a Stockroom type after <see cref="TypePrefix"/>, e.g. <c>insufficient-stock</c>; null for other types.</summary>
    public string? Slug => Type.StartsWith(TypePrefix, StringComparison.Ordinal) ? Type[TypePrefix.Length..] : null;

    /// <summary>Reads problem details; null when <paramref name="root"/> is not a JSON object.</summary>
    internal static StockroomProblem? From(JsonElement root, int status)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var problem = new StockroomProblem { Status = status };
        var errors = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var member in root.EnumerateObject())
        {
            switch (member.Name)
            {
                case "type" when member.Value.ValueKind == JsonValueKind.String:
                    problem = problem with { Type = member.Value.GetString()! };
                    break;
                case "title" when member.Value.ValueKind == JsonValueKind.String:
                    problem = problem with { Title = member.Value.GetString() };
                    break;
                case "detail" when member.Value.ValueKind == JsonValueKind.String:
                    problem = problem with { Detail = member.Value.GetString() };
                    break;
                case "instance" when member.Value.ValueKind == JsonValueKind.String:
                    problem = problem with { Instance = member.Value.GetString() };
                    break;
                case "status" when member.Value.TryGetInt32(out var written):
                    // The status line is what happened; a body that says otherwise is kept among the extensions.
                    if (written != status)
                    {
                        extensions[member.Name] = member.Value.Clone();
                    }

                    break;
                case "errors" when member.Value.ValueKind == JsonValueKind.Object:
                    foreach (var field in member.Value.EnumerateObject())
                    {
                        errors[field.Name] = field.Value.ValueKind switch
                        {
                            JsonValueKind.Array => [.. field.Value.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText())],
                            JsonValueKind.String => [field.Value.GetString()!],
                            _ => [field.Value.GetRawText()],
                        };
                    }

                    break;
                default:
                    extensions[member.Name] = member.Value.Clone();
                    break;
            }
        }

        return problem with { Errors = errors, Extensions = extensions };
    }
}

/// <summary>
/// A request the server refused, with its problem details. Kinds that integrators switch on have
/// their own exceptions, chosen by the problem's <c>type</c> first and its status second:
/// <see cref="ValidationException"/> (400), <see cref="UnauthorizedException"/> (401),
/// <see cref="ForbiddenException"/> (403), <see cref="NotFoundException"/> (404),
/// <see cref="ConflictException"/> (409, with <see cref="InsufficientStockException"/> and
/// <see cref="IdempotencyConflictException"/>), <see cref="PreconditionFailedException"/> (412),
/// <see cref="UnprocessableException"/> (422) and <see cref="RateLimitedException"/> (429).
/// A refused request changed nothing on the server.
/// </summary>
public class StockroomProblemException(StockroomProblem problem, TimeSpan? retryAfter = null) : Exception(Describe(problem))
{
    public StockroomProblem Problem { get; } = problem;

    public int Status => Problem.Status;

    /// <summary>The problem type, e.g. <c>urn:stockroom:problem:insufficient-stock</c>.</summary>
    public string Type => Problem.Type;

    public string? Title => Problem.Title;

    public string? Detail => Problem.Detail;

    /// <summary>Messages by field; empty when the problem names no field.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Errors => Problem.Errors;

    /// <summary>Every member of the problem beyond the standard ones, as sent.</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions => Problem.Extensions;

    /// <summary>How long the server asked to wait before sending again (<c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    private static string Describe(StockroomProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture, $"{problem.Status} {problem.Title ?? "The request was refused."}");
        if (problem.Detail is not null)
        {
            message.Append(' ').Append(problem.Detail);
        }

        message.Append(" (").Append(problem.Type).Append(')');
        foreach (var (field, messages) in problem.Errors)
        {
            message.Append(CultureInfo.InvariantCulture, $" {field}: {string.Join("; ", messages)}.");
        }

        return message.ToString();
    }

    /// <summary>The exception for a refusal: by the problem's type when it is one integrators switch on, else by its status.</summary>
    internal static StockroomProblemException Create(StockroomProblem problem, HttpResponseHeaders headers, HttpContentHeaders contentHeaders)
    {
        var retryAfter = RetryAfterOf(headers);
        var kind = problem.Slug switch
        {
            "validation" => Kind.Validation,
            "unauthorized" => Kind.Unauthorized,
            "forbidden" => Kind.Forbidden,
            "not-found" => Kind.NotFound,
            "insufficient-stock" => Kind.InsufficientStock,
            { } slug when slug.StartsWith("idempotency", StringComparison.Ordinal) => Kind.IdempotencyConflict,
            "precondition-failed" => Kind.PreconditionFailed,
            "unprocessable" => Kind.Unprocessable,
            "rate-limited" or "too-many-failed-authentications" => Kind.RateLimited,
            _ => problem.Status switch
            {
                400 => Kind.Validation,
                401 => Kind.Unauthorized,
                403 => Kind.Forbidden,
                404 => Kind.NotFound,
                409 => Kind.Conflict,
                412 => Kind.PreconditionFailed,
                422 => Kind.Unprocessable,
                429 => Kind.RateLimited,
                _ => Kind.Other,
            },
        };
        return kind switch
        {
            Kind.Validation => new ValidationException(problem),
            Kind.Unauthorized => new UnauthorizedException(problem),
            Kind.Forbidden => new ForbiddenException(problem),
            Kind.NotFound => new NotFoundException(problem),
            Kind.InsufficientStock => new InsufficientStockException(problem),
            Kind.IdempotencyConflict => new IdempotencyConflictException(problem),
            Kind.Conflict => new ConflictException(problem),
            Kind.PreconditionFailed => new PreconditionFailedException(problem),
            Kind.Unprocessable => new UnprocessableException(problem),
            Kind.RateLimited => new RateLimitedException(problem, retryAfter, Header(headers, contentHeaders, "RateLimit-Limit"),
                Header(headers, contentHeaders, "RateLimit-Remaining"), Header(headers, contentHeaders, "RateLimit-Reset") is { } reset ? TimeSpan.FromSeconds(reset) : null),
            _ => new StockroomProblemException(problem, retryAfter),
        };
    }

    private enum Kind
    {
        Other,
        Validation,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        InsufficientStock,
        IdempotencyConflict,
        PreconditionFailed,
        Unprocessable,
        RateLimited,
    }

    private static TimeSpan? RetryAfterOf(HttpResponseHeaders headers) => headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > DateTimeOffset.UtcNow ? date - DateTimeOffset.UtcNow : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>The leading whole number of a header such as <c>RateLimit-Remaining: 0</c> (or <c>10, 10;w=1</c>).</summary>
    private static long? Header(HttpResponseHeaders headers, HttpContentHeaders contentHeaders, string name)
    {
        if (!headers.TryGetValues(name, out var values) && !contentHeaders.TryGetValues(name, out values))
        {
            return null;
        }

        var first = values.FirstOrDefault()?.Trim() ?? "";
        var digits = first.TakeWhile(char.IsAsciiDigit).Count();
        return digits > 0 && long.TryParse(first.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}

/// <summary>400: the request is malformed or invalid; <see cref="StockroomProblemException.Errors"/> names each field to correct.</summary>
public sealed class ValidationException(StockroomProblem problem) : StockroomProblemException(problem);

/// <summary>401: no API key was sent, or the key is not in force.</summary>
public sealed class UnauthorizedException(StockroomProblem problem) : StockroomProblemException(problem);

/// <summary>403: the key is valid but may not do this (its scopes, or the channel it is bound to).</summary>
public sealed class ForbiddenException(StockroomProblem problem) : StockroomProblemException(problem);

/// <summary>404: there is no such resource (or none this key may see).</summary>
public sealed class NotFoundException(StockroomProblem problem) : StockroomProblemException(problem);

/// <summary>409: the request conflicts with the state it meets: not enough stock, an id used for another request, an illegal transition.</summary>
public class ConflictException(StockroomProblem problem) : StockroomProblemException(problem);

/// <summary>409 <c>insufficient-stock</c>: not every line could be held, and nothing was held.</summary>
public sealed class InsufficientStockException(StockroomProblem problem) : ConflictException(problem)
{
    /// <summary>Each line that fell short: what it asked for and what could be promised.</summary>
    public IReadOnlyList<StockShortage> Shortages { get; } = ShortagesOf(problem);

    private static List<StockShortage> ShortagesOf(StockroomProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Extensions.TryGetValue("shortages", out var shortages) && shortages.ValueKind == JsonValueKind.Array
            ? shortages.Deserialize<List<StockShortage>>(StockroomTransport.Json) ?? []
            : [];
    }
}

/// <summary>One line of a refused hold: <see cref="Line"/> is its index in the request's <c>lines</c>.</summary>
public sealed record StockShortage(int Line, string Sku, long Requested, long Available)
{
    /// <summary>The units that could not be promised.</summary>
    public long Missing => Requested - Available;
}

/// <summary>409: this id (or <c>Idempotency-Key</c>) was already used for a request with a different body.</summary>
public sealed class IdempotencyConflictException(StockroomProblem problem) : ConflictException(problem);

/// <summary>412: the resource changed since its <c>ETag</c> was read; read it again and decide again.</summary>
public sealed class PreconditionFailedException(StockroomProblem problem) : StockroomProblemException(problem);

/// <summary>422: well-formed, but refers to something that cannot be used (a draft item, an unknown SKU or location).</summary>
public sealed class UnprocessableException(StockroomProblem problem) : StockroomProblemException(problem);

/// <summary>429: this key (or address) sent too many requests; send again after <see cref="StockroomProblemException.RetryAfter"/>.</summary>
public sealed class RateLimitedException(StockroomProblem problem, TimeSpan? retryAfter, long? limit, long? remaining, TimeSpan? reset)
    : StockroomProblemException(problem, retryAfter)
{
    /// <summary>The key's request budget (<c>RateLimit-Limit</c>), when the server said.</summary>
    public long? Limit { get; } = limit;

    /// <summary>Requests left in the budget (<c>RateLimit-Remaining</c>), when the server said.</summary>
    public long? Remaining { get; } = remaining;

    /// <summary>When the budget is whole again (<c>RateLimit-Reset</c>), when the server said.</summary>
    public TimeSpan? Reset { get; } = reset;
}
