using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;
using static Usrnet.Tests.Dhcp.DhcpHarness;

namespace Usrnet.Tests.Dhcp;

/// <summary>INIT → SELECTING → REQUESTING → BOUND (RFC 2131 §3.1, §4.4.1) against a scripted server.</summary>
public sealed class DhcpClientAcquisitionTests
{
    [Fact]
    public void FirstPollBroadcastsADiscoverFromTheUnspecifiedAddress()
    {
        using DhcpHarness h = new();
        Assert.Equal(DhcpState.Init, h.Client.State);
        Assert.Equal(h.Now, h.Client.PollAt(h.Now));

        h.Poll();

        SentDhcp discover = h.ExpectSent(DhcpMessageType.Discover);
        Assert.Equal(new Ipv4Endpoint(Ipv4Address.Broadcast, 67), discover.Destination);
        Assert.Equal(Ipv4Address.Any, discover.Source); // RFC 2131 §4.1, whatever the interface's address
        Assert.Equal(WithTransactionId(Discover, discover.Xid), discover.Bytes);
        Assert.Equal(DhcpState.Selecting, h.Client.State);
        Assert.Equal(new Ipv4Endpoint(Ipv4Address.Any, 68), h.Udp.LocalEndpoint);
    }

    [Fact]
    public void TransactionIdsAreRandom()
    {
        HashSet<uint> xids = [];
        for (int seed = 0; seed < 20; seed++)
        {
            using DhcpHarness h = new(seed: seed);
            h.Poll();
            xids.Add(h.ExpectSent(DhcpMessageType.Discover).Xid);
        }

        Assert.Equal(20, xids.Count);
    }

    [Fact]
    public void DiscoverIsRetransmittedWithExponentialBackOffFrom4To64SecondsRandomisedByOneSecond()
    {
        // RFC 2131 §4.1: 4, 8, 16, 32, 64, 64... seconds, each ±1 s (uniform).
        double[] bases = [4, 8, 16, 32, 64, 64, 64];
        List<double> intervals = [];
        for (int seed = 1; seed <= 30; seed++)
        {
            using DhcpHarness h = new(seed: seed);
            h.Advance(TimeSpan.FromSeconds(300));
            List<SentDhcp> sent = h.TakeSent();

            Assert.True(sent.Count >= bases.Length + 1, $"{sent.Count} DHCPDISCOVERs in 300 s");
            Assert.All(sent, s => Assert.Equal(DhcpMessageType.Discover, s.Type));
            Assert.All(sent, s => Assert.Equal(sent[0].Xid, s.Xid)); // one transaction
            for (int i = 0; i < bases.Length; i++)
            {
                double interval = (sent[i + 1].At - sent[i].At).TotalSeconds;
                Assert.InRange(interval, bases[i] - 1, bases[i] + 1);
                intervals.Add(interval - bases[i]);
            }
            // 'secs' counts from the start of the acquisition (RFC 2131 §2).
            Assert.Equal((ushort)(sent[3].At - sent[0].At).TotalSeconds, sent[3].Message.Seconds);
        }
        // The jitter is spread over the whole ±1 s, not a constant.
        Assert.True(intervals.Min() < -0.8 && intervals.Max() > 0.8, $"jitter from {intervals.Min()} to {intervals.Max()}");
    }

    [Fact]
    public void RetransmissionBoundsAreOptions()
    {
        using DhcpHarness h = new(DefaultOptions with
        {
            InitialRetransmissionInterval = TimeSpan.FromSeconds(2),
            MaxRetransmissionInterval = TimeSpan.FromSeconds(8),
        });

        h.Advance(TimeSpan.FromSeconds(60));

        List<SentDhcp> sent = h.TakeSent();
        double[] bases = [2, 4, 8, 8, 8];
        for (int i = 0; i < bases.Length; i++)
        {
            Assert.InRange((sent[i + 1].At - sent[i].At).TotalSeconds, bases[i] - 1, bases[i] + 1);
        }
    }

