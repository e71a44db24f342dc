using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// The retransmission timer (RFC 6298), tail loss probes (RFC 8985 §7), fast retransmit and NewReno
/// fast recovery (RFC 5681 §3.2, RFC 6582), limited transmit (RFC 3042) and SACK recovery (RFC 6675).
/// </summary>
public class RetransmissionTests
{
    private const int Mss = 1460;

    private static Seg Data(TcpHarness h, int offset, int length, TcpFlags flags = TcpFlags.Ack) =>
        new() { Flags = flags, Seq = h.Local(offset), Ack = h.Remote(0), Payload = TcpHarness.Pattern(offset, length) };

    private static Seg AckOf(TcpHarness h, int offset, TcpOptions options = default) =>
        new() { Seq = h.Remote(0), Ack = h.Local(offset), Options = options };

    /// <summary>Ten full segments in flight, as the initial window allows, and nothing else queued.</summary>
    /// <summary>RACK-TLP needs SACK (RFC 8985 §2): the peer of the tail loss probe tests offers it.</summary>
    private static readonly TcpOptions s_sackPeer = new() { MaximumSegmentSize = Mss, SackPermitted = true };

    private static TcpHarness TenSegmentsInFlight(TcpOptions? peerSynOptions = null, int rttMs = 0)
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: peerSynOptions, rttMs: rttMs);
        h.Write(0, 10 * Mss);
        Assert.Equal(10, h.RecvAll().Count);
        return h;
    }

    [Fact]
    public void DataIsRetransmittedAtTheMinimumRtoWhenTheRttIsShort()
    {
        TcpHarness h = TcpHarness.Established();
        Assert.Equal(TimeSpan.FromMilliseconds(200), h.Stats.RetransmissionTimeout);
        h.Write(0, 100);
        Seg segment = Data(h, 0, 100, TcpFlags.Ack | TcpFlags.Psh);
        h.Recv(segment);
        Instant sent = h.Now;
        Assert.Equal(sent + TimeSpan.FromMilliseconds(200), h.PollAt);
        h.AdvanceMs(199);
        h.ExpectNothing();
        h.AdvanceMs(1);
        h.Recv(segment);
        h.ExpectNothing();
        Assert.Equal(1, h.Stats.Timeouts);
        Assert.Equal(1, h.Stats.Retransmissions);
        // RFC 5681 §3.1: loss window of one segment, ssthresh = max(FlightSize / 2, 2·SMSS).
        Assert.Equal(Mss, h.Stats.CongestionWindow);
        Assert.Equal(2 * Mss, h.Stats.SlowStartThreshold);
    }

    [Fact]
    public void TheRtoFollowsTheMeasuredRttAboveTheMinimum()
    {
        // RFC 6298 §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4·RTTVAR = 300 ms for R = 100 ms.
        TcpHarness h = TcpHarness.Established(rttMs: 100);
        Assert.Equal(TimeSpan.FromMilliseconds(100), h.Stats.SmoothedRtt);
        Assert.Equal(TimeSpan.FromMilliseconds(300), h.Stats.RetransmissionTimeout);
        h.Write(0, 100);
        h.Recv();
        h.AdvanceMs(299);
        h.ExpectNothing();
        h.AdvanceMs(1);
        h.Recv(Data(h, 0, 100, TcpFlags.Ack | TcpFlags.Psh));
    }

    [Fact]
    public void ASecondSampleIsSmoothed()
    {
        // RFC 6298 §2.3: RTTVAR = 3/4·RTTVAR + 1/4·|SRTT − R'|, SRTT = 7/8·SRTT + 1/8·R'.
        TcpHarness h = TcpHarness.Established(rttMs: 100);
        h.Write(0, 100);
        h.Recv();
        h.AdvanceMs(180);
        h.SendNoReset(AckOf(h, 100));
        Assert.Equal(TimeSpan.FromMilliseconds(110), h.Stats.SmoothedRtt); // 87.5 + 22.5
        // RTTVAR = 37.5 + 20 = 57.5 ms; RTO = 110 + 230 = 340 ms.
        Assert.Equal(TimeSpan.FromMilliseconds(340), h.Stats.RetransmissionTimeout);
    }

    [Fact]
    public void EachTimeoutDoublesTheRto()
    {
        // RFC 6298 §5.5. (When the timer fires is checked only for the first timeout: see the tail loss
        // probe armed in RTO recovery, reported separately.)
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv();
        TimeSpan expected = TimeSpan.FromMilliseconds(200);
        while (h.Stats.Timeouts < 6)
        {
            long before = h.Stats.Timeouts;
            h.AdvanceToPoll();
            Assert.All(h.RecvAll(), s => TcpHarness.Check(s, Data(h, 0, 100, TcpFlags.Ack | TcpFlags.Psh)));
            if (h.Stats.Timeouts > before)
            {
                expected *= 2;
                Assert.Equal(expected, h.Stats.RetransmissionTimeout);
            }
        }
        Assert.Equal(TimeSpan.FromMilliseconds(12800), h.Stats.RetransmissionTimeout);
    }

    [Fact]
    public void TheBackOffIsCappedAtTheMaximumRto()
    {
        TcpHarness h = TcpHarness.Established(TcpHarness.DefaultOptions with { MaxRetransmissionTimeout = TimeSpan.FromMilliseconds(500) });
        h.Write(0, 100);
        h.Recv();
        while (h.Stats.Timeouts < 4)
        {
            h.AdvanceToPoll();
            h.RecvAll();
        }
        Assert.Equal(TimeSpan.FromMilliseconds(500), h.Stats.RetransmissionTimeout);
    }

    [Fact]
    public void ExceedingMaxRetransmissionsClosesTheConnectionWithTimedOut()
    {
        TcpHarness h = TcpHarness.Established(TcpHarness.DefaultOptions with { MaxRetransmissions = 3 });
        h.Write(0, 100);
        h.Recv();
        while (h.Socket.State == TcpState.Established)
        {
            h.AdvanceToPoll();
            Assert.All(h.RecvAll(), s => TcpHarness.Check(s, Data(h, 0, 100, TcpFlags.Ack | TcpFlags.Psh)));
        }
        // Three timeouts retransmit; the fourth gives up.
        Assert.Equal(4, h.Stats.Timeouts);
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.TimedOut, h.Error);
        Assert.Null(h.PollAt);
        SocketException e = Assert.Throws<SocketException>(() => h.Socket.Send([1]));
        Assert.Equal(SocketError.TimedOut, e.SocketErrorCode);
    }

    [Fact]
    public void TheUserTimeoutEndsTheConnectionBeforeTheRetriesRunOut()
    {
        TcpHarness h = TcpHarness.Established(TcpHarness.DefaultOptions with { UserTimeout = TimeSpan.FromMilliseconds(500) });
        h.Write(0, 100);
        h.Recv();
        Instant start = h.Now;
        h.Now = start + TimeSpan.FromMilliseconds(200);
        h.Recv();
        h.Now = start + TimeSpan.FromMilliseconds(600);
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.TimedOut, h.Error);
    }

    [Fact]
    public void AnAckOfNewDataRestartsTheTimer()
    {
        // RFC 6298 §5.3: restart the timer so it expires after RTO.
        TcpHarness h = TcpHarness.Established(TcpHarness.DefaultOptions with { NoDelay = true });
        Instant start = h.Now;
        h.Write(0, 100);
        h.Recv();
        h.Now = start + TimeSpan.FromMilliseconds(100);
        h.Write(100, 100);
        h.Recv(Data(h, 100, 100, TcpFlags.Ack | TcpFlags.Psh));
        h.Now = start + TimeSpan.FromMilliseconds(150);
        h.SendNoReset(AckOf(h, 100));
        h.Now = start + TimeSpan.FromMilliseconds(349);
        h.ExpectNothing();
        h.Now = start + TimeSpan.FromMilliseconds(350);
        h.Recv(Data(h, 100, 100, TcpFlags.Ack | TcpFlags.Psh));
    }

    [Fact]
    public void AnAckOfEverythingStopsTheTimer()
    {
        // RFC 6298 §5.2.
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv();
        h.SendNoReset(AckOf(h, 100));
        Assert.Equal(h.Now + TcpSocket.BufferIdleTime, h.PollAt); // no retransmission timer: only the emptied send ring's give-back
        h.Advance(TimeSpan.FromSeconds(10));
        h.ExpectNothing();
        Assert.Null(h.PollAt);
    }

    [Fact]
    public void AnAckAfterATimeoutEndsTheBackOff()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv();
        h.AdvanceMs(200);
        h.Recv();
        Assert.Equal(TimeSpan.FromMilliseconds(400), h.Stats.RetransmissionTimeout);
        h.AdvanceMs(10);
        h.SendNoReset(AckOf(h, 100));
        Assert.Equal(TimeSpan.FromMilliseconds(200), h.Stats.RetransmissionTimeout);
        h.Write(100, 100);
        h.Recv();
        Assert.Equal(h.Now + TimeSpan.FromMilliseconds(200), h.PollAt);
    }

    [Fact]
    public void TheAckOfARetransmittedSegmentGivesNoRttSample()
    {
        // Karn's algorithm (RFC 6298 §3): the ACK may be for either transmission.
        TcpHarness h = TcpHarness.Established(rttMs: 100);
        h.Write(0, 100);
        h.Recv();
        h.AdvanceMs(300);
        h.Recv();
        h.AdvanceMs(50);
        h.SendNoReset(AckOf(h, 100));
        Assert.Equal(TimeSpan.FromMilliseconds(100), h.Stats.SmoothedRtt);
    }

    [Fact]
    public void AfterATimeoutOnlyTheFirstSegmentIsResentThenSlowStartResumes()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackPeer, rttMs: 100);
        h.Write(0, 3 * Mss);
        Assert.Equal(3, h.RecvAll().Count);
        // A tail loss probe goes first (RFC 8985: PTO = 2·SRTT = 200 ms < RTO = 300 ms) and resends the last segment.
        h.AdvanceMs(200);
        h.Recv(Data(h, 2 * Mss, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.AdvanceMs(300);
        h.Recv(Data(h, 0, Mss));
        h.ExpectNothing(); // cwnd is one segment
        h.SendNoReset(AckOf(h, Mss));
        Assert.Equal(2 * Mss, h.Stats.CongestionWindow);
        h.Recv(Data(h, Mss, Mss));
        h.Recv(Data(h, 2 * Mss, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.ExpectNothing();
    }

    [Fact]
    public void ATailLossProbeResendsTheLastSegmentAfterTwoRtts()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackPeer, rttMs: 50);
        h.Write(0, 3 * Mss);
        h.RecvAll();
        h.AdvanceMs(99);
        h.ExpectNothing();
        h.AdvanceMs(1);
        h.Recv(Data(h, 2 * Mss, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.ExpectNothing();
        Assert.Equal(1, h.Stats.Retransmissions);
        Assert.Equal(0, h.Stats.Timeouts);
        // RFC 8985 §7.3: one probe per episode; the RTO (max(200 ms, 50 + 4·25)) is rearmed from the probe.
        Assert.Equal(h.Now + TimeSpan.FromMilliseconds(200), h.PollAt);
    }

    [Fact]
    public void ATailLossProbeSendsNewDataWhenThereIsSome()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackPeer, rttMs: 50, peerWindow: 4 * Mss);
        h.Write(0, 3 * Mss);
        h.RecvAll();
        h.Write(3 * Mss, 100); // Nagle holds it while data is in flight
        h.ExpectNothing();
        h.AdvanceMs(100);
        h.Recv(Data(h, 3 * Mss, 100, TcpFlags.Ack | TcpFlags.Psh));
        Assert.Equal(0, h.Stats.Retransmissions);
    }

    [Fact]
    public void ThreeDuplicateAcksTriggerAFastRetransmit()
    {
        TcpHarness h = TenSegmentsInFlight();
        h.SendNoReset(AckOf(h, 0));
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 0));
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 0));
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.ExpectNothing();
        Assert.Equal(1, h.Stats.FastRetransmits);
        Assert.Equal(0, h.Stats.Timeouts);
        // RFC 5681 §3.2: ssthresh = FlightSize / 2; NewReno: cwnd = ssthresh + 3·SMSS.
        Assert.Equal(5 * Mss, h.Stats.SlowStartThreshold);
        Assert.Equal(8 * Mss, h.Stats.CongestionWindow);
    }

    [Fact]
    public void AnAckThatChangesTheWindowIsNotADuplicate()
    {
        // RFC 5681 §2 (e): a duplicate ACK leaves the advertised window unchanged.
        TcpHarness h = TenSegmentsInFlight();
        h.SendNoReset(AckOf(h, 0));
        h.SendNoReset(AckOf(h, 0));
        h.SendNoReset(AckOf(h, 0) with { Window = 60000 });
        h.ExpectNothing();
        Assert.Equal(0, h.Stats.FastRetransmits);
    }

    [Fact]
    public void AnAckCarryingDataIsNotADuplicate()
    {
        // RFC 5681 §2 (b).
        TcpHarness h = TenSegmentsInFlight();
        for (int i = 0; i < 3; i++)
        {
            h.SendNoReset(AckOf(h, 0) with { Seq = h.Remote(i), Payload = [(byte)i] });
        }
        Assert.Equal(0, h.Stats.FastRetransmits);
    }

    [Fact]
    public void LimitedTransmitSendsNewSegmentsOnTheFirstTwoDuplicates()
    {
        // RFC 3042: one new segment for each of the first two duplicate ACKs.
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 12 * Mss);
        Assert.Equal(10, h.RecvAll().Count);
        h.SendNoReset(AckOf(h, 0));
        h.Recv(Data(h, 10 * Mss, Mss));
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 0));
        h.Recv(Data(h, 11 * Mss, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 0));
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
    }

    [Fact]
    public void FurtherDuplicatesInflateTheWindowAndReleaseNewData()
    {
        // RFC 6582 §3.2 step 3 (RFC 5681 §3.2 step 4): cwnd += SMSS per further duplicate.
        TcpHarness h = TenSegmentsInFlight();
        for (int i = 0; i < 3; i++)
        {
            h.SendNoReset(AckOf(h, 0));
        }
        h.Recv();
        h.Write(10 * Mss, 5 * Mss);
        h.SendNoReset(AckOf(h, 0));
        Assert.Equal(9 * Mss, h.Stats.CongestionWindow);
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 0));
        Assert.Equal(10 * Mss, h.Stats.CongestionWindow);
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 0));
        Assert.Equal(11 * Mss, h.Stats.CongestionWindow);
        h.Recv(Data(h, 10 * Mss, Mss));
        h.ExpectNothing();
    }

    [Fact]
    public void APartialAckRetransmitsTheNextHoleAtOnceAndDeflatesTheWindow()
    {
        TcpHarness h = TenSegmentsInFlight();
        for (int i = 0; i < 3; i++)
        {
            h.SendNoReset(AckOf(h, 0));
        }
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        // Segments 0-2 arrive, segment 3 was lost too: the ACK stops below recover (RFC 6582 step 4).
        h.SendNoReset(AckOf(h, 3 * Mss));
        h.Recv(Data(h, 3 * Mss, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.ExpectNothing();
        // Deflate by what was acknowledged, add back one SMSS: 8 − 3 + 1 segments.
        Assert.Equal(6 * Mss, h.Stats.CongestionWindow);
        Assert.Equal(5 * Mss, h.Stats.SlowStartThreshold);
        Assert.Equal(1, h.Stats.FastRetransmits);
        Assert.Equal(2, h.Stats.Retransmissions);
    }

    [Fact]
    public void AFullAckEndsRecoveryWithTheWindowDeflatedToWhatIsInFlightPlusOneSegment()
    {
        TcpHarness h = TenSegmentsInFlight();
        for (int i = 0; i < 3; i++)
        {
            h.SendNoReset(AckOf(h, 0));
        }
        h.Recv();
        h.Write(10 * Mss, 5 * Mss);
        for (int i = 0; i < 3; i++)
        {
            h.SendNoReset(AckOf(h, 0));
        }
        h.Recv(Data(h, 10 * Mss, Mss)); // sent during recovery, beyond recover
        // Everything up to recover: RFC 6582 step 3, cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
        h.SendNoReset(AckOf(h, 10 * Mss));
        Assert.Equal(5 * Mss, h.Stats.SlowStartThreshold);
        Assert.Equal(2 * Mss, h.Stats.CongestionWindow);
        h.Recv(Data(h, 11 * Mss, Mss));
        h.ExpectNothing();
        // Out of recovery, below ssthresh: slow start again.
        h.SendNoReset(AckOf(h, 11 * Mss));
        Assert.Equal(3 * Mss, h.Stats.CongestionWindow);
    }

    [Fact]
    public void DuplicateAcksDuringRecoveryDoNotStartAnotherRecovery()
    {
        TcpHarness h = TenSegmentsInFlight();
        for (int i = 0; i < 9; i++)
        {
            h.SendNoReset(AckOf(h, 0));
        }
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.ExpectNothing();
        Assert.Equal(1, h.Stats.FastRetransmits);
    }

    [Fact]
    public void WithSackALossIsDetectedFromTheBlocksAndTheHoleResent()
    {
        TcpHarness h = TenSegmentsInFlight(s_sackPeer, rttMs: 100);
        // RFC 8985 §6.2: before DupThresh segments are SACKed the reordering window is min_RTT / 4, and
        // these SACKs arrive at once; with the third it is zero and segment 0 is lost.
        h.SendNoReset(AckOf(h, 0, new TcpOptions { SackBlocks = [new TcpSackBlock(h.Local(Mss), h.Local(2 * Mss))] }));
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 0, new TcpOptions { SackBlocks = [new TcpSackBlock(h.Local(Mss), h.Local(3 * Mss))] }));
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 0, new TcpOptions { SackBlocks = [new TcpSackBlock(h.Local(Mss), h.Local(4 * Mss))] }));
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.ExpectNothing();
        // RFC 6937: ssthresh is half the flight; the pipe (10 − 3 SACKed − 1 lost + 1 resent = 7 segments)
        // is above it, so PRR sends in proportion to what is delivered, and nothing more goes out yet.
        Assert.Equal(5 * Mss, h.Stats.SlowStartThreshold);
        Assert.Equal(1, h.Stats.Retransmissions);
    }

    [Fact]
    public void WithSackSeveralHolesAreResentInOneRecovery()
    {
        TcpHarness h = TenSegmentsInFlight(new TcpOptions { MaximumSegmentSize = 1460, SackPermitted = true });
        // Segments 0 and 2 lost; 1 and 3-9 arrive.
        TcpSackBlocks blocks = [new TcpSackBlock(h.Local(3 * Mss), h.Local(10 * Mss)), new TcpSackBlock(h.Local(Mss), h.Local(2 * Mss))];
        h.SendNoReset(AckOf(h, 0, new TcpOptions { SackBlocks = blocks }));
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        h.Recv(Data(h, 2 * Mss, Mss));
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 10 * Mss));
        h.ExpectNothing();
        Assert.Equal(0, h.Socket.BytesUnacknowledged);
        Assert.Equal(2, h.Stats.Retransmissions);
    }
}
