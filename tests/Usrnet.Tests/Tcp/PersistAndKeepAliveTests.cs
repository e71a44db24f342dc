using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// The persist timer for a zero window (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17) and keep-alive
/// (RFC 1122 §4.2.3.6).
/// </summary>
public class PersistAndKeepAliveTests
{
    private static readonly TcpSocketOptions s_keepAlive = TcpHarness.DefaultOptions with
    {
        KeepAliveIdle = TimeSpan.FromSeconds(10),
        KeepAliveInterval = TimeSpan.FromSeconds(1),
        KeepAliveProbes = 3,
    };

    /// <summary>An empty segment one byte below SND.UNA: the receiver must answer it with its window.</summary>
    private static Seg Probe(TcpHarness h, int una = 0) => new() { Seq = h.Local(una - 1), Ack = h.Remote(0) };

    [Fact]
    public void DataWaitingOnAZeroWindowIsProbedWithExponentialBackOff()
    {
        TcpHarness h = TcpHarness.Established(peerWindow: 0);
        h.Write(0, 100);
        h.ExpectNothing();
        Instant start = h.Now;
        Assert.Equal(start + TimeSpan.FromMilliseconds(200), h.PollAt);
        foreach (int at in new[] { 200, 600, 1400, 3000, 6200 })
        {
            h.Now = start + TimeSpan.FromMilliseconds(at - 1);
            h.ExpectNothing();
            h.Now = start + TimeSpan.FromMilliseconds(at);
            h.Recv(Probe(h));
            h.ExpectNothing();
            // The peer answers each probe: still no room.
            h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Window = 0 });
            h.ExpectNothing();
        }
        Assert.Equal(TcpState.Established, h.Socket.State);
        Assert.Equal(0, h.Stats.Timeouts);
    }

    [Fact]
    public void ThePersistIntervalIsCappedAtSixtySeconds()
    {
        TcpHarness h = TcpHarness.Established(peerWindow: 0);
        h.Write(0, 100);
        h.ExpectNothing();
        Instant last = h.Now;
        List<double> intervals = [];
        while (intervals.Count < 12)
        {
            h.AdvanceToPoll();
            h.Recv(Probe(h));
            intervals.Add((h.Now - last).TotalSeconds);
            last = h.Now;
        }
        Assert.Equal([0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 60, 60, 60], intervals.Select(i => Math.Round(i, 3)));
    }

    [Fact]
    public void AWindowUpdateEndsTheProbesAndTheDataGoesOut()
    {
        TcpHarness h = TcpHarness.Established(peerWindow: 0);
        h.Write(0, 100);
        h.ExpectNothing(); // the poll that finds the window closed starts the persist timer
        h.AdvanceToPoll();
        h.Recv(Probe(h));
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Window = 1000 });
        h.Recv(new Seg { Flags = TcpFlags.Ack | TcpFlags.Psh, Seq = h.Local(0), Ack = h.Remote(0), Payload = TcpHarness.Pattern(0, 100) });
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(100), Window = 1000 });
        Assert.Equal(h.Now + TcpSocket.BufferIdleTime, h.PollAt); // no persist timer: only the emptied send ring's give-back
        h.Advance(TcpSocket.BufferIdleTime);
        h.ExpectNothing();
        Assert.Null(h.PollAt);
    }

    [Fact]
    public void AWindowThatClosesBehindAcknowledgedDataStartsTheProbes()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 2920);
        h.RecvAll();
        h.Write(2920, 500);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(2920), Window = 0 });
        h.ExpectNothing();
        h.AdvanceMs(199);
        h.ExpectNothing();
        h.AdvanceMs(1);
        h.Recv(Probe(h, una: 2920));
    }

    [Fact]
    public void AZeroWindowWithNothingToSendIsNotProbed()
    {
        TcpHarness h = TcpHarness.Established(peerWindow: 0);
        Assert.Null(h.PollAt);
        h.Advance(TimeSpan.FromMinutes(5));
        h.ExpectNothing();
    }

    [Fact]
    public void KeepAliveIsOffByDefault()
    {
        TcpHarness h = TcpHarness.Established();
        Assert.Null(h.PollAt);
        h.Advance(TimeSpan.FromHours(3));
        h.ExpectNothing();
    }

    [Fact]
    public void AKeepAliveProbeGoesOutAfterTheIdleTime()
    {
        TcpHarness h = TcpHarness.Established(s_keepAlive);
        Instant idleSince = h.Now;
        Assert.Equal(idleSince + TimeSpan.FromSeconds(10), h.PollAt);
        h.Now = idleSince + TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1);
        h.ExpectNothing();
        h.Now = idleSince + TimeSpan.FromSeconds(10);
        // RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT − 1, no data.
        h.Recv(Probe(h));
        h.ExpectNothing();
    }

    [Fact]
    public void ReceivedDataPostponesTheKeepAlive()
    {
        TcpHarness h = TcpHarness.Established(s_keepAlive);
        h.Advance(TimeSpan.FromSeconds(5));
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Payload = [1] });
        Instant lastHeard = h.Now;
        h.AdvanceMs(40);
        h.Recv();
        h.Now = lastHeard + TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1);
        h.ExpectNothing();
        h.Now = lastHeard + TimeSpan.FromSeconds(10);
        h.Recv(Probe(h) with { Ack = h.Remote(1), Window = 65534 });
    }

    [Fact]
    public void UnansweredKeepAlivesAbortTheConnectionWithTimedOut()
    {
        TcpHarness h = TcpHarness.Established(s_keepAlive);
        Instant idleSince = h.Now;
        foreach (int second in new[] { 10, 11, 12 })
        {
            h.Now = idleSince + TimeSpan.FromSeconds(second);
            h.Recv(Probe(h));
        }
        h.Now = idleSince + TimeSpan.FromSeconds(13) - TimeSpan.FromMilliseconds(1);
        h.ExpectNothing();
        Assert.Equal(TcpState.Established, h.Socket.State);
        h.Now = idleSince + TimeSpan.FromSeconds(13);
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.TimedOut, h.Error);
    }

    [Fact]
    public void AnAnsweredKeepAliveKeepsTheConnection()
    {
        TcpHarness h = TcpHarness.Established(s_keepAlive);
        Instant idleSince = h.Now;
        for (int round = 0; round < 10; round++)
        {
            h.AdvanceToPoll();
            h.Recv(Probe(h));
            h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0) });
        }
        Assert.Equal(TcpState.Established, h.Socket.State);
        Assert.True(h.Now - idleSince >= TimeSpan.FromSeconds(10));
    }
}
