using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>The fields of an IPv4 header this stack reads and writes (RFC 791 §3.1); options are not kept.</summary>
/// <param name="Source">Source address.</param>
/// <param name="Destination">Destination address.</param>
/// <param name="Protocol">Protocol of the payload.</param>
/// <param name="PayloadLength">Bytes after the header.</param>
/// <param name="TimeToLive">Time to live.</param>
internal readonly record struct Ipv4Header(Ipv4Address Source, Ipv4Address Destination, IpProtocol Protocol, int PayloadLength, byte TimeToLive = Ipv4Header.DefaultTimeToLive)
{
    /// <summary>Length of the header this stack writes (no options).</summary>
    public const int Length = Ipv4Packet.MinHeaderLength;

    /// <summary>Default TTL, as Linux's net.ipv4.ip_default_ttl (RFC 1700 recommends 64).</summary>
    public const byte DefaultTimeToLive = 64;

    /// <summary>Largest fragment offset in bytes: 13 bits of 8-byte units (RFC 791 §3.1).</summary>
    public const int MaxFragmentOffset = 0x1FFF * 8;

    /// <summary>Identification field.</summary>
    public ushort Identification { get; init; }

    /// <summary>The DF flag.</summary>
    public bool DontFragment { get; init; }

    /// <summary>The MF flag.</summary>
    public bool MoreFragments { get; init; }

    /// <summary>Fragment offset in bytes; a multiple of 8.</summary>
    public int FragmentOffset { get; init; }

    /// <summary>Type of service octet.</summary>
    public byte TypeOfService { get; init; }

    /// <summary>Reads the header fields of a validated packet view.</summary>
    public static Ipv4Header From(in Ipv4Packet packet) => new(packet.Source, packet.Destination, packet.Protocol, packet.TotalLength - packet.HeaderLength, packet.TimeToLive)
    {
        Identification = packet.Identification,
        DontFragment = packet.DontFragment,
        MoreFragments = packet.MoreFragments,
        FragmentOffset = packet.FragmentOffset,
        TypeOfService = packet.TypeOfService,
    };

    /// <summary>
    /// Parses a packet: false when it is malformed (see <see cref="Ipv4Packet.TryCreate"/>) or its header
    /// checksum is wrong. <paramref name="headerLength"/> is the length on the wire, options included.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out Ipv4Header header, out int headerLength)
    {
        header = default;
        headerLength = 0;
        if (!Ipv4Packet.TryCreate(buffer, out Ipv4Packet packet) || !packet.VerifyChecksum())
        {
            return false;
        }
        header = From(packet);
        headerLength = packet.HeaderLength;
        return true;
    }

    /// <summary>
    /// Reads the IPv4 header quoted inside an ICMP error (RFC 792: the header and at least 8 bytes of
    /// its data). The quote is usually shorter than its total length and its TTL may have been changed
    /// en route, so neither the total length nor the checksum is checked; version and IHL are.
    /// <paramref name="headerLength"/> locates the quoted transport header.
    /// </summary>
    public static bool TryParseQuoted(ReadOnlySpan<byte> quoted, out Ipv4Header header, out int headerLength)
    {
        header = default;
        headerLength = 0;
        if (quoted.Length < Length || (quoted[0] >> 4) != 4)
        {
            return false;
        }
        int ihl = (quoted[0] & 0x0F) * 4;
        if (ihl < Length || ihl > quoted.Length)
        {
            return false;
        }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(quoted[6..]);
        int total = BinaryPrimitives.ReadUInt16BigEndian(quoted[2..]);
        header = new Ipv4Header(Ipv4Address.Read(quoted[12..]), Ipv4Address.Read(quoted[16..]), (IpProtocol)quoted[9], Math.Max(0, total - ihl), quoted[8])
        {
            Identification = BinaryPrimitives.ReadUInt16BigEndian(quoted[4..]),
            DontFragment = (flags & 0x4000) != 0,
            MoreFragments = (flags & 0x2000) != 0,
            FragmentOffset = (flags & 0x1FFF) * 8,
            TypeOfService = quoted[1],
        };
        headerLength = ihl;
        return true;
    }

    /// <summary>Writes a 20-byte header with a correct checksum.</summary>
    public void WriteTo(Span<byte> buffer)
    {
        if (buffer.Length < Length)
        {
            throw new ArgumentException("buffer shorter than an IPv4 header", nameof(buffer));
        }
        if (PayloadLength < 0 || PayloadLength + Length > Ipv4Packet.MaxLength || (FragmentOffset & 7) != 0
            || FragmentOffset < 0 || FragmentOffset > MaxFragmentOffset)
        {
            throw new InvalidOperationException("IPv4 header fields out of range");
        }
        buffer[0] = 0x45; // version 4, IHL 5
        buffer[1] = TypeOfService;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)(Length + PayloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], Identification);
        ushort flags = (ushort)((DontFragment ? 0x4000 : 0) | (MoreFragments ? 0x2000 : 0) | (FragmentOffset / 8));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[6..], flags);
        buffer[8] = TimeToLive;
        buffer[9] = (byte)Protocol;
        buffer[10] = 0;
        buffer[11] = 0;
        Source.WriteTo(buffer[12..]);
        Destination.WriteTo(buffer[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[10..], Checksum.Compute(buffer[..Length]));
    }
}
