using System.Net.Sockets;
using System.Text;
using Usrnet.Async;
using Usrnet.Iface;
using Usrnet.Wire;

namespace Usrnet.Tests.Async;

public sealed class NetworkStackTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ClientAndServerExchangeLinesAndCloseBothWays()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        (TcpStream client, TcpStream server) = await pair.ConnectAsync().WaitAsync(Limit);
        await using (client)
        await using (server)
        {
            Assert.Equal(new Ipv4Endpoint(AsyncStackPair.AddressB, 5000), client.RemoteEndpoint);
            Assert.Equal(client.LocalEndpoint, server.RemoteEndpoint);

            await client.WriteAsync(Encoding.ASCII.GetBytes("hello\n"));
            byte[] buffer = new byte[64];
            int read = await server.ReadAsync(buffer).AsTask().WaitAsync(Limit);
            Assert.Equal("hello\n", Encoding.ASCII.GetString(buffer, 0, read));

            client.ShutdownWrite();
            Assert.Equal(0, await server.ReadAsync(buffer).AsTask().WaitAsync(Limit));
            await server.WriteAsync(Encoding.ASCII.GetBytes("bye"));
            server.ShutdownWrite();
            read = await client.ReadAsync(buffer).AsTask().WaitAsync(Limit);
            Assert.Equal("bye", Encoding.ASCII.GetString(buffer, 0, read));
            Assert.Equal(0, await client.ReadAsync(buffer).AsTask().WaitAsync(Limit));
        }
    }

    [Fact]
    public async Task ConnectToAClosedPortIsRefused()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => pair.A.ConnectAsync(new Ipv4Endpoint(AsyncStackPair.AddressB, 81)).WaitAsync(Limit));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task UdpChannelsExchangeDatagramsAndSeeThePeer()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        await using UdpChannel server = pair.B.OpenUdp(7);
        await using UdpChannel client = pair.A.OpenUdp();
        byte[] buffer = new byte[100];
        ValueTask<ReceivedDatagram> incoming = server.ReceiveAsync(buffer);
        await client.SendAsync("ping"u8.ToArray(), new Ipv4Endpoint(AsyncStackPair.AddressB, 7));
        ReceivedDatagram got = await incoming.AsTask().WaitAsync(Limit);
        Assert.Equal("ping", Encoding.ASCII.GetString(buffer, 0, got.Length));
        Assert.Equal(new Ipv4Endpoint(AsyncStackPair.AddressA, client.LocalEndpoint.Port), got.RemoteEndpoint);
    }

    [Fact]
    public async Task ContinuationsNeverRunOnTheLoopThread()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        (TcpStream client, TcpStream server) = await pair.ConnectAsync().WaitAsync(Limit);
        await using (client)
        await using (server)
        {
            // A read that has to wait completes from the loop; its continuation must not run there.
            Task<string?> continuationThread = Task.Run(async () =>
            {
                Assert.Equal(1, await server.ReadAsync(new byte[1]));
                return Thread.CurrentThread.Name;
            });
            await Task.Delay(50);
            await client.WriteAsync(new byte[] { 1 });
            Assert.NotEqual("usrnet loop", await continuationThread.WaitAsync(Limit));
        }
    }

    [Fact]
    public async Task AnExceptionInUserCodeDoesNotStopTheLoop()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        Assert.Throws<InvalidOperationException>(() => pair.A.Inspect<int>(_ => throw new InvalidOperationException("user code")));
        (TcpStream client, TcpStream server) = await pair.ConnectAsync().WaitAsync(Limit);
        await using (client)
        await using (server)
        {
            await client.WriteAsync(new byte[] { 1, 2 });
            Assert.Equal(2, await server.ReadAsync(new byte[2]).AsTask().WaitAsync(Limit));
            Assert.True(pair.A.Counters.FramesReceived > 0);
        }
    }

    [Fact]
    public async Task CountersAreACopyThatLaterTrafficLeavesAsItIs()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        InterfaceCounters before = pair.A.Counters;
        long framesBefore = before.FramesReceived;
        (TcpStream client, TcpStream server) = await pair.ConnectAsync().WaitAsync(Limit);
        await using (client)
        await using (server)
        {
            await client.WriteAsync(new byte[] { 1, 2 });
            Assert.Equal(2, await server.ReadAsync(new byte[2]).AsTask().WaitAsync(Limit));
            Assert.True(pair.A.Counters.FramesReceived > framesBefore);
            Assert.Equal(framesBefore, before.FramesReceived);
            Assert.NotSame(pair.A.Counters, pair.A.Counters);
            Assert.Null(pair.A.Gateway);
        }
    }

    [Fact]
    public async Task ConnectIsCancellableAndAbortsTheAttempt()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        // 10.0.0.3 never answers ARP: the SYN waits, so only the token can end the attempt quickly.
        using CancellationTokenSource cancel = new(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            pair.A.ConnectAsync(new Ipv4Endpoint(Ipv4Address.Parse("10.0.0.3"), 80), cancel.Token).WaitAsync(Limit));
        Assert.Equal(0, pair.A.Inspect(iface => iface.Sockets.Tcp.Count(s => s.State != Sockets.Tcp.TcpState.Closed)));
    }

    [Fact]
    public async Task StreamsCarryEveryByteBothWaysOverALossyLink()
    {
        // Loss, reordering, duplication and corruption on A's side of the link, both directions, in real time.
        await using AsyncStackPair pair = AsyncStackPair.Create(new Usrnet.Phy.FaultOptions
        {
            DropChance = 0.02, ReorderChance = 0.02, DuplicateChance = 0.01, CorruptChance = 0.01, Seed = 11,
        });
        (TcpStream client, TcpStream server) = await pair.ConnectAsync().WaitAsync(Limit);
        await using (client)
        await using (server)
        {
            byte[] up = new byte[5_000_000];
            byte[] down = new byte[5_000_000];
            new Random(1).NextBytes(up);
            new Random(2).NextBytes(down);
            Task<byte[]> serverGot = ReadToEndAsync(server);
            Task<byte[]> clientGot = ReadToEndAsync(client);
            // Bytes received by either end: on a busy machine the transfer may be slow, but it must keep moving.
            long Received() => client.Statistics.BytesReceived + server.Statistics.BytesReceived;
            await StallGuard.WaitAsync(Task.WhenAll(WriteAndCloseAsync(client, up), WriteAndCloseAsync(server, down), serverGot, clientGot), Received, "5 MB each way over a lossy link");
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(up), System.Security.Cryptography.SHA256.HashData(await serverGot));
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(down), System.Security.Cryptography.SHA256.HashData(await clientGot));
            Assert.True(client.Statistics.Retransmissions > 0, "the fault injector dropped nothing");
        }

        static async Task WriteAndCloseAsync(TcpStream stream, byte[] data)
        {
            await stream.WriteAsync(data);
            stream.ShutdownWrite();
        }

        static async Task<byte[]> ReadToEndAsync(TcpStream stream)
        {
            MemoryStream all = new();
            await stream.CopyToAsync(all);
            return all.ToArray();
        }
    }
}
