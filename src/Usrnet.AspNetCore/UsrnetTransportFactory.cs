using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Usrnet.Async;
using Usrnet.AspNetCore.Internal;
using Usrnet.Wire;

namespace Usrnet.AspNetCore;

/// <summary>
/// Kestrel's transport over a <see cref="NetworkStack"/>: each endpoint Kestrel binds becomes a
/// <see cref="TcpStreamListener"/> of the stack, each connection a <see cref="TcpStream"/> behind a pair
/// of pipes. Registered by <see cref="WebHostBuilderUsrnetExtensions.UseUsrnet(Microsoft.AspNetCore.Hosting.IWebHostBuilder, NetworkStack)"/>.
/// </summary>
/// <remarks>
/// <para>Endpoint rules (the stack has one IPv4 address and no loopback of its own):</para>
/// <list type="bullet">
/// <item><see cref="IPAddress.Any"/> (<c>http://0.0.0.0:PORT</c>, and <c>http://*:PORT</c> after Kestrel's
/// IPv6 attempt) or the stack's own address binds PORT on the stack.</item>
/// <item>Port 0 binds a free ephemeral port; the endpoint Kestrel reports carries it.</item>
/// <item>Loopback (<c>localhost</c>, 127.0.0.0/8), any IPv6 endpoint, and an IPv4 address that is not the
/// stack's fail with <see cref="InvalidOperationException"/> naming the endpoint and what to use instead.</item>
/// <item>Endpoints other than <see cref="IPEndPoint"/> (Unix sockets, file handles) are not this
/// transport's (<see cref="CanBind"/> is false).</item>
/// </list>
/// </remarks>
public sealed partial class UsrnetTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly UsrnetTransportOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the transport for <paramref name="stack"/>, which must outlive every listener it binds.</summary>
    public UsrnetTransportFactory(NetworkStack stack, UsrnetTransportOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        Stack = stack;
        _options = options ?? new UsrnetTransportOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Backlog, 1, nameof(options));
        _logger = loggerFactory?.CreateLogger("Usrnet.AspNetCore") ?? NullLogger.Instance;
    }

    /// <summary>The stack whose TCP this transport serves.</summary>
    public NetworkStack Stack { get; }

    /// <summary>True for every <see cref="IPEndPoint"/>: the ones the stack cannot serve fail in <see cref="BindAsync"/> with the reason, rather than fall to another transport.</summary>
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    /// <summary>Listens on the stack for <paramref name="endpoint"/> (see the endpoint rules above).</summary>
    /// <exception cref="InvalidOperationException">The endpoint is loopback, IPv6, or an address that is not the stack's.</exception>
    /// <exception cref="NotSupportedException">The endpoint is not an <see cref="IPEndPoint"/>.</exception>
    /// <exception cref="AddressInUseException">Another listener of the stack holds the port.</exception>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        cancellationToken.ThrowIfCancellationRequested();
        if (endpoint is not IPEndPoint ip)
        {
            throw new NotSupportedException($"{endpoint}: the usrnet transport listens on IPv4 endpoints of the stack only ({endpoint.GetType().Name} is not one)");
        }
        CheckAddress(ip);
        TcpStreamListener listener;
        try
        {
            listener = Stack.ListenTcp((ushort)ip.Port, _options.Backlog);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Kestrel reports AddressInUseException as "address already in use" for the URL it was binding.
            throw new AddressInUseException($"{ip}: port {ip.Port} of the usrnet stack is already in use", e);
        }
        IPEndPoint bound = new(ip.Address, listener.LocalEndpoint.Port);
        Log.Listening(_logger, bound);
        return new ValueTask<IConnectionListener>(new UsrnetConnectionListener(listener, bound, _options, _logger));
    }

    /// <summary>Throws, naming what to use instead, unless <paramref name="endpoint"/> is 0.0.0.0 or the stack's address.</summary>
    private void CheckAddress(IPEndPoint endpoint)
    {
        Ipv4Address? own = Stack.Address?.Address;
        string instead = own is { } a
            ? $"listen on 0.0.0.0:{endpoint.Port} (IPAddress.Any, http://0.0.0.0:{endpoint.Port}) or on the stack's address {a}:{endpoint.Port}"
            : $"listen on 0.0.0.0:{endpoint.Port} (IPAddress.Any, http://0.0.0.0:{endpoint.Port}): the stack has no address yet";
        if (endpoint.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new InvalidOperationException($"{endpoint}: the usrnet stack speaks IPv4 only; {instead}");
        }
        if (IPAddress.IsLoopback(endpoint.Address))
        {
            throw new InvalidOperationException($"{endpoint}: loopback (localhost) is the kernel's, not the usrnet stack's; {instead}");
        }
        Ipv4Address address = Ipv4Address.FromIPAddress(endpoint.Address);
        if (!address.IsUnspecified && address != own)
        {
            throw new InvalidOperationException($"{endpoint}: {address} is not the usrnet stack's address; {instead}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Listening on {EndPoint} of the usrnet stack")]
        public static partial void Listening(ILogger logger, IPEndPoint endPoint);
    }
}
