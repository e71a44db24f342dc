using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view over an IPv4 packet (RFC 791 §3.1). <see cref="TryCreate"/> checks version, header length
/// and total length against the buffer once; every accessor is then in bounds.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |Type of Service|          Total Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Identification        |Flags|      Fragment Offset    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Source Address                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Destination Address                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options                    |    Padding    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
internal ref struct Ipv4Packet
{
    /// <summary>Length of a header without options.</summary>
    public const int MinHeaderLength = 20;

    /// <summary>Largest header: IHL is four bits of 32-bit words.</summary>
    public const int MaxHeaderLength = 60;

    /// <summary>Largest total length.</summary>
    public const int MaxLength = 65535;

    private const ushort DontFragmentFlag = 0x4000;
    private const ushort MoreFragmentsFlag = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    private readonly Span<byte> _buffer; // exactly TotalLength bytes: trailing link padding is cut off

    private Ipv4Packet(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Creates a view. False when the buffer is shorter than the header or the total length, the
    /// version is not 4, IHL is below 5, or the total length is smaller than the header. Bytes after
    /// the total length (Ethernet padding) are left out of the view.
    /// </summary>
    public static bool TryCreate(Span<byte> buffer, out Ipv4Packet packet)
    {
        packet = default;
        if (buffer.Length < MinHeaderLength || (buffer[0] >> 4) != 4)
        {
            return false;
        }
        int headerLength = (buffer[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (headerLength < MinHeaderLength || totalLength < headerLength || totalLength > buffer.Length)
        {
            return false;
        }
        packet = new Ipv4Packet(buffer[..totalLength]);
        return true;
    }

    /// <summary>Header length in bytes (IHL × 4).</summary>
    public readonly int HeaderLength => (_buffer[0] & 0x0F) * 4;

    /// <summary>Type of service octet (DSCP and ECN, RFC 2474 / RFC 3168).</summary>
    public readonly byte TypeOfService => _buffer[1];

    /// <summary>Total length of header and payload.</summary>
    public readonly int TotalLength => _buffer.Length;

    /// <summary>Identification, used to reassemble fragments.</summary>
    public readonly ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_buffer[4..]);

    /// <summary>DF: the packet must not be fragmented.</summary>
    public readonly bool DontFragment => (BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]) & DontFragmentFlag) != 0;

    /// <summary>MF: more fragments follow.</summary>
    public readonly bool MoreFragments => (BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]) & MoreFragmentsFlag) != 0;

    /// <summary>Fragment offset in bytes (the field counts 8-byte units).</summary>
    public readonly int FragmentOffset => (BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]) & FragmentOffsetMask) * 8;

    /// <summary>True when this is a fragment of a larger datagram (MF set or offset non-zero).</summary>
    public readonly bool IsFragment => MoreFragments || FragmentOffset != 0;

    /// <summary>Time to live.</summary>
    public byte TimeToLive { readonly get => _buffer[8]; set => _buffer[8] = value; }

    /// <summary>Protocol of the payload.</summary>
    public readonly IpProtocol Protocol => (IpProtocol)_buffer[9];

    /// <summary>Header checksum as on the wire.</summary>
    public ushort HeaderChecksum { readonly get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[10..]); set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[10..], value); }

    /// <summary>Source address.</summary>
    public readonly Ipv4Address Source => Ipv4Address.Read(_buffer[12..]);

    /// <summary>Destination address.</summary>
    public readonly Ipv4Address Destination => Ipv4Address.Read(_buffer[16..]);

    /// <summary>The options (RFC 791 §3.1), possibly empty. The stack skips them; it does not act on them.</summary>
    public readonly Span<byte> Options => _buffer[MinHeaderLength..HeaderLength];

    /// <summary>The header, options included.</summary>
    public readonly Span<byte> Header => _buffer[..HeaderLength];

    /// <summary>The payload, up to the total length.</summary>
    public readonly Span<byte> Payload => _buffer[HeaderLength..];

    /// <summary>The whole packet, up to the total length.</summary>
    public readonly Span<byte> Buffer => _buffer;

    /// <summary>True when the header checksum is correct (RFC 791 §3.1: the sum over the header is zero).</summary>
    public readonly bool VerifyChecksum() => Checksum.Compute(Header) == 0;

    /// <summary>Recomputes the header checksum, e.g. after changing <see cref="TimeToLive"/>.</summary>
    public void FillChecksum()
    {
        HeaderChecksum = 0;
        HeaderChecksum = Checksum.Compute(Header);
    }
}
