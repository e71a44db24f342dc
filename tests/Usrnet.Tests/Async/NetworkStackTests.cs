using System.Net.Sockets;
using System.Text;
using Usrnet.Async;
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
}
