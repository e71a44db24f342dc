using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    private void ProcessUdp(Instant now, in Ipv4Packet ip, bool linkBroadcast, bool subnetBroadcast, bool checksumVerified)
    {
        if (!UdpDatagram.TryCreate(ip.Payload, out UdpDatagram udp))
        {
            Counters.DroppedMalformed++;
            return;
        }
        if (!checksumVerified && !udp.VerifyChecksum(ip.Source, ip.Destination))
        {
            Counters.DroppedBadChecksum++;
            return;
        }
        Ipv4Address destination = ip.Destination;
        ushort port = udp.DestinationPort;
        if (Sockets.FindUdp(new Ipv4Endpoint(destination, port)) is { } socket)
        {
            if (!socket.Deliver(new Ipv4Endpoint(ip.Source, udp.SourcePort), ip.TimeToLive, udp.Payload))
            {
                Counters.DroppedQueueFull++;
            }
            return;
        }
        // RFC 1122 §4.1.3.1: a datagram to a port with no listener SHOULD draw port unreachable
        // (what Linux traceroute waits for at the last hop).
        Counters.DroppedNoSocket++;
        SendIcmpError(now, ip, linkBroadcast, subnetBroadcast, IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.Port));
    }
}
