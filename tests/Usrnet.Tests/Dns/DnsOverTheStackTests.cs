using Usrnet.Sockets.Dns;
using Usrnet.Sockets.Tcp;
using Usrnet.Tests.StackToStack;
using Usrnet.Wire;

namespace Usrnet.Tests.Dns;

/// <summary>
/// The resolver on stack A asking a scripted server on stack B over the in-memory link, in virtual time:
/// real UDP and TCP through both interfaces, ARP and ICMP included.
/// </summary>
public sealed class DnsOverTheStackTests : IDisposable
{
    private readonly TwoStacks _net = new();
    private FakeDnsServer? _server;
    private readonly DnsResolver _resolver;
    private Instant _now = Instant.FromSeconds(1000);

    public DnsOverTheStackTests()
    {
        _server = new FakeDnsServer(_net.B);
        _resolver = new DnsResolver(_net.A.Sockets, random: new Random(3)) { Servers = [TwoStacks.AddressB] };
    }

    public void Dispose()
    {
        _server?.Dispose();
        _net.Dispose();
    }

    /// <summary>Polls everything until quiet, then jumps to the next timer, until the query completes or the limit passes.</summary>
    private void RunUntilDone(DnsQuery query, TimeSpan limit)
    {
        Instant end = _now + limit;
        while (true)
        {
            for (int i = 0; ; i++)
            {
                Assert.True(i < 10_000, "never went quiet");
                bool a = _net.A.Poll(_now);
                _resolver.Poll(_now, TwoStacks.AddressA);
                _server?.Poll();
                bool b = _net.B.Poll(_now);
                if (!a && !b && _net.A.PollAt(_now) != _now && _net.B.PollAt(_now) != _now)
                {
                    break;
                }
            }
            if (query.Status != DnsQueryStatus.Pending || _now >= end)
            {
                return;
            }
            Instant? next = Instant.Min(Instant.Min(_net.A.PollAt(_now), _net.B.PollAt(_now)), _resolver.PollAt(_now));
            _now = next is { } at && at > _now ? Instant.Min(at, end) : _now + TimeSpan.FromMilliseconds(1);
        }
    }

    private void ReplaceServer(FakeDnsServer? server)
    {
        _server?.Dispose();
        _server = server;
    }

    private static byte[] Framed(byte[] tcpFixture, ushort id) => DnsMessageBuilder.WithId(tcpFixture, id, offset: DnsTcpFraming.PrefixLength)[DnsTcpFraming.PrefixLength..];

    private static ushort IdOf(byte[] query) => (ushort)((query[0] << 8) | query[1]);

    [Fact]
    public void QueryOverUdpThroughBothStacksIsAnswered()
    {
        _server!.AnswerUdp = q => new DnsMessageBuilder(q).A("www.example.test", "10.0.1.2", ttl: 30).Build();

        DnsQuery query = _resolver.StartQuery("www.example.test", DnsRecordType.A, _now);
        RunUntilDone(query, TimeSpan.FromSeconds(5));

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal([Ipv4Address.Parse("10.0.1.2")], query.Addresses);
        Assert.Equal(DnsTransport.Udp, query.Transport);
        Assert.Single(_server!.UdpQueries);
        Assert.Empty(_net.A.Sockets.Udp);
        Assert.Equal(0, _net.A.Counters.TotalDropped);
    }

