using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// Loss recovery segment by segment: RACK's reordering timer (RFC 8985 §6.2), the tail loss probe in
/// recovery, D-SACK undoing a needless reduction (RFC 2883, RFC 3708), and no second fast recovery
/// after a timeout until the cumulative ACK passes the recovery point (RFC 6675 §5.1).
/// </summary>
public class RackTlpTests
{
    private const int Mss = 1460;
    private const int RttMs = 100;

    private static readonly TcpOptions s_sackPeer = new() { MaximumSegmentSize = Mss, SackPermitted = true };

    private static Seg Data(TcpHarness h, int offset, int length, TcpFlags flags = TcpFlags.Ack) =>
        new() { Flags = flags, Seq = h.Local(offset), Ack = h.Remote(0), Payload = TcpHarness.Pattern(offset, length) };

    private static Seg Sack(TcpHarness h, int ackSegments, params (int From, int To)[] segments) => new()
    {
        Seq = h.Remote(0),
        Ack = h.Local(ackSegments * Mss),
        Options = new TcpOptions { SackBlocks = TcpSackBlocks.Create([.. segments.Select(b => new TcpSackBlock(h.Local(b.From * Mss), h.Local(b.To * Mss)))]) },
    };

    /// <summary>Ten segments in flight to a SACK peer, with an RTT of 100 ms measured on the handshake.</summary>
    private static TcpHarness TenSegmentsInFlight()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackPeer, rttMs: RttMs);
        h.Write(0, 10 * Mss);
        Assert.Equal(10, h.RecvAll().Count);
        return h;
    }

    [Fact]
    public void OneSackedSegmentResendsTheHoleAfterAQuarterOfTheMinimumRtt()
    {
        TcpHarness h = TenSegmentsInFlight();
        h.SendNoReset(Sack(h, 0, (1, 2)));
        h.ExpectNothing(); // it may be reordering: RACK waits min_RTT / 4
        Assert.Equal(h.Now + TimeSpan.FromMilliseconds(RttMs / 4), h.PollAt);
        h.AdvanceMs(RttMs / 4);
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        Assert.Equal((1, 1, 0L), (h.Stats.RackLossDetections, h.Stats.FastRetransmits, h.Stats.Timeouts));
    }

    [Fact]
    public void WhenTheLastAckOfARecoveryIsLostAProbeFindsItBeforeTheTimer()
    {
        TcpHarness h = TenSegmentsInFlight();
        h.SendNoReset(Sack(h, 0, (1, 4)));
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.SendNoReset(Sack(h, 0, (1, 10)));
        h.RecvAll();
        // The resent segment 0 arrives, but the ACK saying so is lost. PTO = 2·SRTT after the retransmission.
        h.AdvanceToPoll();
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        Assert.Equal((1L, 0L), (h.Stats.TailLossProbes, h.Stats.Timeouts));
        h.SendNoReset(Sack(h, 10));
        Assert.Equal(0, h.Socket.BytesUnacknowledged);
    }

    [Fact]
    public void ADuplicateSackForTheOnlyRetransmissionUndoesTheReduction()
    {
        TcpHarness h = TenSegmentsInFlight();
        int before = h.Stats.CongestionWindow;
        h.SendNoReset(Sack(h, 0, (1, 4)));
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        Assert.Equal(5 * Mss, h.Stats.SlowStartThreshold);
        // Segment 0 was only late: the ACK covers everything and D-SACKs the copy (RFC 2883 §4, a block below the ACK).
        h.SendNoReset(Sack(h, 10, (0, 1)));
        Assert.Equal((1L, 1L), (h.Stats.DuplicateSacksReceived, h.Stats.RecoveriesUndone));
        Assert.True(h.Stats.CongestionWindow >= before, $"cwnd {h.Stats.CongestionWindow} < {before}");
        Assert.Equal(int.MaxValue, h.Stats.SlowStartThreshold);
    }

    [Fact]
    public void AfterATimeoutSacksResendTheHolesWithoutASecondReduction()
    {
        TcpHarness h = TenSegmentsInFlight();
        h.AdvanceToPoll(); // the tail loss probe resends segment 9
        h.Recv(Data(h, 9 * Mss, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.AdvanceToPoll(); // then the timer: segment 0 again, cwnd one segment
        h.Recv(Data(h, 0, Mss));
        Assert.Equal(1, h.Stats.Timeouts);
        int ssthresh = h.Stats.SlowStartThreshold;
        // The peer had 2-9: SACKed, they are not resent; 1 is resent as cwnd grows, with no fast recovery.
        h.SendNoReset(Sack(h, 1, (2, 10)));
        h.Recv(Data(h, Mss, Mss));
        h.ExpectNothing();
        Assert.Equal((0, ssthresh), (h.Stats.FastRetransmits, h.Stats.SlowStartThreshold));
        h.SendNoReset(Sack(h, 10));
        Assert.Equal(0, h.Socket.BytesUnacknowledged);
    }
}
