using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>How an <see cref="Interface"/> is configured.</summary>
public sealed record InterfaceOptions
{
    /// <summary>The interface's MAC address (usrnet's default: 06:11:22:33:44:55, locally administered).</summary>
    public EthernetAddress HardwareAddress { get; init; } = EthernetAddress.Parse("06:11:22:33:44:55");

    /// <summary>The IPv4 address and prefix, or null until one is assigned (e.g. by DHCP).</summary>
    public Ipv4Cidr? Address { get; init; }

    /// <summary>The default gateway for off-link destinations, or null for none.</summary>
    public Ipv4Address? Gateway { get; init; }

    /// <summary>ARP timers and bounds.</summary>
    public ArpCacheOptions Arp { get; init; } = new();

    /// <summary>Fragment reassembly bounds.</summary>
    public ReassemblyOptions Reassembly { get; init; } = new();

    /// <summary>ICMP errors allowed per second (Linux: 1000).</summary>
    public int IcmpErrorsPerSecond { get; init; } = 1000;

    /// <summary>ICMP error burst (Linux: 50).</summary>
    public int IcmpErrorBurst { get; init; } = 50;

    /// <summary>Answer echo requests (on by default, as a host should: RFC 1122 §3.2.2.6).</summary>
    public bool AnswerEchoRequests { get; init; } = true;

    /// <summary>
    /// Speak IPv6: a link-local address from the MAC, <see cref="Ipv6Addresses"/>, neighbour discovery and
    /// ICMPv6. Off (the default while sockets speak only IPv4), IPv6 frames are dropped as an unknown EtherType
    /// and the interface sends no IPv6 at all, so an IPv4-only link stays as quiet as before.
    /// </summary>
    public bool Ipv6Enabled { get; init; }

    /// <summary>Static IPv6 addresses and prefixes besides the link-local one; each goes through duplicate address detection.</summary>
    public IReadOnlyList<Ipv6Cidr> Ipv6Addresses { get; init; } = [];

    /// <summary>IPv6 neighbour cache timers and bounds (also the RetransTimer of duplicate address detection).</summary>
    public NeighborCacheOptions NeighborCache { get; init; } = new();

    /// <summary>Seeds the choice of ephemeral ports and IP identifications; null for an unpredictable seed.</summary>
    public int? Seed { get; init; }
}
