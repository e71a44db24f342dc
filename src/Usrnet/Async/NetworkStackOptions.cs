using Microsoft.Extensions.Logging;
using Usrnet.Iface;
using Usrnet.Sockets.Tcp;

namespace Usrnet.Async;

/// <summary>How a <see cref="NetworkStack"/> brings its interface up.</summary>
public sealed record NetworkStackOptions
{
    /// <summary>The interface: hardware address, static address and gateway, ARP and reassembly limits.</summary>
    public InterfaceOptions Interface { get; init; } = new();

    /// <summary>Options for every TCP connection the stack opens or accepts (buffer sizes, Nagle, timers).</summary>
    public TcpSocketOptions Tcp { get; init; } = TcpSocketOptions.Default;

    /// <summary>Where the stack logs (loop failures, neighbours that do not answer); none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
