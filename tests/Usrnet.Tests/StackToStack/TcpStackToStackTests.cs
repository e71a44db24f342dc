using System.Net.Sockets;
using System.Security.Cryptography;
using Usrnet.Phy;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.StackToStack;

public class TcpStackToStackTests
{
    private static (TcpSocket Client, TcpSocket Server, TcpListenSocket Listener) Connect(TwoStacks net, TcpSocketOptions? options = null)
    {
        TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket(options);
        listener.Listen(80);
        TcpSocket client = net.A.Sockets.CreateTcpSocket(options);
        // On a lossy link a handshake can fail outright (all six SYN-ACK retransmissions, 127 s of
        // back-off, lost, or the server's half-open entry given up while the client thinks it is open):
        // like an application, try again with a new connection.
        for (int attempt = 1; ; attempt++)
        {
            client.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
            if (net.RunUntil(() => listener.CanAccept && client.State == TcpState.Established, TimeSpan.FromMinutes(3)))
            {
                break;
            }
            Assert.True(attempt < 3, $"no connection after {attempt} attempts: client {client}; listener half-open {listener.HalfOpenCount}");
            client.Abort();
            client.Dispose();
            net.Settle();
            client = net.A.Sockets.CreateTcpSocket(options);
        }
        Assert.True(listener.TryAccept(out TcpSocket server));
        Assert.Equal(TcpState.Established, server.State);
        return (client, server, listener);
    }

    /// <summary>
    /// More connects at once than ARP parks for one unresolved neighbour (200 SYNs before the first ARP reply,
    /// as HttpClient opens them): the oldest SYNs are dropped unannounced and retransmitted, so every connect
    /// completes. Reporting them "host unreachable" would end them in SYN-SENT (RFC 5461 §4.1).
    /// </summary>
    [Fact]
    public void MoreConnectsThanArpParksForOneNeighbourAllComplete()
    {
        const int Connects = 200;
        using TwoStacks net = new();
        TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80, backlog: Connects);
        TcpSocket[] clients = new TcpSocket[Connects];
        for (int i = 0; i < Connects; i++)
        {
            clients[i] = net.A.Sockets.CreateTcpSocket();
            clients[i].Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
        }

        Assert.True(
            net.RunUntil(() => clients.All(c => c.State == TcpState.Established), TimeSpan.FromSeconds(10)),
            $"established {clients.Count(c => c.State == TcpState.Established)} of {Connects}; {string.Join(", ", clients.GroupBy(c => c.State).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.True(net.A.Counters.DroppedNeighborQueueFull > 0, "the parking queue never overflowed: the test proves nothing");
        Assert.Equal(0, net.A.Counters.DroppedNeighborUnreachable);
        Assert.Equal(Connects, listener.PendingCount);
    }

    /// <summary>
    /// Sends <paramref name="data"/> one way (from <paramref name="alreadySent"/> on, the rest having been
    /// queued by the test) while draining the other end; returns what arrived.
    /// </summary>
    private static byte[] Transfer(TwoStacks net, TcpSocket sender, TcpSocket receiver, byte[] data, TimeSpan limit, int alreadySent = 0)
    {
        int sent = alreadySent;
        MemoryStream received = new();
        byte[] buffer = new byte[65536];
        Instant end = net.Now + limit;
        while (received.Length < data.Length && net.Now < end)
        {
            if (sent < data.Length)
            {
                sent += sender.Send(data.AsSpan(sent));
            }
            int n;
            while ((n = receiver.Receive(buffer)) > 0)
            {
                received.Write(buffer, 0, n);
            }
            net.Advance(TimeSpan.FromMilliseconds(1));
        }
        return received.ToArray();
    }

    [Fact]
    public void HandshakeDataBothWaysAndGracefulClose()
    {
        using TwoStacks net = new();
        (TcpSocket client, TcpSocket server, TcpListenSocket listener) = Connect(net);
        byte[] request = RandomNumberGenerator.GetBytes(100_000);
        Assert.Equal(request, Transfer(net, client, server, request, TimeSpan.FromSeconds(30)));
        byte[] response = RandomNumberGenerator.GetBytes(300_000);
        Assert.Equal(response, Transfer(net, server, client, response, TimeSpan.FromSeconds(30)));

        client.Shutdown();
        Assert.True(net.RunUntil(() => server.IsReceiveComplete, TimeSpan.FromSeconds(5)));
        Assert.Equal(TcpState.CloseWait, server.State);
        Assert.Equal(TcpState.FinWait2, client.State);
        server.Shutdown();
        Assert.True(net.RunUntil(() => client.State == TcpState.TimeWait && server.State == TcpState.Closed, TimeSpan.FromSeconds(5)));
        net.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(TcpState.Closed, client.State);
        Assert.Equal(0, client.Statistics.Retransmissions);
        listener.Dispose();
    }

