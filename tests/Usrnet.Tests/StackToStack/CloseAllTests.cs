using System.Net.Sockets;
using Usrnet.Iface;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.StackToStack;

/// <summary>
/// <see cref="Interface.CloseAll"/>: what an exiting process's stack does to its connections, as the
/// kernel does for a process's sockets — FIN after the queued data, a reset after the linger — on virtual time.
/// </summary>
public class CloseAllTests
{
    private static readonly TimeSpan s_linger = Interface.DefaultLinger;

    private static (TcpSocket Client, TcpSocket Server, TcpListenSocket Listener) Connect(TwoStacks net)
    {
        TcpListenSocket listener = net.B.Sockets.CreateTcpListenSocket();
        listener.Listen(80);
        TcpSocket client = net.A.Sockets.CreateTcpSocket();
        client.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
        Assert.True(net.RunUntil(() => listener.CanAccept, TimeSpan.FromSeconds(5)));
        Assert.True(listener.TryAccept(out TcpSocket server));
        return (client, server, listener);
    }

    /// <summary>Polls only B (A has gone silent) until <paramref name="until"/>, stopping at each of B's timers.</summary>
    private static Instant RunBAlone(TwoStacks net, Instant from, Instant until)
    {
        Instant now = from;
        while (true)
        {
            net.B.Poll(now);
            if (net.B.PollAt(now) is not { } at || at > until)
            {
                return now;
            }
            now = at > now ? at : now + TimeSpan.FromMicroseconds(1);
        }
    }

    [Fact]
    public void TheQueuedDataThenAFinReachThePeerAndNoResetFollows()
    {
        using TwoStacks net = new();
        (TcpSocket client, TcpSocket server, _) = Connect(net);
        byte[] data = new byte[150_000];
        new Random(7).NextBytes(data);
        int queued = server.Send(data);
        Assert.True(queued > 0);

        net.B.CloseAll(net.Now, s_linger);
        Assert.False(net.B.AreConnectionsClosed);
        MemoryStream received = new();
        byte[] buffer = new byte[65536];
        Assert.True(net.RunUntil(() =>
        {
            int n;
            while ((n = client.Receive(buffer)) > 0)
            {
                received.Write(buffer, 0, n);
            }
            return client.IsReceiveComplete;
        }, s_linger), $"client {client}");
        Assert.Equal(data.AsSpan(0, queued).ToArray(), received.ToArray());
        Assert.Equal(SocketError.Success, client.Error);

        // The peer closes its side when it sees the FIN: B finishes in TIME-WAIT, before the linger ends.
        client.Dispose();
        Assert.True(net.RunUntil(() => net.B.AreConnectionsClosed, TimeSpan.FromMilliseconds(100)));
        Assert.Equal(TcpState.TimeWait, server.State);
        Assert.Equal(0, net.B.Counters.TcpLingerResets);
    }

    [Fact]
    public void AConnectionWhosePeerNeverAnswersIsResetWhenTheLingerEnds()
    {
        using TwoStacks net = new();
        (TcpSocket client, TcpSocket server, _) = Connect(net);
        server.Send("last words"u8);
        Instant start = net.Now;

        // A goes silent: nothing B sends is acknowledged. B retransmits its data and FIN, then resets.
        net.B.CloseAll(start, s_linger);
        Instant before = RunBAlone(net, start, start + s_linger - TimeSpan.FromMilliseconds(1));
        Assert.False(net.B.AreConnectionsClosed);
        Assert.Equal(TcpState.FinWait1, server.State);
        Assert.True(net.B.PollAt(before) <= start + s_linger, "the linger's end is among B's timers");

        net.B.Poll(start + s_linger);
        Assert.True(net.B.AreConnectionsClosed);
        Assert.Equal(TcpState.Closed, server.State);
        Assert.Equal(1, net.B.Counters.TcpLingerResets);

        // When A is polled again it takes the data and the FIN, then the reset.
        Instant now = start + s_linger;
        net.A.Poll(now);
        Assert.Equal(TcpState.Closed, client.State);
        Assert.Equal(SocketError.ConnectionReset, client.Error);
    }

    [Fact]
    public void APeerThatReadsButNeverClosesIsResetWhenTheLingerEnds()
    {
        using TwoStacks net = new();
        (TcpSocket client, TcpSocket server, _) = Connect(net);
        net.B.CloseAll(net.Now, s_linger);
        Assert.True(net.RunUntil(() => client.IsReceiveComplete, TimeSpan.FromMilliseconds(100)));
        Assert.Equal(TcpState.FinWait2, server.State);
        Assert.Equal(TcpState.CloseWait, client.State);

        Assert.True(net.RunUntil(() => client.State == TcpState.Closed, s_linger + TimeSpan.FromMilliseconds(50)));
        Assert.True(net.B.AreConnectionsClosed);
        Assert.Equal(SocketError.ConnectionReset, client.Error);
        Assert.Equal(1, net.B.Counters.TcpLingerResets);
    }

    [Fact]
    public void UnreadDataAndUnacceptedConnectionsAreResetAtOnce()
    {
        using TwoStacks net = new();
        (TcpSocket client, _, TcpListenSocket listener) = Connect(net);
        client.Send("never read"u8);
        TcpSocket waiting = net.A.Sockets.CreateTcpSocket();
        waiting.Connect(net.Now, new Ipv4Endpoint(TwoStacks.AddressB, 80));
        Assert.True(net.RunUntil(() => listener.CanAccept && waiting.State == TcpState.Established, TimeSpan.FromSeconds(1)));

        net.B.CloseAll(net.Now, s_linger);
        net.Settle();
        Assert.True(net.B.AreConnectionsClosed);
        Assert.Equal(0, net.B.Counters.TcpLingerResets); // reset by the close itself (RFC 2525 §2.17), not by the linger
        Assert.Equal(SocketError.ConnectionReset, client.Error);
        Assert.Equal(SocketError.ConnectionReset, waiting.Error);
        Assert.False(listener.IsListening);
    }
}
