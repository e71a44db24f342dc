using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view of one resource record of a DNS message (RFC 1035 §4.1.3), from a message that
/// <see cref="DnsMessage.TryParse"/> checked: the owner name decodes, RDATA lies inside the message, and
/// the RDATA of the types read here (A, AAAA, CNAME, NS, PTR, SOA) has the right shape.
/// </summary>
/// <remarks>
/// <code>
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// /                      NAME                     /
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                      TYPE                     |
/// |                     CLASS                     |
/// |                      TTL                      |
/// |                                               |
/// |                   RDLENGTH                    |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--|
/// /                     RDATA                     /
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// </code>
/// Records of other types are kept as raw <see cref="Data"/>.
/// </remarks>
internal readonly ref struct DnsResourceRecord
{
    /// <summary>Length of TYPE, CLASS, TTL and RDLENGTH.</summary>
    public const int FixedLength = 10;

    /// <summary>Length of the SOA fields after its two names: SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM (RFC 1035 §3.3.13).</summary>
    private const int SoaFixedLength = 20;

    private DnsResourceRecord(ReadOnlySpan<byte> message, DnsSection section, int nameOffset, DnsRecordType type, DnsClass @class, uint rawTtl, int dataOffset, int dataLength)
    {
        Message = message;
        Section = section;
        NameOffset = nameOffset;
        Type = type;
        Class = @class;
        RawTimeToLive = rawTtl;
        DataOffset = dataOffset;
        Data = message.Slice(dataOffset, dataLength);
    }

    /// <summary>The whole message, which compressed names point into.</summary>
    public ReadOnlySpan<byte> Message { get; }

    /// <summary>The section the record is in.</summary>
    public DnsSection Section { get; }

    /// <summary>Offset of the owner NAME in <see cref="Message"/>.</summary>
    public int NameOffset { get; }

    /// <summary>TYPE.</summary>
    public DnsRecordType Type { get; }

    /// <summary>CLASS.</summary>
    public DnsClass Class { get; }

    /// <summary>TTL as on the wire.</summary>
    public uint RawTimeToLive { get; }

    /// <summary>
    /// TTL in seconds: how long the record may be cached. RFC 2181 §8: a value with the top bit set is
    /// read as zero (TTLs are 31-bit).
    /// </summary>
    public uint TimeToLive => RawTimeToLive > int.MaxValue ? 0 : RawTimeToLive;

    /// <summary>Offset of RDATA in <see cref="Message"/> (compressed names inside RDATA are decoded against the message).</summary>
    public int DataOffset { get; }

    /// <summary>RDATA, raw.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Decodes the owner name into <paramref name="destination"/> (give it <see cref="DnsName.MaxLength"/> bytes).</summary>
    public bool TryGetName(Span<byte> destination, out int written) => DnsName.TryDecode(Message, NameOffset, destination, out written, out _);

    /// <summary>True when the owner name is <paramref name="name"/> (an uncompressed wire name), compared case-insensitively (RFC 4343).</summary>
    public bool NameEquals(ReadOnlySpan<byte> name)
    {
        Span<byte> own = stackalloc byte[DnsName.MaxLength];
        return TryGetName(own, out int length) && DnsName.NamesEqual(own[..length], name);
    }

    /// <summary>The address of an IN A record (RFC 1035 §3.4.1); false for any other record.</summary>
    public bool TryGetAddress(out Ipv4Address address)
    {
        address = default;
        if (Type != DnsRecordType.A || Class != DnsClass.Internet || Data.Length != Ipv4Address.Length)
        {
            return false;
        }
        address = Ipv4Address.Read(Data);
        return true;
    }

    /// <summary>The address of an IN AAAA record (RFC 3596 §2.2); false for any other record.</summary>
    public bool TryGetIpv6Address(out Ipv6Address address)
    {
        address = default;
        if (Type != DnsRecordType.AAAA || Class != DnsClass.Internet || Data.Length != Ipv6Address.Length)
        {
            return false;
        }
        address = Ipv6Address.Read(Data);
        return true;
    }

    /// <summary>
    /// The domain name that is the RDATA of a CNAME, NS or PTR record (RFC 1035 §3.3.1, §3.3.11, §3.3.12),
    /// decompressed into <paramref name="destination"/>; false for any other record.
    /// </summary>
    public bool TryGetTargetName(Span<byte> destination, out int written)
    {
        written = 0;
        return HasNameData(Type) && DnsName.TryDecode(Message, DataOffset, destination, out written, out int end) && end == DataOffset + Data.Length;
    }

    /// <summary>
    /// The MINIMUM field of an SOA record (RFC 1035 §3.3.13), which RFC 2308 §4 made the TTL of negative
    /// answers; false for any other record.
    /// </summary>
    public bool TryGetSoaMinimum(out uint minimum)
    {
        minimum = 0;
        if (Type != DnsRecordType.SOA || !TryGetSoaFixedOffset(Message, DataOffset, Data.Length, out int fixedOffset))
        {
            return false;
        }
        minimum = BinaryPrimitives.ReadUInt32BigEndian(Message[(fixedOffset + 16)..]);
        return true;
    }

    /// <summary>
    /// Reads and checks the record at <paramref name="offset"/>: the owner name decodes, the fixed fields
    /// and RDATA are inside the message, and RDATA of A, AAAA, CNAME, NS, PTR and SOA records is well
    /// formed (RFC 1035 §3.3, §3.4; RFC 3596 §2.2). <paramref name="next"/> is the offset after it.
    /// </summary>
    internal static bool TryRead(ReadOnlySpan<byte> message, int offset, DnsSection section, out DnsResourceRecord record, out int next)
    {
        record = default;
        next = 0;
        if (!DnsName.TryValidate(message, offset, out int end) || end + FixedLength > message.Length)
        {
            return false;
        }
        DnsRecordType type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(message[end..]);
        DnsClass @class = (DnsClass)BinaryPrimitives.ReadUInt16BigEndian(message[(end + 2)..]);
        uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(end + 4)..]);
        int dataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(end + 8)..]);
        int dataOffset = end + FixedLength;
        if (dataOffset + dataLength > message.Length)
        {
            return false;
        }
        bool wellFormed = type switch
        {
            // A and AAAA RDATA is defined for class IN only (RFC 1035 §3.4.1); other classes are kept raw.
            DnsRecordType.A => @class != DnsClass.Internet || dataLength == Ipv4Address.Length,
            DnsRecordType.AAAA => @class != DnsClass.Internet || dataLength == Ipv6Address.Length,
            DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR =>
                DnsName.TryValidate(message, dataOffset, out int nameEnd) && nameEnd == dataOffset + dataLength,
            DnsRecordType.SOA => TryGetSoaFixedOffset(message, dataOffset, dataLength, out _),
            _ => true,
        };
        if (!wellFormed)
        {
            return false;
        }
        record = new DnsResourceRecord(message, section, offset, type, @class, ttl, dataOffset, dataLength);
        next = dataOffset + dataLength;
        return true;
    }

    private static bool HasNameData(DnsRecordType type) => type is DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR;

    /// <summary>SOA RDATA: MNAME, RNAME, then exactly the five 32-bit fields.</summary>
    private static bool TryGetSoaFixedOffset(ReadOnlySpan<byte> message, int dataOffset, int dataLength, out int fixedOffset)
    {
        fixedOffset = 0;
        int dataEnd = dataOffset + dataLength;
        if (!DnsName.TryValidate(message, dataOffset, out int mnameEnd) || mnameEnd > dataEnd
            || !DnsName.TryValidate(message, mnameEnd, out int rnameEnd) || rnameEnd + SoaFixedLength != dataEnd)
        {
            return false;
        }
        fixedOffset = rnameEnd;
        return true;
    }
}
