using Usrnet.Iface;
using Usrnet.Wire;
using static Usrnet.Tests.Iface.Ipv6.Ipv6Peer;

namespace Usrnet.Tests.Iface.Ipv6;

/// <summary>Duplicate address detection (RFC 4862 §5.4) on the link-local and static addresses.</summary>
public sealed class DuplicateAddressDetectionTests : IDisposable
{
    private readonly Ipv6Peer _link = new();

    public void Dispose() => _link.Dispose();

    [Fact]
    public void TheLinkLocalAddressIsTheModifiedEui64OfTheMac()
    {
        // RFC 4291 App. A: 02:00:00:00:00:01 -> fe80::ff:fe00:1 (the universal/local bit flipped, ff:fe inserted).
        Assert.Equal(Parse("fe80::ff:fe00:1"), _link.Stack.LinkLocalAddress);
        Assert.Equal([new Ipv6InterfaceAddress(new Ipv6Cidr(StackLinkLocal, 64), Ipv6AddressState.Tentative)], _link.Stack.Ipv6Addresses);
    }

    [Fact]
    public void OneSolicitationFromTheUnspecifiedAddressThenTheAddressIsPreferredAfterOneSecond()
    {
        Assert.Equal(_link.Now, _link.Stack.PollAt(_link.Now));
        List<byte[]> sent = _link.PollAndDrain();
        Assert.Equal(2, sent.Count);
        AssertMldReportJoins(sent[0], Ipv6Address.SolicitedNode(StackLinkLocal));
        byte[] ns = sent[1];
        Ipv6Header ip = Header(ns);
        Assert.Equal(Ipv6Address.Unspecified, ip.Source);
        Assert.Equal(Ipv6Address.SolicitedNode(StackLinkLocal), ip.Destination);
        Assert.Equal(255, ip.HopLimit);
        Assert.Equal(SolicitedNodeMac(StackLinkLocal), Destination(ns));
        Assert.Equal(NdpMessage.NeighborMessageLength, Payload(ns).Length); // RFC 4862 §5.4.2: no source link-layer option
        Assert.Equal((byte)IcmpV6Type.NeighborSolicitation, Payload(ns)[0]);
        Assert.Equal(StackLinkLocal, Ipv6Address.Read(Payload(ns)[NdpMessage.TargetOffset..]));

        Assert.Equal(_link.Now + TimeSpan.FromSeconds(1), _link.Stack.PollAt(_link.Now));
        _link.Now += TimeSpan.FromMilliseconds(999);
        Assert.Empty(_link.PollAndDrain());
        Assert.Equal(Ipv6AddressState.Tentative, _link.Stack.Ipv6Addresses[0].State);
        _link.Now += TimeSpan.FromMilliseconds(1);
        Assert.Empty(_link.PollAndDrain());
        Assert.Equal(Ipv6AddressState.Preferred, _link.Stack.Ipv6Addresses[0].State);
        Assert.Null(_link.Stack.PollAt(_link.Now));
    }

    [Fact]
    public void AnAdvertisementForTheTentativeAddressMarksItDuplicatedForGood()
    {
        _link.PollAndDrain();
        _link.Exchange(NeighborAdvertisement(StackLinkLocal, Ipv6Address.AllNodes, StackLinkLocal, solicited: false, @override: true, PeerMac,
            EthernetAddress.FromIpv6Multicast(Ipv6Address.AllNodes)));
        AssertDuplicatedAndUnused();
    }

    [Fact]
    public void AnotherNodesSolicitationForTheTentativeAddressMarksItDuplicated()
    {
        _link.PollAndDrain();
        Ipv6Address group = Ipv6Address.SolicitedNode(StackLinkLocal);
        Assert.Empty(_link.Exchange(NeighborSolicitation(Ipv6Address.Unspecified, group, StackLinkLocal, null, SolicitedNodeMac(StackLinkLocal))));
        AssertDuplicatedAndUnused();
    }

