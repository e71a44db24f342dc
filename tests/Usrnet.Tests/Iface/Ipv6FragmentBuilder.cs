using System.Buffers.Binary;
using Usrnet.Wire;

namespace Usrnet.Tests.Iface;

/// <summary>
/// Builds IPv6 fragments as byte arrays by hand from RFC 8200 §4.5's layout (not with the writer under
/// test), and the scapy fixture of a UDP packet cut by <c>fragment6</c>.
/// </summary>
internal static class Ipv6FragmentBuilder
{
    public const byte NextHopByHop = 0, NextTcp = 6, NextUdp = 17, NextFragment = 44, NextIcmpV6 = 58, NextDestinationOptions = 60;

    public static readonly Ipv6Address Source = Ipv6Address.FromIPAddress(System.Net.IPAddress.Parse("fd00:0:0:1::1"));
    public static readonly Ipv6Address Destination = Ipv6Address.FromIPAddress(System.Net.IPAddress.Parse("fd00:0:0:1::2"));

    /// <summary>
    /// The first 56 bytes (IPv6, a hop-by-hop header with a PadN of 4, the fragment header) of each fragment of
    /// scapy's <c>fragment6(IPv6(src="fd00:0:0:1::1", dst="fd00:0:0:1::2", hlim=64)/IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0"*4)])
    /// /IPv6ExtHdrFragment(id=0x12345678)/UDP(sport=5000, dport=7)/data, 1280)</c>, data the 3000 bytes of
    /// <see cref="FragmentBuilder.Pattern"/>: (M, 0, 1224), (M, 1224, 1224), (last, 2448, 560).
    /// </summary>
    public static readonly string[] ScapyFragmentHeaders =
    [
        "6000000004d80040fd000000000000010000000000000001fd000000000000010000000000000002" + "2c00010400000000" + "1100000112345678",
        "6000000004d80040fd000000000000010000000000000001fd000000000000010000000000000002" + "2c00010400000000" + "110004c912345678",
        "6000000002400040fd000000000000010000000000000001fd000000000000010000000000000002" + "2c00010400000000" + "1100099012345678",
    ];

    /// <summary>The unfragmented packet's IPv6 header, hop-by-hop header and UDP header (scapy's, checksum 0x7e7d).</summary>
    public const string ScapyPacketHeaders =
        "600000000bc80040fd000000000000010000000000000001fd000000000000010000000000000002" + "1100010400000000" + "138800070bc07e7d";

    public const int ScapyDataLength = 3000;

    /// <summary>The whole packet scapy fragmented.</summary>
    public static byte[] ScapyPacket() => [.. Convert.FromHexString(ScapyPacketHeaders), .. FragmentBuilder.Pattern(0, ScapyDataLength)];

    /// <summary>Scapy's fragments, whole.</summary>
    public static byte[][] ScapyFragments()
    {
        byte[] fragmentable = ScapyPacket()[48..];
        int[] offsets = [0, 1224, 2448, fragmentable.Length];
        return [.. Enumerable.Range(0, 3).Select(i =>
            (byte[])[.. Convert.FromHexString(ScapyFragmentHeaders[i]), .. fragmentable[offsets[i]..offsets[i + 1]]])];
    }

    /// <summary>
    /// A fragment: IPv6, the <paramref name="unfragmentable"/> extension headers (their Next Header fields
    /// already chained, the last naming 44), a fragment header naming <paramref name="nextHeader"/>, and
    /// <paramref name="data"/> at <paramref name="offset"/> of the fragmentable part.
    /// </summary>
    public static byte[] Fragment6(uint id, int offset, ReadOnlySpan<byte> data, bool more, byte nextHeader = NextUdp,
        Ipv6Address? source = null, byte[]? unfragmentable = null, byte hopLimit = 64)
    {
        unfragmentable ??= [];
        byte[] packet = new byte[Ipv6Header.Length + unfragmentable.Length + 8 + data.Length];
        new Ipv6Header(source ?? Source, Destination, unfragmentable.Length > 0 ? (IpProtocol)NextHopByHop : (IpProtocol)NextFragment,
            packet.Length - Ipv6Header.Length, hopLimit).WriteTo(packet);
        unfragmentable.CopyTo(packet.AsSpan(Ipv6Header.Length));
        Span<byte> header = packet.AsSpan(Ipv6Header.Length + unfragmentable.Length, 8);
        header[0] = nextHeader;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(offset | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], id);
        data.CopyTo(packet.AsSpan(packet.Length - data.Length));
        return packet;
    }

    /// <summary>A fragment of <paramref name="length"/> bytes of the pattern <c>(offset + i) * 7</c>.</summary>
    public static byte[] Fragment6(uint id, int offset, int length, bool more, byte nextHeader = NextUdp) =>
        Fragment6(id, offset, FragmentBuilder.Pattern(offset, length), more, nextHeader);

    /// <summary>The packet reassembly should rebuild from <see cref="Fragment6(uint, int, ReadOnlySpan{byte}, bool, byte, Ipv6Address?, byte[]?, byte)"/> pieces without extension headers.</summary>
    public static byte[] Packet6(ReadOnlySpan<byte> fragmentable, byte nextHeader = NextUdp, byte hopLimit = 64)
    {
        byte[] packet = new byte[Ipv6Header.Length + fragmentable.Length];
        new Ipv6Header(Source, Destination, (IpProtocol)nextHeader, fragmentable.Length, hopLimit).WriteTo(packet);
        fragmentable.CopyTo(packet.AsSpan(Ipv6Header.Length));
        return packet;
    }
}
