using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

public class KeepAliveRegressionTests
{
    private static readonly TcpSocketOptions s_keepAlive = TcpHarness.DefaultOptions with
    {
        KeepAliveIdle = TimeSpan.FromSeconds(10),
        KeepAliveInterval = TimeSpan.FromSeconds(1),
        KeepAliveProbes = 3,
    };

    [Fact]
    public void WithDataOutstandingPastTheIdleTimePollAtStillAdvances()
    {
        // Keep-alive waits while data is outstanding (RunTimers checks SND.UNA == SND.MAX and an empty
        // send buffer), but PollAt still offers _lastActivity + KeepAliveIdle, which is then in the past
        // and never moves: PollAt(now) <= now after a dispatch that sent nothing, so StackHost.PollUntil
        // waits TimeSpan.Zero and spins until the data is acknowledged or the connection times out.
        TcpHarness h = TcpHarness.Established(s_keepAlive with { MaxRetransmissions = 100, MaxRetransmissionTimeout = TimeSpan.FromSeconds(30) });
        h.Write(0, 10);
        h.Recv();
        Instant start = h.Now;
        for (int polls = 0; h.Now - start < TimeSpan.FromSeconds(15); polls++)
        {
            Assert.True(polls < 100, $"PollAt does not advance: {h.Socket}");
            h.AdvanceToPoll();
            Assert.All(h.RecvAll(), s => TcpHarness.Check(s, new Seg
            {
                Flags = TcpFlags.Ack | TcpFlags.Psh,
                Seq = h.Local(0),
                Ack = h.Remote(0),
                Payload = TcpHarness.Pattern(0, 10),
            }));
            h.ExpectNothing(); // fails: PollAt = start + 10 s <= now
        }
    }

    [Fact]
    public void AnAnsweredKeepAliveWaitsAFullIdleTimeBeforeTheNextProbe()
    {
        // RFC 1122 §4.2.3.6: "Keep-alive packets MUST only be sent when no data or acknowledgement
        // packets have been received for the connection within an interval." The peer answers the first
        // probe at 10.5 s; the next probe is due at 20.5 s. Actual: Process() resets _keepAliveProbesSent
        // but not _keepAliveDeadline, so a probe goes out at 11 s, 0.5 s after the answer.
        TcpHarness h = TcpHarness.Established(s_keepAlive);
        Instant idleSince = h.Now;
        h.Now = idleSince + TimeSpan.FromSeconds(10);
        h.Recv(new Seg { Seq = h.Local(-1), Ack = h.Remote(0) });
        h.Now = idleSince + TimeSpan.FromMilliseconds(10_500);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0) });
        h.ExpectNothing();
        Assert.Equal(idleSince + TimeSpan.FromMilliseconds(20_500), h.PollAt);
        h.Now = idleSince + TimeSpan.FromSeconds(11);
        h.ExpectNothing();
    }
}
