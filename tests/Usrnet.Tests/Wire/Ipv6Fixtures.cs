using Usrnet.Wire;

namespace Usrnet.Tests.Wire;

/// <summary>
/// IPv6 packets as hex, laid out by hand from the RFC diagrams with python3's <c>struct</c> (the checksums
/// by a separate RFC 1071 sum), so that the bytes do not come from the code under test. The stack is
/// fe80::200:ff:fe00:1, the peer fe80::200:ff:fe00:2.
/// </summary>
internal static class Ipv6Fixtures
{
    /// <summary>The stack's link-local address.</summary>
    public static readonly Ipv6Address StackLinkLocal = Ipv6Address.FromIPAddress(System.Net.IPAddress.Parse("fe80::200:ff:fe00:1"));

    /// <summary>The peer's link-local address.</summary>
    public static readonly Ipv6Address PeerLinkLocal = Ipv6Address.FromIPAddress(System.Net.IPAddress.Parse("fe80::200:ff:fe00:2"));

    /// <summary>
    /// IPv6 (traffic class 0x2e, flow label 0x12345, hop limit 64) from <see cref="StackLinkLocal"/> to <see cref="PeerLinkLocal"/>,
    /// ICMPv6 echo request id 0x1234 seq 1, data "abcd"; checksum 0xa9b8.
    /// </summary>
    public const string EchoRequestPacket =
        "62e12345" + "000c" + "3a" + "40"
        + "fe80000000000000020000fffe000001" + "fe80000000000000020000fffe000002"
        + "80" + "00" + "a9b8" + "1234" + "0001" + "61626364";

    /// <summary>NS from the stack to ff02::1:ff00:2 for the peer, source link-layer address 02:00:00:00:00:01 (RFC 4861 §4.3).</summary>
    public const string NeighborSolicitation =
        "87" + "00" + "7897" + "00000000" + "fe80000000000000020000fffe000002" + "01" + "01" + "020000000001";

    /// <summary>DAD probe: NS from :: to ff02::1:ff00:1 for the stack's address, no option (RFC 4862 §5.4.2).</summary>
    public const string DadNeighborSolicitation =
        "87" + "00" + "7b25" + "00000000" + "fe80000000000000020000fffe000001";

    /// <summary>NA from the peer to the stack, S and O set, target link-layer address 02:00:00:00:00:02 (RFC 4861 §4.4).</summary>
    public const string NeighborAdvertisement =
        "88" + "00" + "151a" + "60000000" + "fe80000000000000020000fffe000002" + "02" + "01" + "020000000002";

    /// <summary>RS from the stack to ff02::2 with its source link-layer address (RFC 4861 §4.1).</summary>
    public const string RouterSolicitation =
        "85" + "00" + "792c" + "00000000" + "01" + "01" + "020000000001";

    /// <summary>
    /// RA from fe80::1 to ff02::1 (RFC 4861 §4.2): cur hop limit 64, O set, router lifetime 1800 s, reachable
    /// 30000 ms, retrans 1000 ms; options source link-layer 02:00:00:00:00:99, MTU 1500, prefix
    /// fd00:0:0:1::/64 L A valid 86400 preferred 14400, RDNSS (RFC 8106 §5.1) lifetime 600 fd00:0:0:1::1 fd00::53.
    /// </summary>
    public const string RouterAdvertisement =
        "86" + "00" + "ccc3" + "40" + "40" + "0708" + "00007530" + "000003e8"
        + "0101" + "020000000099"
        + "0501" + "0000" + "000005dc"
        + "0304" + "40" + "c0" + "00015180" + "00003840" + "00000000" + "fd000000000000010000000000000000"
        + "1905" + "0000" + "00000258" + "fd000000000000010000000000000001" + "fd000000000000000000000000000053";

    /// <summary>
    /// MLDv2 report packet from the stack (RFC 3810 §5.2): hop limit 1 to ff02::16, hop-by-hop Router Alert 0
    /// and PadN (RFC 2711), one CHANGE_TO_EXCLUDE record for ff02::1:ff00:1 with no sources.
    /// </summary>
    public const string MldV2ReportPacket =
        "60000000" + "0024" + "00" + "01" + "fe80000000000000020000fffe000001" + "ff020000000000000000000000000016"
        + "3a" + "00" + "05020000" + "0100"
        + "8f" + "00" + "7007" + "0000" + "0001"
        + "04" + "00" + "0000" + "ff0200000000000000000001ff000001";

    /// <summary>The bytes of a hex fixture.</summary>
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    /// <summary>Builds a packet from <see cref="StackLinkLocal"/> to <paramref name="destination"/> (or <see cref="PeerLinkLocal"/>) with the given first Next Header and payload.</summary>
    public static byte[] Packet(byte nextHeader, byte[] payload, Ipv6Address? destination = null)
    {
        byte[] packet = new byte[Ipv6Packet.HeaderLength + payload.Length];
        packet[0] = 0x60;
        packet[4] = (byte)(payload.Length >> 8);
        packet[5] = (byte)payload.Length;
        packet[6] = nextHeader;
        packet[7] = 64;
        StackLinkLocal.WriteTo(packet.AsSpan(8));
        (destination ?? PeerLinkLocal).WriteTo(packet.AsSpan(24));
        payload.CopyTo(packet, Ipv6Packet.HeaderLength);
        return packet;
    }
}
