using Usrnet.Hosting;
using Usrnet.Iface;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Hosting;

/// <summary>
/// When <see cref="MemoryGiveBack"/> asks for its collection: only after many connections closed (a quarter
/// of the peak left, at least <see cref="MemoryGiveBack.MinimumClosed"/> fewer), and only once the count has
/// stayed down for <see cref="MemoryGiveBack.QuietPeriod"/>.
/// </summary>
public sealed class MemoryGiveBackTests
{
    private static readonly Instant Start = Instant.FromSeconds(100);

    /// <summary>How long a collection takes in these tests: 0.5 s, a heap of a few GiB.</summary>
    private static readonly TimeSpan CollectionTime = TimeSpan.FromMilliseconds(500);

    private static TimeSpan Collect(ref int collections)
    {
        collections++;
        return CollectionTime;
    }

    /// <summary>A heap with nothing committed beyond what is live: only closing connections can collect.</summary>
    private static readonly Func<HeapFigures> NoSlack = () => new HeapFigures(100L << 20, 100L << 20, AllocatedBytes: 0);

    /// <summary>A heap after a burst of requests: 122 MiB live in 231 MiB committed, as measured under usrnet serve.</summary>
    private static readonly Func<HeapFigures> BurstSlack = () => new HeapFigures(122L << 20, 231L << 20, AllocatedBytes: 0);

    [Fact]
    public void CollectsOnceAQuietPeriodAfterTheConnectionsFell()
    {
        int collections = 0;
        MemoryGiveBack giveBack = new(() => Collect(ref collections), NoSlack);

        giveBack.Observe(Start, 10_000, frames: 0);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(10), 0, frames: 0);