    [Fact]
    public void AResolvingSolicitationForTheTentativeAddressIsIgnored()
    {
        _link.PollAndDrain();
        Ipv6Address group = Ipv6Address.SolicitedNode(StackLinkLocal);
        Assert.Empty(_link.Exchange(NeighborSolicitation(PeerLinkLocal, group, StackLinkLocal, PeerMac, SolicitedNodeMac(StackLinkLocal))));
        _link.Now += TimeSpan.FromSeconds(1);
        _link.PollAndDrain();
        Assert.Equal(Ipv6AddressState.Preferred, _link.Stack.Ipv6Addresses[0].State);
        Assert.Equal(0, _link.Stack.Counters.DuplicateAddressesDetected);
    }

    [Fact]
    public void AStaticAddressGoesThroughDadToo()
    {
        using var link = new Ipv6Peer(new InterfaceOptions { Ipv6Addresses = [Ipv6Cidr.Parse("fd00:0:0:1::102/64")] });
        List<byte[]> sent = link.PollAndDrain();
        Assert.Equal(4, sent.Count); // a report and a solicitation for each address
        Assert.Contains(sent, f => Header(f).Destination == Ipv6Address.SolicitedNode(Parse("fd00:0:0:1::102")));
        link.Now += TimeSpan.FromSeconds(1);
        link.PollAndDrain();
        Assert.All(link.Stack.Ipv6Addresses, a => Assert.Equal(Ipv6AddressState.Preferred, a.State));
    }

    [Fact]
    public void TheTentativeAddressTakesNoUnicastTraffic()
    {
        _link.PollAndDrain();
        Assert.Empty(_link.Exchange(EchoRequest(PeerLinkLocal, StackLinkLocal)));
        Assert.Equal(1, _link.Stack.Counters.DroppedNotForUs);
    }

    /// <summary>RFC 3810 §5.2: from :: (no address is preferred yet), hop limit 1, a router alert, one CHANGE_TO_EXCLUDE record.</summary>
    private static void AssertMldReportJoins(byte[] frame, Ipv6Address group)
    {
        Ipv6Header ip = Header(frame);
        Assert.Equal((Ipv6Address.Unspecified, Ipv6Address.AllMldv2Routers, (byte)1), (ip.Source, ip.Destination, ip.HopLimit));
        Assert.Equal(EthernetAddress.FromIpv6Multicast(Ipv6Address.AllMldv2Routers), Destination(frame));
        Assert.True(Ipv6Packet.TryCreate(frame.AsSpan(EthernetHeader.Length), out Ipv6Packet packet));
        Ipv6HeaderChain chain = Ipv6HeaderChain.Walk(packet);
        Assert.True(chain.HasRouterAlert);
        ReadOnlySpan<byte> report = packet.Buffer[chain.UpperLayerOffset..];
        Assert.True(IcmpV6Message.TryParse(report, ip.Source, ip.Destination, out IcmpV6Message icmp));
        Assert.Equal(IcmpV6Type.MulticastListenerReportV2, icmp.Type);
        Assert.Equal(1, report[7]);
        Assert.Equal((byte)MldV2RecordType.ChangeToExclude, report[MldV2Report.ReportHeaderLength]);
        Assert.Equal(group, Ipv6Address.Read(report[(MldV2Report.ReportHeaderLength + 4)..]));
    }

    private void AssertDuplicatedAndUnused()
    {
        Assert.Equal(Ipv6AddressState.Duplicated, _link.Stack.Ipv6Addresses[0].State);
        Assert.Equal(1, _link.Stack.Counters.DuplicateAddressesDetected);
        _link.Now += TimeSpan.FromSeconds(5);
        Assert.Empty(_link.PollAndDrain());
        Assert.Equal(Ipv6AddressState.Duplicated, _link.Stack.Ipv6Addresses[0].State);
        // Never used: an echo to it is not for us, and a solicitation for it is not answered.
        Assert.Empty(_link.Exchange(EchoRequest(PeerLinkLocal, StackLinkLocal)));
        Assert.Empty(_link.Exchange(NeighborSolicitation(PeerLinkLocal, Ipv6Address.SolicitedNode(StackLinkLocal), StackLinkLocal, PeerMac, SolicitedNodeMac(StackLinkLocal))));
    }
}