    [Fact]
    public void TruncatedAnswerIsAskedAgainOverTcpAndEveryRecordArrives()
    {
        _server!.AnswerUdp = q => DnsMessageBuilder.WithId(DnsFixtures.ManyTruncated, IdOf(q));
        _server!.AnswerTcp = q => Framed(DnsFixtures.ManyOverTcp, IdOf(q));

        DnsQuery query = _resolver.StartQuery("many.example.test", DnsRecordType.A, _now);
        RunUntilDone(query, TimeSpan.FromSeconds(10));

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal(DnsTransport.Tcp, query.Transport);
        Assert.Equal(TwoStacks.AddressB, query.Server);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => new Ipv4Address(10, 0, 2, (byte)i)).ToHashSet(), query.Addresses.ToHashSet());
        Assert.Equal(_server!.UdpQueries[0], Assert.Single(_server!.TcpQueries)); // the same query, ID included
        Assert.Equal(1, _resolver.Counters.Truncated);
        Assert.Equal(1, _resolver.Counters.TcpConnections);
        Assert.Empty(_net.A.Sockets.Udp);
        Assert.Equal(0, _net.A.Counters.TotalDropped);
    }

    [Fact]
    public void TcpConnectionIsClosedAfterTheAnswer()
    {
        _server!.AnswerUdp = q => DnsMessageBuilder.WithId(DnsFixtures.ManyTruncated, IdOf(q));
        _server!.AnswerTcp = q => Framed(DnsFixtures.ManyOverTcp, IdOf(q));
        DnsQuery query = _resolver.StartQuery("many.example.test", DnsRecordType.A, _now);
        RunUntilDone(query, TimeSpan.FromSeconds(10));

        TcpSocket client = Assert.Single(_net.A.Sockets.Tcp);

        Assert.True(client.IsDisposed);
        Assert.True(client.State is TcpState.FinWait1 or TcpState.FinWait2 or TcpState.TimeWait, client.State.ToString());
    }

    [Fact]
    public void TcpRefusedEndsEachAttemptAndTheQueryFailsAsRefused()
    {
        ReplaceServer(null);
        ReplaceServer(new FakeDnsServer(_net.B, udp: true, tcp: false)); // nothing listens on TCP 53
        _server!.AnswerUdp = q => DnsMessageBuilder.WithId(DnsFixtures.ManyTruncated, IdOf(q));
        DnsQuery query = _resolver.StartQuery("many.example.test", DnsRecordType.A, _now);

        Instant start = _now;
        RunUntilDone(query, TimeSpan.FromSeconds(30));

        Assert.Equal(DnsError.ConnectionRefused, query.Error);
        Assert.Equal(3, _resolver.Counters.TcpConnections); // each of the 3 attempts: UDP, truncated, TCP reset
        Assert.True(_now - start < TimeSpan.FromSeconds(1), $"took {(_now - start).TotalSeconds} s: a reset must not wait for a timeout");
    }

    [Fact]
    public void TcpAnswerCutShortIsMalformed()
    {
        _server!.AnswerUdp = q => DnsMessageBuilder.WithId(DnsFixtures.ManyTruncated, IdOf(q));
        _server!.AnswerTcp = q => Framed(DnsFixtures.ManyOverTcp, IdOf(q));
        _server!.CutTcpReplyAt = 300;

        DnsQuery query = _resolver.StartQuery("many.example.test", DnsRecordType.A, _now);
        RunUntilDone(query, TimeSpan.FromSeconds(30));

        Assert.Equal(DnsError.Malformed, query.Error);
        Assert.Equal(3, _server!.TcpQueries.Count);
    }

    [Fact]
    public void ServerWithoutDnsAnswersWithPortUnreachableAndTheQueryFailsAtOnce()
    {
        ReplaceServer(null);

        DnsQuery query = _resolver.StartQuery("www.example.test", DnsRecordType.A, _now);
        Instant start = _now;
        RunUntilDone(query, TimeSpan.FromSeconds(10));

        Assert.Equal(DnsError.ConnectionRefused, query.Error);
        Assert.True(_now - start < TimeSpan.FromSeconds(1), $"took {(_now - start).TotalSeconds} s");
        Assert.Equal(3, _net.B.Counters.IcmpErrorsSent);
    }

    [Fact]
    public void ServerThatDoesNotAnswerArpIsUnreachable()
    {
        _resolver.Servers = [Ipv4Address.Parse("10.0.0.99")];

        DnsQuery query = _resolver.StartQuery("www.example.test", DnsRecordType.A, _now);
        RunUntilDone(query, TimeSpan.FromSeconds(30));

        Assert.Equal(DnsQueryStatus.Failed, query.Status);
        Assert.Equal(DnsError.ServerUnreachable, query.Error);
        Assert.True(_net.A.Counters.DroppedNeighborUnreachable > 0);
    }

    [Fact]
    public void TruncatedAnswerWithoutALocalAddressCannotFallBackToTcp()
    {
        _server!.AnswerUdp = q => DnsMessageBuilder.WithId(DnsFixtures.ManyTruncated, IdOf(q));
        DnsQuery query = _resolver.StartQuery("many.example.test", DnsRecordType.A, _now);

        for (int i = 0; i < 100 && query.Status == DnsQueryStatus.Pending; i++)
        {
            _net.A.Poll(_now);
            _resolver.Poll(_now, localAddress: null);
            _server!.Poll();
            _net.B.Poll(_now);
            _now += TimeSpan.FromMilliseconds(10);
        }

        Assert.Equal(DnsError.NetworkUnreachable, query.Error);
        Assert.Equal(0, _resolver.Counters.TcpConnections);
    }
}
