using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view over a TCP segment (RFC 9293 §3.1). <see cref="TryCreate"/> checks the data offset against
/// the buffer once; every accessor is then in bounds. TCP carries no length of its own: the segment is
/// the whole buffer, which the caller cuts to the IPv4 payload.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        Sequence Number                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Acknowledgment Number                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Data |       |C|E|U|A|P|R|S|F|                               |
/// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
/// |       |       |R|E|G|K|H|T|N|N|                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Checksum            |         Urgent Pointer        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           [Options]                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               :
/// :                             Data                              :
/// :                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
internal ref struct TcpSegment
{
    /// <summary>Length of a header without options (data offset 5).</summary>
    public const int MinHeaderLength = 20;

    /// <summary>Largest header: the data offset is four bits of 32-bit words.</summary>
    public const int MaxHeaderLength = 60;

    private const int MinDataOffset = MinHeaderLength / 4;
    private const int DataOffsetOctet = 12;
    private const int FlagsOctet = 13;

    private readonly Span<byte> _buffer; // the whole segment: header, options and data

    private TcpSegment(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Creates a view. False when the buffer is shorter than 20 bytes, or the data offset is below 5
    /// (RFC 9293 §3.1) or points past the end of the buffer.
    /// </summary>
    public static bool TryCreate(Span<byte> buffer, out TcpSegment segment)
    {
        segment = default;
        if (buffer.Length < MinHeaderLength)
        {
            return false;
        }
        int dataOffset = buffer[DataOffsetOctet] >> 4;
        if (dataOffset < MinDataOffset || dataOffset * 4 > buffer.Length)
        {
            return false;
        }
        segment = new TcpSegment(buffer);
        return true;
    }

    /// <summary>Source port.</summary>
    public readonly ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_buffer);

    /// <summary>Destination port.</summary>
    public readonly ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);

    /// <summary>Sequence number of the first octet of data (of the SYN, when SYN is set).</summary>
    public readonly TcpSeqNumber SequenceNumber => new(BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]));

    /// <summary>Acknowledgment number: the next sequence number the sender expects; significant only with ACK.</summary>
    public readonly TcpSeqNumber AcknowledgmentNumber => new(BinaryPrimitives.ReadUInt32BigEndian(_buffer[8..]));

    /// <summary>Header length in bytes, options included (data offset × 4).</summary>
    public readonly int HeaderLength => (_buffer[DataOffsetOctet] >> 4) * 4;

    /// <summary>The control bits.</summary>
    public readonly TcpFlags Flags => (TcpFlags)_buffer[FlagsOctet];

    /// <summary>Window as on the wire, before any window scaling (RFC 7323 §2.2).</summary>
    public readonly ushort WindowSize => BinaryPrimitives.ReadUInt16BigEndian(_buffer[14..]);

    /// <summary>Checksum as on the wire.</summary>
    public readonly ushort ChecksumField => BinaryPrimitives.ReadUInt16BigEndian(_buffer[16..]);

    /// <summary>Urgent pointer; significant only with URG.</summary>
    public readonly ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_buffer[18..]);

    /// <summary>The options (RFC 9293 §3.2), possibly empty; parse them with <see cref="TcpOptions.TryParse"/>.</summary>
    public readonly Span<byte> Options => _buffer[MinHeaderLength..HeaderLength];

    /// <summary>The data after the header.</summary>
    public readonly Span<byte> Payload => _buffer[HeaderLength..];

    /// <summary>Length of header and data.</summary>
    public readonly int Length => _buffer.Length;

    /// <summary>The whole segment.</summary>
    public readonly Span<byte> Buffer => _buffer;

    /// <summary>
    /// SEG.LEN (RFC 9293 §3.3.1): the sequence space the segment occupies, that is its data plus one
    /// for SYN and one for FIN.
    /// </summary>
    public readonly int SegmentLength
    {
        get
        {
            TcpFlags flags = Flags;
            return Payload.Length + ((flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((flags & TcpFlags.Fin) != 0 ? 1 : 0);
        }
    }

    /// <summary>
    /// True when the checksum over the pseudo-header, header and data is right (RFC 9293 §3.1). Unlike
    /// UDP, zero has no special meaning: TCP's checksum is mandatory.
    /// </summary>
    public readonly bool VerifyChecksum(Ipv4Address source, Ipv4Address destination) =>
        Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, _buffer.Length), _buffer)) == 0;
}
