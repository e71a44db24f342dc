using Usrnet.Iface;
using Usrnet.Wire;
using static Usrnet.Tests.Iface.Ipv6.Ipv6Peer;

namespace Usrnet.Tests.Iface.Ipv6;

/// <summary>
/// Neighbor discovery over the in-memory link: solicitations answered (RFC 4861 §7.2.4), advertisements
/// taken (§7.2.5), and every neighbour cache transition of §7.3.3, driven by echo replies the stack sends.
/// </summary>
public sealed class NeighborDiscoveryTests : IDisposable
{
    private readonly Ipv6Peer _link = new();

    public NeighborDiscoveryTests() => _link.CompleteDad();

    public void Dispose() => _link.Dispose();

    private NeighborState? PeerState => _link.Stack.NeighborCache.StateOf(PeerLinkLocal, _link.Now);

    [Fact]
    public void ASolicitationToTheSolicitedNodeGroupIsAnsweredSolicitedAndOverride()
    {
        byte[] na = Assert.Single(_link.Exchange(NeighborSolicitation(PeerLinkLocal, Ipv6Address.SolicitedNode(StackLinkLocal), StackLinkLocal, PeerMac, SolicitedNodeMac(StackLinkLocal))));
        Ipv6Header ip = Header(na);
        Assert.Equal((StackLinkLocal, PeerLinkLocal, (byte)255), (ip.Source, ip.Destination, ip.HopLimit));
        Assert.Equal(PeerMac, Destination(na)); // learned from the source link-layer option, no resolution needed
        ReadOnlySpan<byte> message = Payload(na);
        Assert.Equal(NdpError.None, NdpMessage.TryCreate(message, 255, ip.Source, ip.Destination, out NdpMessage ndp));
        Assert.Equal((IcmpV6Type.NeighborAdvertisement, false, true, true), (ndp.Type, ndp.Router, ndp.Solicited, ndp.Override));
        Assert.Equal(StackLinkLocal, ndp.TargetAddress);
        Assert.Equal(NdpOptionType.TargetLinkLayerAddress, (NdpOptionType)message[NdpMessage.NeighborMessageLength]);
        Assert.Equal(StackMac, EthernetAddress.Read(message[(NdpMessage.NeighborMessageLength + 2)..]));
        // §7.2.3 makes the entry STALE; sending the answer through it moves it to DELAY (§7.3.3).
        Assert.Equal(NeighborState.Delay, PeerState);
        Assert.Equal(1, _link.Stack.Counters.NeighborAdvertisementsSent);
    }

    [Fact]
    public void ADadSolicitationForOurAddressIsAnsweredToAllNodesWithoutS()
    {
        byte[] na = Assert.Single(_link.Exchange(NeighborSolicitation(Ipv6Address.Unspecified, Ipv6Address.SolicitedNode(StackLinkLocal), StackLinkLocal, null, SolicitedNodeMac(StackLinkLocal))));
        Assert.Equal(Ipv6Address.AllNodes, Header(na).Destination);
        Assert.Equal(EthernetAddress.FromIpv6Multicast(Ipv6Address.AllNodes), Destination(na));
        Assert.Equal(NdpError.None, NdpMessage.TryCreate(Payload(na), 255, StackLinkLocal, Ipv6Address.AllNodes, out NdpMessage ndp));
        Assert.False(ndp.Solicited);
        Assert.True(ndp.Override);
    }

    [Fact]
    public void ASolicitationForAnotherAddressIsNotAnswered()
    {
        Ipv6Address other = Parse("fe80::99");
        Assert.Empty(_link.Exchange(NeighborSolicitation(PeerLinkLocal, Ipv6Address.SolicitedNode(other), other, PeerMac, SolicitedNodeMac(other))));
    }

    [Theory]
    [InlineData(64)]
    [InlineData(254)]
    public void NdpWithAHopLimitBelow255IsDroppedAndCounted(byte hopLimit)
    {
        Assert.Empty(_link.Exchange(NeighborSolicitation(PeerLinkLocal, StackLinkLocal, StackLinkLocal, PeerMac, StackMac, hopLimit)));
        Assert.Equal(1, _link.Stack.Counters.DroppedNdpInvalid);
        Assert.Equal(1, _link.Stack.Counters.TotalDropped);
    }

