namespace Usrnet.Tests.Iface;

/// <summary>
/// Frames for the interface's ingress filter as hex, produced by scapy 2.5 (Debian) so that the bytes do
/// not come from the code under test. Every frame is <c>Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02")</c>
/// (the stack at 10.0.0.102/24 and the gateway 10.0.0.101, as <see cref="Wire.PacketFixtures"/>); the echo
/// requests are <c>ICMP(id=1, seq=1)</c>.
/// </summary>
internal static class IngressFixtures
{
    /// <summary><c>Ether(dst="ff:ff:ff:ff:ff:ff", src=B)/ARP(op=1, hwsrc=B, psrc="10.0.0.101", pdst="10.0.0.102")</c>: the gateway asks for us.</summary>
    public const string GatewayArpRequest = "ffffffffffff020000000002080600010800060400010200000000020a0000650000000000000a000066";

    /// <summary>LAND: <c>IP(src="10.0.0.102", dst="10.0.0.102", id=0x0a01)/TCP(sport=7, dport=7, flags="S", seq=1000, window=8192)</c>.</summary>
    public const string LandSyn = "0200000000010200000000020800450000280a01000040065c040a0000660a00006600070007000003e8000000005002200077210000";

    /// <summary><c>IP(src="0.0.0.0", dst="10.0.0.102", id=0x0a02)/ICMP()/b"martian"</c>.</summary>
    public const string EchoFromUnspecified = "0200000000010200000000020800450000230a02000040016673000000000a000066080040c6000100016d61727469616e";

    /// <summary><c>IP(src="0.1.2.3", dst="10.0.0.102", id=0x0a03)/ICMP()/b"martian"</c>.</summary>
    public const string EchoFromThisNetwork = "0200000000010200000000020800450000230a0300004001646e000102030a000066080040c6000100016d61727469616e";

    /// <summary><c>IP(src="127.0.0.1", dst="10.0.0.102", id=0x0a04)/ICMP()/b"martian"</c>.</summary>
    public const string EchoFromLoopback = "0200000000010200000000020800450000230a0400004001e76f7f0000010a000066080040c6000100016d61727469616e";

    /// <summary><c>IP(src="240.0.0.1", dst="10.0.0.102", id=0x0a05)/ICMP()/b"martian"</c>.</summary>
    public const string EchoFromClassE = "0200000000010200000000020800450000230a0500004001766ef00000010a000066080040c6000100016d61727469616e";

    /// <summary><c>IP(src="255.255.255.255", dst="10.0.0.102", id=0x0a06)/ICMP()/b"martian"</c>.</summary>
    public const string EchoFromLimitedBroadcast = "0200000000010200000000020800450000230a0600004001666fffffffff0a000066080040c6000100016d61727469616e";

    /// <summary><c>IP(src="10.0.0.255", dst="10.0.0.102", id=0x0a07)/ICMP()/b"martian"</c>.</summary>
    public const string EchoFromSubnetBroadcast = "0200000000010200000000020800450000230a07000040015b6f0a0000ff0a000066080040c6000100016d61727469616e";

    /// <summary><c>IP(src="224.0.0.1", dst="10.0.0.102", id=0x0a08)/ICMP()/b"martian"</c>.</summary>
    public const string EchoFromMulticast = "0200000000010200000000020800450000230a0800004001866be00000010a000066080040c6000100016d61727469616e";

    /// <summary><c>IP(src="10.0.0.102", dst="10.0.0.102", id=0x0a09)/ICMP()/b"martian"</c>.</summary>
    public const string EchoFromOwnAddress = "0200000000010200000000020800450000230a09000040015c060a0000660a000066080040c6000100016d61727469616e";

    /// <summary>
    /// <c>IP(src="10.0.1.2", dst="10.0.0.102", id=0x0a0a, options=[IPOption_LSRR(routers=["10.0.1.1", "10.0.0.102"], pointer=12)])/ICMP()/b"routed"</c>:
    /// a loose source route already completed (the pointer is past the route data), which RFC 1122 §3.2.2.6 would have the reply reverse.
    /// </summary>
    public const string EchoWithCompletedLooseSourceRoute =
        "02000000000102000000000208004800002e0a0a00004001623d0a0001020a000066830b0c0a0001010a000066000800aab500010001726f75746564";

