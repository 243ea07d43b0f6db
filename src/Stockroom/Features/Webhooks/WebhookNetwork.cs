using System.Net;
using System.Net.Sockets;

namespace Stockroom.Features.Webhooks;

/// <summary>
/// The two things delivery asks of the network: the addresses a host name resolves to, and a
/// connection to one address. Tests put a fake in its place, so that the connect-time check can be
/// shown refusing a public-looking name that resolves to a private address without any traffic
/// leaving the machine.
/// </summary>
public interface IWebhookNetwork
{
    Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken);

    Task<Stream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken);
}

/// <summary>The machine's resolver and TCP.</summary>
public sealed class SystemWebhookNetwork : IWebhookNetwork
{
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) =>
        await Dns.GetHostAddressesAsync(host, cancellationToken);

    public async Task<Stream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A delivery the target rules refused before any connection was made.</summary>
public sealed class WebhookTargetRefusedException(string message) : IOException(message);

/// <summary>
/// The webhook client's connect step (<see cref="SocketsHttpHandler.ConnectCallback"/>): resolves
/// the host, checks every address it resolves to, and connects only to a checked one. Checking
/// here, on the address actually connected, and not only when the URL is registered, is what
/// defeats DNS rebinding: a name that answered with a public address yesterday and a private one
/// now is refused now.
/// </summary>
public sealed class WebhookConnector(IWebhookNetwork network, WebhookOptions options)
{
    /// <summary>Addresses of one host tried at most, so that a resolver answering thousands cannot stall a delivery.</summary>
    public const int AddressesTriedMax = 8;

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        IReadOnlyList<IPAddress> addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await network.ResolveAsync(host, cancellationToken);
        if (addresses.Count == 0)
        {
            throw new WebhookTargetRefusedException($"'{host}' resolves to no address");
        }

        // One refused address refuses the host: a name that mixes public and private answers is an attack, not a subscriber.
        foreach (var address in addresses)
        {
            if (WebhookTargets.Refuse(address, options.AllowPrivateNetworks) is { } reason)
            {
                throw new WebhookTargetRefusedException($"{reason}; {WebhookTargets.HowToAllow(options.AllowPrivateNetworks, options.AllowSetting)}");
            }
        }

        Exception? last = null;
        foreach (var address in addresses.Take(AddressesTriedMax))
        {
            try
            {
                return await network.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
            }
            catch (SocketException exception)
            {
                last = exception;
            }
        }

        throw last!;
    }
}
