using System.Net;
using System.Text.RegularExpressions;

namespace Stockroom.Tests;

/// <summary>
/// Signing in to the admin pages over plain HTTP, with the cookies carried by hand so that a
/// cookie from one server can be shown to another.
/// </summary>
public static partial class AdminSession
{
    public const string CookieName = "stockroom-admin";

    /// <summary>A client that neither keeps cookies nor follows redirects: each test says what it sends.</summary>
    public static HttpClient Client(Uri baseAddress) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseAddress };

    /// <summary>The sign-in form of <paramref name="formFrom"/>: its anti-forgery cookie and token.</summary>
    public static async Task<(string Cookie, string Token)> FormAsync(Uri formFrom)
    {
        using var client = Client(formFrom);
        using var page = await client.GetAsync("/admin/sign-in");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var token = TokenPattern().Match(html);
        Assert.True(token.Success, "the sign-in form carries an anti-forgery token");
        return (Cookies(page), WebUtility.HtmlDecode(token.Groups[1].Value));
    }

    /// <summary>Posts the sign-in form (fetched from <paramref name="formFrom"/>, or the same server) with a key.</summary>
    public static async Task<HttpResponseMessage> PostAsync(Uri server, string key, Uri? formFrom = null)
    {
        var (cookie, token) = await FormAsync(formFrom ?? server);
        using var client = Client(server);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/sign-in")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = key, ["__RequestVerificationToken"] = token }),
        };
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request);
    }

    /// <summary>Signs in with <paramref name="key"/> and answers the session cookie, as a Cookie header's value.</summary>
    public static async Task<string> SignInAsync(Uri server, string key, Uri? formFrom = null)
    {
        using var response = await PostAsync(server, key, formFrom);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"signing in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var session = Cookies(response).Split("; ").SingleOrDefault(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal));
        Assert.False(session is null, "signing in sets the session cookie");
        return session;
    }

    /// <summary>Requests an admin page with the session cookie.</summary>
    public static async Task<HttpResponseMessage> PageAsync(Uri server, string session, string path = "/admin/ledger")
    {
        using var client = Client(server);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", session);
        return await client.SendAsync(request);
    }

    /// <summary>Whether the page was shown (200) rather than sending the visitor to sign in.</summary>
    public static async Task<bool> ShowsAsync(Uri server, string session, string path = "/admin/ledger")
    {
        using var response = await PageAsync(server, session, path);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return true;
        }

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/admin/sign-in", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        return false;
    }

    private static string Cookies(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var set) ? set.Select(c => c.Split(';')[0]) : []);

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
