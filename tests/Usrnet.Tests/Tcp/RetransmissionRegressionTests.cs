using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

public class RetransmissionRegressionTests
{
    private const int Mss = 1460;

    private static Seg Data(TcpHarness h, int offset, int length, TcpFlags flags = TcpFlags.Ack) =>
        new() { Flags = flags, Seq = h.Local(offset), Ack = h.Remote(0), Payload = TcpHarness.Pattern(offset, length) };

    private static Seg AckOf(TcpHarness h, int offset) => new() { Seq = h.Remote(0), Ack = h.Local(offset) };

    [Fact]
    public void TheRtoBacksOffExponentiallyWithNoProbeInBetween()
    {
        // RFC 6298 §5.5-5.6: after a timeout, RTO doubles and the timer restarts; the retransmissions of
        // one segment go out at 200, 600, 1400, 3000, 6200 ms. RFC 8985 §7.2: no loss probe is armed
        // while in RTO recovery. Actual: ArmTailLossProbe() runs after the go-back-N retransmission, a
        // probe goes out at 410 ms and rearms the RTO from there (410 + 400 = 810 ms).
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        Seg segment = Data(h, 0, 100, TcpFlags.Ack | TcpFlags.Psh);
        h.Recv(segment);
        Instant start = h.Now;
        foreach (int at in new[] { 200, 600, 1400, 3000, 6200 })
        {
            h.Now = start + TimeSpan.FromMilliseconds(at - 1);
            h.ExpectNothing();
            h.Now = start + TimeSpan.FromMilliseconds(at);
            h.Recv(segment);
        }
    }

    [Fact]
    public void MaxRetransmissionsGiveUpAfterTheBackedOffTimeouts()
    {
        // MaxRetransmissions = 3: retransmissions at 200, 600, 1400 ms, give up at 3000 ms (RFC 6298 §5.5,
        // RFC 9293 §3.8.3 R2). Actual: 200, 410 (probe), 810, 1610, give up at 3210 ms.
        TcpHarness h = TcpHarness.Established(TcpHarness.DefaultOptions with { MaxRetransmissions = 3 });
        h.Write(0, 100);
        h.Recv();
        Instant start = h.Now;
        List<int> times = [];
        while (h.Socket.State == TcpState.Established)
        {
            h.AdvanceToPoll();
            foreach (SentSegment _ in h.RecvAll())
            {
                times.Add((int)(h.Now - start).TotalMilliseconds);
            }
        }
        Assert.Equal([200, 600, 1400], times);
        Assert.Equal(TimeSpan.FromMilliseconds(3000), h.Now - start);
        Assert.Equal(SocketError.TimedOut, h.Error);
    }

    [Fact]
    public void AfterTheSynTimedOutDataStartsWithAThreeSecondRto()
    {
        // RFC 6298 §5.7: "If the timer expires awaiting the ACK of a SYN segment and the TCP
        // implementation is using an RTO less than 3 seconds, the RTO MUST be re-initialized to 3
        // seconds when data transmission begins" (Linux: TCP_TIMEOUT_FALLBACK when the handshake gave
        // no RTT sample). Actual: ProcessSynSent sets _rto = _computedRto = 1 s.
        TcpHarness h = TcpHarness.SynSent(TcpHarness.DefaultOptions with { Timestamps = false });
        h.AdvanceMs(1000);
        Assert.Equal(TcpFlags.Syn, h.Recv().Flags);
        h.AdvanceMs(50);
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = TcpHarness.RemoteIss, Ack = h.Local(0), Options = TcpHarness.PlainSynOptions });
        h.Recv();
        Assert.Null(h.Stats.SmoothedRtt); // Karn: the retransmitted SYN gave no sample
        Assert.Equal(TimeSpan.FromSeconds(3), h.Stats.RetransmissionTimeout);
    }

    [Fact]
    public void AFullAckWithNothingLeftInFlightDeflatesTheWindowToTwoSegments()
    {
        // RFC 6582 §3.2 step 3: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) = min(7300, 2920).
        // Actual: TcpSocket.Input.cs ProcessAck uses Math.Max(FlightSize, 0) + _sndMss = 1460.
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 10 * Mss);
        h.RecvAll();
        for (int i = 0; i < 3; i++)
        {
            h.SendNoReset(AckOf(h, 0));
        }
        h.Recv();
        h.SendNoReset(AckOf(h, 10 * Mss));
        Assert.Equal(5 * Mss, h.Stats.SlowStartThreshold);
        Assert.Equal(2 * Mss, h.Stats.CongestionWindow);
    }

    [Fact]
    public void AnAckBelowSndUnaIsNotADuplicateAck()
    {
        // RFC 5681 §2: a duplicate ACK has (d) "the acknowledgment number is equal to the greatest
        // acknowledgment received on the given connection (TCP.UNA from RFC 793)". Three reordered old
        // ACKs must not trigger a fast retransmit. Actual: ProcessAck counts any ACK with acked <= 0.
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 10 * Mss);
        h.RecvAll();
        h.SendNoReset(AckOf(h, 2 * Mss));
        h.RecvAll();
        for (int i = 0; i < 3; i++)
        {
            h.SendNoReset(AckOf(h, Mss));
        }
        h.ExpectNothing();
        Assert.Equal(0, h.Stats.FastRetransmits);
    }
}
