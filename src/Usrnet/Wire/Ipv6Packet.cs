using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view over an IPv6 packet (RFC 8200 §3). <see cref="TryCreate"/> checks version and payload length
/// against the buffer once; every accessor is then in bounds. The extension headers are in the payload,
/// walked by <see cref="Ipv6HeaderChain.Walk"/>.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Traffic Class |           Flow Label                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Payload Length        |  Next Header  |   Hop Limit   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                         Source Address (128)                  +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                      Destination Address (128)                +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
internal ref struct Ipv6Packet
{
    /// <summary>Length of the fixed header (RFC 8200 §3).</summary>
    public const int HeaderLength = 40;

    /// <summary>Largest payload length the 16-bit field holds; jumbograms (RFC 2675) are not supported.</summary>
    public const int MaxPayloadLength = 65535;

    /// <summary>The minimum link MTU every IPv6 link carries (RFC 8200 §5).</summary>
    public const int MinimumMtu = 1280;

    /// <summary>Offset of the Payload Length field: the pointer of a parameter problem about the length (RFC 8200 §4.5).</summary>
    public const int PayloadLengthOffset = 4;

    /// <summary>Offset of the Next Header field in the fixed header.</summary>
    public const int NextHeaderOffset = 6;

    private const int Version = 6;

    private readonly Span<byte> _buffer; // exactly header and payload length: trailing link padding is cut off

    private Ipv6Packet(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Creates a view. False when the buffer is shorter than the fixed header or than header plus payload
    /// length, or the version is not 6 (RFC 8200 §3). Bytes after the payload length (Ethernet padding of
    /// a short packet) are left out of the view. A payload length of 0 is an empty payload: a jumbogram
    /// (RFC 2675 §3) would need its hop-by-hop option, which the walker does not recognise.
    /// </summary>
    public static bool TryCreate(Span<byte> buffer, out Ipv6Packet packet)
    {
        packet = default;
        if (buffer.Length < HeaderLength || (buffer[0] >> 4) != Version)
        {
            return false;
        }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[PayloadLengthOffset..]);
        if (HeaderLength + payloadLength > buffer.Length)
        {
            return false;
        }
        packet = new Ipv6Packet(buffer[..(HeaderLength + payloadLength)]);
        return true;
    }

    /// <summary>Traffic class (DSCP and ECN, RFC 8200 §7; RFC 2474; RFC 3168).</summary>
    public readonly byte TrafficClass => (byte)(BinaryPrimitives.ReadUInt16BigEndian(_buffer) >> 4);

    /// <summary>Flow label, 20 bits (RFC 8200 §6; RFC 6437).</summary>
    public readonly int FlowLabel => (int)(BinaryPrimitives.ReadUInt32BigEndian(_buffer) & 0x000F_FFFF);

    /// <summary>Payload length: the bytes after the fixed header, extension headers included (RFC 8200 §3).</summary>
    public readonly int PayloadLength => _buffer.Length - HeaderLength;

    /// <summary>The type of the header after the fixed header: an extension header or the upper layer (RFC 8200 §3).</summary>
    public readonly IpProtocol NextHeader => (IpProtocol)_buffer[NextHeaderOffset];

    /// <summary>Hop limit (RFC 8200 §3); NDP requires 255 on receipt (RFC 4861 §6.1.1).</summary>
    public byte HopLimit { readonly get => _buffer[7]; set => _buffer[7] = value; }

    /// <summary>Source address.</summary>
    public readonly Ipv6Address Source => Ipv6Address.Read(_buffer[8..]);

    /// <summary>Destination address.</summary>
    public readonly Ipv6Address Destination => Ipv6Address.Read(_buffer[24..]);

    /// <summary>The payload: extension headers and upper-layer data, up to the payload length.</summary>
    public readonly Span<byte> Payload => _buffer[HeaderLength..];

    /// <summary>The whole packet, up to the payload length.</summary>
    public readonly Span<byte> Buffer => _buffer;
}