    [Fact]
    public void AnOfferIsAnsweredWithABroadcastRequestNamingServerAndAddressInTheSameTransaction()
    {
        using DhcpHarness h = new();
        h.Poll();
        SentDhcp discover = h.ExpectSent(DhcpMessageType.Discover);
        h.Advance(TimeSpan.FromSeconds(2));

        h.Deliver(Offer(discover.Xid));

        SentDhcp request = h.ExpectSent(DhcpMessageType.Request);
        Assert.Equal(DhcpState.Requesting, h.Client.State);
        Assert.Equal(discover.Xid, request.Xid);
        Assert.Equal(new Ipv4Endpoint(Ipv4Address.Broadcast, 67), request.Destination);
        Assert.Equal(Ipv4Address.Any, request.Source);
        // 'secs' as in the DHCPDISCOVER (RFC 2131 §4.4.1), options 50 and 54, 'ciaddr' zero: byte for byte.
        Assert.Equal(WithTransactionId(RequestSelecting, discover.Xid), request.Bytes);
    }

    [Fact]
    public void RepliesForAnotherTransactionOrClientOrNotFromPort67AreIgnored()
    {
        using DhcpHarness h = new();
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;

        h.Deliver(Offer(xid + 1));
        h.Deliver(Offer(xid) with { ClientHardwareAddress = OtherMac });
        h.Deliver(Offer(xid) with { Operation = DhcpOperation.BootRequest });
        h.Deliver(Offer(xid), port: 1067);

        h.ExpectNothingSent();
        Assert.Equal(DhcpState.Selecting, h.Client.State);
        Assert.Equal(4, h.Client.Counters.DroppedNotForUs);
        Assert.Equal(4, h.Client.Counters.MessagesReceived);
    }

    [Fact]
    public void OffersThatCannotBeRequestedAreRejected()
    {
        using DhcpHarness h = new();
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;

        h.Deliver(Offer(xid) with { ServerIdentifier = null });              // RFC 2131 Table 3: MUST
        h.Deliver(Offer(xid) with { YourAddress = Ipv4Address.Any });
        h.Deliver(Offer(xid) with { YourAddress = Ipv4Address.Broadcast });
        h.Deliver(Offer(xid) with { LeaseTime = null });                      // RFC 2131 Table 3: MUST
        h.Deliver(Offer(xid) with { SubnetMask = new Ipv4Address(255, 0, 255, 0) }); // the ACK could not use it
        h.Deliver(Offer(xid) with { SubnetMask = Ipv4Address.Any });
        h.Deliver(Ack(xid));                                                  // not what SELECTING waits for

        h.ExpectNothingSent();
        Assert.Equal(6, h.Client.Counters.RepliesRejected);
        Assert.Equal(1, h.Client.Counters.DroppedUnexpected);
        Assert.Equal(DhcpState.Selecting, h.Client.State);
    }

    [Fact]
    public void OnlyTheFirstOfferIsRequested()
    {
        using DhcpHarness h = new();
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;

        h.Deliver(Offer(xid));
        h.Deliver(Offer(xid) with { YourAddress = new Ipv4Address(10, 0, 0, 190), ServerIdentifier = new Ipv4Address(10, 0, 0, 1) });

        Assert.Equal(Leased, h.ExpectSent(DhcpMessageType.Request).Message.RequestedAddress);
        Assert.Equal(1, h.Client.Counters.DroppedUnexpected);
    }

