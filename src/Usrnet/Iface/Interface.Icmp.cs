using System.Buffers.Binary;
using System.Net.Sockets;
using Usrnet.Phy;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    /// <summary>
    /// Largest ICMP error datagram: RFC 1812 §4.3.2.3 quotes as much of the offending packet as fits
    /// in 576 bytes (RFC 791's minimum reassembly size); RFC 792 needs only the header and 8 bytes.
    /// </summary>
    private const int MaxIcmpErrorLength = 576;

    private void ProcessIcmp(Instant now, in Ipv4Packet ip, bool linkBroadcast, bool subnetBroadcast)
    {
        Span<byte> message = ip.Payload;
        if (message.Length < IcmpV4Message.HeaderLength)
        {
            Counters.DroppedMalformed++;
            return;
        }
        if (!IcmpV4Message.TryParse(message, out IcmpV4Message icmp))
        {
            Counters.DroppedBadChecksum++;
            return;
        }
        switch (icmp.Type)
        {
            case IcmpV4Type.EchoRequest:
                // Echo to a broadcast is ignored, as Linux's icmp_echo_ignore_broadcasts (RFC 1122 §3.2.2.6 allows it).
                if (!AnswerEchoRequests || linkBroadcast || subnetBroadcast || ip.Destination.IsBroadcast)
                {
                    Counters.IcmpIgnored++;
                    return;
                }
                SendEchoReply(now, ip, icmp, message[IcmpV4Message.HeaderLength..]);
                break;
            case IcmpV4Type.EchoReply:
                if (!DeliverToIcmp(IcmpBinding.Identifier(icmp.Identifier), ip, message))
                {
                    Counters.IcmpIgnored++;
                }
                break;
            case IcmpV4Type.DestinationUnreachable or IcmpV4Type.TimeExceeded or IcmpV4Type.ParameterProblem:
                ProcessIcmpError(ip, icmp, message);
                break;
            default:
                Counters.IcmpIgnored++;
                break;
        }
    }

    private void SendEchoReply(Instant now, in Ipv4Packet request, IcmpV4Message echo, ReadOnlySpan<byte> data)
    {
        // RFC 792: the reply carries the request's identifier, sequence number and data; RFC 1122
        // §3.2.2.6: its source is the address the request was sent to.
        PacketBuffer frame = RentIpv4(IcmpV4Message.HeaderLength + data.Length, out Span<byte> message);
        data.CopyTo(message[IcmpV4Message.HeaderLength..]);
        IcmpV4Message.EchoReply(echo.Identifier, echo.SequenceNumber).WriteTo(message);
        Counters.EchoRepliesSent++;
        SendIpv4(now, new Ipv4Header(request.Destination, request.Source, IpProtocol.Icmp, message.Length), frame);
    }

    /// <summary>Hands an ICMP error to the sockets whose traffic it is about (RFC 1122 §3.2.2: pass it to the transport layer).</summary>
    private void ProcessIcmpError(in Ipv4Packet ip, IcmpV4Message icmp, Span<byte> message)
    {
        ReadOnlySpan<byte> quoted = message[IcmpV4Message.HeaderLength..];
        if (!Ipv4Header.TryParseQuoted(quoted, out Ipv4Header original, out int headerLength) || quoted.Length < headerLength + 8)
        {
            Counters.DroppedMalformed++;
            return;
        }
        if (Address is { } own && original.Source != own.Address)
        {
            Counters.IcmpIgnored++; // about a packet we did not send
            return;
        }
        ReadOnlySpan<byte> transport = quoted[headerLength..];
        bool delivered = false;
        switch (original.Protocol)
        {
            case IpProtocol.Udp:
                ushort port = BinaryPrimitives.ReadUInt16BigEndian(transport);
                SocketError error = ToSocketError(icmp);
                foreach (UdpSocket socket in Sockets.UdpOnPort(port))
                {
                    socket.ReportError(error);
                    delivered = true;
                }
                delivered |= DeliverToIcmp(IcmpBinding.UdpPort(port), ip, message);
                break;
            case IpProtocol.Tcp:
                delivered = DeliverIcmpErrorToTcp(original, transport, icmp);
                break;
            case IpProtocol.Icmp when transport[0] == (byte)IcmpV4Type.EchoRequest:
                delivered = DeliverToIcmp(IcmpBinding.Identifier(BinaryPrimitives.ReadUInt16BigEndian(transport[4..])), ip, message);
                break;
        }
        if (!delivered)
        {
            Counters.IcmpIgnored++;
        }
    }

    /// <summary>The errno Linux reports for an ICMP error (net/ipv4/icmp.c icmp_err_convert), as a <see cref="SocketError"/>.</summary>
    private static SocketError ToSocketError(IcmpV4Message icmp) => icmp.Type switch
    {
        IcmpV4Type.DestinationUnreachable => (IcmpV4Unreachable)icmp.Code switch
        {
            IcmpV4Unreachable.Net => SocketError.NetworkUnreachable,
            IcmpV4Unreachable.Protocol => SocketError.ProtocolNotSupported,
            IcmpV4Unreachable.Port => SocketError.ConnectionRefused,
            IcmpV4Unreachable.FragmentationNeeded => SocketError.MessageSize,
            _ => SocketError.HostUnreachable,
        },
        _ => SocketError.HostUnreachable,
    };

    private bool DeliverToIcmp(IcmpBinding binding, in Ipv4Packet ip, ReadOnlySpan<byte> message)
    {
        bool delivered = false;
        foreach (IcmpSocket socket in Sockets.Icmp)
        {
            if (socket.Binding == binding)
            {
                if (!socket.Deliver(ip.Source, ip.TimeToLive, message))
                {
                    Counters.DroppedQueueFull++;
                }
                delivered = true;
            }
        }
        return delivered;
    }

    /// <summary>Sends an ICMP error about a received packet, if RFC 1122 §3.2.2 and the rate limit allow.</summary>
    private void SendIcmpError(Instant now, in Ipv4Packet offending, bool linkBroadcast, bool subnetBroadcast, IcmpV4Message error)
    {
        if (Address is null || !IcmpErrorPolicy.MayReplyTo(offending, linkBroadcast, subnetBroadcast))
        {
            Counters.IcmpErrorsSuppressed++;
            return;
        }
        if (!_icmpErrors.TryTake(now))
        {
            Counters.IcmpErrorsRateLimited++;
            return;
        }
        int quoteLength = Math.Min(offending.TotalLength, MaxIcmpErrorLength - Ipv4Header.Length - IcmpV4Message.HeaderLength);
        PacketBuffer frame = RentIpv4(IcmpV4Message.HeaderLength + quoteLength, out Span<byte> message);
        offending.Buffer[..quoteLength].CopyTo(message[IcmpV4Message.HeaderLength..]);
        error.WriteTo(message);
        Counters.IcmpErrorsSent++;
        SendIpv4(now, new Ipv4Header(Ipv4Address.Any, offending.Source, IpProtocol.Icmp, message.Length), frame);
    }

    /// <summary>
    /// Reports an error about a packet we were sending to its local sender, by delivering an ICMP error
    /// from our own address to our own sockets; nothing goes on the wire.
    /// </summary>
    private void NotifyLocalSender(Instant now, Span<byte> packet, IcmpV4Message error)
    {
        if (Address is not { } own || !Ipv4Packet.TryCreate(packet, out Ipv4Packet ip) || ip.Source != own.Address
            || !IcmpErrorPolicy.MayReplyTo(ip, linkBroadcast: false, isSubnetBroadcast: false))
        {
            return;
        }
        int quoteLength = Math.Min(ip.TotalLength, MaxIcmpErrorLength - Ipv4Header.Length - IcmpV4Message.HeaderLength);
        int length = Ipv4Header.Length + IcmpV4Message.HeaderLength + quoteLength;
        using PacketBuffer local = PacketBuffer.Rent(length);
        Span<byte> span = local.Span;
        Span<byte> message = span[Ipv4Header.Length..];
        ip.Buffer[..quoteLength].CopyTo(message[IcmpV4Message.HeaderLength..]);
        error.WriteTo(message);
        new Ipv4Header(own.Address, own.Address, IpProtocol.Icmp, message.Length) { Identification = NextIdentification() }.WriteTo(span);
        ProcessIpv4(now, span, linkBroadcast: false, fromLink: false, checksumVerified: false);
    }

    private void OnReassemblyTimeout(ReadOnlySpan<byte> quote)
    {
        // RFC 1122 §3.3.2: send Time Exceeded (code 1) if fragment zero had arrived.
        if (Address is not { } own || !Ipv4Header.TryParseQuoted(quote, out Ipv4Header original, out _)
            || !original.Source.IsUnicast || original.Destination != own.Address)
        {
            return;
        }
        if (!_icmpErrors.TryTake(_now))
        {
            Counters.IcmpErrorsRateLimited++;
            return;
        }
        PacketBuffer frame = RentIpv4(IcmpV4Message.HeaderLength + quote.Length, out Span<byte> message);
        quote.CopyTo(message[IcmpV4Message.HeaderLength..]);
        IcmpV4Message.TimeExceeded(1).WriteTo(message);
        Counters.IcmpErrorsSent++;
        SendIpv4(_now, new Ipv4Header(own.Address, original.Source, IpProtocol.Icmp, message.Length), frame);
    }
}
