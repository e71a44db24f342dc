using Usrnet.Wire;

namespace Usrnet.Tests.Wire;

/// <summary>
/// Real packets as hex, produced by scapy 2.5 (Debian) so that the bytes do not come from the code
/// under test. Addresses follow the lab: the stack is 10.0.0.102 (02:00:00:00:00:01), the gateway
/// 10.0.0.101 (02:00:00:00:00:02), the far host 10.0.1.2.
/// </summary>
internal static class PacketFixtures
{
    /// <summary>
    /// <c>Ether(dst="ff:ff:ff:ff:ff:ff", src=A)/ARP(op=1, hwsrc=A, psrc="10.0.0.102", hwdst=0, pdst="10.0.0.101")</c>.
    /// </summary>
    public const string ArpRequestFrame =
        "ffffffffffff020000000001" + "0806"
        + "0001" + "0800" + "06" + "04" + "0001" + "020000000001" + "0a000066" + "000000000000" + "0a000065";

    /// <summary>
    /// <c>Ether(dst=A, src=B)/ARP(op=2, hwsrc=B, psrc="10.0.0.101", hwdst=A, pdst="10.0.0.102")</c>.
    /// </summary>
    public const string ArpReplyFrame =
        "020000000001020000000002" + "0806"
        + "0001" + "0800" + "06" + "04" + "0002" + "020000000002" + "0a000065" + "020000000001" + "0a000066";

    /// <summary>
    /// <c>Ether(dst=A, src=B)/IP(src="10.0.0.101", dst="10.0.0.102", id=0x1234, flags="DF", ttl=64)/ICMP(type=8, id=0x4242, seq=7)/b"usrnet-ping!"</c>.
    /// </summary>
    public const string EchoRequestFrame =
        "020000000001020000000002" + "0800"
        + "4500002812344000400113d70a0000650a000066"
        + "08006a6042420007" + "7573726e65742d70696e6721";

    /// <summary>
    /// <c>IP(src="10.0.0.102", dst="10.0.0.101", id=1, ttl=64)/ICMP(type=0, id=0x4242, seq=7)/b"usrnet-ping!"</c>.
    /// </summary>
    public const string EchoReplyPacket =
        "45000028000100004001660a0a0000660a000065"
        + "0000726042420007" + "7573726e65742d70696e6721";

    /// <summary>
    /// <c>IP(src="10.0.0.101", dst="10.0.0.102", id=0x0102, ttl=1, options=[Router Alert])/UDP(sport=1000, dport=2000)/b"abcd"</c>:
    /// IHL 6, four bytes of options.
    /// </summary>
    public const string Ipv4WithRouterAlertPacket =
        "460000240102000001110ef90a0000650a000066" + "94040000"
        + "03e807d0000c1a8d" + "61626364";

    /// <summary>
    /// <c>IP(..., id=0x0103, options=[NOP]*4 + [RR(routers=["1.2.3.4", "5.6.7.8"])])/UDP(sport=1000, dport=2000)/b"xyz"</c>:
    /// IHL 9, sixteen bytes of options.
    /// </summary>
    public const string Ipv4WithRecordRoutePacket =
        "4900002f0103000040113fd40a0000650a000066" + "01010101070b040102030405060708" + "00"
        + "03e807d0000becdb" + "78797a";

    /// <summary>
    /// The datagram that <see cref="FragmentHeaders"/> cut up: IPv4 + UDP header of
    /// <c>IP(src="10.0.0.101", dst="10.0.0.102", id=0xBEEF, ttl=64)/UDP(sport=4000, dport=5000)/(bytes(range(256))*4)</c>;
    /// the UDP data is <see cref="FragmentedDatagramData"/>.
    /// </summary>
    public const string FragmentedDatagramHeaders = "4500041cbeef00004011a3170a0000650a000066" + "0fa013880408beec";

    /// <summary>
    /// IPv4 headers of scapy's <c>fragment(..., fragsize=400)</c> of that datagram: (MF, 0, 400), (MF, 400, 400), (last, 800, 232).
    /// </summary>
    public static readonly string[] FragmentHeaders =
    [
        "450001a4beef20004011858f0a0000650a000066",
        "450001a4beef20324011855d0a0000650a000066",
        "450000fcbeef00644011a5d30a0000650a000066",
    ];

    /// <summary>
    /// <c>IP(src="10.0.1.2", dst="10.0.0.102", id=0x0777, ttl=63)/ICMP(type=3, code=3)/</c> the first 28 bytes of
    /// <c>IP(src="10.0.0.102", dst="10.0.1.2", id=0x42)/UDP(sport=33434, dport=33435)/b"traceroute!!"</c>.
    /// </summary>
    public const string PortUnreachablePacket =
        "45000038077700003f015ee70a0001020a000066"
        + "030352ce00000000"
        + "45000028004200004011651c0a0000660a000102" + "829a829b0014a4e4";