    [Fact]
    public void TheAckIsProbedThenReportedAsAConfigurationWithTheLeaseCountedFromTheRequest()
    {
        using DhcpHarness h = new();
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;
        h.Deliver(Offer(xid));
        Instant requestedAt = h.ExpectSent(DhcpMessageType.Request).At;
        h.Advance(TimeSpan.FromMilliseconds(300));

        h.Deliver(Ack(xid));

        Assert.Equal(DhcpState.Probing, h.Client.State);
        Assert.Empty(h.TakeEvents()); // nothing to apply before the address is checked
        Assert.Null(h.Client.Lease);
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(30));
        DhcpConfiguration c = h.ExpectEvent<DhcpConfigured>().Configuration;
        Assert.Equal(DhcpState.Bound, h.Client.State);
        Assert.Same(c, h.Client.Lease);
        Assert.Equal(new Ipv4Cidr(Leased, 24), c.Address);
        Assert.Equal(Server, c.Router);
        Assert.Equal([Server, new Ipv4Address(10, 0, 0, 53)], c.DnsServers);
        Assert.Equal("example.test", c.DomainName);
        Assert.Equal(1400, c.Mtu);
        Assert.Equal(Server, c.ServerIdentifier);
        Assert.Equal(requestedAt, c.ObtainedAt); // RFC 2131 §4.4.1
        Assert.Equal(TimeSpan.FromSeconds(120), c.LeaseTime);
        Assert.Equal(TimeSpan.FromSeconds(60), c.RenewalTime);    // 0.5 × lease without option 58
        Assert.Equal(TimeSpan.FromSeconds(105), c.RebindingTime); // 0.875 × lease without option 59
        Assert.Equal(requestedAt + TimeSpan.FromSeconds(60), c.RenewAt);
        Assert.Equal(requestedAt + TimeSpan.FromSeconds(120), c.ExpiresAt);
        Assert.Equal(c.RenewAt, h.Client.PollAt(h.Now)); // nothing to do until T1
    }

    [Fact]
    public void WithoutProbingTheAckIsReportedAtOnce()
    {
        using DhcpHarness h = new(DefaultOptions with { ProbeCount = 0 });

        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;
        h.Deliver(Offer(xid));
        h.ExpectSent(DhcpMessageType.Request);
        h.Deliver(Ack(xid));

        Assert.Equal(DhcpState.Bound, h.Client.State);
        Assert.Equal(new Ipv4Cidr(Leased, 24), h.ExpectEvent<DhcpConfigured>().Configuration.Address);
        Assert.Null(h.ArpSocket);
        Assert.Empty(h.Arp);
    }

    [Fact]
    public void AnAckFromAnotherServerThanTheOneRequestedIsIgnored()
    {
        using DhcpHarness h = new();
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;
        h.Deliver(Offer(xid));
        h.ExpectSent(DhcpMessageType.Request);

        h.Deliver(Ack(xid) with { ServerIdentifier = new Ipv4Address(10, 0, 0, 1) });
        h.Deliver(Nak(xid) with { ServerIdentifier = new Ipv4Address(10, 0, 0, 1) });

        Assert.Equal(DhcpState.Requesting, h.Client.State);
        Assert.Equal(2, h.Client.Counters.DroppedNotForUs);
    }

    [Fact]
    public void AcksThatCannotMakeALeaseAreRejected()
    {
        using DhcpHarness h = new();
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;
        h.Deliver(Offer(xid));
        h.ExpectSent(DhcpMessageType.Request);

        h.Deliver(Ack(xid) with { LeaseTime = null });                               // RFC 2131 Table 3: MUST
        h.Deliver(Ack(xid) with { SubnetMask = null });
        h.Deliver(Ack(xid) with { SubnetMask = new Ipv4Address(255, 0, 255, 0) });   // not contiguous
        h.Deliver(Ack(xid) with { SubnetMask = Ipv4Address.Any });                   // /0
        h.Deliver(Ack(xid) with { YourAddress = Ipv4Address.Any });

        Assert.Equal(5, h.Client.Counters.RepliesRejected);
        Assert.Equal(DhcpState.Requesting, h.Client.State);
        Assert.Empty(h.TakeEvents());
    }

    [Fact]
    public void AnUnansweredRequestIsRetransmittedThenTheClientStartsOver()
    {
        using DhcpHarness h = new();
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;
        h.Deliver(Offer(xid));

        List<SentDhcp> sent = [];
        for (int i = 0; i < 5; i++)
        {
            h.AdvanceUntilActivity(TimeSpan.FromSeconds(40));
            sent.Add(Assert.Single(h.TakeSent()));
        }

        // Four DHCPREQUESTs 4, 8, 16 s apart (±1), then, 32 ± 1 s after the last, a new DHCPDISCOVER.
        Assert.Equal([DhcpMessageType.Request, DhcpMessageType.Request, DhcpMessageType.Request, DhcpMessageType.Request, DhcpMessageType.Discover], sent.Select(s => s.Type!.Value));
        Assert.All(sent.Take(4), s => Assert.Equal(xid, s.Xid));
        Assert.All(sent.Take(4), s => Assert.Equal(sent[0].Bytes, s.Bytes)); // same 'secs' too
        Assert.InRange((sent[4].At - sent[3].At).TotalSeconds, 31, 33);
        Assert.NotEqual(xid, sent[4].Xid);
        Assert.Equal(DhcpState.Selecting, h.Client.State);
    }

    [Fact]
    public void ANakWhileRequestingRestartsAtOnceAndRepeatedNaksBackOff()
    {
        using DhcpHarness h = new();
        h.Poll();
        List<Instant> discovers = [h.ExpectSent(DhcpMessageType.Discover).At];
        for (int i = 0; i < 4; i++)
        {
            uint xid = h.Sent[^1].Xid;
            h.Deliver(Offer(xid));
            h.ExpectSent(DhcpMessageType.Request);
            h.Deliver(Nak(xid));
            Assert.Empty(h.TakeEvents()); // nothing was configured, so nothing to undo
            h.AdvanceUntilActivity(TimeSpan.FromSeconds(100));
            discovers.Add(h.ExpectSent(DhcpMessageType.Discover).At);
        }

        Assert.Equal(4, h.Client.Counters.NaksReceived);
        // The first NAK restarts at once; the following ones wait 4, 8, 16 s.
        Assert.Equal([0, 4, 8, 16], discovers.Zip(discovers.Skip(1), (a, b) => (b - a).TotalSeconds));
    }

    [Fact]
    public void AStartDelayIsDrawnBeforeTheFirstDiscover()
    {
        using DhcpHarness h = new(DefaultOptions with { MaxStartDelay = TimeSpan.FromSeconds(10) }, seed: 3);
        Instant start = h.Now;

        h.Poll();
        h.ExpectNothingSent();
        Instant at = h.Client.PollAt(h.Now)!.Value;
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(11));

        SentDhcp discover = h.ExpectSent(DhcpMessageType.Discover);
        Assert.Equal(at, discover.At);
        Assert.InRange((discover.At - start).TotalSeconds, 0, 10);
        Assert.True(discover.At > start, "seed 3 draws a delay above zero");
    }

    [Fact]
    public void MalformedRepliesAreCountedAndDroppedNeverThrown()
    {
        using DhcpHarness h = new();
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;
        byte[] valid = new byte[Offer(xid).Length];
        Offer(xid).WriteTo(valid);
        Random random = new(5);

        for (int i = 0; i < 2000; i++)
        {
            byte[] bad = valid[..random.Next(valid.Length)];
            if (bad.Length > DhcpPacket.OptionsOffset)
            {
                bad[random.Next(DhcpPacket.OptionsOffset, bad.Length)] = (byte)random.Next(256);
            }
            h.Deliver(bad);
        }
        h.Deliver(new byte[2000]); // longer than the client takes (option 57): cut by the socket, so dropped

        DhcpClientCounters c = h.Client.Counters;
        Assert.Equal(2001, c.MessagesReceived);
        Assert.True(c.DroppedMalformed > 1000, $"{c.DroppedMalformed} malformed");
        // Every datagram was either dropped under one reason or, a mutation that still made a usable
        // offer, answered with a DHCPREQUEST.
        int requested = h.TakeSent().Count(s => s.Type == DhcpMessageType.Request);
        Assert.InRange(requested, 0, 1);
        Assert.Equal(2001, c.DroppedMalformed + c.DroppedNotForUs + c.RepliesRejected + c.DroppedUnexpected + requested);
    }

    [Fact]
    public void TheClientIdentifierIsAnOption()
    {
        using DhcpHarness h = new(new DhcpClientOptions { ClientIdentifier = [0, (byte)'u', (byte)'s', (byte)'r'] });

        h.Poll();

        DhcpMessage discover = h.ExpectSent(DhcpMessageType.Discover).Message;
        Assert.Equal([0, (byte)'u', (byte)'s', (byte)'r'], discover.ClientIdentifier.ToArray());
        Assert.Null(discover.HostName);
    }

    [Fact]
    public void WithoutTheBroadcastOptionServersAreAskedToUnicast()
    {
        using DhcpHarness h = new(DefaultOptions with { RequestBroadcast = false });

        h.Poll();

        Assert.False(h.ExpectSent(DhcpMessageType.Discover).Message.Broadcast);
    }

    [Fact]
    public void BadOptionsAreRefusedAtConstruction()
    {
        Usrnet.Sockets.SocketSet set = new();
        Assert.Throws<ArgumentException>(() => new DhcpClient(set, ClientMac, new DhcpClientOptions { HostName = "no spaces" }));
        Assert.Throws<ArgumentException>(() => new DhcpClient(set, ClientMac, new DhcpClientOptions { HostName = "-dash" }));
        Assert.Throws<ArgumentException>(() => new DhcpClient(set, ClientMac, new DhcpClientOptions { ClientIdentifier = [1] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DhcpClient(set, ClientMac, new DhcpClientOptions { MaxMessageSize = 575 }));
        Assert.Throws<ArgumentException>(() => new DhcpClient(set, EthernetAddress.Broadcast));
        Assert.Equal(0, set.Count); // nothing left bound

        using DhcpClient first = new(set, ClientMac);
        Assert.Throws<System.Net.Sockets.SocketException>(() => new DhcpClient(set, ClientMac)); // port 68 is taken
        Assert.Equal(1, set.Count);
    }
}
