namespace Stockroom.Features.Keys;

/// <summary>
/// An API key created through the API: what it may do (scopes, maybe one channel), and the
/// SHA-256 digest of its secret, never the secret itself. <see cref="Prefix"/> is the secret's
/// first characters, enough for a person to tell keys apart.
/// </summary>
public sealed record StoredApiKey(
    string Id,
    string Name,
    string KeyHash,
    string Prefix,
    IReadOnlyList<string> Scopes,
    string? Channel,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt);
