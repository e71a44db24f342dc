using System.Net.Sockets;
using Usrnet.Sockets.Dns;
using Usrnet.Wire;
using static Usrnet.Tests.Dns.DnsSocketHarness;

namespace Usrnet.Tests.Dns;

/// <summary>
/// The resolver on virtual time against a scripted server: what it sends, which answers it takes, how
/// it retries, and what it concludes.
/// </summary>
public sealed class DnsResolverTests
{
    private static readonly Ipv4Endpoint Dns1 = new(Server1, 53);
    private static readonly Ipv4Endpoint Dns2 = new(Server2, 53);

    [Fact]
    public void QueryIsAStandardQueryWithRecursionDesiredAndTheSeededId()
    {
        DnsSocketHarness net = new();
        ushort expectedId = (ushort)new Random(1 + 1000).Next(ushort.MaxValue + 1);

        DnsQuery query = net.Start("www.example.test");
        SentQuery sent = net.TakeOne();

        Assert.Equal(DnsQueryStatus.Pending, query.Status);
        Assert.Equal(Dns1, sent.Server);
        byte[] expected = DnsMessageBuilder.WithId(DnsFixtures.QueryWwwA, expectedId);
        Assert.Equal(expected, sent.Bytes);
        Assert.InRange(sent.Socket.LocalEndpoint.Port, Usrnet.Sockets.SocketSet.EphemeralPortFirst, Usrnet.Sockets.SocketSet.EphemeralPortLast);
    }

    [Fact]
    public void EachQuestionGoesOutFromItsOwnRandomPortWithItsOwnRandomId()
    {
        DnsSocketHarness net = new();
        HashSet<ushort> ports = [];
        HashSet<ushort> ids = [];

        for (int i = 0; i < 20; i++)
        {
            net.Start($"host{i}.example.test");
            SentQuery sent = net.TakeOne();
            ports.Add(sent.Socket.LocalEndpoint.Port);
            ids.Add(sent.Header.Id);
        }

        Assert.Equal(20, net.Sockets.Udp.Count);
        Assert.True(ports.Count >= 19, $"{ports.Count} distinct ports of 20");
        Assert.True(ids.Count >= 19, $"{ids.Count} distinct IDs of 20");
    }

