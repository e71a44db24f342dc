using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// RFC 6298 §5.7 on a passive open: after our SYN-ACK timed out, with no RTT sample, data starts with a
/// 3 s RTO, as on an active open (see RetransmissionRegressionTests for that one).
/// </summary>
public class Rfc6298SynTimeoutRtoTests
{
    private static readonly TcpSocketOptions s_noTimestamps = TcpHarness.DefaultOptions with { Timestamps = false };

    [Fact]
    public void AfterTheSynAckTimedOutDataStartsWithAThreeSecondRto()
    {
        TcpHarness h = TcpHarness.SynReceived(s_noTimestamps);
        h.AdvanceToPoll();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, h.Recv().Flags); // the SYN-ACK again, after 1 s
        h.AdvanceMs(50);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0) });
        Assert.Equal(TcpState.Established, h.Socket.State);
        Assert.Null(h.Stats.SmoothedRtt); // Karn: the retransmitted SYN-ACK gave no sample
        Assert.Equal(TimeSpan.FromSeconds(3), h.Stats.RetransmissionTimeout);

        // The first data segment is resent 3 s after it went, not 1 s.
        h.Write(0, 100);
        h.Recv();
        Instant sent = h.Now;
        h.AdvanceToPoll();
        Assert.Equal(TimeSpan.FromSeconds(3), h.Now - sent);
        Assert.Equal(h.Local(0), h.Recv().Seq);
    }

    [Fact]
    public void WithoutATimeoutTheHandshakeSampleSetsTheRto()
    {
        TcpHarness h = TcpHarness.EstablishedPassive(s_noTimestamps);
        Assert.NotNull(h.Stats.SmoothedRtt);
        Assert.Equal(TcpHarness.DefaultOptions.MinRetransmissionTimeout, h.Stats.RetransmissionTimeout); // a 0 ms sample
    }
}
