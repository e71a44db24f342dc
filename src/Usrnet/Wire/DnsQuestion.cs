namespace Usrnet.Wire;

/// <summary>
/// A view of one entry of a DNS message's question section (RFC 1035 §4.1.2), from a message that
/// <see cref="DnsMessage.TryParse"/> checked: its name decodes, so the accessors cannot fail on it.
/// </summary>
/// <remarks>
/// <code>
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// /                     QNAME                     /
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                     QTYPE                     |
/// |                     QCLASS                    |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// </code>
/// </remarks>
internal readonly ref struct DnsQuestion
{
    /// <summary>Length of QTYPE and QCLASS.</summary>
    public const int FixedLength = 4;

    internal DnsQuestion(ReadOnlySpan<byte> message, int nameOffset, DnsRecordType type, DnsClass @class)
    {
        Message = message;
        NameOffset = nameOffset;
        Type = type;
        Class = @class;
    }

    /// <summary>The whole message, which compressed names point into.</summary>
    public ReadOnlySpan<byte> Message { get; }

    /// <summary>Offset of QNAME in <see cref="Message"/>.</summary>
    public int NameOffset { get; }

    /// <summary>QTYPE.</summary>
    public DnsRecordType Type { get; }

    /// <summary>QCLASS.</summary>
    public DnsClass Class { get; }

    /// <summary>Decodes QNAME into <paramref name="destination"/> (give it <see cref="DnsName.MaxLength"/> bytes).</summary>
    public bool TryGetName(Span<byte> destination, out int written) => DnsName.TryDecode(Message, NameOffset, destination, out written, out _);

    /// <summary>True when QNAME is <paramref name="name"/> (an uncompressed wire name), compared case-insensitively (RFC 4343).</summary>
    public bool NameEquals(ReadOnlySpan<byte> name)
    {
        Span<byte> own = stackalloc byte[DnsName.MaxLength];
        return TryGetName(own, out int length) && DnsName.NamesEqual(own[..length], name);
    }

    /// <summary>Reads and checks the question at <paramref name="offset"/>; <paramref name="next"/> is the offset after it.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> message, int offset, out DnsQuestion question, out int next)
    {
        question = default;
        next = 0;
        if (!DnsName.TryValidate(message, offset, out int end) || end + FixedLength > message.Length)
        {
            return false;
        }
        question = new DnsQuestion(
            message,
            offset,
            (DnsRecordType)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(message[end..]),
            (DnsClass)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(message[(end + 2)..]));
        next = end + FixedLength;
        return true;
    }
}