    [Fact]
    public void AnswerGivesAddressesTtlServerAndClosesTheSocket()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("www.example.test");
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, sent.Answer().A("www.example.test", "10.0.1.2", ttl: 120).A("www.example.test", "10.0.1.3", ttl: 60).Build());

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal(DnsError.None, query.Error);
        Assert.Equal([Ipv4Address.Parse("10.0.1.2"), Ipv4Address.Parse("10.0.1.3")], query.Addresses);
        Assert.Equal(TimeSpan.FromSeconds(60), query.TimeToLive);
        Assert.Equal("www.example.test", query.CanonicalName);
        Assert.Equal(Server1, query.Server);
        Assert.Equal(DnsTransport.Udp, query.Transport);
        Assert.Equal(net.Now, query.CompletedAt);
        Assert.Empty(net.Sockets.Udp);
        Assert.Equal(0, net.Resolver.PendingQueries);
        Assert.Null(net.Resolver.PollAt(net.Now));
        Assert.Equal(1, net.Resolver.Counters.ResponsesAccepted);
    }

    [Fact]
    public void RealDnsmasqAnswerIsUsedEvenWithTheQuestionInAnotherCase()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("six.example.test");
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.MixedCaseSixA, sent.Header.Id)); // "Six.Example.TEST"

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal([Ipv4Address.Parse("10.0.1.3")], query.Addresses);
        Assert.Equal(TimeSpan.FromSeconds(300), query.TimeToLive);
    }

    [Fact]
    public void AaaaQueryGivesIpv6Addresses()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("six.example.test", DnsRecordType.AAAA);
        SentQuery sent = net.TakeOne();
        Assert.Equal(DnsRecordType.AAAA, sent.Type);

        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.SixAaaa, sent.Header.Id));

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal("fd00::3", Assert.Single(query.Ipv6Addresses).ToString());
        Assert.Empty(query.Addresses);
        Assert.Equal("fd00::3", Assert.Single(query.Answers).DataText);
    }

    [Fact]
    public void SilenceRetransmitsWithADoublingWaitThenTimesOut()
    {
        DnsSocketHarness net = new();
        Instant start = net.Now;
        DnsQuery query = net.Start("www.example.test");
        byte[] first = net.TakeOne().Bytes;

        // 1 s, then 2 s, then 4 s (DnsResolverOptions defaults: 3 attempts).
        Assert.Equal(start + TimeSpan.FromSeconds(1), net.Resolver.PollAt(net.Now));
        net.AdvanceTo(start + TimeSpan.FromMilliseconds(999));
        Assert.Empty(net.TakeSent());
        net.AdvanceTo(start + TimeSpan.FromSeconds(1));
        SentQuery second = net.TakeOne();
        Assert.Equal(first, second.Bytes); // the same question, the same ID
        Assert.Equal(start + TimeSpan.FromSeconds(3), net.Resolver.PollAt(net.Now));
        net.AdvanceTo(start + TimeSpan.FromSeconds(3));
        net.TakeOne();
        Assert.Equal(start + TimeSpan.FromSeconds(7), net.Resolver.PollAt(net.Now));
        net.AdvanceTo(start + TimeSpan.FromSeconds(7) - TimeSpan.FromMicroseconds(1));
        Assert.Equal(DnsQueryStatus.Pending, query.Status);
        net.AdvanceTo(start + TimeSpan.FromSeconds(7));

        Assert.Equal(DnsQueryStatus.Failed, query.Status);
        Assert.Equal(DnsError.Timeout, query.Error);
        Assert.Empty(net.TakeSent());
        Assert.Empty(net.Sockets.Udp);
        Assert.Equal(3, net.Resolver.Counters.QueriesSent);
        Assert.Equal(2, net.Resolver.Counters.Retransmissions);
        Assert.Equal(3, net.Resolver.Counters.Timeouts);
    }

    [Fact]
    public void RetriesGoToEachServerInTurnAndTheWaitDoublesPerRound()
    {
        DnsSocketHarness net = new(new DnsResolverOptions { Attempts = 4 });
        net.Resolver.Servers = [Server1, Server2];
        Instant start = net.Now;
        DnsQuery query = net.Start("www.example.test");

        List<(TimeSpan At, Ipv4Endpoint To)> sends = [];
        while (query.Status == DnsQueryStatus.Pending)
        {
            foreach (SentQuery s in net.TakeSent())
            {
                sends.Add((net.Now - start, s.Server));
            }
            net.AdvanceTo(net.Resolver.PollAt(net.Now)!.Value);
        }

        Assert.Equal(
        [
            (TimeSpan.FromSeconds(0), Dns1), (TimeSpan.FromSeconds(1), Dns2),
            (TimeSpan.FromSeconds(2), Dns1), (TimeSpan.FromSeconds(4), Dns2),
        ], sends);
        Assert.Equal(TimeSpan.FromSeconds(6), query.CompletedAt!.Value - start);
        Assert.Equal(DnsError.Timeout, query.Error);
    }

    [Fact]
    public void AnswerFromTheFirstServerAfterMovingOnIsStillTaken()
    {
        DnsSocketHarness net = new();
        net.Resolver.Servers = [Server1, Server2];
        DnsQuery query = net.Start("www.example.test");
        SentQuery toFirst = net.TakeOne();
        net.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Dns2, net.TakeOne().Server);

        net.Deliver(toFirst, toFirst.Answer().A("www.example.test", "10.0.1.2").Build(), from: Dns1);

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal(Server1, query.Server);
    }

    [Fact]
    public void AnswerWithAnotherIdIsDroppedAndTheRightOneTaken()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("www.example.test");
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, new DnsMessageBuilder(sent.Bytes) { Id = (ushort)(sent.Header.Id ^ 1) }.A("www.example.test", "6.6.6.6").Build());
        Assert.Equal(DnsQueryStatus.Pending, query.Status);
        net.Deliver(sent, sent.Answer().A("www.example.test", "10.0.1.2").Build());

        Assert.Equal([Ipv4Address.Parse("10.0.1.2")], query.Addresses);
        Assert.Equal(1, net.Resolver.Counters.DroppedMismatched);
    }

    [Theory]
    [InlineData("10.0.0.66", 53)]   // a host we never asked
    [InlineData("10.0.0.101", 5353)] // our server, wrong port
    public void AnswerFromTheWrongSourceIsDropped(string address, int port)
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("www.example.test");
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, sent.Answer().A("www.example.test", "6.6.6.6").Build(), from: new Ipv4Endpoint(Ipv4Address.Parse(address), (ushort)port));

        Assert.Equal(DnsQueryStatus.Pending, query.Status);
        Assert.Equal(1, net.Resolver.Counters.DroppedMismatched);
        net.Deliver(sent, sent.Answer().A("www.example.test", "10.0.1.2").Build());
        Assert.Equal([Ipv4Address.Parse("10.0.1.2")], query.Addresses);
    }

    [Fact]
    public void AnswerToAnotherQuestionOrAQueryIsDropped()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("www.example.test");
        SentQuery sent = net.TakeOne();
        ushort id = sent.Header.Id;

        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.SixAaaa, id));                         // another name and type
        byte[] otherType = DnsMessageBuilder.WithId(DnsFixtures.WwwA, id);
        otherType[31] = 0x1C;                                                                        // QTYPE AAAA
        net.Deliver(sent, otherType);
        net.Deliver(sent, new DnsMessageBuilder(sent.Bytes) { IsResponse = false }.A("www.example.test", "6.6.6.6").Build());
        net.Deliver(sent, sent.Bytes);                                                               // our own query echoed

        Assert.Equal(DnsQueryStatus.Pending, query.Status);
        Assert.Equal(4, net.Resolver.Counters.DroppedMismatched);
    }

    [Fact]
    public void MalformedAnswersAreDroppedAndCountedAndNameTheFailureIfNothingElseCame()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("www.example.test");
        SentQuery sent = net.TakeOne();
        byte[] lying = sent.Answer().A("www.example.test", "10.0.1.2").Build();
        lying[7] = 9; // ANCOUNT 9 with one record

        net.Deliver(sent, lying);
        net.Deliver(sent, lying[..5]);
        while (query.Status == DnsQueryStatus.Pending)
        {
            net.TakeSent();
            net.AdvanceTo(net.Resolver.PollAt(net.Now)!.Value);
        }

        Assert.Equal(DnsError.Malformed, query.Error);
        Assert.Equal(2, net.Resolver.Counters.DroppedMalformed);
    }

    [Fact]
    public void NxdomainFailsWithNameErrorAtOnce()
    {
        DnsSocketHarness net = new();
        net.Resolver.Servers = [Server1, Server2];
        DnsQuery query = net.Start("nothing.example.test");
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.NothingNxdomain, sent.Header.Id));

        Assert.Equal(DnsQueryStatus.Failed, query.Status);
        Assert.Equal(DnsError.NameError, query.Error);
        Assert.Empty(net.TakeSent()); // an authoritative "no such name" is not asked again elsewhere
    }

    [Fact]
    public void NoDataFailsWithNoData()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("six.example.test", DnsRecordType.MX);
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.SixMxNoData, sent.Header.Id));

        Assert.Equal(DnsError.NoData, query.Error);
    }

    [Fact]
    public void ServfailMovesToTheNextServerAtOnce()
    {
        DnsSocketHarness net = new();
        net.Resolver.Servers = [Server1, Server2];
        DnsQuery query = net.Start("www.example.test");
        SentQuery first = net.TakeOne();

        net.Deliver(first, new DnsMessageBuilder(first.Bytes) { ResponseCode = DnsResponseCode.ServerFailure }.Build());
        SentQuery second = net.TakeOne();
        Assert.Equal(Dns2, second.Server);
        net.Deliver(second, second.Answer().A("www.example.test", "10.0.1.2").Build());

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal(Server2, query.Server);
    }

    [Theory]
    [InlineData((byte)DnsResponseCode.ServerFailure, DnsError.ServerFailure)]
    [InlineData((byte)DnsResponseCode.Refused, DnsError.Refused)]
    [InlineData((byte)DnsResponseCode.NotImplemented, DnsError.NotImplemented)]
    [InlineData((byte)DnsResponseCode.FormatError, DnsError.FormatError)]
    public void ErrorCodeFromEveryServerIsTheQuerysError(byte responseCode, DnsError error)
    {
        // The code as a byte: the enum is internal and a test method's parameters must be public.
        DnsResponseCode code = (DnsResponseCode)responseCode;
        DnsSocketHarness net = new(new DnsResolverOptions { Attempts = 5 });
        net.Resolver.Servers = [Server1, Server2];
        DnsQuery query = net.Start("www.example.test");

        SentQuery first = net.TakeOne();
        net.Deliver(first, new DnsMessageBuilder(first.Bytes) { ResponseCode = code }.Build());
        SentQuery second = net.TakeOne();
        net.Deliver(second, new DnsMessageBuilder(second.Bytes) { ResponseCode = code }.Build());

        Assert.Equal(DnsQueryStatus.Failed, query.Status);
        Assert.Equal(error, query.Error);
        Assert.Empty(net.TakeSent()); // a server that failed is not asked again for this question
    }

    [Fact]
    public void ServfailThenSilenceReportsTheServerFailure()
    {
        DnsSocketHarness net = new();
        net.Resolver.Servers = [Server1, Server2];
        DnsQuery query = net.Start("www.example.test");
        SentQuery first = net.TakeOne();
        net.Deliver(first, new DnsMessageBuilder(first.Bytes) { ResponseCode = DnsResponseCode.ServerFailure }.Build());

        while (query.Status == DnsQueryStatus.Pending)
        {
            Assert.All(net.TakeSent(), s => Assert.Equal(Dns2, s.Server));
            net.AdvanceTo(net.Resolver.PollAt(net.Now)!.Value);
        }

        Assert.Equal(DnsError.ServerFailure, query.Error);
    }

    [Fact]
    public void IcmpUnreachableEndsTheAttemptAtOnce()
    {
        DnsSocketHarness net = new();
        net.Resolver.Servers = [Server1, Server2];
        DnsQuery query = net.Start("www.example.test");
        SentQuery first = net.TakeOne();

        net.ReportError(first, SocketError.ConnectionRefused);

        SentQuery second = net.TakeOne();
        Assert.Equal(Dns2, second.Server);
        net.ReportError(second, SocketError.ConnectionRefused);
        net.ReportError(net.TakeOne(), SocketError.HostUnreachable);
        Assert.Equal(DnsQueryStatus.Failed, query.Status);
        Assert.Equal(DnsError.ServerUnreachable, query.Error); // the last attempt's failure
    }

    [Fact]
    public void PortUnreachableOnEveryAttemptIsConnectionRefused()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("www.example.test");

        for (int i = 0; i < 3; i++)
        {
            net.ReportError(net.TakeOne(), SocketError.ConnectionRefused);
        }

        Assert.Equal(DnsError.ConnectionRefused, query.Error);
        Assert.Equal(net.Now, query.CompletedAt);
    }

    [Fact]
    public void CnameChainWithinTheAnswerIsFollowedToTheAddress()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("alias3.example.test");
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.Alias3ChainA, sent.Header.Id));

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal([Ipv4Address.Parse("10.0.1.3")], query.Addresses);
        Assert.Equal("six.example.test", query.CanonicalName);
        Assert.Equal(["alias2.example.test", "six.example.test"], query.CanonicalNameChain.Select(r => r.Target));
        Assert.Equal(["alias3.example.test", "alias2.example.test"], query.CanonicalNameChain.Select(r => r.Name));
        Assert.Empty(net.TakeSent());
    }

    [Fact]
    public void CnameWithoutTheTargetsRecordsIsAskedAgainForTheTarget()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("alias.example.test");
        SentQuery first = net.TakeOne();

        net.Deliver(first, DnsMessageBuilder.WithId(DnsFixtures.AliasA, first.Header.Id));
        SentQuery second = net.TakeOne();
        Assert.Equal("www.example.test", second.Name);
        Assert.NotEqual(first.Socket.LocalEndpoint.Port, second.Socket.LocalEndpoint.Port);
        net.Deliver(second, DnsMessageBuilder.WithId(DnsFixtures.WwwA, second.Header.Id));

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal([Ipv4Address.Parse("10.0.1.2")], query.Addresses);
        Assert.Equal("www.example.test", query.CanonicalName);
        Assert.Equal("www.example.test", Assert.Single(query.CanonicalNameChain).Target);
    }

    [Fact]
    public void QueryForTheCnameItselfIsAnsweredByTheCname()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("alias.example.test", DnsRecordType.CNAME);
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, sent.Answer().Cname("alias.example.test", "www.example.test").Build());

        Assert.Equal("www.example.test.", Assert.Single(query.Answers).DataText);
        Assert.Empty(query.CanonicalNameChain);
    }

    [Fact]
    public void CnameLoopFailsWithoutAnotherQuery()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("a.example.test");
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, sent.Answer().Cname("a.example.test", "b.example.test").Cname("b.example.test", "a.example.test").Build());

        Assert.Equal(DnsError.CanonicalNameChainTooLong, query.Error);
        Assert.Empty(net.TakeSent());
    }

    [Fact]
    public void CnameLoopAcrossQueriesFails()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("a.example.test");
        SentQuery first = net.TakeOne();
        net.Deliver(first, first.Answer().Cname("a.example.test", "b.example.test").Build());
        SentQuery second = net.TakeOne();
        Assert.Equal("b.example.test", second.Name);

        net.Deliver(second, second.Answer().Cname("b.example.test", "A.example.test").Build());

        Assert.Equal(DnsError.CanonicalNameChainTooLong, query.Error);
        Assert.Empty(net.TakeSent());
    }

    [Theory]
    [InlineData(8, DnsQueryStatus.Succeeded)]
    [InlineData(9, DnsQueryStatus.Failed)]
    public void ChainsLongerThanTheLimitFail(int aliases, DnsQueryStatus status)
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("c0.example.test");
        SentQuery sent = net.TakeOne();
        DnsMessageBuilder answer = sent.Answer();
        for (int i = 0; i < aliases; i++)
        {
            answer.Cname($"c{i}.example.test", $"c{i + 1}.example.test");
        }
        answer.A($"c{aliases}.example.test", "10.0.1.9");

        net.Deliver(sent, answer.Build());

        Assert.Equal(status, query.Status);
        Assert.Equal(status == DnsQueryStatus.Succeeded ? DnsError.None : DnsError.CanonicalNameChainTooLong, query.Error);
    }

    [Fact]
    public void CachedAnswerIsReusedWithoutTrafficAndWithAgedTtlUntilItExpires()
    {
        DnsSocketHarness net = new();
        DnsQuery first = net.Start("www.example.test");
        SentQuery sent = net.TakeOne();
        net.Deliver(sent, sent.Answer().A("www.example.test", "10.0.1.2", ttl: 60).Build());
        Assert.Equal(DnsQueryStatus.Succeeded, first.Status);

        net.Advance(TimeSpan.FromSeconds(45));
        DnsQuery cached = net.Start("WWW.Example.Test");

        Assert.Equal(DnsQueryStatus.Succeeded, cached.Status);
        Assert.Equal(DnsTransport.None, cached.Transport);
        Assert.Null(cached.Server);
        Assert.Equal([Ipv4Address.Parse("10.0.1.2")], cached.Addresses);
        Assert.Equal(TimeSpan.FromSeconds(15), cached.TimeToLive);
        Assert.Empty(net.TakeSent());
        Assert.Equal(1, net.Resolver.Counters.CacheHits);

        net.Advance(TimeSpan.FromSeconds(15));
        DnsQuery expired = net.Start("www.example.test");
        Assert.Equal(DnsQueryStatus.Pending, expired.Status);
        Assert.Single(net.TakeSent());
    }

    [Fact]
    public void TtlZeroIsNotCached()
    {
        DnsSocketHarness net = new();
        net.Start("www.example.test");
        SentQuery sent = net.TakeOne();
        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.WwwA, sent.Header.Id)); // dnsmasq's TTL 0

        DnsQuery again = net.Start("www.example.test");

        Assert.Equal(DnsQueryStatus.Pending, again.Status);
        Assert.Single(net.TakeSent());
        Assert.Equal(0, net.Resolver.Cache.Count);
    }

    [Fact]
    public void NxdomainIsCachedForTheLesserOfSoaTtlAndMinimum()
    {
        DnsSocketHarness net = new();
        net.Start("nothing.example.test");
        SentQuery sent = net.TakeOne();
        net.Deliver(sent, new DnsMessageBuilder(sent.Bytes) { ResponseCode = DnsResponseCode.NameError }.Soa("example.test", ttl: 3600, minimum: 30).Build());

        net.Advance(TimeSpan.FromSeconds(29));
        DnsQuery cached = net.Start("nothing.example.test");
        Assert.Equal(DnsError.NameError, cached.Error);
        Assert.Empty(net.TakeSent());

        net.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DnsQueryStatus.Pending, net.Start("nothing.example.test").Status);
        Assert.Single(net.TakeSent());
    }

    [Fact]
    public void NxdomainWithoutSoaIsCachedOnlyBriefly()
    {
        DnsSocketHarness net = new();
        net.Start("nothing.example.test");
        SentQuery sent = net.TakeOne();
        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.NothingNxdomain, sent.Header.Id));

        net.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(DnsError.NameError, net.Start("nothing.example.test").Error);
        net.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DnsQueryStatus.Pending, net.Start("nothing.example.test").Status);
    }

    [Fact]
    public void NegativeCacheIsKeyedByTypeToo()
    {
        DnsSocketHarness net = new();
        net.Start("six.example.test", DnsRecordType.MX);
        SentQuery sent = net.TakeOne();
        net.Deliver(sent, new DnsMessageBuilder(sent.Bytes).Soa("example.test", 600, 600).Build()); // NODATA

        Assert.Equal(DnsError.NoData, net.Start("six.example.test", DnsRecordType.MX).Error);
        Assert.Equal(DnsQueryStatus.Pending, net.Start("six.example.test", DnsRecordType.A).Status);
    }

    [Fact]
    public void CacheHoldsAtMostItsCapacityAndEvictsWhatExpiresFirst()
    {
        DnsSocketHarness net = new(new DnsResolverOptions { CacheCapacity = 3 });
        foreach ((string name, uint ttl) in new[] { ("a.test", 100u), ("b.test", 50u), ("c.test", 200u), ("d.test", 300u) })
        {
            net.Start(name);
            SentQuery sent = net.TakeOne();
            net.Deliver(sent, sent.Answer().A(name, "10.0.1.1", ttl).Build());
        }

        Assert.Equal(3, net.Resolver.Cache.Count);
        Assert.Equal(DnsQueryStatus.Pending, net.Start("b.test").Status);    // evicted: it expired first
        net.TakeSent();
        Assert.Equal(DnsQueryStatus.Succeeded, net.Start("a.test").Status);
        Assert.Equal(DnsQueryStatus.Succeeded, net.Start("c.test").Status);
        Assert.Equal(DnsQueryStatus.Succeeded, net.Start("d.test").Status);
    }

    [Fact]
    public void CnameChainIsCachedPerQuestionAndReplayedWithoutTraffic()
    {
        DnsSocketHarness net = new();
        net.Start("alias3.example.test");
        SentQuery sent = net.TakeOne();
        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.Alias3ChainA, sent.Header.Id));

        DnsQuery cached = net.Start("alias3.example.test");

        Assert.Equal([Ipv4Address.Parse("10.0.1.3")], cached.Addresses);
        Assert.Equal(2, cached.CanonicalNameChain.Count);
        Assert.Empty(net.TakeSent());
    }

    [Fact]
    public void NameWithoutADotIsTriedWithTheSearchDomainFirst()
    {
        DnsSocketHarness net = new();
        net.Resolver.SearchDomain = "example.test.";
        DnsQuery query = net.Start("www");

        SentQuery sent = net.TakeOne();
        Assert.Equal("www.example.test", sent.Name);
        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.WwwA, sent.Header.Id));

        Assert.Equal([Ipv4Address.Parse("10.0.1.2")], query.Addresses);
        Assert.Equal("www.example.test", query.CanonicalName);
        Assert.Equal("www", query.Name);
    }

    [Fact]
    public void NameWithoutADotIsTriedAsItIsAfterNxdomainWithTheSearchDomain()
    {
        DnsSocketHarness net = new();
        net.Resolver.SearchDomain = "example.test";
        DnsQuery query = net.Start("intranet");

        SentQuery first = net.TakeOne();
        Assert.Equal("intranet.example.test", first.Name);
        net.Deliver(first, new DnsMessageBuilder(first.Bytes) { ResponseCode = DnsResponseCode.NameError }.Build());
        SentQuery second = net.TakeOne();
        Assert.Equal("intranet", second.Name);
        net.Deliver(second, new DnsMessageBuilder(second.Bytes) { ResponseCode = DnsResponseCode.NameError }.Build());

        Assert.Equal(DnsError.NameError, query.Error);
    }

    [Fact]
    public void NameWithADotIsTriedAsItIsFirstThenWithTheSearchDomain()
    {
        DnsSocketHarness net = new();
        net.Resolver.SearchDomain = "example.test";
        DnsQuery query = net.Start("host.lab");

        SentQuery first = net.TakeOne();
        Assert.Equal("host.lab", first.Name);
        net.Deliver(first, new DnsMessageBuilder(first.Bytes) { ResponseCode = DnsResponseCode.NameError }.Build());
        SentQuery second = net.TakeOne();
        Assert.Equal("host.lab.example.test", second.Name);
        net.Deliver(second, second.Answer().A("host.lab.example.test", "10.0.1.7").Build());

        Assert.Equal([Ipv4Address.Parse("10.0.1.7")], query.Addresses);
        Assert.Equal("host.lab.example.test", query.CanonicalName);
    }

    [Fact]
    public void NoDataForOneSearchFormWinsOverNxdomainForTheOther()
    {
        DnsSocketHarness net = new();
        net.Resolver.SearchDomain = "example.test";
        DnsQuery query = net.Start("six", DnsRecordType.MX);

        SentQuery first = net.TakeOne();
        net.Deliver(first, DnsMessageBuilder.WithId(DnsFixtures.SixMxNoData, first.Header.Id));
        SentQuery second = net.TakeOne();
        Assert.Equal("six", second.Name);
        net.Deliver(second, new DnsMessageBuilder(second.Bytes) { ResponseCode = DnsResponseCode.NameError }.Build());

        Assert.Equal(DnsError.NoData, query.Error);
    }

    [Fact]
    public void AbsoluteNameIsNeverGivenTheSearchDomain()
    {
        DnsSocketHarness net = new();
        net.Resolver.SearchDomain = "example.test";
        DnsQuery query = net.Start("www.");

        SentQuery sent = net.TakeOne();
        Assert.Equal("www", sent.Name);
        net.Deliver(sent, new DnsMessageBuilder(sent.Bytes) { ResponseCode = DnsResponseCode.NameError }.Build());

        Assert.Equal(DnsError.NameError, query.Error);
        Assert.Empty(net.TakeSent());
    }

    [Fact]
    public void ServerFailureForTheFirstSearchFormEndsTheQuery()
    {
        DnsSocketHarness net = new();
        net.Resolver.SearchDomain = "example.test";
        DnsQuery query = net.Start("www");
        SentQuery sent = net.TakeOne();

        net.Deliver(sent, new DnsMessageBuilder(sent.Bytes) { ResponseCode = DnsResponseCode.ServerFailure }.Build());

        Assert.Equal(DnsError.ServerFailure, query.Error);
        Assert.Empty(net.TakeSent());
    }

    [Fact]
    public void CancelClosesTheSocketAndSendsNothingMore()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start("www.example.test");
        net.TakeOne();

        query.Dispose();

        Assert.Equal(DnsQueryStatus.Failed, query.Status);
        Assert.Equal(DnsError.Cancelled, query.Error);
        Assert.Null(query.CompletedAt);
        Assert.Empty(net.Sockets.Udp);
        Assert.False(net.Poll()); // a cancelled query is not news
        Assert.Equal(0, net.Resolver.PendingQueries);
        net.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(net.TakeSent());
    }

    [Fact]
    public void NoServersFailsAtOnce()
    {
        DnsSocketHarness net = new();
        net.Resolver.Servers = [];

        DnsQuery query = net.Start("www.example.test");

        Assert.Equal(DnsError.NoServers, query.Error);
        Assert.Empty(net.Sockets.Udp);
    }

    [Fact]
    public void HostLookupOfAnAddressLiteralNeedsNoTraffic()
    {
        DnsSocketHarness net = new();

        DnsQuery query = net.Resolver.StartHostLookup("10.0.1.2", net.Now);

        Assert.Equal(DnsQueryStatus.Succeeded, query.Status);
        Assert.Equal([Ipv4Address.Parse("10.0.1.2")], query.Addresses);
        Assert.Empty(net.TakeSent());
    }

    [Fact]
    public void HostLookupOfANameAsksForARecords()
    {
        DnsSocketHarness net = new();

        DnsQuery query = net.Resolver.StartHostLookup("www.example.test", net.Now);

        Assert.Equal(DnsRecordType.A, net.TakeOne().Type);
        Assert.Equal(DnsRecordType.A, query.Type);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("caf\u00e9.test")]
    public void InvalidNamesAreRefusedAsArguments(string name)
    {
        DnsSocketHarness net = new();

        Assert.Throws<ArgumentException>(() => net.Start(name));
        Assert.Throws<ArgumentException>(() => net.Resolver.SearchDomain = "a..b");
        Assert.Throws<ArgumentException>(() => net.Resolver.Servers = [Ipv4Address.Broadcast]);
    }

    [Fact]
    public void EscapedNameMatchesTheAnswersPlainSpelling()
    {
        DnsSocketHarness net = new();
        DnsQuery query = net.Start(@"\119ww.example.test"); // \119 is 'w'
        SentQuery sent = net.TakeOne();
        Assert.Equal("www.example.test", sent.Name);

        net.Deliver(sent, DnsMessageBuilder.WithId(DnsFixtures.WwwA, sent.Header.Id));

        Assert.Equal([Ipv4Address.Parse("10.0.1.2")], query.Addresses);
    }

    [Fact]
    public void SearchFormTooLongIsSkipped()
    {
        DnsSocketHarness net = new();
        net.Resolver.SearchDomain = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63));
        DnsQuery query = net.Start(new string('d', 63));

        Assert.Equal(new string('d', 63), net.TakeOne().Name); // 64 * 4 + 1 > 255: only the name as it is
        Assert.Equal(DnsQueryStatus.Pending, query.Status);
    }
}
