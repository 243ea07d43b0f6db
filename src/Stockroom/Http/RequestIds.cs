using System.Diagnostics;

namespace Stockroom.Http;

/// <summary>
/// Every answer carries <c>Request-Id</c>: the W3C trace id (32 hex digits) of the request's
/// activity. The same id is the <c>TraceId</c> of every log line written while the request is
/// handled, the <c>traceId</c> of a problem+json body, and the trace id of the request's spans when
/// they are exported — so a client that quotes it leads straight to the logs and the trace. A
/// caller that sends <c>traceparent</c> gets its own trace id back.
/// </summary>
public static class RequestIds
{
    public const string Header = "Request-Id";

    /// <summary>The request's id: its activity's trace id, or one made for it when no activity is listened to.</summary>
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(Header, out var known) && known is string id)
        {
            return id;
        }

        // The hosting layer starts the request's activity before any middleware runs; a request
        // without one (nothing listening) still gets an id of the same shape.
        var made = (Activity.Current?.TraceId ?? ActivityTraceId.CreateRandom()).ToHexString();
        context.Items[Header] = made;
        return made;
    }

    /// <summary>First in the pipeline, so that the header is on every answer: errors, 404s, refusals by authentication or the rate limiter.</summary>
    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var id = Of(context);
            // Set when the headers go out, since an exception handler clears those set before.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[Header] = id;
                return Task.CompletedTask;
            });
            return next(context);
        });
}