        Assert.Equal(Start + TimeSpan.FromMilliseconds(10) + MemoryGiveBack.QuietPeriod, giveBack.PollAt);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(500), 0, frames: 0);
        Assert.Equal(0, collections);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(10) + MemoryGiveBack.QuietPeriod, 0, frames: 0);
        Assert.Equal(1, collections);
        Assert.Equal(1, giveBack.Collections);
        Assert.Null(giveBack.PollAt);

        // The peak starts again from what is left: staying at zero collects no more.
        giveBack.Observe(Start + TimeSpan.FromSeconds(10), 0, frames: 0);
        giveBack.Observe(Start + TimeSpan.FromSeconds(20), 0, frames: 0);
        Assert.Equal(1, collections);
    }

    [Fact]
    public void FewConnectionsClosingOrAQuarterStillOpenCollectNothing()
    {
        int collections = 0;
        MemoryGiveBack giveBack = new(() => Collect(ref collections), NoSlack);

        giveBack.Observe(Start, MemoryGiveBack.MinimumClosed - 1, frames: 0);
        giveBack.Observe(Start + TimeSpan.FromSeconds(1), 0, frames: 0); // fewer than MinimumClosed closed
        Assert.Null(giveBack.PollAt);

        giveBack.Observe(Start + TimeSpan.FromSeconds(2), 8000, frames: 0);
        giveBack.Observe(Start + TimeSpan.FromSeconds(3), 2001, frames: 0); // more than a quarter still open
        giveBack.Observe(Start + TimeSpan.FromSeconds(10), 2001, frames: 0);
        Assert.Null(giveBack.PollAt);
        Assert.Equal(0, collections);
    }

    [Fact]
    public void ConnectionsComingBackBeforeTheQuietPeriodEndsCancelTheCollection()
    {
        int collections = 0;
        MemoryGiveBack giveBack = new(() => Collect(ref collections), NoSlack);

        giveBack.Observe(Start, 4000, frames: 0);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(100), 500, frames: 0);
        Assert.NotNull(giveBack.PollAt);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(600), 3000, frames: 0); // a new burst of connections
        Assert.Null(giveBack.PollAt);
        giveBack.Observe(Start + TimeSpan.FromSeconds(5), 3000, frames: 0);
        Assert.Equal(0, collections);

        // They close for good later: counted from when they fell again.
        giveBack.Observe(Start + TimeSpan.FromSeconds(6), 0, frames: 0);
        giveBack.Observe(Start + TimeSpan.FromSeconds(6) + MemoryGiveBack.QuietPeriod, 0, frames: 0);
        Assert.Equal(1, collections);
    }

    [Fact]
    public void AProcessQuietForTwoPeriodsWithSlackInTheHeapCollectsOnce()
    {
        int collections = 0;
        MemoryGiveBack giveBack = new(() => Collect(ref collections), BurstSlack);

        giveBack.Observe(Start, 10_000, frames: 40_000);
        Assert.Equal(Start + MemoryGiveBack.QuietPeriod, giveBack.PollAt);
        Instant lastFrame = Start + TimeSpan.FromMilliseconds(500);
        giveBack.Observe(lastFrame, 10_000, frames: 40_002); // traffic: the silence starts again
        Assert.Equal(lastFrame + MemoryGiveBack.QuietPeriod, giveBack.PollAt);
        giveBack.Observe(Start + MemoryGiveBack.QuietPeriod, 10_000, frames: 40_002);

        // A period of silence on the link, then a period of little allocation.
        giveBack.Observe(lastFrame + MemoryGiveBack.QuietPeriod, 10_000, frames: 40_002);
        Assert.Equal(0, collections);
        Assert.Equal(lastFrame + (MemoryGiveBack.QuietPeriod * 2), giveBack.PollAt);
        giveBack.Observe(lastFrame + (MemoryGiveBack.QuietPeriod * 2), 10_000, frames: 40_002);
        Assert.Equal(1, collections);
        Assert.Null(giveBack.PollAt);
        giveBack.Observe(Start + TimeSpan.FromSeconds(20), 10_000, frames: 40_002); // still silent: nothing more to give
        Assert.Equal(1, collections);
    }

    [Fact]
    public void AnApplicationStillAllocatingAfterTheLinkFellSilentDefersTheCollection()
    {
        int collections = 0;
        long allocated = 0;
        MemoryGiveBack giveBack = new(() => Collect(ref collections), () =>
        {
            allocated += MemoryGiveBack.QuietAllocationBytes; // answers being built
            return BurstSlack() with { AllocatedBytes = allocated };
        });

        giveBack.Observe(Start, 10_000, frames: 1);
        Instant at = Start;
        for (int period = 1; period <= 5; period++)
        {
            at = Start + (MemoryGiveBack.QuietPeriod * period);
            giveBack.Observe(at, 10_000, frames: 1);
            Assert.Equal(at + MemoryGiveBack.QuietPeriod, giveBack.PollAt);
        }
        Assert.Equal(0, collections);
    }

    [Fact]
    public void AQuietProcessWithLittleSlackCollectsNothingAndStopsAsking()
    {
        (long Live, long Committed)[] heaps =
        [
            (10L << 20, 40L << 20),   // 30 MiB of slack: below MinimumSlackBytes
            (400L << 20, 480L << 20), // 80 MiB beyond 400 live: less than a quarter
        ];
        foreach ((long live, long committed) in heaps)
        {
            int collections = 0;
            int measured = 0;
            MemoryGiveBack giveBack = new(() => Collect(ref collections), () =>
            {
                measured++;
                return new HeapFigures(live, committed, AllocatedBytes: 0);
            });

            giveBack.Observe(Start, 100, frames: 7);
            giveBack.Observe(Start + MemoryGiveBack.QuietPeriod, 100, frames: 7);
            giveBack.Observe(Start + (MemoryGiveBack.QuietPeriod * 2), 100, frames: 7);
            Assert.Equal(2, measured);
            Assert.Null(giveBack.PollAt); // no deadline left in the past: the runner sleeps
            giveBack.Observe(Start + TimeSpan.FromSeconds(60), 100, frames: 7);
            Assert.Equal(2, measured);
            Assert.Equal(0, collections);
        }
    }

    [Fact]
    public void BurstsSoonAfterAGiveBackWaitUntilGiveBacksTakeATenthOfTheTime()
    {
        int collections = 0;
        MemoryGiveBack giveBack = new(() => Collect(ref collections), BurstSlack);
        giveBack.Observe(Start, 50, frames: 1);
        giveBack.Observe(Start + MemoryGiveBack.QuietPeriod, 50, frames: 1);
        Instant first = Start + (MemoryGiveBack.QuietPeriod * 2);
        giveBack.Observe(first, 50, frames: 1);
        Assert.Equal(1, collections);

        Instant burst = first + TimeSpan.FromSeconds(1);
        giveBack.Observe(burst, 50, frames: 1000);
        giveBack.Observe(burst + MemoryGiveBack.QuietPeriod, 50, frames: 1000);
        Assert.Equal(1, collections);
        Instant allowed = first + (CollectionTime * MemoryGiveBack.SlackCostShare);
        Assert.Equal(allowed, giveBack.PollAt);
        giveBack.Observe(allowed, 50, frames: 1000);
        giveBack.Observe(allowed + MemoryGiveBack.QuietPeriod, 50, frames: 1000);
        Assert.Equal(2, collections);
    }

    [Fact]
    public void ARunnerWithGiveBackMemoryCollectsOnceAfterItsConnectionsClosedAndOneWithoutItNever()
    {
        Assert.Equal(1, CloseConnectionsAndCountCollections(giveBackMemory: true));
        Assert.Equal(0, CloseConnectionsAndCountCollections(giveBackMemory: false));
    }

    /// <summary>
    /// A client interface opens <see cref="MemoryGiveBack.MinimumClosed"/> connections to a runner's
    /// interface over the in-memory link on virtual time, then closes them all; returns the runner's
    /// collections after the quiet period, checking its deadline included the give-back's.
    /// </summary>
    private static int CloseConnectionsAndCountCollections(bool giveBackMemory)
    {
        const int Connections = MemoryGiveBack.MinimumClosed;
        const int Batch = 100; // below what the link queues and ARP parks at once
        int ownerTrims = 0;
        MemoryLink.CreatePair(out IDevice clientDevice, out IDevice serverDevice);
        using Interface client = new(clientDevice, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01"), Address = Ipv4Cidr.Parse("192.0.2.1/24"), Seed = 1 });
        using InterfaceRunner runner = new(
            new Interface(serverDevice, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = Ipv4Cidr.Parse("192.0.2.2/24"), Seed = 2 }),
            new InterfaceRunnerOptions { GiveBackMemory = giveBackMemory, GiveBackHeap = NoSlack })
        {
            TrimOnGiveBack = () => ownerTrims++,
        };
        using TcpListenSocket listener = runner.Interface.Sockets.CreateTcpListenSocket();
        listener.Listen(7, backlog: Connections);
        Instant now = Instant.FromSeconds(1000);
        void Run(TimeSpan duration)
        {
            Instant end = now + duration;
            while (true)
            {
                while (client.Poll(now) | runner.Poll(now))
                {
                }
                if (Instant.Min(client.PollAt(now), runner.PollAt(now)) is not { } next || next > end)
                {
                    break;
                }
                now = next > now ? next : now + TimeSpan.FromMicroseconds(1);
            }
            now = end;
        }

        List<TcpSocket> clients = [];
        List<TcpSocket> servers = [];
        Ipv4Endpoint server = new(Ipv4Address.Parse("192.0.2.2"), 7);
        while (clients.Count < Connections)
        {
            for (int i = 0; i < Batch; i++)
            {
                TcpSocket socket = client.Sockets.CreateTcpSocket();
                socket.Connect(now, server);
                clients.Add(socket);
            }
            Run(TimeSpan.FromMilliseconds(1));
            while (listener.TryAccept(out TcpSocket? accepted))
            {
                servers.Add(accepted);
            }
        }
        Run(TimeSpan.FromSeconds(1)); // the last handshakes, and ARP's retries for SYNs it parked
        while (listener.TryAccept(out TcpSocket? accepted))
        {
            servers.Add(accepted);
        }
        Assert.Equal(Connections, servers.Count);
        Assert.All(servers, s => Assert.Equal(TcpState.Established, s.State));

        // The clients close first (they keep TIME-WAIT); the runner's side closes from CLOSE-WAIT and keeps nothing.
        clients.ForEach(socket => socket.Dispose());
        Run(TimeSpan.FromMilliseconds(100));
        servers.ForEach(socket => socket.Dispose());
        Run(TimeSpan.FromMilliseconds(100));
        Assert.Empty(runner.Interface.Sockets.Tcp);
        Assert.Equal(0, runner.MemoryGiveBacks);
        if (giveBackMemory)
        {
            Assert.True(runner.PollAt(now) <= now + MemoryGiveBack.QuietPeriod);
        }
        Run(MemoryGiveBack.QuietPeriod);
        Assert.Equal(runner.MemoryGiveBacks, ownerTrims); // the owner's collections are trimmed at each give-back
        return runner.MemoryGiveBacks;
    }
}
