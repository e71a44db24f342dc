using Usrnet.Iface;
using Usrnet.Wire;

namespace Usrnet.Tests.Iface;

public sealed class IcmpErrorPolicyTests
{
    private static readonly Ipv4Address Stack = new(10, 0, 0, 102);
    private static readonly Ipv4Address Peer = new(10, 0, 0, 101);

    private static byte[] Packet(IpProtocol protocol, byte[] payload, Ipv4Address? source = null, Ipv4Address? destination = null, int fragmentOffset = 0, bool moreFragments = false)
    {
        byte[] packet = new byte[Ipv4Header.Length + payload.Length];
        new Ipv4Header(source ?? Peer, destination ?? Stack, protocol, payload.Length)
        {
            FragmentOffset = fragmentOffset,
            MoreFragments = moreFragments,
        }.WriteTo(packet);
        payload.CopyTo(packet.AsSpan(Ipv4Header.Length));
        return packet;
    }

    private static byte[] Udp() => Packet(IpProtocol.Udp, [0x82, 0x9a, 0x82, 0x9b, 0x00, 0x08, 0x00, 0x00]);

    private static byte[] Icmp(byte type, byte code = 0)
    {
        byte[] message = new byte[IcmpV4Message.HeaderLength + 8];
        new IcmpV4Message((IcmpV4Type)type, code, 0).WriteTo(message);
        return Packet(IpProtocol.Icmp, message);
    }

    private static bool MayReplyTo(byte[] packet, bool linkBroadcast = false, bool isSubnetBroadcast = false)
    {
        Assert.True(Ipv4Packet.TryCreate(packet, out Ipv4Packet view));
        return IcmpErrorPolicy.MayReplyTo(view, linkBroadcast, isSubnetBroadcast);
    }

    [Fact]
    public void IcmpErrorMayAnswerAUnicastUdpDatagram()
    {
        Assert.True(MayReplyTo(Udp()));
        Assert.True(MayReplyTo(Packet(IpProtocol.Tcp, new byte[20])));
        Assert.True(MayReplyTo(Packet((IpProtocol)132, [])));
    }

    [Theory]
    [InlineData(3)]  // destination unreachable
    [InlineData(11)] // time exceeded
    [InlineData(12)] // parameter problem
    [InlineData(5)]  // redirect
    [InlineData(4)]  // source quench
    [InlineData(42)] // unknown: treated as an error (RFC 1122 §3.2.2)
    public void IcmpErrorNeverAnswersAnIcmpError(byte type)
    {
        Assert.False(MayReplyTo(Icmp(type)));
    }

    [Theory]
    [InlineData(8)]  // echo request
    [InlineData(0)]  // echo reply
    [InlineData(13)] // timestamp
    [InlineData(17)] // address mask request
    public void IcmpErrorMayAnswerAnIcmpQuery(byte type)
    {
        Assert.True(MayReplyTo(Icmp(type)));
    }

    [Fact]
    public void IcmpErrorNeverAnswersAnIcmpPacketWithoutAType()
    {
        Assert.False(MayReplyTo(Packet(IpProtocol.Icmp, [])));
    }

    [Theory]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.1.2.3")]
    public void IcmpErrorNeverAnswersADatagramToABroadcastOrMulticastAddress(string destination)
    {
        Assert.False(MayReplyTo(Packet(IpProtocol.Udp, new byte[8], destination: Ipv4Address.Parse(destination))));
    }

    [Fact]
    public void IcmpErrorNeverAnswersALinkLayerBroadcast()
    {
        Assert.False(MayReplyTo(Udp(), linkBroadcast: true));
        Assert.False(MayReplyTo(Icmp(8), linkBroadcast: true));
    }

    [Fact]
    public void IcmpErrorNeverAnswersASubnetBroadcast()
    {
        Assert.False(MayReplyTo(Packet(IpProtocol.Udp, new byte[8], destination: new Ipv4Address(10, 0, 0, 255)), isSubnetBroadcast: true));
    }

    [Theory]
    [InlineData(8, true)]
    [InlineData(8, false)]
    [InlineData(1480, true)]
    [InlineData(65528, false)]
    public void IcmpErrorNeverAnswersAFragmentOtherThanTheFirst(int offset, bool moreFragments)
    {
        Assert.False(MayReplyTo(Packet(IpProtocol.Udp, new byte[8], fragmentOffset: offset, moreFragments: moreFragments)));
    }

