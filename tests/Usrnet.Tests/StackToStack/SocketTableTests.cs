using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.StackToStack;

/// <summary>
/// The socket table's promises with many connections: idle connections are on no work list, readiness
/// names only the connections something happened to, and closed connections leave the table.
/// </summary>
public sealed class SocketTableTests
{
    private const int Connections = 1000;

    [Fact]
    public void IdleConnectionsCostNoDispatchAndOnlyTheBusyOneSignals()
    {
        using TwoStacks net = new();
        TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80, backlog: Connections);
        TcpSocket[] clients = new TcpSocket[Connections];
        for (int i = 0; i < Connections; i++)
        {
            clients[i] = net.A.Sockets.CreateTcpSocket();
            clients[i].Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
            clients[i].Token = i;
        }
        Assert.True(net.RunUntil(() => listener.PendingCount == Connections, TimeSpan.FromSeconds(30)));
        // Delayed ACKs and idle buffers run out; so do heap entries left for deadlines that moved later or
        // went away (the heap keeps them, and each costs one dispatch that finds nothing to do).
        net.Advance(TimeSpan.FromSeconds(10));
        while (net.A.Sockets.TryTakeReady(out _))
        {
        }

        Assert.False(net.A.Sockets.Tcp.HasActive);
        Assert.Null(net.A.Sockets.Tcp.PollAt(net.Now)); // no keep-alive by default: nothing to wake for at all
        Assert.Equal(Connections, net.A.Sockets.Tcp.Count);

        List<TcpSocket> accepted = [];
        while (listener.TryAccept(out TcpSocket s))
        {
            accepted.Add(s);
        }
        TcpSocket busy = accepted.Single(s => s.RemoteEndpoint == clients[417].LocalEndpoint);
        busy.Send("hello"u8);
        Assert.True(net.RunUntil(() => clients[417].CanReceive, TimeSpan.FromSeconds(5)));
        List<object> ready = [];
        while (net.A.Sockets.TryTakeReady(out object token))
        {
            ready.Add(token);
        }
        Assert.Equal([417], ready); // one token, once, however many segments came

        foreach (TcpSocket c in clients)
        {
            c.Dispose();
        }
        foreach (TcpSocket s in accepted)
        {
            s.Dispose();
        }
        // Both ends closed at once: simultaneous closes end in TIME-WAIT on both sides (RFC 9293 §3.6), 2 MSL.
        net.Advance(TimeSpan.FromSeconds(70));
        Assert.Empty(net.B.Sockets.Tcp);
        Assert.Empty(net.A.Sockets.Tcp);
        listener.Dispose();
    }
}