    [Fact]
    public void NdpWithANonZeroCodeIsDroppedAndCounted()
    {
        byte[] frame = NeighborSolicitation(PeerLinkLocal, StackLinkLocal, StackLinkLocal, PeerMac, StackMac);
        Span<byte> icmp = frame.AsSpan(EthernetHeader.Length + Ipv6Header.Length);
        icmp[1] = 1;
        IcmpV6Message.FillChecksum(icmp, PeerLinkLocal, StackLinkLocal);
        Assert.Empty(_link.Exchange(frame));
        Assert.Equal(1, _link.Stack.Counters.DroppedNdpInvalid);
    }

    [Fact]
    public void NdpWithABadChecksumIsDroppedAndCounted()
    {
        byte[] frame = NeighborSolicitation(PeerLinkLocal, StackLinkLocal, StackLinkLocal, PeerMac, StackMac);
        frame[^1] ^= 0xFF;
        Assert.Empty(_link.Exchange(frame));
        Assert.Equal(1, _link.Stack.Counters.DroppedBadChecksum);
    }

    [Fact]
    public void ResolutionSendsThreeMulticastSolicitationsThenReportsTheNeighbourUnreachable()
    {
        // The reply to an echo from an unknown neighbour needs resolving: INCOMPLETE, parked.
        byte[] ns = Assert.Single(_link.Exchange(EchoRequest(PeerLinkLocal, StackLinkLocal)));
        AssertSolicitation(ns, multicast: true);
        Assert.Equal(NeighborState.Incomplete, PeerState);
        Assert.Equal(1, _link.Stack.NeighborCache.ParkedCount);
        for (int i = 0; i < 2; i++)
        {
            _link.Now += TimeSpan.FromSeconds(1);
            AssertSolicitation(Assert.Single(_link.PollAndDrain()), multicast: true);
        }
        _link.Now += TimeSpan.FromSeconds(1);
        Assert.Empty(_link.PollAndDrain());
        Assert.Null(PeerState);
        Assert.Equal(0, _link.Stack.NeighborCache.ParkedCount);
        Assert.Equal(1, _link.Stack.Counters.DroppedNeighborUnreachable);
        Assert.Equal(3, _link.Stack.Counters.NeighborSolicitationsSent - 1); // one was DAD's
    }

    [Fact]
    public void EveryStateFromIncompleteThroughProbeToDeletion()
    {
        _link.Exchange(EchoRequest(PeerLinkLocal, StackLinkLocal));
        // INCOMPLETE -> REACHABLE on a solicited advertisement; the parked reply goes out.
        byte[] reply = Assert.Single(_link.Exchange(NeighborAdvertisement(PeerLinkLocal, StackLinkLocal, PeerLinkLocal, solicited: true, @override: true, PeerMac, StackMac)));
        Assert.Equal(PeerMac, Destination(reply));
        Assert.Equal((byte)IcmpV6Type.EchoReply, Payload(reply)[0]);
        Assert.Equal(NeighborState.Reachable, PeerState);
        // REACHABLE -> STALE after ReachableTime.
        _link.Now += TimeSpan.FromSeconds(30);
        Assert.Equal(NeighborState.Stale, PeerState);
        // STALE -> DELAY when sent to; the packet goes out at once.
        Assert.Single(_link.Exchange(EchoRequest(PeerLinkLocal, StackLinkLocal, 2)));
        Assert.Equal(NeighborState.Delay, PeerState);
        // DELAY -> PROBE after DELAY_FIRST_PROBE_TIME, with unicast solicitations.
        _link.Now += TimeSpan.FromSeconds(5);
        AssertSolicitation(Assert.Single(_link.PollAndDrain()), multicast: false);
        Assert.Equal(NeighborState.Probe, PeerState);
        for (int i = 0; i < 2; i++)
        {
            _link.Now += TimeSpan.FromSeconds(1);
            AssertSolicitation(Assert.Single(_link.PollAndDrain()), multicast: false);
        }
        // MAX_UNICAST_SOLICIT unanswered: the entry is deleted.
        _link.Now += TimeSpan.FromSeconds(1);
        Assert.Empty(_link.PollAndDrain());
        Assert.Null(PeerState);
    }

