using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

/// <summary>What the <see cref="ArpCache"/> asks of the interface that owns it.</summary>
internal interface IArpCacheHost
{
    /// <summary>Broadcast an ARP request for <paramref name="target"/>.</summary>
    void SendArpRequest(Instant now, Ipv4Address target);

    /// <summary>A parked frame whose neighbour is now known: fill in the destination and send it. Takes ownership.</summary>
    void TransmitParked(Instant now, EthernetAddress destination, PacketBuffer frame);

    /// <summary>A parked frame whose neighbour never answered: drop it and tell its sender. Takes ownership.</summary>
    void NeighborUnreachable(Instant now, PacketBuffer frame);
}
