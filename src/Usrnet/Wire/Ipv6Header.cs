using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>The fields of the fixed IPv6 header (RFC 8200 §3); there is no header checksum.</summary>
/// <param name="Source">Source address.</param>
/// <param name="Destination">Destination address.</param>
/// <param name="NextHeader">Type of the header that follows: an extension header or the upper layer.</param>
/// <param name="PayloadLength">Bytes after the fixed header, extension headers included.</param>
/// <param name="HopLimit">Hop limit.</param>
internal readonly record struct Ipv6Header(Ipv6Address Source, Ipv6Address Destination, IpProtocol NextHeader, int PayloadLength, byte HopLimit = Ipv6Header.DefaultHopLimit)
{
    /// <summary>Length of the fixed header.</summary>
    public const int Length = Ipv6Packet.HeaderLength;

    /// <summary>Default hop limit, as Linux's net.ipv6.conf.*.hop_limit (RFC 8200 §3 leaves it to the node).</summary>
    public const byte DefaultHopLimit = 64;

    /// <summary>The hop limit NDP messages are sent with and must arrive with (RFC 4861 §6.1.1, §7.1.1).</summary>
    public const byte NeighborDiscoveryHopLimit = 255;

    /// <summary>Traffic class (RFC 8200 §7).</summary>
    public byte TrafficClass { get; init; }

    /// <summary>Flow label, 20 bits (RFC 8200 §6).</summary>
    public int FlowLabel { get; init; }

    /// <summary>Reads the fields of a validated packet view.</summary>
    public static Ipv6Header From(in Ipv6Packet packet) => new(packet.Source, packet.Destination, packet.NextHeader, packet.PayloadLength, packet.HopLimit)
    {
        TrafficClass = packet.TrafficClass,
        FlowLabel = packet.FlowLabel,
    };

    /// <summary>Parses a packet: false when it is malformed (see <see cref="Ipv6Packet.TryCreate"/>).</summary>
    public static bool TryParse(Span<byte> buffer, out Ipv6Header header)
    {
        header = default;
        if (!Ipv6Packet.TryCreate(buffer, out Ipv6Packet packet))
        {
            return false;
        }
        header = From(packet);
        return true;
    }

    /// <summary>
    /// Reads the IPv6 header quoted inside an ICMPv6 error (RFC 4443 §2.4 (c): as much of the invoking
    /// packet as fits). The quote is usually shorter than its payload length, so only the version and the
    /// fixed header's presence are checked.
    /// </summary>
    public static bool TryParseQuoted(ReadOnlySpan<byte> quoted, out Ipv6Header header)
    {
        header = default;
        if (quoted.Length < Length || (quoted[0] >> 4) != 6)
        {
            return false;
        }
        uint first = BinaryPrimitives.ReadUInt32BigEndian(quoted);
        header = new Ipv6Header(Ipv6Address.Read(quoted[8..]), Ipv6Address.Read(quoted[24..]), (IpProtocol)quoted[6],
            BinaryPrimitives.ReadUInt16BigEndian(quoted[4..]), quoted[7])
        {
            TrafficClass = (byte)(first >> 20),
            FlowLabel = (int)(first & 0x000F_FFFF),
        };
        return true;
    }

    /// <summary>Writes the 40-byte fixed header (RFC 8200 §3).</summary>
    public void WriteTo(Span<byte> buffer)
    {
        if (buffer.Length < Length)
        {
            throw new ArgumentException("buffer shorter than an IPv6 header", nameof(buffer));
        }
        if (PayloadLength < 0 || PayloadLength > Ipv6Packet.MaxPayloadLength || FlowLabel < 0 || FlowLabel > 0x000F_FFFF)
        {
            throw new InvalidOperationException("IPv6 header fields out of range");
        }
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (6u << 28) | ((uint)TrafficClass << 20) | (uint)FlowLabel);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv6Packet.PayloadLengthOffset..], (ushort)PayloadLength);
        buffer[Ipv6Packet.NextHeaderOffset] = (byte)NextHeader;
        buffer[7] = HopLimit;
        Source.WriteTo(buffer[8..]);
        Destination.WriteTo(buffer[24..]);
    }
}
