using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>What the <see cref="ArpCache"/> asks of the interface that owns it.</summary>
internal interface IArpCacheHost : IParkedFrameHost
{
    /// <summary>
    /// Send an ARP request for <paramref name="target"/>: broadcast, or unicast to
    /// <paramref name="destination"/> to verify a stale entry (RFC 1122 §2.3.2.1 unicast poll).
    /// </summary>
    void SendArpRequest(Instant now, Ipv4Address target, EthernetAddress? destination);

    /// <summary>A parked frame whose neighbour is now known: fill in the destination and send it. Takes ownership.</summary>
    void TransmitParked(Instant now, EthernetAddress destination, PacketBuffer frame);

    /// <summary>A parked frame whose neighbour never answered: drop it and tell its sender. Takes ownership.</summary>
    void NeighborUnreachable(Instant now, PacketBuffer frame);
}