    /// <summary>
    /// <c>IP(src="10.0.0.101", dst="10.0.0.102", id=0x0778)/ICMP(type=3, code=4, nexthopmtu=1400)/</c> the first 28 bytes of a
    /// 1500-byte DF datagram <c>IP(src="10.0.0.102", dst="10.0.1.2", id=0x43, flags="DF")/UDP(sport=40000, dport=9)</c>.
    /// </summary>
    public const string FragmentationNeededPacket =
        "450000380778000040015e830a0000650a000066"
        + "030412c500000578"
        + "450005dc0043400040111f670a0000660a000102" + "9c40000905c842ad";

    /// <summary>
    /// <c>IP(src="10.0.0.101", dst="10.0.0.102", id=0x0779, tos=0xc0)/ICMP(type=11, code=0)/</c> the same quote as
    /// <see cref="PortUnreachablePacket"/>.
    /// </summary>
    public const string TimeExceededPacket =
        "45c000380779000040015dc20a0000650a000066"
        + "0b004ad100000000"
        + "45000028004200004011651c0a0000660a000102" + "829a829b0014a4e4";

    /// <summary><c>IP(src="10.0.0.101", dst="10.0.0.102", id=0x0900)/UDP(sport=5353, dport=53)/b"hello, usrnet"</c>.</summary>
    public const string UdpPacket =
        "450000290900000040115cfa0a0000650a000066"
        + "14e9003500151b90" + "68656c6c6f2c207573726e6574";

    /// <summary>The same datagram with <c>chksum=0</c> (no checksum computed), id 0x0901.</summary>
    public const string UdpZeroChecksumPacket =
        "450000290901000040115cf90a0000650a000066"
        + "14e9003500150000" + "68656c6c6f2c207573726e6574";

    /// <summary>
    /// <c>IP(..., id=0x0902)/UDP(sport=5353, dport=53)/b"zz\x5b\x73"</c>: the data was chosen so the checksum computes to 0,
    /// which RFC 768 sends as 0xFFFF.
    /// </summary>
    public const string UdpChecksumFfffPacket =
        "450000200902000040115d010a0000650a000066"
        + "14e90035000cffff" + "7a7a5b73";

    public static readonly Ipv4Address Stack = new(10, 0, 0, 102);
    public static readonly Ipv4Address Gateway = new(10, 0, 0, 101);
    public static readonly Ipv4Address FarHost = new(10, 0, 1, 2);
    public static readonly EthernetAddress StackMac = EthernetAddress.Parse("02:00:00:00:00:01");
    public static readonly EthernetAddress GatewayMac = EthernetAddress.Parse("02:00:00:00:00:02");

    /// <summary>The UDP data of the fragmented datagram: <c>bytes(range(256)) * 4</c>.</summary>
    public static byte[] FragmentedDatagramData()
    {
        byte[] data = new byte[1024];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)i;
        }
        return data;
    }

    /// <summary>The whole unfragmented datagram (1052 bytes).</summary>
    public static byte[] FragmentedDatagram() => [.. Bytes(FragmentedDatagramHeaders), .. FragmentedDatagramData()];

    /// <summary>The three fragments, each its scapy header followed by its slice of the original IP payload.</summary>
    public static byte[][] Fragments()
    {
        byte[] ipPayload = FragmentedDatagram()[20..];
        (int Offset, int Length)[] slices = [(0, 400), (400, 400), (800, 232)];
        byte[][] fragments = new byte[slices.Length][];
        for (int i = 0; i < slices.Length; i++)
        {
            fragments[i] = [.. Bytes(FragmentHeaders[i]), .. ipPayload.AsSpan(slices[i].Offset, slices[i].Length)];
        }
        return fragments;
    }

    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    /// <summary>Every fixture, for fuzzing by bit flips.</summary>
    public static IEnumerable<byte[]> All()
    {
        yield return Bytes(ArpRequestFrame);
        yield return Bytes(ArpReplyFrame);
        yield return Bytes(EchoRequestFrame);
        yield return Bytes(EchoReplyPacket);
        yield return Bytes(Ipv4WithRouterAlertPacket);
        yield return Bytes(Ipv4WithRecordRoutePacket);
        yield return Bytes(PortUnreachablePacket);
        yield return Bytes(FragmentationNeededPacket);
        yield return Bytes(TimeExceededPacket);
        yield return Bytes(UdpPacket);
        yield return Bytes(UdpZeroChecksumPacket);
        yield return Bytes(UdpChecksumFfffPacket);
        foreach (byte[] fragment in Fragments())
        {
            yield return fragment;
        }
    }
}
