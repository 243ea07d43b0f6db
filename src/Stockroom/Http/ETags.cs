using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Stockroom.Http;

/// <summary>
/// Strong entity tags for catalog and rule resources: the SHA-256 of the resource's JSON as the API
/// shows it, so that any change to what a client reads (its <c>updatedAt</c> included) is a new tag,
/// and every process computes the same tag for the same stored row without keeping a version column.
/// </summary>
public static class ETags
{
    /// <summary>Hex digits of the digest kept in a tag: 128 bits, ample against accidental equality.</summary>
    private const int TagHexLength = 32;

    public static string Of(object resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var json = JsonSerializer.SerializeToUtf8Bytes(resource, resource.GetType(), StockroomJson.Options);
        return $"\"{Convert.ToHexStringLower(SHA256.HashData(json))[..TagHexLength]}\"";
    }

    /// <summary>
    /// Sets <c>ETag</c> on a 200 or 201 answer that carries a resource; on a GET whose
    /// <c>If-None-Match</c> names the tag (or <c>*</c>), answers 304 Not Modified without the body.
    /// </summary>
    public static TBuilder WithETag<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Tagged.Instance).AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var inner = result is INestedHttpResult nested ? nested.Result : result;
            if (inner is not IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK or StatusCodes.Status201Created } || inner is not IValueHttpResult { Value: { } value })
            {
                return result;
            }

            var http = context.HttpContext;
            var tag = Of(value);
            http.Response.Headers.ETag = tag;
            if (HttpMethods.IsGet(http.Request.Method) && Matches(http.Request.GetTypedHeaders().IfNoneMatch, tag, strong: false))
            {
                return TypedResults.StatusCode(StatusCodes.Status304NotModified);
            }

            return result;
        });

    /// <summary>Endpoint metadata: the resource carries an <c>ETag</c>, and its writes take preconditions (the OpenAPI document says so).</summary>
    public sealed class Tagged
    {
        public static readonly Tagged Instance = new();

        private Tagged()
        {
        }
    }

    /// <summary>
    /// Reads <c>If-Match</c> and <c>If-None-Match</c> from a write. Null conditions when neither is sent;
    /// a 400 for one that is not a list of entity tags or <c>*</c>.
    /// </summary>
    public static (WriteConditions? Conditions, ProblemHttpResult? Problem) Conditions(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ifMatch = request.Headers.IfMatch;
        var ifNoneMatch = request.Headers.IfNoneMatch;
        if (ifMatch.Count == 0 && ifNoneMatch.Count == 0)
        {
            return (null, null);
        }

        var validation = new Validation();
        var match = Parse(HeaderNames.IfMatch, ifMatch, validation);
        var noneMatch = Parse(HeaderNames.IfNoneMatch, ifNoneMatch, validation);
        return validation.IsValid ? (new WriteConditions(match, noneMatch), null) : (null, validation.Problem());
    }

    private static IList<EntityTagHeaderValue>? Parse(string header, Microsoft.Extensions.Primitives.StringValues values, Validation validation)
    {
        if (values.Count == 0)
        {
            return null;
        }

        if (!EntityTagHeaderValue.TryParseStrictList([.. values.Select(v => v ?? "")], out var tags) || tags is null or { Count: 0 })
        {
            validation.Add(header, "must be * or a list of quoted entity tags, e.g. \"3f2a…\"");
            return null;
        }

        return tags;
    }

    /// <summary>Whether a tag list names this tag, or is <c>*</c>. Weak tags never match under the strong comparison If-Match uses.</summary>
    internal static bool Matches(IList<EntityTagHeaderValue>? tags, string tag, bool strong)
    {
        if (tags is null or { Count: 0 })
        {
            return false;
        }

        var current = new EntityTagHeaderValue(tag);
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: strong));
    }

    public static ProblemHttpResult PreconditionFailed(string detail) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = Problems.Type("precondition-failed"),
            Title = "The resource is not in the state the request's precondition names.",
            Status = StatusCodes.Status412PreconditionFailed,
            Detail = detail,
        });
}

/// <summary>
/// The preconditions of a PUT or DELETE, checked inside the write against the row as it is then
/// (locked for the rest of the transaction), so that no other write can slip in between the check
/// and the change.
/// </summary>
public sealed record WriteConditions(IList<EntityTagHeaderValue>? IfMatch, IList<EntityTagHeaderValue>? IfNoneMatch)
{
    /// <summary>Null when the write may go ahead on this current resource (null: there is none); else the 412.</summary>
    public ProblemHttpResult? Check(object? current)
    {
        var tag = current is null ? null : ETags.Of(current);
        if (IfMatch is not null && (tag is null || !ETags.Matches(IfMatch, tag, strong: true)))
        {
            return ETags.PreconditionFailed(tag is null
                ? "If-Match names a version, but the resource does not exist. Nothing was changed."
                : $"If-Match does not name the current version, {tag}: the resource changed since it was read. Read it again. Nothing was changed.");
        }

        if (IfNoneMatch is not null && tag is not null && ETags.Matches(IfNoneMatch, tag, strong: false))
        {
            return ETags.PreconditionFailed(IfNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any))
                ? "If-None-Match: * asks to create only, and the resource exists. Nothing was changed."
                : $"If-None-Match names the current version, {tag}. Nothing was changed.");
        }

        return null;
    }
}
