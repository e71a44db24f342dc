using Usrnet.Phy;
using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    private void ProcessIcmpV6(Instant now, in Ipv6Packet ip, Span<byte> message, bool linkMulticast)
    {
        if (message.Length < IcmpV6Message.HeaderLength)
        {
            Counters.DroppedMalformed++;
            return;
        }
        if (!IcmpV6Message.TryParse(message, ip.Source, ip.Destination, out IcmpV6Message icmp))
        {
            Counters.DroppedBadChecksum++;
            return;
        }
        switch (icmp.Type)
        {
            case IcmpV6Type.EchoRequest:
                if (!AnswerEchoRequests)
                {
                    Counters.IcmpIgnored++;
                    return;
                }
                SendEchoReplyV6(now, ip, icmp, message[IcmpV6Message.HeaderLength..]);
                break;
            case IcmpV6Type.NeighborSolicitation or IcmpV6Type.NeighborAdvertisement or IcmpV6Type.RouterSolicitation
                or IcmpV6Type.RouterAdvertisement or IcmpV6Type.Redirect:
                ProcessNdp(now, ip, message);
                break;
            default:
                // RFC 4443 §2.4 (a), (b): errors go to the upper layer (none is bound over IPv6 yet); an
                // informational message of unknown type is silently discarded.
                Counters.IcmpIgnored++;
                break;
        }
    }

    private void SendEchoReplyV6(Instant now, in Ipv6Packet request, IcmpV6Message echo, ReadOnlySpan<byte> data)
    {
        // RFC 4443 §4.2: the reply goes to the request's source with its identifier, sequence number and data;
        // its source is the address the request was sent to, or, for a multicast request, one of ours.
        Ipv6Address? source = request.Destination.IsMulticast ? SelectIpv6Source(request.Source) : request.Destination;
        if (source is not { } from || request.Source.IsUnspecified)
        {
            Counters.IcmpIgnored++;
            return;
        }
        PacketBuffer frame = RentIpv6(IcmpV6Message.HeaderLength + data.Length, out Span<byte> message);
        data.CopyTo(message[IcmpV6Message.HeaderLength..]);
        IcmpV6Message.EchoReply(echo.Identifier, echo.SequenceNumber).WriteTo(message, from, request.Source);
        Counters.EchoRepliesSent++;
        SendIpv6(now, new Ipv6Header(from, request.Source, IpProtocol.IcmpV6, message.Length), frame);
    }

    /// <summary>
    /// Sends an ICMPv6 error about a received packet when RFC 4443 §2.4 (e) and the rate limit (§2.4 (f))
    /// allow. <paramref name="upper"/> is the upper-layer protocol when the header chain was walked to it, at <paramref name="upperOffset"/>.
    /// </summary>
    private void SendIcmpV6Error(Instant now, in Ipv6Packet offending, IpProtocol? upper, int upperOffset, bool linkMulticast, IcmpV6Message error)
    {
        Ipv6Address? source = offending.Destination.IsMulticast ? SelectIpv6Source(offending.Source) : offending.Destination;
        if (source is not { } from || !IcmpErrorPolicy.MayReplyTo(offending, upper, upperOffset, linkMulticast, error))
        {
            Counters.IcmpErrorsSuppressed++;
            return;
        }
        if (!_icmpErrors.TryTake(now))
        {
            Counters.IcmpErrorsRateLimited++;
            return;
        }
        int quoted = Math.Min(offending.Buffer.Length, IcmpV6Message.MaxErrorPacketLength - Ipv6Header.Length - IcmpV6Message.HeaderLength);
        PacketBuffer frame = PacketBuffer.Rent(EthernetHeader.Length + Ipv6Header.Length + IcmpV6Message.HeaderLength + quoted);
        error.WriteErrorPacket(frame.Span[EthernetHeader.Length..], from, offending.Source, offending.Buffer);
        Counters.IcmpErrorsSent++;
        RouteIpv6(now, offending.Source, frame);
    }
}
