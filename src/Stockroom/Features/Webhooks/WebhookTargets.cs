using System.Net;
using System.Net.Sockets;

namespace Stockroom.Features.Webhooks;

/// <summary>How webhook delivery may reach the network: <c>Stockroom:Webhooks</c> in configuration.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Stockroom:Webhooks";

    /// <summary>
    /// Lets subscriptions target loopback, private, link-local, unique-local, CGNAT and reserved
    /// addresses: for an on-premises install whose subscribers live on the local network, and for
    /// tests. Unspecified, multicast and broadcast addresses stay refused: they are never a
    /// subscriber.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>The setting a refusal tells the operator to change: this one for webhooks, the connectors' own for them.</summary>
    internal string AllowSetting { get; init; } = WebhookTargets.AllowSetting;
}

/// <summary>
/// Which webhook targets Stockroom sends to. A subscription names a URL an admin typed, so without
/// this an API key could make the server post signed requests to itself, its database, the cloud
/// metadata service or anything else on the private network, and read the answer's status code
/// back from the delivery log (issue 18). The same rules apply to the URL at registration and to
/// every address the host resolves to when a delivery connects.
/// </summary>
public static class WebhookTargets
{
    public const string AllowSetting = "Stockroom:Webhooks:AllowPrivateNetworks";

    /// <summary>Why a URL may not be a webhook target, or null when it may (its host may still resolve to a refused address).</summary>
    public static string? RefuseUrl(string url, bool allowPrivateNetworks)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return "must be an absolute http(s) URL";
        }

        // A URL carrying credentials would send them to whoever answers; subscribers authenticate Stockroom by its signature.
        if (uri.UserInfo.Length > 0 || Authority(url).Contains('@', StringComparison.Ordinal))
        {
            return "must not carry a user name or password";
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.IdnHost.Trim('[', ']') : uri.IdnHost.TrimEnd('.');
        if (host.Length == 0)
        {
            return "must name a host";
        }

        // The URL parser and IPAddress both read every IPv4 notation (2130706433, 0x7f000001, 0177.0.0.1, 127.1) as the address it is.
        if (IPAddress.TryParse(host, out var address))
        {
            return Refuse(address, allowPrivateNetworks) is { } reason ? $"{reason}; {HowToAllow(allowPrivateNetworks)}" : null;
        }

        // RFC 6761: these names are loopback wherever they resolve.
        if (!allowPrivateNetworks && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)))
        {
            return $"names this machine ('{host}'); {HowToAllow(allowPrivateNetworks)}";
        }

        return null;
    }

    /// <summary>Why a delivery may not connect to this address, or null when it may.</summary>
    public static string? Refuse(IPAddress address, bool allowPrivateNetworks)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (kind, always) = Classify(address);
        return kind is null || (allowPrivateNetworks && !always) ? null : $"the target resolves to {Article(kind)} {kind} address {address}";
    }

    /// <summary>The sentence that follows a refusal: how to allow it, when a setting can.</summary>
    public static string HowToAllow(bool allowPrivateNetworks, string setting = AllowSetting) =>
        allowPrivateNetworks ? "no setting allows it" : $"set {setting}=true to allow it";

    /// <summary>
    /// What kind of non-public address this is (null for a public one), and whether it is refused
    /// even when private networks are allowed.
    /// </summary>
    public static (string? Kind, bool Always) Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return Classify(address.MapToIPv4());
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => ClassifyV6(address.GetAddressBytes()),
            _ => ("unknown", true),
        };
    }

    private static (string?, bool) ClassifyV4(byte[] b) => (b[0], b[1], b[2], b[3]) switch
    {
        (0, 0, 0, 0) => ("unspecified", true),
        (255, 255, 255, 255) => ("broadcast", true),
        (0, _, _, _) => ("reserved", false),
        (10, _, _, _) => ("private", false),
        (100, >= 64 and <= 127, _, _) => ("shared (CGNAT)", false),
        (127, _, _, _) => ("loopback", false),
        (169, 254, _, _) => ("link-local", false),
        (172, >= 16 and <= 31, _, _) => ("private", false),
        (192, 0, 0, _) => ("reserved", false),
        (192, 0, 2, _) or (198, 51, 100, _) or (203, 0, 113, _) => ("documentation", false),
        (192, 88, 99, _) => ("reserved", false),
        (192, 168, _, _) => ("private", false),
        (198, 18 or 19, _, _) => ("benchmarking", false),
        (>= 224 and <= 239, _, _, _) => ("multicast", true),
        (>= 240, _, _, _) => ("reserved", false),
        _ => (null, false),
    };

    private static (string?, bool) ClassifyV6(byte[] b)
    {
        var address = new IPAddress(b);
        if (address.Equals(IPAddress.IPv6None))
        {
            return ("unspecified", true);
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return ("loopback", false);
        }

        if (b[0] == 0xff)
        {
            return ("multicast", true);
        }

        // IPv4 carried inside IPv6 reaches the IPv4 address it carries: NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
        if (b is [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ..])
        {
            return ClassifyV4(b[12..16]);
        }

        if (b is [0x20, 0x02, ..])
        {
            return ClassifyV4(b[2..6]);
        }

        if ((b[0] & 0xfe) == 0xfc)
        {
            return ("unique-local", false);
        }

        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        {
            return ("link-local", false);
        }

        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
        {
            return ("site-local", false);
        }

        if (b is [0x20, 0x01, 0x0d, 0xb8, ..])
        {
            return ("documentation", false);
        }

        // Teredo tunnels (2001::/32) end at an address the tunnel chooses, not the one written.
        if (b is [0x20, 0x01, 0x00, 0x00, ..])
        {
            return ("reserved", false);
        }

        // Only 2000::/3 is global unicast; the rest (IPv4-compatible ::a.b.c.d, discard-only 100::/64, …) is not a subscriber.
        return (b[0] & 0xe0) == 0x20 ? (null, false) : ("reserved", false);
    }

    /// <summary>What the URL as written has between <c>//</c> and the path, where an empty user name hides as a bare <c>@</c>.</summary>
    private static string Authority(string url)
    {
        var start = url.IndexOf("//", StringComparison.Ordinal);
        if (start < 0)
        {
            return "";
        }

        var rest = url[(start + 2)..];
        var end = rest.IndexOfAny(['/', '?', '#', '\\']);
        return end < 0 ? rest : rest[..end];
    }

    private static string Article(string kind) => kind[0] is 'a' or 'e' or 'i' or 'o' or 'u' && !kind.StartsWith("uni", StringComparison.Ordinal) ? "an" : "a";
}
