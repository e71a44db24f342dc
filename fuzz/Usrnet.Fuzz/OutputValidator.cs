using Usrnet.Wire;

namespace Usrnet.Fuzz;

/// <summary>
/// Rules for every frame the stack sends, whatever it was fed: a well-formed Ethernet frame from its own
/// MAC within the MTU, carrying ARP that parses or IPv4 with a correct header checksum and, unless it is
/// a fragment, an ICMP, UDP or TCP header with a correct checksum and never port 0 as its own port (but in
/// a reset answering a segment to port 0), nor as
/// a UDP destination, which <see cref="Sockets.UdpSocket"/> refuses (RFC 768, RFC 9293 §3.1).
/// </summary>
internal static class OutputValidator
{
    /// <summary>Throws <see cref="InvariantViolationException"/> when <paramref name="frame"/> breaks a rule.</summary>
    public static void Check(Span<byte> frame, EthernetAddress stackMac, int mtu)
    {
        InvariantViolationException.Check(EthernetHeader.TryParse(frame, out EthernetHeader ethernet), "sent a frame shorter than an Ethernet header");
        InvariantViolationException.Check(ethernet.Source == stackMac, $"sent a frame from {ethernet.Source}");
        InvariantViolationException.Check(frame.Length - EthernetHeader.Length <= mtu, $"sent {frame.Length - EthernetHeader.Length} bytes over an MTU of {mtu}");
        Span<byte> payload = frame[EthernetHeader.Length..];
        switch (ethernet.EtherType)
        {
            case EtherType.Arp:
                InvariantViolationException.Check(ArpHeader.TryParse(payload, out _), "sent an ARP packet that does not parse");
                break;
            case EtherType.Ipv4:
                CheckIpv4(payload);
                break;
            default:
                throw new InvariantViolationException($"sent EtherType {ethernet.EtherType}");
        }
    }

    private static void CheckIpv4(Span<byte> packet)
    {
        InvariantViolationException.Check(Ipv4Header.TryParse(packet, out Ipv4Header ip, out int headerLength), "sent an IPv4 packet that does not parse");
        InvariantViolationException.Check(ip.TimeToLive > 0, "sent a packet with TTL 0");
        InvariantViolationException.Check(!ip.Source.IsBroadcast && !ip.Source.IsMulticast, $"sent from {ip.Source}");
        if (ip.MoreFragments || ip.FragmentOffset != 0)
        {
            return;
        }
        Span<byte> transport = packet.Slice(headerLength, ip.PayloadLength);
        switch (ip.Protocol)
        {
            case IpProtocol.Icmp:
                InvariantViolationException.Check(IcmpV4Message.TryParse(transport, out _), "sent an ICMP message that does not parse");
                break;
            case IpProtocol.Udp:
                InvariantViolationException.Check(UdpHeader.TryParse(transport, ip.Source, ip.Destination, out UdpHeader udp, out _), "sent a UDP datagram that does not parse");
                InvariantViolationException.Check(udp.SourcePort != 0 && udp.DestinationPort != 0, $"sent UDP {udp.SourcePort} -> {udp.DestinationPort}");
                break;
            case IpProtocol.Tcp:
                InvariantViolationException.Check(TcpHeader.TryParse(transport, ip.Source, ip.Destination, out TcpHeader tcp, out _), "sent a TCP segment that does not parse");
                // Only our own port is checked: a peer may well use port 0, and what to answer it is policy.
                // A reset from port 0 answers a segment to port 0, as Linux's does (nothing listens there).
                InvariantViolationException.Check(tcp.SourcePort != 0 || (tcp.Flags & TcpFlags.Rst) != 0,
                    $"sent TCP {tcp.Flags} from port 0 to {tcp.DestinationPort}");
                break;
            default:
                throw new InvariantViolationException($"sent IP protocol {ip.Protocol}");
        }
    }
}
