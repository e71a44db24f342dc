using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// Writes an MLDv2 report (RFC 3810 §5.2) for groups the stack listens to with no source filter: one
/// record per group with no sources, of type CHANGE_TO_EXCLUDE on a join, CHANGE_TO_INCLUDE on a leave,
/// MODE_IS_EXCLUDE in answer to a query. The whole packet is written, since the report needs more than an
/// ICMPv6 message: hop limit 1, the hop-by-hop Router Alert option (RFC 3810 §5; RFC 2711) and ff02::16.
/// </summary>
/// <remarks>
/// <code>
/// | IPv6 header, hop limit 1, to ff02::16 | hop-by-hop: Router Alert (MLD), PadN |
/// | type 143 | reserved | checksum | reserved (2) | number of records (2) |
/// | record: type | aux data len 0 | number of sources 0 | multicast address (16) | ...
/// </code>
/// </remarks>
internal static class MldV2Report
{
    /// <summary>Length of one record with no sources (RFC 3810 §5.2.4).</summary>
    public const int RecordLength = 20;

    /// <summary>Length of the report header before the records (RFC 3810 §5.2).</summary>
    public const int ReportHeaderLength = 8;

    /// <summary>Bytes before the first record: IPv6 header, hop-by-hop header and report header.</summary>
    public const int Overhead = Ipv6Header.Length + Ipv6HeaderChain.RouterAlertHeaderLength + ReportHeaderLength;

    /// <summary>Hop limit of MLD messages: they never leave the link (RFC 3810 §5).</summary>
    public const byte HopLimit = 1;

    /// <summary>The most records a report of at most <paramref name="mtu"/> bytes holds; the rest go in another report (RFC 3810 §5.2.15).</summary>
    public static int MaxRecords(int mtu) => Math.Max(0, (mtu - Overhead) / RecordLength);

    /// <summary>
    /// Writes the report packet from <paramref name="source"/> (a link-local address, or :: before one is
    /// assigned, RFC 3810 §5.2.13) with one record of <paramref name="recordType"/> per group; returns its length.
    /// </summary>
    public static int WritePacket(Span<byte> packet, Ipv6Address source, ReadOnlySpan<Ipv6Address> groups, MldV2RecordType recordType)
    {
        int messageLength = ReportHeaderLength + groups.Length * RecordLength;
        int length = Ipv6Header.Length + Ipv6HeaderChain.RouterAlertHeaderLength + messageLength;
        if (packet.Length < length || groups.Length > ushort.MaxValue || length - Ipv6Header.Length > Ipv6Packet.MaxPayloadLength)
        {
            throw new ArgumentException("buffer shorter than the report, or too many groups", nameof(packet));
        }
        Ipv6Address destination = Ipv6Address.AllMldv2Routers;
        new Ipv6Header(source, destination, (IpProtocol)Ipv6ExtensionHeaderType.HopByHopOptions, length - Ipv6Header.Length, HopLimit).WriteTo(packet);
        Ipv6HeaderChain.WriteRouterAlertHeader(packet[Ipv6Header.Length..], IpProtocol.IcmpV6, Ipv6HeaderChain.RouterAlertMld);
        Span<byte> message = packet.Slice(Ipv6Header.Length + Ipv6HeaderChain.RouterAlertHeaderLength, messageLength);
        message.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], (ushort)groups.Length);
        for (int i = 0; i < groups.Length; i++)
        {
            Span<byte> record = message.Slice(ReportHeaderLength + i * RecordLength, RecordLength);
            record[0] = (byte)recordType;
            groups[i].WriteTo(record[4..]);
        }
        // Bytes 4..7 (reserved, number of records) are in place: the header's rest carries them as they are.
        new IcmpV6Message(IcmpV6Type.MulticastListenerReportV2, 0, BinaryPrimitives.ReadUInt32BigEndian(message[4..])).WriteTo(message, source, destination);
        return length;
    }
}
