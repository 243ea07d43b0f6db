using System.Net.Http.Headers;

namespace Stockroom.Cli;

/// <summary>A running Stockroom server a command sends its rows to, and the key it sends them with.</summary>
public sealed record ServerTarget(Uri Address, string? ApiKey)
{
    /// <summary>Where the key comes from when <c>--api-key</c> is not given: a key on the command line shows in the process list.</summary>
    public const string ApiKeyVariable = "STOCKROOM_API_KEY";

    public HttpClient Open(TimeSpan timeout)
    {
        var http = new HttpClient { BaseAddress = Address, Timeout = timeout };
        if (!string.IsNullOrEmpty(ApiKey))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        }

        return http;
    }
}
