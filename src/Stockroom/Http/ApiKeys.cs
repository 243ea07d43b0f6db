using System.Security.Cryptography;
using System.Text;

namespace Stockroom.Http;

/// <summary>One configured key: its scopes (admin, inventory:write, reservations:write, read) and, optionally, its channel.</summary>
public sealed class ApiKeyEntry
{
    public string Key { get; set; } = "";
    public string Scopes { get; set; } = "";
    public string? Channel { get; set; }

    public IReadOnlySet<string> ScopeSet() => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// The keys from configuration (<c>Stockroom:ApiKeys:n:Key</c>, <c>:Scopes</c>, <c>:Channel</c>).
/// With none configured Stockroom runs open, and says so at start-up.
/// </summary>
public sealed class ApiKeys(IReadOnlyList<ApiKeyEntry> keys)
{
    public bool Configured => keys.Count > 0;

    /// <summary>The entry whose key this is, compared in constant time, or null.</summary>
    public ApiKeyEntry? Find(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyEntry? found = null;
        foreach (var entry in keys)
        {
            // Every key is compared, so that timing tells nothing about which one was close.
            if (CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(entry.Key))))
            {
                found = entry;
            }
        }

        return found;
    }

    public static ApiKeys From(IConfiguration configuration) =>
        new(configuration.GetSection("Stockroom:ApiKeys").Get<List<ApiKeyEntry>>()?.Where(k => k.Key.Length > 0).ToList() ?? []);
}
