using Usrnet.Async;
using Usrnet.Sockets;
using Usrnet.Wire;

namespace Usrnet.Tests.Async;

public sealed class EphemeralListenPortTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ListeningOnPortZeroPicksDistinctFreeEphemeralPortsThatAcceptConnections()
    {
        await using AsyncStackPair pair = AsyncStackPair.Create();
        using TcpStreamListener first = pair.B.ListenTcp(0);
        using TcpStreamListener second = pair.B.ListenTcp(0);

        Assert.InRange(first.LocalEndpoint.Port, SocketSet.EphemeralPortFirst, SocketSet.EphemeralPortLast);
        Assert.InRange(second.LocalEndpoint.Port, SocketSet.EphemeralPortFirst, SocketSet.EphemeralPortLast);
        Assert.NotEqual(first.LocalEndpoint.Port, second.LocalEndpoint.Port);

        ValueTask<TcpStream> accepted = second.AcceptAsync();
        await using TcpStream client = await pair.A.ConnectAsync(new Ipv4Endpoint(AsyncStackPair.AddressB, second.LocalEndpoint.Port)).WaitAsync(Limit);
        await using TcpStream server = await accepted.AsTask().WaitAsync(Limit);
        Assert.Equal(second.LocalEndpoint.Port, server.LocalEndpoint.Port);
        Assert.Equal(client.LocalEndpoint, server.RemoteEndpoint);
    }

    [Fact]
    public async Task PortZeroNeverPicksAPortAListenerHolds()
    {
        // 200 picks in a row from a random start: each must skip the ports the earlier ones hold.
        await using AsyncStackPair pair = AsyncStackPair.Create();
        List<TcpStreamListener> listeners = [];
        try
        {
            for (int i = 0; i < 200; i++)
            {
                listeners.Add(pair.B.ListenTcp(0));
            }
            Assert.Equal(listeners.Count, listeners.Select(l => l.LocalEndpoint.Port).Distinct().Count());
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }
}
