using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    // fromLink: true for a packet from the device, false for one we sent ourselves and looped back; only
    // packets from the link go through the source filter (AcceptFromLink). checksumVerified: the device
    // vouches for the transport checksum (see TransportChecksumVerified).
    private void ProcessIpv4(Instant now, Span<byte> buffer, bool linkBroadcast, bool fromLink, bool checksumVerified)
    {
        if (!Ipv4Packet.TryCreate(buffer, out Ipv4Packet ip))
        {
            Counters.DroppedMalformed++;
            return;
        }
        if (!ip.VerifyChecksum())
        {
            Counters.DroppedBadChecksum++;
            return;
        }
        if (fromLink && !AcceptFromLink(ip))
        {
            return;
        }
        Ipv4Address destination = ip.Destination;
        bool subnetBroadcast = Address is { } a && a.DirectedBroadcast == destination;
        // Without an address (while DHCP runs) every unicast datagram that reached our MAC is ours.
        bool forUs = Address is not { } own || destination == own.Address || destination.IsBroadcast || subnetBroadcast;
        if (!forUs)
        {
            Counters.DroppedNotForUs++; // a host does not forward (RFC 1122 §3.3.1)
            return;
        }
        if (ip.IsFragment)
        {
            Ipv4Reassembler.Outcome outcome = _reassembler.Add(now, ip, out PacketBuffer? datagram, out int evicted);
            Counters.DroppedFragments += evicted;
            if (outcome == Ipv4Reassembler.Outcome.Dropped)
            {
                Counters.DroppedFragments++;
            }
            else if (outcome == Ipv4Reassembler.Outcome.Complete && datagram is not null)
            {
                using (datagram)
                {
                    Counters.DatagramsReassembled++;
                    // The device vouched for fragments, never for the datagram they make.
                    ProcessIpv4(now, datagram.Span, linkBroadcast, fromLink, checksumVerified: false);
                }
            }
            return;
        }
        bool raw = DeliverToRawIpv4(ip);
        switch (ip.Protocol)
        {
            case IpProtocol.Icmp:
                ProcessIcmp(now, ip, linkBroadcast, subnetBroadcast);
                break;
            case IpProtocol.Udp:
                ProcessUdp(now, ip, linkBroadcast, subnetBroadcast, checksumVerified);
                break;
            case IpProtocol.Tcp:
                ProcessTcp(now, ip, linkBroadcast, subnetBroadcast, checksumVerified);
                break;
            default:
                if (!raw)
                {
                    // RFC 1122 §3.2.2.1: a host SHOULD answer an unknown protocol with protocol unreachable.
                    Counters.DroppedUnknownProtocol++;
                    SendIcmpError(now, ip, linkBroadcast, subnetBroadcast, IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.Protocol));
                }
                break;
        }
    }

    /// <summary>Rents a frame with room for Ethernet and IPv4 headers before <paramref name="payloadLength"/> bytes of payload.</summary>
    private static PacketBuffer RentIpv4(int payloadLength, out Span<byte> payload)
    {
        PacketBuffer frame = PacketBuffer.Rent(EthernetHeader.Length + Ipv4Header.Length + payloadLength);
        payload = frame.Span.Slice(EthernetHeader.Length + Ipv4Header.Length, payloadLength);
        return frame;
    }

    /// <summary>
    /// Writes <paramref name="header"/> (with a fresh identification, and, when <paramref name="fillSource"/>,
    /// our address in place of an unspecified source) in front of the payload already in
    /// <paramref name="frame"/>, then routes it. Takes ownership.
    /// </summary>
    private void SendIpv4(Instant now, Ipv4Header header, PacketBuffer frame, bool fillSource = true)
    {
        if (fillSource && header.Source.IsUnspecified && Address is { } address)
        {
            header = header with { Source = address.Address };
        }
        header = header with { Identification = NextIdentification() };
        header.WriteTo(frame.Span[EthernetHeader.Length..]);
        SendIpv4Packet(now, frame);
    }

    /// <summary>Routes a frame holding a complete IPv4 packet after the Ethernet header room; fragments it if needed. Takes ownership.</summary>
    private void SendIpv4Packet(Instant now, PacketBuffer frame)
    {
        Span<byte> packet = frame.Span[EthernetHeader.Length..];
        if (!Ipv4Packet.TryCreate(packet, out Ipv4Packet ip))
        {
            Counters.DroppedMalformed++;
            frame.Dispose();
            return;
        }
        Ipv4Address destination = ip.Destination;
        if (Address is { } own && destination == own.Address)
        {
            // To ourselves: loop back without touching the device, as Linux's lo does.
            using (frame)
            {
                ProcessIpv4(now, packet, linkBroadcast: false, fromLink: false, checksumVerified: frame.Offload.Checksum != ChecksumState.None);
            }
            return;
        }
        if (!TryRoute(destination, out Ipv4Address nextHop, out bool broadcast))
        {
            Counters.DroppedNoRoute++;
            using (frame)
            {
                NotifyLocalSender(now, packet, IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.Net));
            }
            return;
        }
        // A segment the device cuts itself (TSO) may be as large as the device takes; on the wire each piece fits the MTU.
        if (ip.TotalLength > (frame.Offload.IsSegmented ? _device.Capabilities.MaxSegmentLength : Mtu))
        {
            if (ip.DontFragment)
            {
                Counters.DroppedTooBig++;
                using (frame)
                {
                    NotifyLocalSender(now, packet, IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.FragmentationNeeded, (ushort)Mtu));
                }
                return;
            }
            Fragment(now, frame, nextHop, broadcast);
            return;
        }
        Emit(now, nextHop, broadcast, frame);
    }

    /// <summary>
    /// Chooses the next hop: the destination itself when it is on our subnet, the gateway otherwise
    /// (RFC 1122 §3.3.1.1). Broadcasts go to the Ethernet broadcast address.
    /// </summary>
    private bool TryRoute(Ipv4Address destination, out Ipv4Address nextHop, out bool broadcast)
    {
        nextHop = destination;
        broadcast = destination.IsBroadcast;
        if (broadcast)
        {
            return true;
        }
        if (Address is not { } own || destination.IsMulticast || destination.IsUnspecified)
        {
            return false;
        }
        if (own.Contains(destination))
        {
            broadcast = own.DirectedBroadcast == destination;
            return true;
        }
        if (Gateway is { } gateway && own.Contains(gateway))
        {
            nextHop = gateway;
            return true;
        }
        return false;
    }

    private void Emit(Instant now, Ipv4Address nextHop, bool broadcast, PacketBuffer frame)
    {
        if (broadcast)
        {
            new EthernetHeader(EthernetAddress.Broadcast, HardwareAddress, EtherType.Ipv4).WriteTo(frame.Span);
            Transmit(now, frame);
            return;
        }
        _arp.Send(now, nextHop, frame, this);
    }

    /// <summary>
    /// Splits a datagram larger than the MTU into fragments (RFC 791 §3.2): every fragment but the last
    /// carries a multiple of 8 bytes; all keep the identification. Takes ownership.
    /// </summary>
    private void Fragment(Instant now, PacketBuffer frame, Ipv4Address nextHop, bool broadcast)
    {
        using (frame)
        {
            Ipv4Packet.TryCreate(frame.Span[EthernetHeader.Length..], out Ipv4Packet ip);
            Ipv4Header original = Ipv4Header.From(ip);
            ReadOnlySpan<byte> data = ip.Payload;
            int chunk = (Mtu - Ipv4Header.Length) & ~7;
            for (int offset = 0; offset < data.Length; offset += chunk)
            {
                int length = Math.Min(chunk, data.Length - offset);
                PacketBuffer fragment = RentIpv4(length, out Span<byte> payload);
                data.Slice(offset, length).CopyTo(payload);
                Ipv4Header header = original with
                {
                    PayloadLength = length,
                    FragmentOffset = original.FragmentOffset + offset,
                    MoreFragments = original.MoreFragments || offset + length < data.Length,
                };
                header.WriteTo(fragment.Span[EthernetHeader.Length..]);
                Counters.FragmentsSent++;
                Emit(now, nextHop, broadcast, fragment);
            }
        }
    }
}
