using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>The fields of a DNS message header (RFC 1035 §4.1.1).</summary>
/// <remarks>
/// <code>
///                                 1  1  1  1  1  1
///   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                      ID                       |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                    QDCOUNT                    |
/// |                    ANCOUNT                    |
/// |                    NSCOUNT                    |
/// |                    ARCOUNT                    |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// </code>
/// The Z bits (including the AD and CD bits of RFC 4035) are written as zero and ignored when read.
/// </remarks>
/// <param name="Id">ID: chosen by the asker, copied into the response (RFC 5452 §9.1: one of the fields a response must match).</param>
/// <param name="IsResponse">QR: false in a query, true in a response.</param>
/// <param name="Opcode">OPCODE: the kind of query.</param>
/// <param name="IsAuthoritativeAnswer">AA: the responding server is an authority for the name in the question.</param>
/// <param name="IsTruncated">TC: the message was cut to fit the transport; ask again over TCP (RFC 1035 §4.2.1, RFC 7766 §5).</param>
/// <param name="RecursionDesired">RD: the asker wants the server to pursue the query recursively.</param>
/// <param name="RecursionAvailable">RA: the server does recursion.</param>
/// <param name="ResponseCode">RCODE.</param>
/// <param name="QuestionCount">QDCOUNT: entries in the question section.</param>
/// <param name="AnswerCount">ANCOUNT: records in the answer section.</param>
/// <param name="AuthorityCount">NSCOUNT: records in the authority section.</param>
/// <param name="AdditionalCount">ARCOUNT: records in the additional section.</param>
internal readonly record struct DnsHeader(
    ushort Id,
    bool IsResponse,
    DnsOpcode Opcode,
    bool IsAuthoritativeAnswer,
    bool IsTruncated,
    bool RecursionDesired,
    bool RecursionAvailable,
    DnsResponseCode ResponseCode,
    ushort QuestionCount,
    ushort AnswerCount,
    ushort AuthorityCount,
    ushort AdditionalCount)
{
    /// <summary>Length of the header on the wire.</summary>
    public const int Length = 12;

    private const ushort QrBit = 0x8000;
    private const int OpcodeShift = 11;
    private const ushort AaBit = 0x0400;
    private const ushort TcBit = 0x0200;
    private const ushort RdBit = 0x0100;
    private const ushort RaBit = 0x0080;
    private const ushort RcodeMask = 0x000F;

    /// <summary>The header of a standard query with one question (RFC 1035 §4.1.1), recursion desired as asked.</summary>
    public static DnsHeader Query(ushort id, bool recursionDesired = true) =>
        new(id, false, DnsOpcode.Query, false, false, recursionDesired, false, DnsResponseCode.NoError, 1, 0, 0, 0);

    /// <summary>Reads the header from the first <see cref="Length"/> bytes; false when the buffer is shorter.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out DnsHeader header)
    {
        header = default;
        if (buffer.Length < Length)
        {
            return false;
        }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(buffer),
            (flags & QrBit) != 0,
            (DnsOpcode)((flags >> OpcodeShift) & 0xF),
            (flags & AaBit) != 0,
            (flags & TcBit) != 0,
            (flags & RdBit) != 0,
            (flags & RaBit) != 0,
            (DnsResponseCode)(flags & RcodeMask),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[10..]));
        return true;
    }

    /// <summary>Writes the header to the first <see cref="Length"/> bytes of <paramref name="buffer"/>.</summary>
    /// <exception cref="ArgumentException">The buffer is shorter than the header, or a field is out of range.</exception>
    public void WriteTo(Span<byte> buffer)
    {
        if (buffer.Length < Length)
        {
            throw new ArgumentException("buffer shorter than a DNS header", nameof(buffer));
        }
        if ((byte)Opcode > 0xF || (byte)ResponseCode > RcodeMask)
        {
            throw new ArgumentException("OPCODE and RCODE are four bits each");
        }
        ushort flags = (ushort)(((byte)Opcode << OpcodeShift) | (byte)ResponseCode);
        flags |= IsResponse ? QrBit : (ushort)0;
        flags |= IsAuthoritativeAnswer ? AaBit : (ushort)0;
        flags |= IsTruncated ? TcBit : (ushort)0;
        flags |= RecursionDesired ? RdBit : (ushort)0;
        flags |= RecursionAvailable ? RaBit : (ushort)0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, Id);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], QuestionCount);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[10..], AdditionalCount);
    }
}