    [Fact]
    public void AProbeAnsweredReturnsToReachable()
    {
        _link.Exchange(NeighborSolicitation(PeerLinkLocal, StackLinkLocal, StackLinkLocal, PeerMac, StackMac));
        Assert.Equal(NeighborState.Delay, PeerState);
        _link.Now += TimeSpan.FromSeconds(5);
        _link.PollAndDrain();
        Assert.Equal(NeighborState.Probe, PeerState);
        _link.Exchange(NeighborAdvertisement(PeerLinkLocal, StackLinkLocal, PeerLinkLocal, solicited: true, @override: false, null, StackMac));
        Assert.Equal(NeighborState.Reachable, PeerState);
        Assert.Null(_link.Stack.PollAt(_link.Now));
    }

    [Fact]
    public void ADifferentAddressWithoutOverrideIsNotBelievedButMakesReachableStale()
    {
        EthernetAddress other = EthernetAddress.Parse("02:00:00:00:00:03");
        _link.Exchange(EchoRequest(PeerLinkLocal, StackLinkLocal));
        _link.Exchange(NeighborAdvertisement(PeerLinkLocal, StackLinkLocal, PeerLinkLocal, solicited: true, @override: true, PeerMac, StackMac));
        _link.Exchange(NeighborAdvertisement(PeerLinkLocal, StackLinkLocal, PeerLinkLocal, solicited: true, @override: false, other, StackMac));
        Assert.Equal(NeighborState.Stale, PeerState);
        Assert.True(_link.Stack.NeighborCache.TryLookup(PeerLinkLocal, out EthernetAddress mac));
        Assert.Equal(PeerMac, mac);
        // With O set, the new address is taken.
        _link.Exchange(NeighborAdvertisement(PeerLinkLocal, StackLinkLocal, PeerLinkLocal, solicited: false, @override: true, other, StackMac));
        Assert.True(_link.Stack.NeighborCache.TryLookup(PeerLinkLocal, out mac));
        Assert.Equal((other, NeighborState.Stale), (mac, PeerState!.Value));
    }

    [Fact]
    public void AnUnsolicitedAdvertisementCreatesNoEntry()
    {
        _link.Exchange(NeighborAdvertisement(PeerLinkLocal, Ipv6Address.AllNodes, PeerLinkLocal, solicited: false, @override: true, PeerMac,
            EthernetAddress.FromIpv6Multicast(Ipv6Address.AllNodes)));
        Assert.Equal(0, _link.Stack.NeighborCache.Count);
    }

    [Fact]
    public void TheCacheIsBoundedAndRefusesWhenEveryEntryResolves()
    {
        using var link = new Ipv6Peer(new InterfaceOptions { NeighborCache = new NeighborCacheOptions { MaxEntries = 2 } });
        link.CompleteDad();
        for (int i = 1; i <= 3; i++)
        {
            Ipv6Address peer = Parse($"fe80::{i}");
            link.Exchange(EchoRequest(peer, StackLinkLocal));
        }
        Assert.Equal(2, link.Stack.NeighborCache.Count);
        Assert.Equal(1, link.Stack.Counters.DroppedNeighborUnreachable);
    }

    private static void AssertSolicitation(byte[] frame, bool multicast)
    {
        Ipv6Header ip = Header(frame);
        Assert.Equal(StackLinkLocal, ip.Source);
        Assert.Equal(multicast ? Ipv6Address.SolicitedNode(PeerLinkLocal) : PeerLinkLocal, ip.Destination);
        Assert.Equal(multicast ? SolicitedNodeMac(PeerLinkLocal) : PeerMac, Destination(frame));
        Assert.Equal(NdpError.None, NdpMessage.TryCreate(Payload(frame), ip.HopLimit, ip.Source, ip.Destination, out NdpMessage ndp));
        Assert.Equal((IcmpV6Type.NeighborSolicitation, PeerLinkLocal), (ndp.Type, ndp.TargetAddress));
    }
}