    [Fact]
    public void IcmpErrorMayAnswerTheFirstFragment()
    {
        Assert.True(MayReplyTo(Packet(IpProtocol.Udp, new byte[16], moreFragments: true)));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("224.0.0.5")]
    [InlineData("255.255.255.255")]
    [InlineData("240.0.0.1")]
    public void IcmpErrorNeverAnswersASourceThatIsNotOneHost(string source)
    {
        Assert.False(MayReplyTo(Packet(IpProtocol.Udp, new byte[8], source: Ipv4Address.Parse(source))));
        Assert.False(MayReplyTo(Packet(IpProtocol.Icmp, Icmp(8)[Ipv4Header.Length..], source: Ipv4Address.Parse(source))));
    }

    [Fact]
    public void IcmpErrorRateLimitAllowsABurstOfFiftyThenRefuses()
    {
        var policy = new IcmpErrorPolicy();
        Instant now = Instant.FromSeconds(100);

        for (int i = 0; i < 50; i++)
        {
            Assert.True(policy.TryTake(now), $"token {i}");
        }
        Assert.False(policy.TryTake(now));
        Assert.False(policy.TryTake(now));
    }

    [Fact]
    public void IcmpErrorRateLimitRefillsAtOneThousandPerSecond()
    {
        var policy = new IcmpErrorPolicy();
        Instant start = Instant.FromSeconds(100);
        while (policy.TryTake(start))
        {
        }

        Assert.False(policy.TryTake(start + TimeSpan.FromMicroseconds(500)));
        Assert.True(policy.TryTake(start + TimeSpan.FromMicroseconds(1500)));
        Assert.False(policy.TryTake(start + TimeSpan.FromMicroseconds(1500)));

        // 10.5 ms after the start: ten tokens earned in all, one already spent.
        Instant later = start + TimeSpan.FromMicroseconds(10_500);
        int granted = 0;
        while (policy.TryTake(later))
        {
            granted++;
        }
        Assert.Equal(9, granted);
    }

    [Fact]
    public void IcmpErrorRateLimitRefillsNoHigherThanTheBurst()
    {
        var policy = new IcmpErrorPolicy();
        Instant start = Instant.FromSeconds(1);
        while (policy.TryTake(start))
        {
        }

        Instant later = start + TimeSpan.FromSeconds(10);
        int granted = 0;
        while (policy.TryTake(later))
        {
            granted++;
        }

        Assert.Equal(50, granted);
    }

    [Fact]
    public void IcmpErrorRateLimitSustainsOneThousandPerSecond()
    {
        var policy = new IcmpErrorPolicy();
        Instant start = Instant.FromSeconds(1);
        int granted = 0;
        // Ask 10 000 times a second for 5 s of virtual time.
        for (int i = 0; i < 50_000; i++)
        {
            if (policy.TryTake(start + TimeSpan.FromMicroseconds(i * 100)))
            {
                granted++;
            }
        }

        Assert.InRange(granted, 5000 + 50 - 2, 5000 + 50 + 1);
    }

    [Fact]
    public void IcmpErrorRateLimitGainsNothingWhenTimeGoesBackwards()
    {
        var policy = new IcmpErrorPolicy(perSecond: 1000, burst: 1);
        Assert.True(policy.TryTake(Instant.FromSeconds(10)));

        Assert.False(policy.TryTake(Instant.FromSeconds(5)));
        Assert.False(policy.TryTake(Instant.FromSeconds(10)));
    }

    [Fact]
    public void IcmpErrorRateLimitTakesItsOwnRateAndBurst()
    {
        var policy = new IcmpErrorPolicy(perSecond: 10, burst: 2);
        Instant start = Instant.FromSeconds(1);

        Assert.True(policy.TryTake(start));
        Assert.True(policy.TryTake(start));
        Assert.False(policy.TryTake(start));
        Assert.False(policy.TryTake(start + TimeSpan.FromMilliseconds(99)));
        Assert.True(policy.TryTake(start + TimeSpan.FromMilliseconds(101)));
    }

    [Fact]
    public void IcmpErrorRateLimitRefusesABadConfiguration()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IcmpErrorPolicy(perSecond: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IcmpErrorPolicy(burst: 0));
    }
}
