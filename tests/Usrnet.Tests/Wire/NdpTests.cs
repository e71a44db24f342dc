using System.Net;
using Usrnet.Wire;
using static Usrnet.Tests.Wire.Ipv6Fixtures;

namespace Usrnet.Tests.Wire;

public sealed class NdpTests
{
    private const byte Ndp = Ipv6Header.NeighborDiscoveryHopLimit;
    private static readonly Ipv6Address Router = A("fe80::1");
    private static readonly EthernetAddress StackMac = EthernetAddress.Parse("02:00:00:00:00:01");
    private static readonly EthernetAddress PeerMac = EthernetAddress.Parse("02:00:00:00:00:02");

    private static Ipv6Address A(string text) => Ipv6Address.FromIPAddress(IPAddress.Parse(text));

    [Fact]
    public void NdpRouterAdvertisementReadsItsFieldsAndOptions()
    {
        byte[] message = Bytes(RouterAdvertisement);
        Assert.True(IcmpV6Message.TryParse(message, Router, Ipv6Address.AllNodes, out _));

        Assert.Equal(NdpError.None, NdpMessage.TryCreate(message, Ndp, Router, Ipv6Address.AllNodes, out NdpMessage ra));

        Assert.Equal(IcmpV6Type.RouterAdvertisement, ra.Type);
        Assert.Equal(64, ra.CurHopLimit);
        Assert.False(ra.Managed);
        Assert.True(ra.OtherConfiguration);
        Assert.Equal(1800, ra.RouterLifetime);
        Assert.Equal(30000u, ra.ReachableTime);
        Assert.Equal(1000u, ra.RetransTimer);
        var reader = new NdpOptionReader(ra.Options);
        Assert.True(reader.TryReadNext(out NdpOption sll));
        Assert.True(sll.IsWellFormed);
        Assert.Equal(NdpOptionType.SourceLinkLayerAddress, sll.Type);
        Assert.Equal(EthernetAddress.Parse("02:00:00:00:00:99"), sll.LinkLayerAddress);
        Assert.True(reader.TryReadNext(out NdpOption mtu));
        Assert.True(mtu.IsWellFormed);
        Assert.Equal(1500u, mtu.Mtu);
        Assert.True(reader.TryReadNext(out NdpOption prefix));
        Assert.True(prefix.IsWellFormed);
        Assert.Equal(Ipv6Cidr.Parse("fd00:0:0:1::/64"), prefix.Prefix);
        Assert.True(prefix.OnLink);
        Assert.True(prefix.Autonomous);
        Assert.Equal(86400u, prefix.ValidLifetime);
        Assert.Equal(14400u, prefix.PreferredLifetime);
        Assert.True(reader.TryReadNext(out NdpOption rdnss));
        Assert.True(rdnss.IsWellFormed);
        Assert.Equal(NdpOptionType.RecursiveDnsServer, rdnss.Type);
        Assert.Equal(600u, rdnss.RdnssLifetime);
        Assert.Equal(2, rdnss.RdnssAddressCount);
        Assert.Equal(A("fd00:0:0:1::1"), rdnss.RdnssAddress(0));
        Assert.Equal(A("fd00::53"), rdnss.RdnssAddress(1));
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsMalformed);
    }

    [Fact]
    public void NdpPrefixClearsTheBitsAfterThePrefixLength()
    {
        byte[] option = new byte[32];
        option[0] = 3;
        option[1] = 4;
        option[2] = 48;
        A("fd00:1:2:3:4::5").WriteTo(option.AsSpan(16));

        Assert.Equal(Ipv6Cidr.Parse("fd00:1:2::/48"), new NdpOption(option).Prefix);
        option[2] = 129;
        Assert.False(new NdpOption(option).IsWellFormed);
    }

    [Theory]
    [InlineData("0102020000000001" + "0000000000000000", false)] // link-layer option of 2 units
    [InlineData("0501000000000000", true)]
    [InlineData("0502000000000000" + "0000000000000000", false)]
    [InlineData("1903000000000258" + "fd000000000000000000000000000053", true)]
    [InlineData("1901000000000258", false)] // RDNSS without an address
    [InlineData("1904000000000258" + "fd000000000000000000000000000053" + "0000000000000000", false)] // even length
    [InlineData("0303400000000000" + "0000000000000000" + "0000000000000000", false)] // prefix information of 3 units
    [InlineData("c801000000000000", true)] // unknown types are ignored, not malformed
    public void NdpOptionKnownTypesNeedTheirLengths(string hex, bool wellFormed)
    {
        byte[] bytes = Bytes(hex);
        var reader = new NdpOptionReader(bytes.AsSpan(0, bytes[1] * 8));

        Assert.True(reader.TryReadNext(out NdpOption option));
        Assert.Equal(wellFormed, option.IsWellFormed);
    }

    [Theory]
    [InlineData("0100020000000001")] // length 0 (RFC 4861 §4.6: drop the packet)
    [InlineData("0102020000000001")] // 16 bytes, 8 there
    [InlineData("01")] // no length octet
    [InlineData("0501000000000000" + "0200")] // a good option, then one of length 0
    public void NdpOptionReaderStopsAtLengthZeroAndOverruns(string hex)
    {
        var reader = new NdpOptionReader(Bytes(hex));

        while (reader.TryReadNext(out _))
        {
        }

        Assert.True(reader.IsMalformed);
        Assert.False(NdpOptionReader.AreWellFormed(Bytes(hex)));
    }

    [Fact]
    public void NdpNeighborMessagesReadTheirFields()
    {
        Ipv6Address group = Ipv6Address.SolicitedNode(PeerLinkLocal);
        Assert.Equal(NdpError.None, NdpMessage.TryCreate(Bytes(NeighborSolicitation), Ndp, StackLinkLocal, group, out NdpMessage ns));
        Assert.Equal(PeerLinkLocal, ns.TargetAddress);
        Assert.True(NdpOptionReader.Contains(ns.Options, NdpOptionType.SourceLinkLayerAddress));

        Assert.Equal(NdpError.None, NdpMessage.TryCreate(Bytes(NeighborAdvertisement), Ndp, PeerLinkLocal, StackLinkLocal, out NdpMessage na));
        Assert.Equal(PeerLinkLocal, na.TargetAddress);
        Assert.False(na.Router);
        Assert.True(na.Solicited);
        Assert.True(na.Override);
        var reader = new NdpOptionReader(na.Options);
        Assert.True(reader.TryReadNext(out NdpOption tll));
        Assert.Equal((NdpOptionType.TargetLinkLayerAddress, PeerMac), (tll.Type, tll.LinkLayerAddress));

        Assert.Equal(NdpError.None, NdpMessage.TryCreate(Bytes(DadNeighborSolicitation), Ndp, Ipv6Address.Unspecified, Ipv6Address.SolicitedNode(StackLinkLocal), out _));
        Assert.Equal(NdpError.None, NdpMessage.TryCreate(Bytes(RouterSolicitation), Ndp, StackLinkLocal, Ipv6Address.AllRouters, out NdpMessage rs));
        Assert.Equal(IcmpV6Type.RouterSolicitation, rs.Type);
    }

    [Fact]
    public void NdpFieldsOfAnotherTypeReadAsZero()
    {
        // The fuzz target's first finding: an 8-byte RS read through the RA accessors sliced past its end.
        byte[] packet = Bytes("6000000000083afffe80000000000000020000fffe000001ffe4ffff03ff00000000000000000002"
            + "8500792c000000000101020000000001");
        Assert.True(Ipv6Packet.TryCreate(packet, out Ipv6Packet view));

        Assert.Equal(NdpError.None, NdpMessage.TryCreate(view.Payload, view.HopLimit, view.Source, view.Destination, out NdpMessage rs));

        Assert.Equal((0, 0, 0u, 0u), (rs.CurHopLimit, rs.RouterLifetime, rs.ReachableTime, rs.RetransTimer));
        Assert.False(rs.Managed || rs.OtherConfiguration || rs.Router || rs.Solicited || rs.Override);
        Assert.Equal(Ipv6Address.Unspecified, rs.TargetAddress);
        Assert.Equal(Ipv6Address.Unspecified, rs.RedirectDestination);
        Assert.Equal(NdpError.None, NdpMessage.TryCreate(Bytes(NeighborAdvertisement), Ndp, PeerLinkLocal, StackLinkLocal, out NdpMessage na));
        Assert.Equal(0, na.RouterLifetime);
        Assert.Equal(Ipv6Address.Unspecified, na.RedirectDestination);
    }

    [Fact]
    public void NdpRedirectReadsTargetAndDestination()
    {
        byte[] redirect = new byte[40];
        redirect[0] = 137;
        A("fe80::2").WriteTo(redirect.AsSpan(8));
        A("fd00:0:0:2::2").WriteTo(redirect.AsSpan(24));

        Assert.Equal(NdpError.None, NdpMessage.TryCreate(redirect, Ndp, Router, StackLinkLocal, out NdpMessage message));
        Assert.Equal(A("fe80::2"), message.TargetAddress);
        Assert.Equal(A("fd00:0:0:2::2"), message.RedirectDestination);
        Assert.Equal(0, message.Options.Length);

        A("ff02::1").WriteTo(redirect.AsSpan(24));
        Assert.Equal(NdpError.MulticastRedirectDestination, NdpMessage.TryCreate(redirect, Ndp, Router, StackLinkLocal, out _));
        Assert.Equal(NdpError.SourceNotLinkLocal, NdpMessage.TryCreate(redirect, Ndp, A("fd00::1"), StackLinkLocal, out _));
    }

    [Fact]
    public void NdpMessageRefusesWhatRfc4861SaysToDiscard()
    {
        Ipv6Address group = Ipv6Address.SolicitedNode(PeerLinkLocal);
        byte[] ns = Bytes(NeighborSolicitation);
        byte[] na = Bytes(NeighborAdvertisement);
        byte[] ra = Bytes(RouterAdvertisement);
        byte[] rs = Bytes(RouterSolicitation);

        Assert.Equal(NdpError.NotNeighborDiscovery, NdpMessage.TryCreate(Bytes(EchoRequestPacket)[40..], Ndp, StackLinkLocal, PeerLinkLocal, out _));
        Assert.Equal(NdpError.TooShort, NdpMessage.TryCreate(ns.AsSpan(0, 7), Ndp, StackLinkLocal, group, out _));
        Assert.Equal(NdpError.TooShort, NdpMessage.TryCreate(ns.AsSpan(0, 23), Ndp, StackLinkLocal, group, out _));
        Assert.Equal(NdpError.TooShort, NdpMessage.TryCreate(ra.AsSpan(0, 15), Ndp, Router, Ipv6Address.AllNodes, out _));
        Assert.Equal(NdpError.HopLimitNot255, NdpMessage.TryCreate(ns, 64, StackLinkLocal, group, out _));
        Assert.Equal(NdpError.SourceNotLinkLocal, NdpMessage.TryCreate(ra, Ndp, A("fd00::1"), Ipv6Address.AllNodes, out _));
        Assert.Equal(NdpError.UnspecifiedSourceNotToSolicitedNode, NdpMessage.TryCreate(Bytes(DadNeighborSolicitation), Ndp, Ipv6Address.Unspecified, StackLinkLocal, out _));
        Assert.Equal(NdpError.UnspecifiedSourceWithLinkLayerAddress, NdpMessage.TryCreate(ns, Ndp, Ipv6Address.Unspecified, group, out _));
        Assert.Equal(NdpError.UnspecifiedSourceWithLinkLayerAddress, NdpMessage.TryCreate(rs, Ndp, Ipv6Address.Unspecified, Ipv6Address.AllRouters, out _));
        Assert.Equal(NdpError.SolicitedToMulticast, NdpMessage.TryCreate(na, Ndp, PeerLinkLocal, Ipv6Address.AllNodes, out _));
        byte[] multicastTarget = (byte[])na.Clone();
        Ipv6Address.AllNodes.WriteTo(multicastTarget.AsSpan(8));
        Assert.Equal(NdpError.MulticastTarget, NdpMessage.TryCreate(multicastTarget, Ndp, PeerLinkLocal, StackLinkLocal, out _));
        byte[] code = (byte[])ns.Clone();
        code[1] = 1;
        Assert.Equal(NdpError.CodeNotZero, NdpMessage.TryCreate(code, Ndp, StackLinkLocal, group, out _));
        byte[] zeroLength = (byte[])ra.Clone();
        zeroLength[17] = 0; // the first option's length
        Assert.Equal(NdpError.MalformedOption, NdpMessage.TryCreate(zeroLength, Ndp, Router, Ipv6Address.AllNodes, out _));
        Assert.Equal(12, Enum.GetValues<NdpError>().Length); // each value is reached above
    }

    [Fact]
    public void NdpWriterWritesTheExactBytesOfKnownMessages()
    {
        byte[] buffer = new byte[NdpWriter.MaxLength];

        int length = NdpWriter.WriteNeighborSolicitation(buffer, StackLinkLocal, Ipv6Address.SolicitedNode(PeerLinkLocal), PeerLinkLocal, StackMac);
        Assert.Equal(Bytes(NeighborSolicitation), buffer[..length]);

        length = NdpWriter.WriteNeighborSolicitation(buffer, Ipv6Address.Unspecified, Ipv6Address.SolicitedNode(StackLinkLocal), StackLinkLocal, null);
        Assert.Equal(Bytes(DadNeighborSolicitation), buffer[..length]);

        buffer.AsSpan().Fill(0xEE); // reserved bytes must be written as zero
        length = NdpWriter.WriteNeighborAdvertisement(buffer, PeerLinkLocal, StackLinkLocal, PeerLinkLocal, router: false, solicited: true, @override: true, PeerMac);
        Assert.Equal(Bytes(NeighborAdvertisement), buffer[..length]);

        length = NdpWriter.WriteRouterSolicitation(buffer, StackLinkLocal, Ipv6Address.AllRouters, StackMac);
        Assert.Equal(Bytes(RouterSolicitation), buffer[..length]);
        Assert.True(IcmpV6Message.TryParse(buffer.AsSpan(0, length), StackLinkLocal, Ipv6Address.AllRouters, out _));
    }

    [Fact]
    public void NdpWriterRoundTripsAdvertisementFlags()
    {
        byte[] buffer = new byte[NdpWriter.MaxLength];
        int length = NdpWriter.WriteNeighborAdvertisement(buffer, StackLinkLocal, Ipv6Address.AllNodes, StackLinkLocal, router: true, solicited: false, @override: true, null);

        Assert.Equal(NdpMessage.NeighborMessageLength, length);
        Assert.Equal(NdpError.None, NdpMessage.TryCreate(buffer.AsSpan(0, length), Ndp, StackLinkLocal, Ipv6Address.AllNodes, out NdpMessage na));
        Assert.Equal((true, false, true), (na.Router, na.Solicited, na.Override));
    }

    [Fact]
    public void NdpWriterRefusesALinkLayerAddressFromUnspecifiedAndShortBuffers()
    {
        Assert.Throws<ArgumentException>(() => NdpWriter.WriteRouterSolicitation(new byte[16], Ipv6Address.Unspecified, Ipv6Address.AllRouters, StackMac));
        Assert.Throws<ArgumentException>(() => NdpWriter.WriteNeighborSolicitation(new byte[32], Ipv6Address.Unspecified, Ipv6Address.AllNodes, StackLinkLocal, StackMac));
        Assert.Throws<ArgumentException>(() => NdpWriter.WriteNeighborSolicitation(new byte[31], StackLinkLocal, Ipv6Address.AllNodes, PeerLinkLocal, StackMac));
    }

    [Fact]
    public void NdpParseAndWriteAllocateNothing()
    {
        byte[] ra = Bytes(RouterAdvertisement);
        byte[] buffer = new byte[NdpWriter.MaxLength];
        void ParseAndWrite(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(NdpMessage.TryCreate(ra, Ndp, Router, Ipv6Address.AllNodes, out NdpMessage message) == NdpError.None);
                var reader = new NdpOptionReader(message.Options);
                while (reader.TryReadNext(out NdpOption option))
                {
                    Assert.True(option.IsWellFormed);
                }
                NdpWriter.WriteNeighborSolicitation(buffer, StackLinkLocal, Ipv6Address.SolicitedNode(Router), Router, StackMac);
            }
        }
        ParseAndWrite(100);

        long before = GC.GetAllocatedBytesForCurrentThread();
        ParseAndWrite(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
