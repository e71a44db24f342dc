using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;
using static Usrnet.Tests.Dhcp.DhcpHarness;

namespace Usrnet.Tests.Dhcp;

/// <summary>BOUND → RENEWING → REBINDING → expiry, NAKs, and RELEASE (RFC 2131 §4.4.5, §4.4.6) on virtual time.</summary>
public sealed class DhcpClientLeaseTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public void AtT1TheClientUnicastsARequestToTheServerFromItsAddress()
    {
        using DhcpHarness h = new();
        DhcpConfiguration lease = h.Acquire();

        h.AdvanceUntilActivity(TimeSpan.FromSeconds(120));

        SentDhcp renew = h.ExpectSent(DhcpMessageType.Request);
        Assert.Equal(lease.RenewAt, renew.At);
        Assert.Equal(DhcpState.Renewing, h.Client.State);
        Assert.Equal(new Ipv4Endpoint(Server, 67), renew.Destination);
        Assert.Equal(Leased, renew.Source);
        // 'ciaddr' set, no options 50 and 54, no BROADCAST flag (RFC 2131 §4.3.2): byte for byte.
        Assert.Equal(WithTransactionId(RequestRenewing, renew.Xid), renew.Bytes);
        Assert.NotEqual(h.Sent[1].Xid, renew.Xid); // a new transaction
    }

    [Fact]
    public void AnAckWhileRenewingExtendsTheLeaseFromTheRenewalRequest()
    {
        using DhcpHarness h = new();
        DhcpConfiguration first = h.Acquire();
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(120));
        SentDhcp renew = h.ExpectSent(DhcpMessageType.Request);
        h.Advance(TimeSpan.FromSeconds(1));

        h.Deliver(Ack(renew.Xid, lease: 600) with { DomainName = "renamed.test" }, from: Server);

        Assert.Equal(DhcpState.Bound, h.Client.State);
        DhcpConfiguration renewed = h.ExpectEvent<DhcpRenewed>().Configuration;
        Assert.Equal(first.Address, renewed.Address);
        Assert.Equal("renamed.test", renewed.DomainName);
        Assert.Equal(renew.At, renewed.ObtainedAt);
        Assert.Equal(renew.At + TimeSpan.FromSeconds(300), renewed.RenewAt);
        Assert.Equal(renew.At + TimeSpan.FromSeconds(600), renewed.ExpiresAt);
        Assert.DoesNotContain(h.Arp, a => a.At > renew.At); // an address in use is not probed again
        Assert.Equal(renewed.RenewAt, h.Client.PollAt(h.Now));
    }

    [Fact]
    public void RenewingRetransmitsAtHalfTheTimeLeftUntilT2ButNotSoonerThanTheMinimum()
    {
        // One-hour lease: T1 at 1800 s, T2 at 3150 s. RFC 2131 §4.4.5: retransmit after half of what is
        // left until T2, but at least 60 s apart: 1800, 2475, 2812.5, 2981.25, 3065.625, 3125.625 (60 s), then T2.
        using DhcpHarness h = new();
        DhcpConfiguration lease = h.Acquire(xid => Ack(xid, lease: 3600));

        h.AdvanceTo(lease.RebindAt!.Value - TimeSpan.FromMicroseconds(1));

        double[] expected = [1800, 2475, 2812.5, 2981.25, 3065.625, 3125.625];
        List<SentDhcp> sent = h.TakeSent();
        Assert.Equal(expected, sent.Select(s => (s.At - lease.ObtainedAt).TotalSeconds));
        Assert.All(sent, s => Assert.Equal(sent[0].Xid, s.Xid));
        Assert.All(sent, s => Assert.Equal(new Ipv4Endpoint(Server, 67), s.Destination));
        // 'secs' counts from the start of the renewal (RFC 2131 §2).
        Assert.Equal((ushort)(sent[2].At - sent[0].At).TotalSeconds, sent[2].Message.Seconds);
    }

    [Fact]
    public void AtT2TheClientBroadcastsItsRequestToAnyServer()
    {
        using DhcpHarness h = new();
        DhcpConfiguration lease = h.Acquire();
        h.AdvanceTo(lease.RebindAt!.Value - TimeSpan.FromMicroseconds(1));
        h.TakeSent();

        h.AdvanceUntilActivity(TimeSpan.FromSeconds(10));

        SentDhcp rebind = h.ExpectSent(DhcpMessageType.Request);
        Assert.Equal(lease.RebindAt, rebind.At);
        Assert.Equal(DhcpState.Rebinding, h.Client.State);
        Assert.Equal(new Ipv4Endpoint(Ipv4Address.Broadcast, 67), rebind.Destination);
        Assert.Equal(Leased, rebind.Source);
        Assert.Equal(WithTransactionId(RequestRenewing, rebind.Xid), rebind.Bytes); // as in RENEWING, but broadcast
    }

    [Fact]
    public void AnAckFromAnotherServerWhileRebindingMovesTheLeaseToIt()
    {
        using DhcpHarness h = new();
        DhcpConfiguration lease = h.Acquire();
        h.AdvanceTo(lease.RebindAt!.Value);
        uint xid = h.TakeSent()[^1].Xid;
        Ipv4Address other = new(10, 0, 0, 1);

        h.Deliver(Ack(xid) with { ServerIdentifier = other }, from: other);

        Assert.Equal(other, h.ExpectEvent<DhcpRenewed>().Configuration.ServerIdentifier);
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(120));
        Assert.Equal(new Ipv4Endpoint(other, 67), h.ExpectSent(DhcpMessageType.Request).Destination);
    }

    [Fact]
    public void WithoutAnyAnswerTheLeaseExpiresAndTheClientStartsOverFromTheUnspecifiedAddress()
    {
        using DhcpHarness h = new();
        DhcpConfiguration lease = h.Acquire(xid => Ack(xid, lease: 3600));

        h.AdvanceTo(lease.ExpiresAt!.Value - TimeSpan.FromMicroseconds(1));
        Assert.Equal(DhcpState.Rebinding, h.Client.State);
        Assert.Empty(h.TakeEvents());
        List<SentDhcp> rebinding = h.TakeSent().Where(s => s.At >= lease.RebindAt).ToList();
        // From T2 (3150 s) half the time left until expiry, at least 60 s: 3150, 3375, 3487.5, then 60 s steps.
        Assert.Equal([3150, 3375, 3487.5, 3547.5], rebinding.Select(s => (s.At - lease.ObtainedAt).TotalSeconds));
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(1));

        DhcpDeconfigured lost = h.ExpectEvent<DhcpDeconfigured>();
        Assert.Equal(lease.ExpiresAt, lost.At);
        Assert.Equal(new Ipv4Cidr(Leased, 24), lost.Address);
        Assert.Equal(DhcpDeconfigureReason.LeaseExpired, lost.Reason);
        Assert.Null(h.Client.Lease);
        SentDhcp discover = h.ExpectSent(DhcpMessageType.Discover);
        Assert.Equal(lease.ExpiresAt, discover.At);
        Assert.Equal(Ipv4Address.Any, discover.Source);
    }

    [Fact]
    public void TheMinimumRenewalIntervalIsAnOptionForShortLeases()
    {
        using DhcpHarness h = new(DefaultOptions with { MinRenewalRetransmissionInterval = TimeSpan.FromSeconds(2) });
        DhcpConfiguration lease = h.Acquire(xid => Ack(xid, lease: 120, t1: 10, t2: 20));

        h.AdvanceTo(lease.ExpiresAt!.Value);

        List<double> at = h.TakeSent().Select(s => (s.At - lease.ObtainedAt).TotalSeconds).ToList();
        Assert.Equal([10, 15, 17.5, 19.5, 20, 70, 95, 107.5, 113.75, 116.875, 118.875, 120], at);
        Assert.Equal(DhcpDeconfigureReason.LeaseExpired, h.ExpectEvent<DhcpDeconfigured>().Reason);
    }

    [Fact]
    public void ServerT1AndT2AreUsedAndKeptInOrder()
    {
        Assert.Equal((10, 20), Timers(Ack(0, lease: 120, t1: 10, t2: 20)));
        Assert.Equal((20, 20), Timers(Ack(0, lease: 120, t2: 20)));          // default T1 would be after T2
        Assert.Equal((60, 105), Timers(Ack(0, lease: 120, t1: 110)));        // T1 after the default T2: default
        Assert.Equal((60, 105), Timers(Ack(0, lease: 120, t2: 130)));        // T2 after the lease: default
        Assert.Equal((120, 120), Timers(Ack(0, lease: 120, t1: 120, t2: 120)));

        static (double T1, double T2) Timers(DhcpMessage ack)
        {
            using DhcpHarness h = new();
            DhcpConfiguration c = h.Acquire(xid => ack with { TransactionId = xid });
            return (c.RenewalTime!.Value.TotalSeconds, c.RebindingTime!.Value.TotalSeconds);
        }
    }

    [Fact]
    public void AnInfiniteLeaseNeedsNoTimers()
    {
        using DhcpHarness h = new();
        DhcpConfiguration lease = h.Acquire(xid => Ack(xid, lease: DhcpMessage.InfiniteLease, t1: 10, t2: 20));

        Assert.Null(lease.LeaseTime);
        Assert.Null(lease.RenewAt);
        Assert.Null(lease.ExpiresAt);
        Assert.Null(h.Client.PollAt(h.Now));
        h.Advance(TimeSpan.FromDays(400));
        h.ExpectNothingSent();
        Assert.Equal(DhcpState.Bound, h.Client.State);
    }

    [Fact]
    public void ANakWhileRenewingRemovesTheAddressAndStartsOver()
    {
        using DhcpHarness h = new();
        h.Acquire();
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(120));
        uint xid = h.ExpectSent(DhcpMessageType.Request).Xid;

        h.Deliver(Nak(xid));

        DhcpDeconfigured lost = h.ExpectEvent<DhcpDeconfigured>();
        Assert.Equal(DhcpDeconfigureReason.Nak, lost.Reason);
        Assert.Equal(new Ipv4Cidr(Leased, 24), lost.Address);
        Assert.Equal(Ipv4Address.Any, h.ExpectSent(DhcpMessageType.Discover).Source);
        Assert.Equal(1, h.Client.Counters.NaksReceived);
    }

    [Fact]
    public void ANakWhileRebindingRemovesTheAddress()
    {
        using DhcpHarness h = new();
        DhcpConfiguration lease = h.Acquire();
        h.AdvanceTo(lease.RebindAt!.Value);
        uint xid = h.TakeSent()[^1].Xid;

        h.Deliver(Nak(xid) with { ServerIdentifier = new Ipv4Address(10, 0, 0, 1) }, from: new Ipv4Address(10, 0, 0, 1));

        Assert.Equal(DhcpDeconfigureReason.Nak, h.ExpectEvent<DhcpDeconfigured>().Reason);
        Assert.Equal(DhcpState.Selecting, h.Client.State);
    }

    [Fact]
    public void AnAckGivingAnotherAddressIsReportedAsANewConfiguration()
    {
        using DhcpHarness h = new();
        h.Acquire();
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(120));
        uint xid = h.ExpectSent(DhcpMessageType.Request).Xid;

        h.Deliver(Ack(xid) with { YourAddress = new Ipv4Address(10, 0, 0, 190) });

        Assert.Equal(new Ipv4Cidr(new Ipv4Address(10, 0, 0, 190), 24), h.ExpectEvent<DhcpConfigured>().Configuration.Address);
    }

    [Fact]
    public void RepliesWhileBoundAreIgnored()
    {
        using DhcpHarness h = new();
        h.Acquire();
        uint xid = h.Sent[^1].Xid;

        h.Deliver(Ack(xid));
        h.Deliver(Nak(xid));

        Assert.Equal(DhcpState.Bound, h.Client.State);
        Assert.Empty(h.TakeEvents());
        Assert.Equal(2, h.Client.Counters.DroppedUnexpected);
    }

    [Fact]
    public void ReleaseUnicastsADhcpReleaseFromTheAddressAndStopsTheClient()
    {
        using DhcpHarness h = new();
        h.Acquire();
        h.Advance(TimeSpan.FromSeconds(5));

        Assert.True(h.Client.Release(h.Now));
        h.Poll();

        SentDhcp release = h.ExpectSent(DhcpMessageType.Release);
        Assert.Equal(new Ipv4Endpoint(Server, 67), release.Destination);
        Assert.Equal(Leased, release.Source);
        Assert.Equal(WithTransactionId(Release, release.Xid), release.Bytes); // ciaddr, option 54, no 50 (RFC 2131 Table 5)
        Assert.Equal(DhcpState.Stopped, h.Client.State);
        Assert.Null(h.Client.Lease);
        Assert.Empty(h.TakeEvents()); // the owner asked for it: no event
        Assert.Null(h.Client.PollAt(h.Now));
        h.Advance(Hour);
        h.ExpectNothingSent();
    }

    [Fact]
    public void ReleaseWhileRenewingReleasesToo()
    {
        using DhcpHarness h = new();
        h.Acquire();
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(120));
        h.ExpectSent(DhcpMessageType.Request);

        Assert.True(h.Client.Release(h.Now));
        h.Poll();

        Assert.Equal(DhcpMessageType.Release, h.ExpectSent(DhcpMessageType.Release).Type);
    }

    [Fact]
    public void ReleaseWithoutALeaseOnlyStops()
    {
        using DhcpHarness h = new();
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Discover).Xid;
        h.Deliver(Offer(xid));
        h.ExpectSent(DhcpMessageType.Request);
        h.Deliver(Ack(xid)); // now probing: the address was never configured

        Assert.False(h.Client.Release(h.Now));
        h.Advance(Hour);

        h.ExpectNothingSent();
        Assert.Null(h.ArpSocket);
        Assert.Equal(DhcpState.Stopped, h.Client.State);
    }

    [Fact]
    public void DisposingLeavesTheSocketSet()
    {
        DhcpHarness h = new();
        h.Poll();
        h.Deliver(Offer(h.Sent[0].Xid));
        h.Deliver(Ack(h.Sent[0].Xid)); // probing: an ARP socket too
        Assert.Equal(2, h.Set.Count);

        h.Dispose();

        Assert.Equal(0, h.Set.Count);
        Assert.Null(h.Client.PollAt(h.Now));
        Assert.Throws<ObjectDisposedException>(() => h.Client.Poll(h.Now));
    }

    [Fact]
    public void ALatePollRunsThroughEveryStateTheLeasePassed()
    {
        using DhcpHarness h = new();
        DhcpConfiguration lease = h.Acquire();

        h.Now = lease.ExpiresAt!.Value + TimeSpan.FromSeconds(30); // the host slept through the lease
        h.Poll();

        Assert.Equal(DhcpDeconfigureReason.LeaseExpired, h.ExpectEvent<DhcpDeconfigured>().Reason);
        Assert.Equal(DhcpState.Selecting, h.Client.State);
        Assert.Equal(DhcpMessageType.Discover, h.ExpectSent(DhcpMessageType.Discover).Type); // no request for a lease already gone
    }
}
