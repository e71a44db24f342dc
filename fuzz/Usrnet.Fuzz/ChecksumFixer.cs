using System.Buffers.Binary;
using Usrnet.Wire;

namespace Usrnet.Fuzz;

/// <summary>
/// Writes correct checksums into mutated packets before they are parsed. Without this almost every
/// mutation dies at the first checksum and the fuzzer never sees the code behind it; each target also
/// parses the bytes as they came, so the checksum-failure paths are covered as well.
/// </summary>
internal static class ChecksumFixer
{
    /// <summary>The source the pseudo-header of a bare transport segment names: the lab's gateway.</summary>
    public static readonly Ipv4Address PeerAddress = new(10, 0, 0, 101);

    /// <summary>The destination the pseudo-header of a bare transport segment names: the lab's stack.</summary>
    public static readonly Ipv4Address StackAddress = new(10, 0, 0, 102);

    private const int IcmpChecksumOffset = 2;
    private const int UdpLengthOffset = 4;
    private const int UdpChecksumOffset = 6;
    private const int TcpChecksumOffset = 16;
    private const int Ipv4ChecksumOffset = 10;

    /// <summary>Fixes the IPv4 header checksum and, for a whole datagram, the transport checksum of an Ethernet frame.</summary>
    public static void FixFrame(Span<byte> frame)
    {
        if (frame.Length > EthernetHeader.Length && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == (ushort)EtherType.Ipv4)
        {
            FixIpv4(frame[EthernetHeader.Length..]);
        }
    }

    /// <summary>Fixes the header checksum of an IPv4 packet and, unless it is a fragment, its transport checksum.</summary>
    public static void FixIpv4(Span<byte> buffer)
    {
        if (buffer.Length < Ipv4Packet.MinHeaderLength || (buffer[0] >> 4) != 4)
        {
            return;
        }
        int headerLength = (buffer[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (headerLength < Ipv4Packet.MinHeaderLength || headerLength > buffer.Length)
        {
            return;
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv4ChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv4ChecksumOffset..], Checksum.Compute(buffer[..headerLength]));
        if (totalLength < headerLength || totalLength > buffer.Length)
        {
            return;
        }
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(buffer[6..]);
        bool isFragment = (fragment & 0x3FFF) != 0; // MF or an offset: the transport header is not all here
        if (!isFragment)
        {
            FixTransport((IpProtocol)buffer[9], buffer[headerLength..totalLength], Ipv4Address.Read(buffer[12..]), Ipv4Address.Read(buffer[16..]));
        }
    }

    /// <summary>Fixes the checksum of an ICMP message, a UDP datagram or a TCP segment.</summary>
    public static void FixTransport(IpProtocol protocol, Span<byte> segment, Ipv4Address source, Ipv4Address destination)
    {
        switch (protocol)
        {
            case IpProtocol.Icmp when segment.Length >= IcmpV4Message.HeaderLength:
                BinaryPrimitives.WriteUInt16BigEndian(segment[IcmpChecksumOffset..], 0);
                BinaryPrimitives.WriteUInt16BigEndian(segment[IcmpChecksumOffset..], Checksum.Compute(segment));
                break;
            case IpProtocol.Udp when segment.Length >= UdpHeader.Length:
                int length = BinaryPrimitives.ReadUInt16BigEndian(segment[UdpLengthOffset..]);
                if (length < UdpHeader.Length || length > segment.Length)
                {
                    return;
                }
                Span<byte> datagram = segment[..length];
                BinaryPrimitives.WriteUInt16BigEndian(datagram[UdpChecksumOffset..], 0);
                ushort udp = Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(source, destination, IpProtocol.Udp, length), datagram));
                BinaryPrimitives.WriteUInt16BigEndian(datagram[UdpChecksumOffset..], udp == 0 ? (ushort)0xFFFF : udp);
                break;
            case IpProtocol.Tcp when segment.Length >= TcpSegment.MinHeaderLength && segment.Length <= TcpHeader.MaxSegmentLength:
                BinaryPrimitives.WriteUInt16BigEndian(segment[TcpChecksumOffset..], 0);
                ushort tcp = Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, segment.Length), segment));
                BinaryPrimitives.WriteUInt16BigEndian(segment[TcpChecksumOffset..], tcp);
                break;
        }
    }
}
