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

    [Fact]
    public void CollectsOnceAQuietPeriodAfterTheConnectionsFell()
    {
        int collections = 0;
        MemoryGiveBack giveBack = new(() => collections++);

        giveBack.Observe(Start, 10_000);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(10), 0);

        Assert.Equal(Start + TimeSpan.FromMilliseconds(10) + MemoryGiveBack.QuietPeriod, giveBack.PollAt);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(500), 0);
        Assert.Equal(0, collections);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(10) + MemoryGiveBack.QuietPeriod, 0);
        Assert.Equal(1, collections);
        Assert.Equal(1, giveBack.Collections);
        Assert.Null(giveBack.PollAt);

        // The peak starts again from what is left: staying at zero collects no more.
        giveBack.Observe(Start + TimeSpan.FromSeconds(10), 0);
        giveBack.Observe(Start + TimeSpan.FromSeconds(20), 0);
        Assert.Equal(1, collections);
    }

    [Fact]
    public void FewConnectionsClosingOrAQuarterStillOpenCollectNothing()
    {
        int collections = 0;
        MemoryGiveBack giveBack = new(() => collections++);

        giveBack.Observe(Start, MemoryGiveBack.MinimumClosed - 1);
        giveBack.Observe(Start + TimeSpan.FromSeconds(1), 0); // fewer than MinimumClosed closed
        Assert.Null(giveBack.PollAt);

        giveBack.Observe(Start + TimeSpan.FromSeconds(2), 8000);
        giveBack.Observe(Start + TimeSpan.FromSeconds(3), 2001); // more than a quarter still open
        giveBack.Observe(Start + TimeSpan.FromSeconds(10), 2001);
        Assert.Null(giveBack.PollAt);
        Assert.Equal(0, collections);
    }

    [Fact]
    public void ConnectionsComingBackBeforeTheQuietPeriodEndsCancelTheCollection()
    {
        int collections = 0;
        MemoryGiveBack giveBack = new(() => collections++);

        giveBack.Observe(Start, 4000);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(100), 500);
        Assert.NotNull(giveBack.PollAt);
        giveBack.Observe(Start + TimeSpan.FromMilliseconds(600), 3000); // a new burst of connections
        Assert.Null(giveBack.PollAt);
        giveBack.Observe(Start + TimeSpan.FromSeconds(5), 3000);
        Assert.Equal(0, collections);

        // They close for good later: counted from when they fell again.
        giveBack.Observe(Start + TimeSpan.FromSeconds(6), 0);
        giveBack.Observe(Start + TimeSpan.FromSeconds(6) + MemoryGiveBack.QuietPeriod, 0);
        Assert.Equal(1, collections);
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
        MemoryLink.CreatePair(out IDevice clientDevice, out IDevice serverDevice);
        using Interface client = new(clientDevice, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:01"), Address = Ipv4Cidr.Parse("192.0.2.1/24"), Seed = 1 });
        using InterfaceRunner runner = new(
            new Interface(serverDevice, new InterfaceOptions { HardwareAddress = EthernetAddress.Parse("02:00:00:00:00:02"), Address = Ipv4Cidr.Parse("192.0.2.2/24"), Seed = 2 }),
            new InterfaceRunnerOptions { GiveBackMemory = giveBackMemory });
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
        return runner.MemoryGiveBacks;
    }
}
