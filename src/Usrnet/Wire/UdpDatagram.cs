using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view over a UDP datagram (RFC 768). <see cref="TryCreate"/> checks the length field once.
/// </summary>
/// <remarks>
/// <code>
/// +----------------+----------------+
/// |  source port   |   dest port    |
/// +----------------+----------------+
/// |     length     |    checksum    |
/// +----------------+----------------+
/// |   data ...
/// </code>
/// </remarks>
internal ref struct UdpDatagram
{
    /// <summary>Length of the header.</summary>
    public const int HeaderLength = 8;

    private readonly Span<byte> _buffer; // exactly the length field's bytes

    private UdpDatagram(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Creates a view. False when the buffer is shorter than the header, or the length field is below 8
    /// or larger than the buffer. Bytes after the length field are left out.
    /// </summary>
    public static bool TryCreate(Span<byte> buffer, out UdpDatagram datagram)
    {
        datagram = default;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]);
        if (length < HeaderLength || length > buffer.Length)
        {
            return false;
        }
        datagram = new UdpDatagram(buffer[..length]);
        return true;
    }

    /// <summary>Source port.</summary>
    public readonly ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_buffer);

    /// <summary>Destination port.</summary>
    public readonly ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);

    /// <summary>Length of header and data.</summary>
    public readonly int Length => _buffer.Length;

    /// <summary>Checksum as on the wire; 0 means none was computed.</summary>
    public readonly ushort ChecksumField => BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);

    /// <summary>The data.</summary>
    public readonly Span<byte> Payload => _buffer[HeaderLength..];

    /// <summary>
    /// True when the checksum is right, or zero: RFC 768 says an all-zero checksum means the sender
    /// computed none, and RFC 1122 §4.1.3.4 lets a receiver accept that.
    /// </summary>
    public readonly bool VerifyChecksum(Ipv4Address source, Ipv4Address destination) =>
        ChecksumField == 0 || Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(source, destination, IpProtocol.Udp, _buffer.Length), _buffer)) == 0;

    /// <summary>
    /// True when the checksum over the IPv6 pseudo-header is right (RFC 8200 §8.1). Unlike over IPv4, a
    /// zero checksum is invalid: IPv6 has no header checksum, so a receiver discards such a datagram
    /// (RFC 8200 §8.1; the tunnel exception of RFC 6935 is not used here).
    /// </summary>
    public readonly bool VerifyChecksum(Ipv6Address source, Ipv6Address destination) =>
        ChecksumField != 0 && Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(source, destination, IpProtocol.Udp, _buffer.Length), _buffer)) == 0;
}
