using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>What the <see cref="NeighborCache"/> asks of the interface that owns it.</summary>
internal interface INeighborCacheHost : IParkedFrameHost
{
    /// <summary>
    /// Send a neighbor solicitation for <paramref name="target"/>: to its solicited-node group to resolve it
    /// (RFC 4861 §7.2.2), or unicast to <paramref name="destination"/> to probe a known entry (§7.3.3).
    /// </summary>
    void SendNeighborSolicitation(Instant now, Ipv6Address target, EthernetAddress? destination);

    /// <summary>A parked IPv6 frame whose neighbour is now known: fill in the Ethernet header and send it. Takes ownership.</summary>
    void TransmitParkedIpv6(Instant now, EthernetAddress destination, PacketBuffer frame);

    /// <summary>A parked IPv6 frame whose neighbour never answered: drop it and tell its sender. Takes ownership.</summary>
    void Ipv6NeighborUnreachable(Instant now, PacketBuffer frame);
}
