using Usrnet.Phy;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    private bool DeliverToRawEthernet(EtherType type, ReadOnlySpan<byte> frame)
    {
        bool any = false;
        foreach (RawEthernetSocket socket in Sockets.RawEthernet)
        {
            if (socket.EtherType == type)
            {
                socket.Deliver(frame);
                any = true;
            }
        }
        return any;
    }

    private bool DeliverToRawIpv4(in Ipv4Packet ip)
    {
        bool any = false;
        foreach (RawIpv4Socket socket in Sockets.RawIpv4)
        {
            if (socket.Protocol == ip.Protocol)
            {
                socket.Deliver(ip.Buffer);
                any = true;
            }
        }
        return any;
    }

    private bool HasPendingSocketOutput()
    {
        // TCP sockets say when they need dispatching through their own PollAt (timers included).
        foreach (UdpSocket s in Sockets.Udp)
        {
            if (s.HasPendingSend)
            {
                return true;
            }
        }
        foreach (IcmpSocket s in Sockets.Icmp)
        {
            if (s.TryPeekOutgoing(out _, out _))
            {
                return true;
            }
        }
        foreach (RawIpv4Socket s in Sockets.RawIpv4)
        {
            if (s.TryPeekOutgoing(out _))
            {
                return true;
            }
        }
        foreach (RawEthernetSocket s in Sockets.RawEthernet)
        {
            if (s.TryPeekOutgoing(out _))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Sends everything the sockets queued. Returns true when anything was sent.</summary>
    private bool DispatchSockets(Instant now)
    {
        bool sent = false;
        foreach (UdpSocket socket in Sockets.Udp)
        {
            while (socket.TryPeekOutgoing(out DatagramMetadata meta, out Span<byte> data))
            {
                // An explicit source (UdpSocket.TrySendTo with a source) is sent as given, 0.0.0.0 included.
                Ipv4Address source = meta.Source
                    ?? (socket.LocalEndpoint.Address.IsUnspecified ? (Address?.Address ?? Ipv4Address.Any) : socket.LocalEndpoint.Address);
                PacketBuffer frame = RentIpv4(UdpHeader.Length + data.Length, out Span<byte> datagram);
                data.CopyTo(datagram[UdpHeader.Length..]);
                new UdpHeader(socket.LocalEndpoint.Port, meta.Remote.Port).WriteTo(datagram, source, meta.Remote.Address);
                socket.DequeueOutgoing();
                SendIpv4(now, new Ipv4Header(source, meta.Remote.Address, IpProtocol.Udp, datagram.Length, meta.TimeToLive), frame, fillSource: false);
                sent = true;
            }
        }
        foreach (IcmpSocket socket in Sockets.Icmp)
        {
            while (socket.TryPeekOutgoing(out DatagramMetadata meta, out Span<byte> data))
            {
                PacketBuffer frame = RentIpv4(data.Length, out Span<byte> message);
                data.CopyTo(message);
                socket.DequeueOutgoing();
                SendIpv4(now, new Ipv4Header(Ipv4Address.Any, meta.Remote.Address, IpProtocol.Icmp, message.Length, meta.TimeToLive), frame);
                sent = true;
            }
        }
        foreach (RawIpv4Socket socket in Sockets.RawIpv4)
        {
            while (socket.TryPeekOutgoing(out Span<byte> packet))
            {
                PacketBuffer frame = PacketBuffer.Rent(EthernetHeader.Length + packet.Length);
                packet.CopyTo(frame.Span[EthernetHeader.Length..]);
                socket.DequeueOutgoing();
                // IP_HDRINCL semantics: the caller's header is sent as written, with the checksum filled in.
                if (Ipv4Packet.TryCreate(frame.Span[EthernetHeader.Length..], out Ipv4Packet ip))
                {
                    ip.FillChecksum();
                }
                SendIpv4Packet(now, frame);
                sent = true;
            }
        }
        foreach (RawEthernetSocket socket in Sockets.RawEthernet)
        {
            while (socket.TryPeekOutgoing(out Span<byte> packet))
            {
                PacketBuffer frame = PacketBuffer.Copy(packet);
                socket.DequeueOutgoing();
                Transmit(now, frame);
                sent = true;
            }
        }
        sent |= DispatchTcp(now);
        return sent;
    }
}
