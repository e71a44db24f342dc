using Usrnet.Sockets.Dhcp;
using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;
using static Usrnet.Tests.Dhcp.DhcpHarness;

namespace Usrnet.Tests.Dhcp;

/// <summary>INIT-REBOOT and REBOOTING: verifying a remembered address (RFC 2131 §3.2, §4.3.2, §4.4.2).</summary>
public sealed class DhcpClientRebootTests
{
    private static readonly Ipv4Address Remembered = new(10, 0, 0, 160);
    private static readonly DhcpClientOptions RebootOptions = DefaultOptions with { RememberedAddress = Remembered };

    [Fact]
    public void ARememberedAddressIsAskedForWithABroadcastRequestWithoutServerIdentifier()
    {
        using DhcpHarness h = new(RebootOptions);
        Assert.Equal(DhcpState.InitReboot, h.Client.State);

        h.Poll();

        SentDhcp request = h.ExpectSent(DhcpMessageType.Request);
        Assert.Equal(DhcpState.Rebooting, h.Client.State);
        Assert.Equal(new Ipv4Endpoint(Ipv4Address.Broadcast, 67), request.Destination);
        Assert.Equal(Ipv4Address.Any, request.Source);
        Assert.Equal(WithTransactionId(RequestInitReboot, request.Xid), request.Bytes); // option 50, no 54, 'ciaddr' zero
    }

    [Fact]
    public void AnAckIsProbedAndReportedLikeAnyNewLease()
    {
        using DhcpHarness h = new(RebootOptions);
        h.Poll();
        SentDhcp request = h.ExpectSent(DhcpMessageType.Request);

        h.Deliver(Ack(request.Xid) with { YourAddress = Remembered });

        Assert.Equal(DhcpState.Probing, h.Client.State);
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(30));
        Assert.Equal(Remembered, h.TakeProbes()[0].Arp.TargetProtocolAddress);
        DhcpConfiguration c = h.ExpectEvent<DhcpConfigured>().Configuration;
        Assert.Equal(new Ipv4Cidr(Remembered, 24), c.Address);
        Assert.Equal(request.At, c.ObtainedAt);
        h.ExpectNothingSent(); // no DHCPDISCOVER at all
    }

    [Fact]
    public void ANakSendsTheClientToInitWithoutAnEvent()
    {
        using DhcpHarness h = new(RebootOptions);
        h.Poll();
        uint xid = h.ExpectSent(DhcpMessageType.Request).Xid;

        h.Deliver(Nak(xid));

        Assert.Empty(h.TakeEvents());
        SentDhcp discover = h.ExpectSent(DhcpMessageType.Discover);
        Assert.NotEqual(xid, discover.Xid);
        Assert.Null(discover.Message.RequestedAddress);
        Assert.Equal(DhcpState.Selecting, h.Client.State);
    }

    [Fact]
    public void WithoutAnAnswerTheClientGivesUpTheAddressAfterItsAttempts()
    {
        using DhcpHarness h = new(RebootOptions with { MaxRebootAttempts = 2 });

        h.Poll();
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(1));
        SentDhcp first = h.ExpectSent(DhcpMessageType.Request);
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(10));
        SentDhcp second = h.ExpectSent(DhcpMessageType.Request);
        h.AdvanceUntilActivity(TimeSpan.FromSeconds(20));
        SentDhcp discover = h.ExpectSent(DhcpMessageType.Discover);

        Assert.Equal(first.Xid, second.Xid);
        Assert.InRange((second.At - first.At).TotalSeconds, 3, 5);
        Assert.InRange((discover.At - second.At).TotalSeconds, 7, 9);
        Assert.Empty(h.TakeEvents());
    }

    [Fact]
    public void AnAddressThatCannotBeALeaseIsRefused()
    {
        Assert.Throws<ArgumentException>(() => new DhcpClient(new Usrnet.Sockets.SocketSet(), ClientMac, new DhcpClientOptions { RememberedAddress = Ipv4Address.Broadcast }));
    }
}
