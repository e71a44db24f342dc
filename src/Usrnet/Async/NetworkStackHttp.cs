using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Usrnet.Wire;

namespace Usrnet.Async;

/// <summary>
/// <see cref="HttpClient"/> over a <see cref="NetworkStack"/>: a <see cref="SocketsHttpHandler"/> whose
/// connections are <see cref="TcpStream"/>s of the stack instead of kernel sockets.
/// <code>
/// using HttpClient http = new(stack.CreateHttpHandler());
/// string page = await http.GetStringAsync("http://10.0.1.2:8000/");
/// </code>
/// </summary>
/// <remarks>
/// <para>Everything above TCP is the handler's own: HTTP/1.1 and HTTP/2, connection pooling, redirects,
/// decompression, and TLS. For an <c>https://</c> URL the handler runs <see cref="System.Net.Security.SslStream"/>
/// over the stream the stack returns, so HTTPS works unchanged (configure certificates through
/// <see cref="SocketsHttpHandler.SslOptions"/>).</para>
/// <para>The handler connects directly: it ignores proxy settings of the environment
/// (<c>HTTP_PROXY</c>…), which name hosts of the kernel's network, not the stack's. Set
/// <see cref="SocketsHttpHandler.Proxy"/> and <see cref="SocketsHttpHandler.UseProxy"/> for a proxy
/// reachable through the stack.</para>
/// </remarks>
public static class NetworkStackHttp
{
    /// <summary>
    /// Creates a handler for <see cref="HttpClient"/> whose every connection is opened on
    /// <paramref name="stack"/> (<see cref="SocketsHttpHandler.ConnectCallback"/>). The caller owns the
    /// handler (the client disposes it by default); the stack must outlive it.
    /// </summary>
    /// <remarks>
    /// URLs name the host by IPv4 address (<c>http://10.0.1.2/</c>) or by a name the stack's resolver looks
    /// up (<see cref="NetworkStackOptions.DnsServers"/>, or those DHCP gave). A name that does not resolve
    /// fails the request with an <see cref="HttpRequestException"/> whose inner <see cref="SocketException"/>
    /// is <see cref="SocketError.HostNotFound"/> (NXDOMAIN, no name server), <see cref="SocketError.NoData"/> or
    /// <see cref="SocketError.TryAgain"/>; an IPv6 address fails with <see cref="SocketError.AddressFamilyNotSupported"/>.
    /// </remarks>
    public static SocketsHttpHandler CreateHttpHandler(this NetworkStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        return new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
                await stack.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>
    /// Opens a TCP connection to the host and port of an <see cref="HttpClient"/> request, as
    /// <see cref="CreateHttpHandler"/>'s connect callback does: an IPv4 address as it is, a name through the
    /// stack's resolver (<see cref="NetworkStack.ConnectAsync(string, int, CancellationToken)"/>).
    /// </summary>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.AddressFamilyNotSupported"/> for an IPv6 address; for a name that does not resolve,
    /// <see cref="SocketError.HostNotFound"/>, <see cref="SocketError.NoData"/> or <see cref="SocketError.TryAgain"/>;
    /// or what <see cref="NetworkStack.ConnectAsync(Ipv4Endpoint, CancellationToken)"/> throws.
    /// </exception>
    public static Task<TcpStream> ConnectAsync(this NetworkStack stack, DnsEndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(endpoint);
        string host = endpoint.Host;
        // An IPv6 literal (with or without brackets) cannot be reached: the stack speaks IPv4 only.
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? ip) && ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (!ip.IsIPv4MappedToIPv6)
            {
                throw new SocketException((int)SocketError.AddressFamilyNotSupported, $"{host}: the stack speaks IPv4 only");
            }
            host = ip.MapToIPv4().ToString();
        }
        return stack.ConnectAsync(host, endpoint.Port, cancellationToken);
    }
}