    [Fact]
    public void ConnectToAClosedPortIsRefused()
    {
        using TwoStacks net = new();
        TcpSocket client = net.A.Sockets.CreateTcpSocket();
        client.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 81));
        Assert.True(net.RunUntil(() => client.State == TcpState.Closed, TimeSpan.FromSeconds(5)));
        Assert.True(client.TryTakeError(out SocketError error));
        Assert.Equal(SocketError.ConnectionRefused, error);
        Assert.Equal(1, net.B.Counters.TcpResetsSent);
    }

    [Fact]
    public void ConnectToAHostThatDoesNotAnswerArpFailsWhenArpGivesUp()
    {
        using TwoStacks net = new();
        TcpSocket client = net.A.Sockets.CreateTcpSocket();
        Instant start = net.Now;
        client.Connect(net.Now, new Ipv4Endpoint(Ipv4Address.Parse("10.0.0.77"), 80));

        // ARP's three requests a second apart go unanswered; the local "host unreachable" ends the attempt
        // in SYN-SENT (RFC 5461 §4.1, as Linux does) instead of after every SYN retransmission (~2 minutes).
        Assert.True(net.RunUntil(() => client.State == TcpState.Closed, TimeSpan.FromSeconds(10)));
        Assert.True(net.Now - start <= TimeSpan.FromSeconds(4), $"took {net.Now - start}");
        Assert.True(client.TryTakeError(out SocketError error));
        Assert.Equal(SocketError.HostUnreachable, error);
    }

    [Theory]
    [InlineData(0.00, 0)]
    [InlineData(0.01, 1)]
    [InlineData(0.05, 2)]
    [InlineData(0.10, 3)]
    public void FiftyMegabytesEachWaySurviveLossReorderingDuplicationAndCorruption(double chance, int seed)
    {
        // Corruption on one end only: each frame then passes at most one corrupting injector, so it carries
        // at most one flipped bit, which the Internet checksum always detects. Two flips can cancel out in
        // a one's-complement sum (RFC 1071); a real link's CRC catches those, and our links have none.
        FaultOptions faults = new() { DropChance = chance, CorruptChance = chance, DuplicateChance = chance / 2, ReorderChance = chance, Seed = seed };
        using TwoStacks net = new(faults, faults with { Seed = seed + 50, CorruptChance = 0 });
        (TcpSocket client, TcpSocket server, _) = Connect(net);
        byte[] data = RandomNumberGenerator.GetBytes(50_000_000);
        byte[] got = Transfer(net, client, server, data, TimeSpan.FromHours(2));
        Assert.True(data.Length == got.Length, $"got {got.Length}: client {client.State} {client.Error} {client.Statistics} server {server.State} {server.Statistics}");
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(got));
        byte[] back = Transfer(net, server, client, data, TimeSpan.FromHours(2));
        Assert.True(data.Length == back.Length, $"got back {back.Length}: server {server} {server.Statistics} client {client}");
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));
        long retransmissions = client.Statistics.Retransmissions + server.Statistics.Retransmissions;
        Assert.True(chance == 0 ? retransmissions == 0 : retransmissions > 0, $"{retransmissions} retransmissions at {chance}");
    }

    [Fact]
    public void FragmentationNeededLowersTheMssOfTheConnectionItQuotes()
    {
        // A router drops the client's full-sized segments for a while (it cannot forward them), and says
        // so: fragmentation needed, next-hop MTU 1000 (RFC 1191 §4), quoting one of them.
        bool routerDrops = false;
        uint? quotedSequence = null;
        using TwoStacks net = new(wrapA: d => new DroppingDevice(d, (_, frame) =>
        {
            if (!routerDrops || frame.Length < 1000)
            {
                return false;
            }
            quotedSequence ??= System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.Span[(EthernetHeader.Length + Ipv4Header.Length + 4)..]);
            return true;
        }));
        (TcpSocket client, TcpSocket server, _) = Connect(net);
        Assert.Equal(1448, client.Statistics.MaximumSegmentSize);
        byte[] data = RandomNumberGenerator.GetBytes(200_000);
        routerDrops = true;
        int queued = client.Send(data.AsSpan(0, 20_000));
        net.A.Poll(net.Now);
        Assert.NotNull(quotedSequence);

        // The ICMP error quotes the IPv4 header and the first 8 bytes of the dropped segment.
        byte[] quoted = new byte[Ipv4Header.Length + 8];
        new Ipv4Header(TwoStacks.AddressA, TwoStacks.AddressB, IpProtocol.Tcp, 1448 + 32) { DontFragment = true }.WriteTo(quoted);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(quoted.AsSpan(20), client.LocalEndpoint.Port);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(quoted.AsSpan(22), 80);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(quoted.AsSpan(24), quotedSequence.Value);
        SendIcmpFromB(net, IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.FragmentationNeeded, 1000), quoted);
        routerDrops = false;
        net.Settle();

        Assert.Equal(1000 - 40 - 12, client.Statistics.MaximumSegmentSize); // minus IPv4, TCP and timestamps
        Assert.Equal(data, Transfer(net, client, server, data, TimeSpan.FromSeconds(30), alreadySent: queued));
    }

    [Fact]
    public void AnIcmpErrorQuotingASequenceNumberNotOutstandingIsIgnored()
    {
        using TwoStacks net = new();
        (TcpSocket client, _, _) = Connect(net);
        long ignoredBefore = net.A.Counters.IcmpIgnored;

        // RFC 5927 §4.1: nothing is outstanding on an idle connection, so a forged error quoting any
        // sequence number changes nothing.
        byte[] quoted = new byte[Ipv4Header.Length + 8];
        new Ipv4Header(TwoStacks.AddressA, TwoStacks.AddressB, IpProtocol.Tcp, 1448 + 32) { DontFragment = true }.WriteTo(quoted);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(quoted.AsSpan(20), client.LocalEndpoint.Port);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(quoted.AsSpan(22), 80);
        SendIcmpFromB(net, IcmpV4Message.DestinationUnreachable(IcmpV4Unreachable.FragmentationNeeded, 600), quoted);
        net.Settle();

        Assert.Equal(1448, client.Statistics.MaximumSegmentSize);
        Assert.Equal(ignoredBefore + 1, net.A.Counters.IcmpIgnored);
    }

    /// <summary>Sends B → A an ICMP <paramref name="error"/> quoting <paramref name="quoted"/> (an IPv4 header and 8 bytes).</summary>
    private static void SendIcmpFromB(TwoStacks net, IcmpV4Message error, byte[] quoted)
    {
        byte[] packet = new byte[Ipv4Header.Length + IcmpV4Message.HeaderLength + quoted.Length];
        quoted.CopyTo(packet.AsSpan(Ipv4Header.Length + IcmpV4Message.HeaderLength));
        error.WriteTo(packet.AsSpan(Ipv4Header.Length));
        new Ipv4Header(TwoStacks.AddressB, TwoStacks.AddressA, IpProtocol.Icmp, packet.Length - Ipv4Header.Length).WriteTo(packet);
        using Usrnet.Sockets.RawIpv4Socket raw = net.B.Sockets.CreateRawIpv4Socket(IpProtocol.Icmp);
        raw.TrySend(packet);
        net.B.Poll(net.Now);
    }

    [Fact]
    public void DataSegmentsCarryingSackBlocksStayWithinTheMtu()
    {
        // Drop A's 30th data frame to B, so B holds out-of-order data (and SACKs it) while it sends a
        // bulk transfer of its own to A: its full-sized data segments then also carry SACK blocks.
        int dataFrames = 0;
        using TwoStacks net = new(wrapA: d => new DroppingDevice(d, (i, f) => f.Length > 1000 && ++dataFrames == 30));
        (TcpSocket client, TcpSocket server, _) = Connect(net);
        byte[] up = RandomNumberGenerator.GetBytes(400_000);
        byte[] down = RandomNumberGenerator.GetBytes(400_000);
        int upSent = 0, downSent = 0;
        MemoryStream upGot = new(), downGot = new();
        byte[] buffer = new byte[65536];
        for (int step = 0; step < 20_000 && (upGot.Length < up.Length || downGot.Length < down.Length); step++)
        {
            upSent += client.Send(up.AsSpan(upSent));
            downSent += server.Send(down.AsSpan(downSent));
            int n;
            while ((n = server.Receive(buffer)) > 0)
            {
                upGot.Write(buffer, 0, n);
            }
            while ((n = client.Receive(buffer)) > 0)
            {
                downGot.Write(buffer, 0, n);
            }
            net.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal(up, upGot.ToArray());
        Assert.Equal(down, downGot.ToArray());
        Assert.Equal(0, net.A.Counters.DroppedTooBig + net.B.Counters.DroppedTooBig);
    }
}
