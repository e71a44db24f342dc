using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>RACK (RFC 8985 §6), proportional rate reduction (RFC 6937) and the RTT estimator (RFC 6298), each alone.</summary>
public class LossRecoveryPartsTests
{
    private static readonly TcpSeqNumber Start = new(5000);
    private static readonly Instant T0 = Instant.FromSeconds(1);
    private static readonly TimeSpan Rtt = TimeSpan.FromMilliseconds(20);

    private static Scoreboard FourSegmentsSentAtOnce()
    {
        Scoreboard board = new();
        for (int i = 0; i < 4; i++)
        {
            board.Append(Start + 1000 * i, 1000, fin: false, T0, 0);
        }
        return board;
    }

    [Fact]
    public void RackDeemsLostWhatWasSentBeforeTheLatestDeliveryOnceTheReorderingWindowPassed()
    {
        Scoreboard board = FourSegmentsSentAtOnce();
        Rack rack = new();
        Instant now = T0 + Rtt;
        board.MarkSacked(2);
        rack.OnDelivered(board[2], now, echo: null, minRtt: Rtt);
        TimeSpan window = rack.ReorderWindow(inRecovery: false, sackedSegments: 1, Rtt, Rtt)!.Value;
        Assert.Equal(Rtt / 4, window);
        // Segments 0 and 1 were sent before segment 2; segment 3 after it: only 0 and 1 can be lost, once RTT/4 passed.
        Assert.Equal(0, rack.DetectLoss(board, now, window, out TimeSpan timeout));
        Assert.Equal(Rtt / 4, timeout);
        Assert.Equal(2000, rack.DetectLoss(board, now + timeout, window, out timeout));
        Assert.Equal(TimeSpan.Zero, timeout);
        Assert.True(board[0].Has(SentSegmentFlags.Lost) && board[1].Has(SentSegmentFlags.Lost) && !board[3].Has(SentSegmentFlags.Lost));
    }

    [Fact]
    public void RackJudgesAResentSegmentBySegmentsSentAfterTheRetransmission()
    {
        Scoreboard board = FourSegmentsSentAtOnce();
        Rack rack = new();
        board.MarkLost(0);
        board.MarkRetransmitted(0, T0 + Rtt, 0);
        // SACKs for segments sent before the retransmission say nothing about it.
        board.MarkSacked(3);
        rack.OnDelivered(board[3], T0 + Rtt, echo: null, minRtt: Rtt);
        rack.DetectLoss(board, T0 + 10 * Rtt, TimeSpan.Zero, out _);
        Assert.True(board[0].Has(SentSegmentFlags.Retransmitted)); // its retransmission is still believed in flight
        // A segment sent after it is delivered: one RTT later the retransmission is lost too.
        board.Append(Start + 4000, 1000, fin: false, T0 + Rtt, 0);
        board.MarkSacked(4);
        rack.OnDelivered(board[4], T0 + 2 * Rtt, echo: null, minRtt: Rtt);
        Assert.Equal(1000, rack.DetectLoss(board, T0 + 2 * Rtt, TimeSpan.Zero, out _));
        Assert.Equal(0, board.NextToRetransmit(0));
    }

    [Fact]
    public void AnAckForTheOriginalOfAResentSegmentGivesRackNoRoundTrip()
    {
        Scoreboard board = FourSegmentsSentAtOnce();
        Rack rack = new();
        board.MarkRetransmitted(0, T0 + Rtt, sentTimestamp: 500);
        // RFC 8985 §6.2 step 2: the echo (400) predates the retransmission (TSval 500).
        rack.OnDelivered(board[0], T0 + Rtt + TimeSpan.FromMilliseconds(1), echo: 400, minRtt: Rtt);
        Assert.Equal(TimeSpan.Zero, rack.Rtt);
    }

    [Fact]
    public void ReorderingAndDuplicateSacksWidenTheReorderingWindow()
    {
        Scoreboard board = FourSegmentsSentAtOnce();
        Rack rack = new();
        board.MarkSacked(3);
        rack.OnDelivered(board[3], T0 + Rtt, null, Rtt);
        Assert.Equal(TimeSpan.Zero, rack.ReorderWindow(inRecovery: true, 1, Rtt, 2 * Rtt));
        board.MarkSacked(1); // delivered after a segment sent later, never resent: reordering
        rack.OnDelivered(board[1], T0 + Rtt, null, Rtt);
        Assert.True(rack.ReorderingSeen);
        Assert.Equal(Rtt / 4, rack.ReorderWindow(inRecovery: true, 1, Rtt, 2 * Rtt));
        rack.OnDuplicateSack(Start, Start + 4000);
        rack.OnDuplicateSack(Start, Start + 4000); // same round: counted once
        Assert.Equal(Rtt / 2, rack.ReorderWindow(inRecovery: true, 1, Rtt, 2 * Rtt));
        Assert.Equal(Rtt, rack.ReorderWindow(inRecovery: true, 1, 4 * Rtt, Rtt)); // never above SRTT
        Assert.Null(rack.ReorderWindow(inRecovery: false, 1, TimeSpan.MaxValue, Rtt)); // no RTT sample: time cannot judge
    }

    [Fact]
    public void PrrSendsInProportionAboveSsthreshAndSlowStartsBackBelowIt()
    {
        const int Mss = 1000;
        ProportionalRateReduction prr = new();
        prr.Start(pipe: 10 * Mss);
        // The first ACK always lets the retransmission out.
        Assert.Equal(Mss, prr.OnAck(deliveredBytes: Mss, pipe: 8 * Mss, ssthresh: 5 * Mss, Mss));
        prr.OnSent(Mss);
        // Then half of what is delivered (ssthresh / RecoverFS), rounded up.
        Assert.Equal(0, prr.OnAck(Mss, 8 * Mss, 5 * Mss, Mss));
        Assert.Equal(Mss / 2, prr.OnAck(Mss, 7 * Mss, 5 * Mss, Mss));
        // Below ssthresh (more was lost): up to ssthresh − pipe, at most one MSS over what was delivered
        // and not yet answered (4 delivered − 1 sent).
        Assert.Equal(3 * Mss, prr.OnAck(Mss, 2 * Mss, 5 * Mss, Mss));
    }

    [Fact]
    public void TheRtoFollowsTheSamplesBacksOffAndComesBack()
    {
        RttEstimator rtt = new(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60));
        Assert.Equal(TimeSpan.FromSeconds(1), rtt.Rto);
        rtt.AddSample(TimeSpan.FromMilliseconds(100));
        Assert.Equal((TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(50)), (rtt.Smoothed, rtt.Variation));
        Assert.Equal(TimeSpan.FromMilliseconds(300), rtt.Rto); // SRTT + 4·RTTVAR (RFC 6298 §2.2)
        rtt.AddSample(TimeSpan.FromMilliseconds(20));
        Assert.Equal(TimeSpan.FromMilliseconds(20), rtt.Minimum);
        TimeSpan computed = rtt.Rto;
        rtt.BackOff();
        rtt.BackOff();
        Assert.Equal(4 * computed, rtt.Rto);
        rtt.EndBackOff();
        Assert.Equal(computed, rtt.Rto);
        RttEstimator fresh = new(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60));
        fresh.ApplySynTimeoutRule();
        fresh.EndBackOff();
        Assert.Equal(TimeSpan.FromSeconds(3), fresh.Rto); // RFC 6298 §5.7
    }
}
