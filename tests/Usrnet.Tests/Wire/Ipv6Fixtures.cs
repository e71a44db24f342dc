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
