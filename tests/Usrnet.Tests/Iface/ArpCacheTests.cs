using Usrnet.Iface;
using Usrnet.Wire;

namespace Usrnet.Tests.Iface;

public sealed class ArpCacheTests : IDisposable
{
    private static readonly Ipv4Address Neighbor = new(10, 0, 0, 101);
    private static readonly Ipv4Address Other = new(10, 0, 0, 1);
    private static readonly EthernetAddress NeighborMac = EthernetAddress.Parse("02:00:00:00:00:02");
    private static readonly EthernetAddress NewMac = EthernetAddress.Parse("02:00:00:00:00:99");

    private readonly RecordingArpCacheHost _host = new();

    public void Dispose() => _host.Dispose();

    private static Instant At(double seconds) => Instant.FromSeconds(seconds);

    [Fact]
    public void ArpCacheSendToAnUnknownAddressParksTheFrameAndSendsOneRequest()
    {
        var cache = new ArpCache();

        cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);

        Assert.Equal([(At(0), Neighbor)], _host.Requests);
        Assert.Empty(_host.Transmitted);
        Assert.Empty(_host.Unreachable);
        Assert.Equal(1, cache.ParkedCount);
        Assert.Equal(1, cache.Count);
        Assert.False(cache.TryLookup(Neighbor, At(0), out _));
    }

    [Fact]
    public void ArpCacheSendsNoSecondRequestWithinOneSecond()
    {
        var cache = new ArpCache();
        cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);

        cache.Send(At(0.5), Neighbor, RecordingArpCacheHost.Frame(2), _host);
        cache.Poll(At(0.999), _host);

        Assert.Single(_host.Requests);
        Assert.Equal(2, cache.ParkedCount);
    }

    [Fact]
    public void ArpCachePollAtOneAndTwoSecondsSendsTheSecondAndThirdRequest()
    {
        var cache = new ArpCache();
        cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);

        cache.Poll(At(1), _host);
        cache.Poll(At(1.5), _host);
        cache.Poll(At(2), _host);
        cache.Poll(At(2.999), _host);

        Assert.Equal([(At(0), Neighbor), (At(1), Neighbor), (At(2), Neighbor)], _host.Requests);
        Assert.Empty(_host.Unreachable);
        Assert.Equal(1, cache.ParkedCount);
    }

    [Fact]
    public void ArpCacheSendAfterTheIntervalSendsTheNextRequestWithoutWaitingForPoll()
    {
        var cache = new ArpCache();
        cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);

        cache.Send(At(1.2), Neighbor, RecordingArpCacheHost.Frame(2), _host);

        Assert.Equal([(At(0), Neighbor), (At(1.2), Neighbor)], _host.Requests);
        Assert.Equal(At(2.2), cache.PollAt());
    }

    [Fact]
    public void ArpCacheGivesUpAtThreeSecondsAndHandsParkedFramesToNeighborUnreachableInOrder()
    {
        var cache = new ArpCache();
        cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);
        cache.Send(At(0.1), Neighbor, RecordingArpCacheHost.Frame(2), _host);
        cache.Poll(At(1), _host);
        cache.Send(At(1.5), Neighbor, RecordingArpCacheHost.Frame(3), _host);
        cache.Poll(At(2), _host);

        cache.Poll(At(3), _host);

        Assert.Equal(3, _host.Requests.Count);
        Assert.Equal([(At(3), 1), (At(3), 2), (At(3), 3)], _host.Unreachable);
        Assert.Empty(_host.Transmitted);
        Assert.Equal(0, cache.ParkedCount);
        Assert.Null(cache.PollAt());

        cache.Poll(At(10), _host);
        Assert.Equal(3, _host.Requests.Count);
    }

    [Fact]
    public void ArpCacheResolvesAgainOneSecondAfterGivingUp()
    {
        var cache = new ArpCache();
        cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);
        cache.Poll(At(1), _host);
        cache.Poll(At(2), _host);
        cache.Poll(At(3), _host);

        cache.Send(At(4), Neighbor, RecordingArpCacheHost.Frame(2), _host);

        Assert.Equal(4, _host.Requests.Count);
        Assert.Equal((At(4), Neighbor), _host.Requests[^1]);
        Assert.Equal(1, cache.ParkedCount);
        Assert.Single(_host.Unreachable);

        cache.Update(At(4.1), Neighbor, NeighborMac, create: false, _host);
        Assert.Equal([(At(4.1), NeighborMac, 2)], _host.Transmitted);
    }

    [Fact]
    public void ArpCacheUpdateWithCreateResolvesAndFlushesParkedFramesInOrder()
    {
        var cache = new ArpCache();
        for (int i = 1; i <= 5; i++)
        {
            cache.Send(At(0.1 * i), Neighbor, RecordingArpCacheHost.Frame(i), _host);
        }

        cache.Update(At(0.7), Neighbor, NeighborMac, create: true, _host);

        Assert.Equal(Enumerable.Range(1, 5).Select(i => (At(0.7), NeighborMac, i)), _host.Transmitted);
        Assert.Equal(0, cache.ParkedCount);
        Assert.True(cache.TryLookup(Neighbor, At(0.7), out EthernetAddress mac));
        Assert.Equal(NeighborMac, mac);
        Assert.Null(cache.PollAt());
        cache.Poll(At(5), _host);
        Assert.Single(_host.Requests);
        Assert.Empty(_host.Unreachable);
    }

    [Fact]
    public void ArpCacheSendToAResolvedAddressTransmitsAtOnce()
    {
        var cache = new ArpCache();
        cache.Update(At(0), Neighbor, NeighborMac, create: true, _host);

        cache.Send(At(1), Neighbor, RecordingArpCacheHost.Frame(9), _host);

        Assert.Equal([(At(1), NeighborMac, 9)], _host.Transmitted);
        Assert.Empty(_host.Requests);
        Assert.Equal(0, cache.ParkedCount);
    }

    [Fact]
    public void ArpCacheUpdateWithoutCreateDoesNotAddAnUnknownAddress()
    {
        var cache = new ArpCache();

        cache.Update(At(0), Neighbor, NeighborMac, create: false, _host);

        Assert.Equal(0, cache.Count);
        Assert.False(cache.TryLookup(Neighbor, At(0), out _));
    }

    [Fact]
    public void ArpCacheUpdateWithoutCreateUpdatesAKnownAddressAndRefreshesIt()
    {
        var cache = new ArpCache();
        cache.Update(At(0), Neighbor, NeighborMac, create: true, _host);

        cache.Update(At(30), Neighbor, NewMac, create: false, _host);

        Assert.True(cache.TryLookup(Neighbor, At(89), out EthernetAddress mac));
        Assert.Equal(NewMac, mac);
        Assert.False(cache.TryLookup(Neighbor, At(90), out _));
    }

    [Fact]
    public void ArpCacheUpdateWithoutCreateResolvesAnAddressBeingResolved()
    {
        var cache = new ArpCache();
        cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);

        cache.Update(At(0.2), Neighbor, NeighborMac, create: false, _host);

        Assert.Equal([(At(0.2), NeighborMac, 1)], _host.Transmitted);
        Assert.True(cache.TryLookup(Neighbor, At(0.2), out _));
    }

    [Theory]
    [InlineData("255.255.255.255", "02:00:00:00:00:02")]
    [InlineData("0.0.0.0", "02:00:00:00:00:02")]
    [InlineData("224.0.0.1", "02:00:00:00:00:02")]
    [InlineData("10.0.0.101", "ff:ff:ff:ff:ff:ff")]
    [InlineData("10.0.0.101", "01:00:5e:00:00:01")]
    [InlineData("10.0.0.101", "00:00:00:00:00:00")]
    public void ArpCacheIgnoresAMappingThatIsNotUnicastOnBothSides(string address, string mac)
    {
        var cache = new ArpCache();

        cache.Update(At(0), Ipv4Address.Parse(address), EthernetAddress.Parse(mac), create: true, _host);

        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void ArpCacheEntriesExpireAfterSixtySeconds()
    {
        var cache = new ArpCache();
        cache.Update(At(0), Neighbor, NeighborMac, create: true, _host);

        Assert.True(cache.TryLookup(Neighbor, At(59.999999), out _));
        Assert.False(cache.TryLookup(Neighbor, At(60), out _));
        Assert.Empty(cache.ResolvedEntries(At(60)));

        // Past its lifetime the entry is still used, and verified with a unicast poll (RFC 1122 §2.3.2.1).
        cache.Send(At(60), Neighbor, RecordingArpCacheHost.Frame(1), _host);

        Assert.Empty(_host.Requests);
        Assert.Equal([(At(60), Neighbor)], _host.UnicastPolls);
        Assert.Equal([(At(60), NeighborMac, 1)], _host.Transmitted);
        Assert.Equal(0, cache.ParkedCount);
    }

    [Fact]
    public void ArpCacheStaleEntryThatAnswersNoPollFailsAndTrafficResolvesAnew()
    {
        var cache = new ArpCache();
        cache.Update(At(0), Neighbor, NeighborMac, create: true, _host);
        cache.Send(At(60), Neighbor, RecordingArpCacheHost.Frame(1), _host);
        cache.Poll(At(61), _host);
        cache.Poll(At(62), _host);
        Assert.Equal(3, _host.UnicastPolls.Count);
        cache.Poll(At(63), _host); // the third poll went unanswered: the entry fails

        cache.Send(At(64.5), Neighbor, RecordingArpCacheHost.Frame(2), _host);
        Assert.Equal([(At(64.5), Neighbor)], _host.Requests); // broadcast resolution, frame parked
        Assert.Equal(1, cache.ParkedCount);
    }

    [Fact]
    public void ArpCacheStaleEntryIsFreshAgainWhenThePollIsAnswered()
    {
        var cache = new ArpCache();
        cache.Update(At(0), Neighbor, NeighborMac, create: true, _host);
        cache.Send(At(60), Neighbor, RecordingArpCacheHost.Frame(1), _host);
        cache.Update(At(60.01), Neighbor, NeighborMac, create: false, _host);
        Assert.True(cache.TryLookup(Neighbor, At(119), out _));
        cache.Poll(At(61), _host);
        Assert.Single(_host.UnicastPolls);
    }

    [Fact]
    public void ArpCacheListsOnlyFreshResolvedEntries()
    {
        var cache = new ArpCache();
        cache.Update(At(0), Neighbor, NeighborMac, create: true, _host);
        cache.Update(At(30), Other, NewMac, create: true, _host);
        cache.Send(At(30), new Ipv4Address(10, 0, 0, 7), RecordingArpCacheHost.Frame(1), _host);

        Assert.Equal([(Other, NewMac), (Neighbor, NeighborMac)], cache.ResolvedEntries(At(30)).OrderBy(e => e.Address.Value));
        Assert.Equal([(Other, NewMac)], cache.ResolvedEntries(At(60)));
    }

    [Fact]
    public void ArpCacheParksTheLatestMaxParkedPerEntryFramesAndDropsTheOldestUnannounced()
    {
        var cache = new ArpCache(new ArpCacheOptions { MaxParkedPerEntry = 4 });

        for (int i = 1; i <= 6; i++)
        {
            cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(i), _host);
        }

        // RFC 1122 §2.3.2.2 keeps the latest; the neighbour has not failed, so no sender hears "unreachable".
        Assert.Equal(4, cache.ParkedCount);
        Assert.Equal([1, 2], _host.PushedOut);
        Assert.Empty(_host.Unreachable);
        Assert.Single(_host.Requests);

        cache.Update(At(0.5), Neighbor, NeighborMac, create: true, _host);
        Assert.Equal([3, 4, 5, 6], _host.Transmitted.Select(t => t.Frame));
    }

    [Fact]
    public void ArpCacheParksAtMostMaxParkedTotalAcrossAddresses()
    {
        var cache = new ArpCache(new ArpCacheOptions { MaxParkedPerEntry = 3, MaxParkedTotal = 4 });
        Ipv4Address third = new(10, 0, 0, 3);

        for (int i = 1; i <= 3; i++)
        {
            cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(i), _host);
        }
        for (int i = 4; i <= 6; i++)
        {
            cache.Send(At(0), Other, RecordingArpCacheHost.Frame(i), _host);
        }
        cache.Send(At(0), third, RecordingArpCacheHost.Frame(7), _host);

        // The second address got the one free place, then traded its oldest for its newest; the third parks
        // nothing, but is still asked for. Nobody hears "unreachable": no neighbour has failed.
        Assert.Equal(4, cache.ParkedCount);
        Assert.Equal([4, 5, 7], _host.PushedOut);
        Assert.Empty(_host.Unreachable);
        Assert.Equal([Neighbor, Other, third], _host.Requests.Select(r => r.Target));

        cache.Update(At(0.5), Neighbor, NeighborMac, create: true, _host);
        cache.Update(At(0.5), Other, NewMac, create: true, _host);
        Assert.Equal([1, 2, 3, 6], _host.Transmitted.Select(t => t.Frame));
        Assert.Equal(0, cache.ParkedCount);
    }

    [Fact]
    public void ArpCacheParkedFramesStayBoundedUnderAFloodFromManyUnresolvedAddresses()
    {
        ArpCacheOptions options = new();
        var cache = new ArpCache(options);

        // A SYN flood's replies to every address of a /16 that never answers ARP, ten each.
        for (int round = 0; round < 10; round++)
        {
            for (uint i = 1; i <= 2000; i++)
            {
                cache.Send(At(round * 0.01), new Ipv4Address(0x0A00_0000u + i), RecordingArpCacheHost.Frame((int)i), _host);
                Assert.True(cache.ParkedCount <= options.MaxParkedTotal);
            }
        }

        Assert.Equal(options.MaxParkedTotal, cache.ParkedCount);
        Assert.True(cache.Count <= options.MaxEntries);
    }

    [Fact]
    public void ArpCacheDefaultParkedLimitHoldsAtLeastOneFrame()
    {
        // RFC 1122 §2.3.2.2: save at least one (the latest) packet per unresolved destination.
        Assert.True(new ArpCacheOptions().MaxParkedPerEntry >= 1);
    }

    [Fact]
    public void ArpCacheMaxEntriesHoldsUnderTenThousandResolvingAddresses()
    {
        var cache = new ArpCache(new ArpCacheOptions { MaxEntries = 64 });

        for (int i = 0; i < 10_000; i++)
        {
            cache.Send(At(i * 0.0001), new Ipv4Address(0x0A00_0000u + (uint)i + 1), RecordingArpCacheHost.Frame(i), _host);
            Assert.True(cache.Count <= 64);
        }

        Assert.Equal(64, cache.Count);
        Assert.Equal(64, cache.ParkedCount);
        Assert.Equal(64, _host.Requests.Count);
        Assert.Equal(10_000 - 64, _host.Unreachable.Count);
    }

    [Fact]
    public void ArpCacheMaxEntriesHoldsUnderTenThousandLearnedAddressesByEvictingTheOldest()
    {
        var cache = new ArpCache(new ArpCacheOptions { MaxEntries = 64 });

        for (int i = 0; i < 10_000; i++)
        {
            cache.Update(At(i * 0.001), new Ipv4Address(0x0A00_0000u + (uint)i + 1), NeighborMac, create: true, _host);
            Assert.True(cache.Count <= 64);
        }

        Assert.Equal(64, cache.Count);
        // The newest address is known, the first long gone.
        Assert.True(cache.TryLookup(new Ipv4Address(0x0A00_0000u + 10_000), At(10), out _));
        Assert.False(cache.TryLookup(new Ipv4Address(0x0A00_0001u), At(10), out _));
    }

    [Fact]
    public void ArpCacheMaxEntriesHoldsUnderAMixOfLearningAndResolving()
    {
        var cache = new ArpCache(new ArpCacheOptions { MaxEntries = 32 });
        var random = new Random(826);

        for (int i = 0; i < 10_000; i++)
        {
            Instant now = At(i * 0.01);
            var address = new Ipv4Address(0x0A00_0000u + (uint)random.Next(1, 5000));
            switch (random.Next(3))
            {
                case 0:
                    cache.Send(now, address, RecordingArpCacheHost.Frame(i), _host);
                    break;
                case 1:
                    cache.Update(now, address, NeighborMac, create: random.Next(2) == 0, _host);
                    break;
                default:
                    cache.Poll(now, _host);
                    break;
            }
            Assert.True(cache.Count <= 32);
            Assert.True(cache.ParkedCount >= 0);
        }
    }

    [Fact]
    public void ArpCachePollAtReportsTheNextRequestTime()
    {
        var cache = new ArpCache();
        Assert.Null(cache.PollAt());

        cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);
        Assert.Equal(At(1), cache.PollAt());

        cache.Send(At(0.5), Other, RecordingArpCacheHost.Frame(2), _host);
        Assert.Equal(At(1), cache.PollAt());

        cache.Poll(At(1), _host);
        Assert.Equal(At(1.5), cache.PollAt());

        cache.Poll(At(1.5), _host);
        Assert.Equal(At(2), cache.PollAt());

        cache.Update(At(1.7), Neighbor, NeighborMac, create: false, _host);
        Assert.Equal(At(2.5), cache.PollAt());

        cache.Poll(At(2.5), _host);
        Assert.Equal(At(3.5), cache.PollAt()); // the give-up

        cache.Poll(At(3.5), _host);
        Assert.Null(cache.PollAt());
    }

    [Fact]
    public void ArpCacheClearDropsEveryEntryAndParkedFrame()
    {
        var cache = new ArpCache();
        cache.Send(At(0), Neighbor, RecordingArpCacheHost.Frame(1), _host);
        cache.Update(At(0), Other, NewMac, create: true, _host);

        cache.Clear();

        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.ParkedCount);
        Assert.Null(cache.PollAt());
        Assert.False(cache.TryLookup(Other, At(0), out _));
    }
}
