using Microsoft.Extensions.Logging;
using Usrnet.Iface;
using Usrnet.Sockets.Dhcp;
using Usrnet.Sockets.Dns;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Async;

/// <summary>How a <see cref="NetworkStack"/> brings its interface up.</summary>
public sealed record NetworkStackOptions
{
    /// <summary>The interface: hardware address, static address and gateway, ARP and reassembly limits.</summary>
    public InterfaceOptions Interface { get; init; } = new();

    /// <summary>Options for every TCP connection the stack opens or accepts (buffer sizes, Nagle, timers).</summary>
    public TcpSocketOptions Tcp { get; init; } = TcpSocketOptions.Default;

    /// <summary>
    /// When set, the stack gets its address, gateway, name servers and search domain by DHCP (RFC 2131)
    /// with these options, instead of <see cref="InterfaceOptions.Address"/> and <see cref="InterfaceOptions.Gateway"/>
    /// (which must then be unset), and releases the lease when disposed.
    /// </summary>
    public DhcpClientOptions? Dhcp { get; init; }

    /// <summary>Name servers the resolver asks (in order), e.g. the gateway. Empty by default; DHCP fills them in when these are empty.</summary>
    public IReadOnlyList<Ipv4Address> DnsServers { get; init; } = [];

    /// <summary>The search domain for names without a dot (resolv.conf's <c>search</c>); DHCP's option 15 when null.</summary>
    public string? SearchDomain { get; init; }

    /// <summary>The resolver's timeouts, attempts and cache size.</summary>
    public DnsResolverOptions Dns { get; init; } = new();

    /// <summary>
    /// How long <see cref="NetworkStack.DisposeAsync"/> lets open connections finish closing (queued data,
    /// FIN and the peer's FIN) before it resets them and releases the device; <see cref="Iface.Interface.DefaultLinger"/>
    /// (2 s) by default.
    /// </summary>
    public TimeSpan Linger { get; init; } = Iface.Interface.DefaultLinger;

    /// <summary>
    /// The stack's clock (<see cref="Hosting.InterfaceRunnerOptions.TimeProvider"/>): what every poll, timer
    /// and wait of the loop is measured on. <see cref="TimeProvider.System"/> by default; a fake clock runs
    /// the stack on virtual time.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether the stack gives the process's memory back after a burst (many connections closed, or the link quiet
    /// with much slack in the heap), with one aggressive full garbage collection (<see cref="Hosting.InterfaceRunnerOptions.GiveBackMemory"/>).
    /// Off by default: the collection is process-wide, a choice for the application.
    /// </summary>
    public bool GiveBackMemory { get; init; }

    /// <summary>Where the stack logs (loop failures, neighbours that do not answer); none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
