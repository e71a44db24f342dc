using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;
using static Usrnet.Tests.Dhcp.DhcpHarness;

namespace Usrnet.Tests.Dhcp;

/// <summary>The address check between DHCPACK and BOUND (RFC 2131 §4.4.1, RFC 5227 §2.1.1) and DHCPDECLINE.</summary>
public sealed class DhcpClientProbeTests
{
    /// <summary>Runs a client to the DHCPACK and returns the instant it arrived; the client is then probing.</summary>
    private static Instant ToProbing(DhcpHarness h)
    {
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;
        h.Deliver(Offer(xid));
        h.ExpectSent(DhcpMessageType.Request);
        h.Deliver(Ack(xid));
        Assert.Equal(DhcpState.Probing, h.Client.State);
        return h.Now;
    }

    [Fact]
    public void ThreeProbesFromTheUnspecifiedAddressThenAnAnnounceWaitBeforeBound()
    {
        for (int seed = 1; seed <= 20; seed++)
        {
            using DhcpHarness h = new(seed: seed);
            Instant acked = ToProbing(h);

            h.AdvanceUntilActivity(TimeSpan.FromSeconds(30));

            List<SentArp> probes = h.TakeProbes();
            Assert.Equal(3, probes.Count);
            foreach (SentArp p in probes)
            {
                Assert.Equal(new EthernetHeader(EthernetAddress.Broadcast, ClientMac, EtherType.Arp), p.Ethernet);
                // RFC 5227 §2.1.1: sender IP 0.0.0.0, target MAC zero, target IP the address.
                Assert.Equal(new ArpHeader(ArpOperation.Request, ClientMac, Ipv4Address.Any, EthernetAddress.Zero, Leased), p.Arp);
            }
            // PROBE_WAIT 1 s, then PROBE_MIN..PROBE_MAX (1 to 2 s) apart, then ANNOUNCE_WAIT 2 s.
            Assert.InRange((probes[0].At - acked).TotalSeconds, 0, 1);
            Assert.InRange((probes[1].At - probes[0].At).TotalSeconds, 1, 2);
            Assert.InRange((probes[2].At - probes[1].At).TotalSeconds, 1, 2);
            DhcpConfigured bound = h.ExpectEvent<DhcpConfigured>();
            Assert.Equal(probes[2].At + TimeSpan.FromSeconds(2), bound.At);
            Assert.Equal(3, h.Client.Counters.ProbesSent);
            Assert.Null(h.ArpSocket); // closed once bound
        }
    }

    [Fact]
    public void AnAnswerToTheProbeMakesTheClientDeclineAndStartOverTenSecondsLater()
    {
        using DhcpHarness h = new();
        ToProbing(h);
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(1)); // the first probe
        Assert.Single(h.TakeProbes());

        // The holder answers the probe, as Linux does (arp_process: a reply to a DAD probe for a local address).
        h.DeliverArp(new ArpHeader(ArpOperation.Reply, OtherMac, Leased, ClientMac, Ipv4Address.Any), destination: ClientMac);

        SentDhcp decline = h.ExpectSent(DhcpMessageType.Decline);
        Assert.Equal(new Ipv4Endpoint(Ipv4Address.Broadcast, 67), decline.Destination);
        Assert.Equal(Ipv4Address.Any, decline.Source);
        Assert.Equal(WithTransactionId(Decline, decline.Xid), decline.Bytes); // options 50, 54 and 56 (RFC 2131 Table 5)
        DhcpDeclined declined = h.ExpectEvent<DhcpDeclined>();
        Assert.Equal(Leased, declined.Address);
        Assert.Equal(OtherMac, declined.ConflictingHardwareAddress);
        Assert.Equal(DhcpState.Init, h.Client.State);
        Assert.Null(h.Client.Lease);
        Assert.Null(h.ArpSocket);
        Assert.Equal(1, h.Client.Counters.Declines);

        h.AdvanceUntilActivity(TimeSpan.FromSeconds(60));
        SentDhcp discover = h.ExpectSent(DhcpMessageType.Discover);
        Assert.Equal(decline.At + TimeSpan.FromSeconds(10), discover.At); // RFC 2131 §3.1 step 5
        Assert.NotEqual(decline.Xid, discover.Xid);
        Assert.Empty(h.TakeProbes());
    }

    [Fact]
    public void AnotherHostProbingForTheSameAddressIsAConflict()
    {
        using DhcpHarness h = new();
        ToProbing(h);

        h.DeliverArp(new ArpHeader(ArpOperation.Request, OtherMac, Ipv4Address.Any, EthernetAddress.Zero, Leased));

        Assert.Equal(OtherMac, h.ExpectEvent<DhcpDeclined>().ConflictingHardwareAddress);
        h.ExpectSent(DhcpMessageType.Decline);
    }

    [Fact]
    public void AnyArpFromTheAddressIsAConflictEvenAGratuitousOne()
    {
        using DhcpHarness h = new();
        ToProbing(h);

        h.DeliverArp(new ArpHeader(ArpOperation.Request, OtherMac, Leased, EthernetAddress.Zero, Leased));

        Assert.IsType<DhcpDeclined>(Assert.Single(h.TakeEvents()));
    }

    [Fact]
    public void UnrelatedArpOurOwnFramesAndGarbageAreNoConflict()
    {
        using DhcpHarness h = new();
        ToProbing(h);

        // A neighbour resolving the address (sender IP set, not the probed one): not a probe, not a claim.
        h.DeliverArp(new ArpHeader(ArpOperation.Request, OtherMac, Server, EthernetAddress.Zero, Leased));
        h.DeliverArp(new ArpHeader(ArpOperation.Reply, OtherMac, new Ipv4Address(10, 0, 0, 9), ClientMac, Server));
        // Our own probe, looped back.
        h.DeliverArp(new ArpHeader(ArpOperation.Request, ClientMac, Ipv4Address.Any, EthernetAddress.Zero, Leased));
        h.ArpSocket!.Deliver(new byte[20]);
        h.Poll();
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(30));

        Assert.IsType<DhcpConfigured>(Assert.Single(h.TakeEvents()));
        Assert.Equal(0, h.Client.Counters.Declines);
    }

    [Fact]
    public void ArpAfterTheClientIsBoundIsNotReadAsAConflict()
    {
        using DhcpHarness h = new();
        h.Acquire();

        Assert.Null(h.ArpSocket);
        Assert.Equal(1, h.Set.Count); // only the UDP socket: no raw socket copying every ARP frame while bound
    }

    [Fact]
    public void ProbeTimingIsAnOption()
    {
        using DhcpHarness h = new(DefaultOptions with
        {
            ProbeCount = 2,
            ProbeWait = TimeSpan.Zero,
            ProbeMinInterval = TimeSpan.FromMilliseconds(100),
            ProbeMaxInterval = TimeSpan.FromMilliseconds(100),
            AnnounceWait = TimeSpan.FromMilliseconds(200),
        });
        Instant acked = ToProbing(h);

        h.AdvanceUntilActivity(TimeSpan.FromSeconds(5));

        Assert.Equal([acked, acked + TimeSpan.FromMilliseconds(100)], h.TakeProbes().Select(p => p.At));
        Assert.Equal(acked + TimeSpan.FromMilliseconds(300), h.ExpectEvent<DhcpConfigured>().At);
    }
}
