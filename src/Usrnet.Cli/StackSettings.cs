using Microsoft.Extensions.Logging;
using Usrnet.Iface;
using Usrnet.Wire;

namespace Usrnet.Cli;

/// <summary>
/// What every stack command needs to bring up its own interface (docs/articles/design.md §4), validated: the values
/// are well formed and consistent with each other.
/// </summary>
/// <param name="TapName">The TAP device to attach to (in the current network namespace).</param>
/// <param name="Mac">The stack's own MAC address (unicast).</param>
/// <param name="Address">The stack's IPv4 address and prefix.</param>
/// <param name="Gateway">The default gateway, inside <paramref name="Address"/>'s subnet; null for no default route.</param>
/// <param name="PcapPath">Full path of a pcap file to write every frame to, or null.</param>
/// <param name="Faults">The fault injector's settings.</param>
/// <param name="Verbose">Log the stack's events on stderr (<c>--verbose</c>, <see cref="CliLogging"/>).</param>
/// <param name="Offload">Ask the TAP for checksum and segmentation offload (<c>--offload on</c>).</param>
public sealed record StackSettings(
    string TapName,
    EthernetAddress Mac,
    Ipv4Cidr Address,
    Ipv4Address? Gateway,
    string? PcapPath,
    FaultSettings Faults,
    bool Verbose = false,
    bool Offload = true)
{
    /// <summary>What the command's lines on stderr start with, <c>usrnet: ping: </c> (<see cref="CommandLine.Prefix"/>).</summary>
    public string MessagePrefix { get; init; } = "usrnet: ";

    /// <summary>Speak IPv6 too (<c>usrnet up --ipv6</c>): a link-local address from the MAC, neighbour discovery, ICMPv6.</summary>
    public bool Ipv6 { get; init; }

    /// <summary>Where the stack logs: the console on stderr with <see cref="Verbose"/>, else nowhere (null).</summary>
    public ILoggerFactory? LoggerFactory => CliLogging.For(Verbose);

    /// <summary>
    /// The interface's options: this MAC, address and gateway. Without <paramref name="withAddress"/> the
    /// interface starts with no address, as a DHCP client does.
    /// </summary>
    public InterfaceOptions InterfaceOptions(bool withAddress = true) => new()
    {
        HardwareAddress = Mac,
        Address = withAddress ? Address : null,
        Gateway = withAddress ? Gateway : null,
        Ipv6Enabled = Ipv6,
    };
}
