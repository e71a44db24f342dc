using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>The fields of a UDP header (RFC 768).</summary>
/// <param name="SourcePort">Source port.</param>
/// <param name="DestinationPort">Destination port.</param>
internal readonly record struct UdpHeader(ushort SourcePort, ushort DestinationPort)
{
    /// <summary>Length of the header.</summary>
    public const int Length = UdpDatagram.HeaderLength;

    /// <summary>Largest payload in one IPv4 datagram: 65535 − 20 − 8.</summary>
    public const int MaxPayloadLength = Ipv4Packet.MaxLength - Ipv4Packet.MinHeaderLength - Length;

    /// <summary>Parses a datagram and verifies its checksum against the pseudo-header.</summary>
    public static bool TryParse(Span<byte> buffer, Ipv4Address source, Ipv4Address destination, out UdpHeader header, out int payloadLength)
    {
        header = default;
        payloadLength = 0;
        if (!UdpDatagram.TryCreate(buffer, out UdpDatagram d) || !d.VerifyChecksum(source, destination))
        {
            return false;
        }
        header = new UdpHeader(d.SourcePort, d.DestinationPort);
        payloadLength = d.Length - Length;
        return true;
    }

    /// <summary>
    /// Writes the header into <paramref name="datagram"/>, whose length is header plus payload with the
    /// payload already in place, and fills in the checksum over the pseudo-header (RFC 768).
    /// </summary>
    public void WriteTo(Span<byte> datagram, Ipv4Address source, Ipv4Address destination) =>
        Write(datagram, Checksum.PseudoHeader(source, destination, IpProtocol.Udp, datagram.Length));

    /// <summary>
    /// As the IPv4 overload, over the IPv6 pseudo-header (RFC 8200 §8.1), where the checksum is mandatory:
    /// a computed zero is sent as all ones as over IPv4, and a received zero is refused (<see cref="UdpDatagram.VerifyChecksum(Ipv6Address, Ipv6Address)"/>).
    /// </summary>
    public void WriteTo(Span<byte> datagram, Ipv6Address source, Ipv6Address destination) =>
        Write(datagram, Checksum.PseudoHeader(source, destination, IpProtocol.Udp, datagram.Length));

    private void Write(Span<byte> datagram, uint pseudoHeader)
    {
        if (datagram.Length < Length || datagram.Length > ushort.MaxValue)
        {
            throw new ArgumentException("UDP datagram length out of range", nameof(datagram));
        }
        BinaryPrimitives.WriteUInt16BigEndian(datagram, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[2..], DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[4..], (ushort)datagram.Length);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], 0);
        ushort checksum = Checksum.Finish(Checksum.Accumulate(pseudoHeader, datagram));
        // RFC 768: a computed checksum of zero is sent as all ones, since zero means "none".
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
    }
}
