using System.Buffers.Binary;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    /// <summary>Segments one TCP socket may send per poll, so one bulk sender cannot starve receiving.</summary>
    private const int MaxSegmentsPerSocketPerPoll = 64;

    /// <summary>
    /// SYNs a poll answers with a cookie, a quarter of <see cref="MaxFramesPerPoll"/>. A listener answers
    /// with cookies only when its half-open queue is full — a SYN flood (RFC 4987 §3.6) — and every
    /// answer costs a SYN-ACK to build and send. Beyond this budget a flooded listener's SYNs are dropped
    /// unanswered before any other work (counted in <see cref="InterfaceCounters.SynsOverBudget"/>), so the
    /// poll spends its time on established connections, sending and timers, and takes frames from the
    /// device fast enough that the legitimate ones are not lost in front of it. A legitimate client whose
    /// SYN is dropped sends it again (RFC 6298 §5: after 1 s), and a SYN that finds room still gets its cookie.
    /// Bursts of ordinary connections are not affected: they fit in the half-open queue.
    /// </summary>
    private const int MaxCookieSynsPerPoll = MaxFramesPerPoll / 4;

    private int _cookieSynsLeft;

    private void ProcessTcp(Instant now, in Ipv4Packet ip, bool linkBroadcast, bool subnetBroadcast, bool checksumVerified)
    {
        Span<byte> bytes = ip.Payload;
        if (!TcpSegment.TryCreate(bytes, out TcpSegment view))
        {
            Counters.DroppedMalformed++;
            return;
        }
        if (IsSynOverBudget(view, ip.Destination))
        {
            Counters.SynsOverBudget++;
            return;
        }
        // One pass over the segment: verified here (after the cheap SYN-flood budget check) and never again.
        if (!checksumVerified && !view.VerifyChecksum(ip.Source, ip.Destination))
        {
            Counters.DroppedBadChecksum++;
            return;
        }
        if (!TcpHeader.TryParse(view, out TcpHeader segment, out int headerLength))
        {
            Counters.DroppedMalformed++; // malformed options
            return;
        }
        ReadOnlySpan<byte> payload = bytes[headerLength..];
        Ipv4Endpoint local = new(ip.Destination, segment.DestinationPort);
        Ipv4Endpoint remote = new(ip.Source, segment.SourcePort);
        if (Sockets.Tcp.Find(remote, local) is { } socket)
        {
            if (socket.Process(now, segment, payload) is { } reply)
            {
                SendTcp(now, ip.Destination, ip.Source, reply, ReadOnlySpan<byte>.Empty);
            }
            return;
        }
        // Nothing to reset or answer for broadcasts (RFC 1122 §4.2.3.10: TCP is unicast only).
        if (linkBroadcast || subnetBroadcast || ip.Destination.IsBroadcast || !ip.Source.IsUnicast)
        {
            Counters.DroppedNotForUs++;
            return;
        }
        TcpFlags flags = segment.Flags;
        if (Sockets.Tcp.FindListener(local) is { } listener)
        {
            if ((flags & (TcpFlags.Syn | TcpFlags.Rst)) == 0 && (flags & TcpFlags.Ack) != 0)
            {
                // An ACK nobody claims may complete a connection whose SYN was answered with a cookie.
                if (listener.TryCompleteCookie(now, local, remote, segment, out bool overflow) is { } opened)
                {
                    opened.Process(now, segment, payload);
                    return;
                }
                if (overflow)
                {
                    Counters.DroppedQueueFull++; // the client sends its ACK again; a reset would end its connect
                    return;
                }
            }
            if ((flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn)
            {
                if (listener.ProcessSyn(now, local, remote, segment) is { } cookieReply)
                {
                    SendTcp(now, ip.Destination, ip.Source, cookieReply, ReadOnlySpan<byte>.Empty);
                }
                return;
            }
        }
        Counters.DroppedNoSocket++;
        if ((flags & TcpFlags.Rst) != 0)
        {
            return; // never answer a reset
        }
        // RFC 9293 §3.10.7.1, CLOSED: answer with a reset that the sender will accept.
        TcpHeader reset = (flags & TcpFlags.Ack) != 0
            ? new TcpHeader(segment.DestinationPort, segment.SourcePort, segment.AcknowledgmentNumber, default, TcpFlags.Rst, 0)
            : new TcpHeader(segment.DestinationPort, segment.SourcePort, default,
                segment.SequenceNumber + (payload.Length + ((flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((flags & TcpFlags.Fin) != 0 ? 1 : 0)),
                TcpFlags.Rst | TcpFlags.Ack, 0);
        Counters.TcpResetsSent++;
        SendTcp(now, ip.Destination, ip.Source, reset, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>
    /// True for a SYN to a listener that would answer it with a cookie when this poll has answered
    /// <see cref="MaxCookieSynsPerPoll"/> such SYNs already; otherwise counts it against the budget.
    /// </summary>
    private bool IsSynOverBudget(in TcpSegment segment, Ipv4Address destination)
    {
        if ((segment.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) != TcpFlags.Syn)
        {
            return false;
        }
        if (Sockets.Tcp.FindListener(new Ipv4Endpoint(destination, segment.DestinationPort)) is not { AnswersWithCookies: true })
        {
            return false;
        }
        if (_cookieSynsLeft == 0)
        {
            return true;
        }
        _cookieSynsLeft--;
        return false;
    }

    /// <summary>
    /// An ICMP error about a TCP segment we sent (RFC 1122 §4.2.3.9; RFC 1191 for fragmentation needed).
    /// False when no connection sent it, or the quoted sequence number is not one the connection has
    /// outstanding (RFC 5927 §4.1: SND.UNA ≤ SEG.SEQ &lt; SND.NXT, so a blind attacker cannot abort a
    /// connection or shrink its MSS with a forged error).
    /// </summary>
    private bool DeliverIcmpErrorToTcp(in Ipv4Header original, ReadOnlySpan<byte> transport, IcmpV4Message icmp)
    {
        if (transport.Length < 8)
        {
            return false; // RFC 792 quotes at least 64 bits: ports and sequence number
        }
        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
        ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
        TcpSeqNumber sequence = new(BinaryPrimitives.ReadUInt32BigEndian(transport[4..]));
        if (Sockets.Tcp.Find(new Ipv4Endpoint(original.Destination, destinationPort), new Ipv4Endpoint(original.Source, sourcePort)) is not { } socket
            || !socket.IsOutstanding(sequence))
        {
            return false;
        }
        if (icmp.Type == IcmpV4Type.DestinationUnreachable && icmp.Code == (byte)IcmpV4Unreachable.FragmentationNeeded)
        {
            // RFC 1191 §4: a router that sends 0 as next-hop MTU is old; assume the next plateau below.
            socket.ReducePathMtu(icmp.NextHopMtu is >= 68 and var mtu ? mtu : Math.Min(Mtu, 576));
        }
        else
        {
            socket.ReportSoftError(ToSocketError(icmp));
        }
        return true;
    }

    private bool DispatchTcp(Instant now)
    {
        bool sent = false;
        DeviceCapabilities device = _device.Capabilities;
        // With segmentation offload one dispatched segment may carry as much as the device takes, less the
        // largest IPv4 and TCP headers; the MSS on the wire stays the socket's (RFC 9293 §3.7.1).
        int segmentationLimit = device.SegmentationOffload ? device.MaxSegmentLength - Ipv4Header.Length - TcpSegment.MaxHeaderLength : 0;
        TcpSocketTable table = Sockets.Tcp;
        // Only the sockets with work: those a segment, their user or a due timer made active.
        foreach (TcpSocket socket in table.BeginDispatch(now))
        {
            int i = 0;
            for (; i < MaxSegmentsPerSocketPerPoll && socket.TryDispatch(now, out TcpHeader header, out int dataOffset, out int dataLength, segmentationLimit); i++)
            {
                int length = header.Length + dataLength;
                PacketBuffer frame = RentIpv4(length, out Span<byte> segment);
                if (dataLength > 0)
                {
                    socket.CopyPayload(dataOffset, segment.Slice(header.Length, dataLength));
                }
                Ipv4Address source = socket.LocalEndpoint.Address.IsUnspecified ? (Address?.Address ?? Ipv4Address.Any) : socket.LocalEndpoint.Address;
                WriteTcp(frame, segment, header, source, socket.RemoteEndpoint.Address, socket.SegmentPayloadLimit);
                // RFC 1191: TCP sets DF and learns the path MTU from fragmentation-needed errors.
                SendIpv4(now, new Ipv4Header(source, socket.RemoteEndpoint.Address, IpProtocol.Tcp, length) { DontFragment = true }, frame);
                sent = true;
            }
            table.EndDispatch(socket, now, more: i == MaxSegmentsPerSocketPerPoll);
        }
        table.CompleteDispatch();
        return sent;
    }

    /// <summary>
    /// Writes a TCP header in front of the payload already in <paramref name="segment"/>. With checksum
    /// offload the device fills the checksum (and, for more than <paramref name="mss"/> bytes of payload,
    /// cuts the segment into pieces of <paramref name="mss"/>); otherwise the stack sums it here.
    /// </summary>
    private void WriteTcp(PacketBuffer frame, Span<byte> segment, in TcpHeader header, Ipv4Address source, Ipv4Address destination, int mss)
    {
        if (!_device.Capabilities.ChecksumOffloadOnTransmit)
        {
            header.WriteTo(segment, source, destination);
            return;
        }
        header.WriteTo(segment, source, destination, partialChecksum: true);
        int transportStart = EthernetHeader.Length + Ipv4Header.Length;
        bool segmented = segment.Length - header.Length > mss;
        frame.Offload = PacketOffload.PartialTcp(transportStart, segmented ? mss : 0, transportStart + header.Length);
    }

    private void SendTcp(Instant now, Ipv4Address source, Ipv4Address destination, TcpHeader header, ReadOnlySpan<byte> payload)
    {
        int length = header.Length + payload.Length;
        PacketBuffer frame = RentIpv4(length, out Span<byte> segment);
        payload.CopyTo(segment[header.Length..]);
        WriteTcp(frame, segment, header, source, destination, int.MaxValue);
        SendIpv4(now, new Ipv4Header(source, destination, IpProtocol.Tcp, length) { DontFragment = true }, frame);
    }

    private Instant? TcpPollAt(Instant now) => Sockets.Tcp.PollAt(now);
}