    /// <summary><c>IP(src="10.0.1.2", dst="10.0.0.102", id=0x0a0b, options=[IPOption_SSRR(routers=["10.0.0.102"], pointer=8)])/ICMP()/b"routed"</c>.</summary>
    public const string EchoWithStrictSourceRoute =
        "02000000000102000000000208004700002a0a0b00004001624f0a0001020a0000668907080a000066000800aab500010001726f75746564";

    /// <summary><c>IP(src="10.0.0.101", dst="10.0.0.102", id=0x0a0c, options=IPOption(b"\x44\x00\x00\x00"))/ICMP()/b"bad option"</c>: a timestamp option of length 0.</summary>
    public const string EchoWithZeroLengthOption =
        "02000000000102000000000208004600002a0a0c0000400116fd0a0000650a000066440000000800de3300010001626164206f7074696f6e";

    /// <summary><c>IP(..., id=0x0a0d, options=IPOption(b"\x01\x07\x09\x04"))/ICMP()/b"bad option"</c>: a record route claiming 9 bytes of the 3 left.</summary>
    public const string EchoWithOptionPastHeader =
        "02000000000102000000000208004600002a0a0d0000400150f10a0000650a000066010709040800de3300010001626164206f7074696f6e";

    /// <summary><c>IP(src="10.0.0.101", dst="10.0.0.102", id=0x0a0e, options=[IPOption_RR(routers=["10.0.0.101"], pointer=8)])/ICMP()/b"recorded"</c>.</summary>
    public const string EchoWithRecordRoute =
        "02000000000102000000000208004700002c0a0e00004001e5e70a0000650a0000660707080a0000650008004a60000100017265636f72646564";

    /// <summary><c>IP(src="0.0.0.0", dst="255.255.255.255", id=0x0a0f)/UDP(sport=68, dport=67)/b"bootp"</c>: how a DHCP client without an address speaks.</summary>
    public const string DhcpFromUnspecified = "0200000000010200000000020800450000210a0f0000401170be00000000ffffffff00440043000dbd69626f6f7470";

    /// <summary><c>IP(src="0.0.0.0", dst="255.255.255.255", id=0x0a10)/UDP(sport=68, dport=69)/b"bootp"</c>: 0.0.0.0 to a port that is not DHCP's.</summary>
    public const string UdpFromUnspecifiedToAnotherPort = "0200000000010200000000020800450000210a100000401170bd00000000ffffffff00440045000dbd67626f6f7470";

    /// <summary><c>IP(src="10.0.0.101", dst="10.0.0.102", id=0x0a11)/UDP(sport=0, dport=7)/b"no reply expected"</c>.</summary>
    public const string UdpFromSourcePortZero =
        "02000000000102000000000208004500002d0a11000040115be50a0000650a000066000000070019b3806e6f207265706c79206578706563746564";

    /// <summary><c>IP(src="10.0.0.101", dst="10.0.0.102", id=0x0a12)/TCP(sport=0, dport=7, flags="S", seq=1000, window=8192)</c>.</summary>
    public const string SynFromSourcePortZero = "0200000000010200000000020800450000280a12000040065bf40a0000650a00006600000007000003e8000000005002200077290000";

    /// <summary>
    /// The stack's answer to <see cref="EchoWithRecordRoute"/>: <c>Ether(dst=B, src=A)/IP(src="10.0.0.102", dst="10.0.0.101", id=0x3fa8)/ICMP(type=0, id=1, seq=1)/b"recorded"</c>,
    /// 0x3fa8 being the first identification of an interface seeded with 1.
    /// </summary>
    public const string RecordRouteEchoReply =
        "0200000000020200000000010800450000243fa80000400126670a0000660a00006500005260000100017265636f72646564";
}
