using Stockroom.Core;

namespace Stockroom.Http;

/// <summary>An endpoint that reads its request body as sent, besides binding it (to check a signature over the bytes).</summary>
public sealed class ReadsRawBody
{
    public static readonly ReadsRawBody Instance = new();
}

/// <summary>
/// Keeps the request body of endpoints marked <see cref="ReadsRawBody"/> in memory, so that the handler
/// can read the bytes its parameters were bound from. Kestrel's body limit still applies.
/// </summary>
public static class RawBodies
{
    public static TBuilder ReadsRawBody<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Http.ReadsRawBody.Instance);

    public static IApplicationBuilder UseRawBodies(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<ReadsRawBody>() is not null)
            {
                context.Request.EnableBuffering(bufferThreshold: Limits.RequestBodyBytesMax);
            }

            return next(context);
        });

    /// <summary>The body as sent, from its start, whatever has read it already.</summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Body.Position = 0;
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }
}
