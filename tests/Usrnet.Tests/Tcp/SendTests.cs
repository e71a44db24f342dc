using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// Sending in ESTABLISHED: segmentation by MSS (RFC 9293 §3.7.1), the peer's window (§3.8.6), sender
/// SWS avoidance and Nagle (§3.7.4, §3.8.6.2.1), the initial congestion window (RFC 6928).
/// </summary>
public class SendTests
{
    private static Seg Data(TcpHarness h, int offset, int length, TcpFlags flags = TcpFlags.Ack) =>
        new() { Flags = flags, Seq = h.Local(offset), Ack = h.Remote(0), Payload = TcpHarness.Pattern(offset, length) };

    private static Seg AckOf(TcpHarness h, int offset, ushort window = TcpHarness.DefaultWindow) =>
        new() { Seq = h.Remote(0), Ack = h.Local(offset), Window = window };

    [Fact]
    public void AWriteIsSentAtOnceWithPush()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv(Data(h, 0, 100, TcpFlags.Ack | TcpFlags.Psh));
        h.ExpectNothing();
        Assert.Equal(100, h.Socket.BytesUnacknowledged);
        h.SendNoReset(AckOf(h, 100));
        h.ExpectNothing();
        Assert.Equal(0, h.Socket.BytesUnacknowledged);
        Assert.Equal(100, h.Stats.BytesAcknowledged);
    }

    [Fact]
    public void AWriteIsCutIntoMssSizedSegmentsAndTheLastIsPushed()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: new TcpOptions { MaximumSegmentSize = 1000 });
        h.Write(0, 3000);
        h.Recv(Data(h, 0, 1000));
        h.Recv(Data(h, 1000, 1000));
        h.Recv(Data(h, 2000, 1000, TcpFlags.Ack | TcpFlags.Psh));
        h.ExpectNothing();
    }

    [Fact]
    public void WithTimestampsSegmentsCarryTwelveBytesLessData()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: new TcpOptions { MaximumSegmentSize = 1460, Timestamps = (1, 0) });
        h.Write(0, 2000);
        SentSegment first = h.Recv();
        Assert.Equal(1448, first.Payload.Length);
        Assert.Equal(32, first.Header.Length);
    }

    [Fact]
    public void TheInitialWindowIsTenSegments()
    {
        // RFC 6928: IW = min(10·MSS, max(2·MSS, 14600)).
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 20 * 1460);
        List<SentSegment> sent = h.RecvAll();
        Assert.Equal(10, sent.Count);
        Assert.All(sent, s => Assert.Equal(1460, s.Payload.Length));
        Assert.Equal(14600, h.Stats.CongestionWindow);
    }

    [Fact]
    public void SlowStartGrowsTheWindowByOneSegmentPerAck()
    {
        // RFC 5681 §3.1: cwnd += min(N, SMSS) per ACK in slow start.
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 30 * 1460);
        h.RecvAll();
        h.SendNoReset(AckOf(h, 1460));
        Assert.Equal(14600 + 1460, h.Stats.CongestionWindow);
        Assert.Equal(2, h.RecvAll().Count);
        h.SendNoReset(AckOf(h, 4 * 1460));
        Assert.Equal(14600 + 2 * 1460, h.Stats.CongestionWindow); // one SMSS even for three segments acknowledged
    }

    [Fact]
    public void TheSenderStaysInsideThePeersWindow()
    {
        TcpHarness h = TcpHarness.Established(peerWindow: 3000);
        h.Write(0, 10_000);
        h.Recv(Data(h, 0, 1460));
        h.Recv(Data(h, 1460, 1460));
        // The 80 bytes left of the window would be a silly segment (RFC 9293 §3.8.6.2.1).
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 2920, window: 3000));
        h.Recv(Data(h, 2920, 1460));
        h.Recv(Data(h, 4380, 1460));
        h.ExpectNothing();
    }

    [Fact]
    public void ASmallWindowIsFilledWhenNothingIsInFlight()
    {
        TcpHarness h = TcpHarness.Established(peerWindow: 500);
        h.Write(0, 3000);
        h.Recv(Data(h, 0, 500));
        h.ExpectNothing();
        Assert.Equal(500, h.Stats.SendWindow);
    }

    [Fact]
    public void AWindowUpdateReleasesWaitingData()
    {
        TcpHarness h = TcpHarness.Established(peerWindow: 1460);
        h.Write(0, 2920);
        h.Recv(Data(h, 0, 1460));
        h.ExpectNothing();
        // The same ACK number with a larger window (SND.WL1/WL2 newer or equal, RFC 9293 §3.10.7.4).
        h.SendNoReset(AckOf(h, 0, window: 2920));
        h.Recv(Data(h, 1460, 1460, TcpFlags.Ack | TcpFlags.Psh));
    }

    [Fact]
    public void AnOlderSegmentDoesNotUpdateTheWindow()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(100), Window = 5000 });
        Assert.Equal(5000, h.Stats.SendWindow);
        // SND.WL2 = SEG.ACK of the last update; an ACK from before it must not shrink the window.
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(50), Window = 100 });
        Assert.Equal(5000, h.Stats.SendWindow);
    }

    [Fact]
    public void NagleHoldsASmallSecondWriteUntilTheFirstIsAcknowledged()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 10);
        h.Recv(Data(h, 0, 10, TcpFlags.Ack | TcpFlags.Psh));
        h.Write(10, 10);
        h.ExpectNothing();
        h.Write(20, 10);
        h.ExpectNothing();
        h.SendNoReset(AckOf(h, 10));
        h.Recv(Data(h, 10, 20, TcpFlags.Ack | TcpFlags.Psh));
    }

    [Fact]
    public void NagleStillSendsFullSegments()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 10);
        h.Recv();
        h.Write(10, 1500);
        h.Recv(Data(h, 10, 1460));
        h.ExpectNothing(); // the 40-byte tail waits
    }

    [Fact]
    public void NoDelaySendsASmallSecondWriteAtOnce()
    {
        TcpHarness h = TcpHarness.Established(TcpHarness.DefaultOptions with { NoDelay = true });
        h.Write(0, 10);
        h.Recv(Data(h, 0, 10, TcpFlags.Ack | TcpFlags.Psh));
        h.Write(10, 10);
        h.Recv(Data(h, 10, 10, TcpFlags.Ack | TcpFlags.Psh));
    }

    [Fact]
    public void TheSendBufferBoundsWhatAWriteTakes()
    {
        TcpHarness h = TcpHarness.Established(TcpHarness.DefaultOptions with { SendBufferSize = 1000 });
        Assert.Equal(1000, h.Socket.Send(new byte[1500]));
        Assert.False(h.Socket.CanSend);
        Assert.Equal(0, h.Socket.Send(new byte[1]));
        h.Recv();
        h.SendNoReset(AckOf(h, 600));
        Assert.Equal(600, h.Socket.Send(new byte[1500]));
    }

    [Fact]
    public void AnAckForDataNotYetSentIsAnsweredWithAnAckAndDropped()
    {
        // RFC 9293 §3.10.7.4 fifth check / RFC 5961 §5.2: SEG.ACK > SND.NXT → ACK, drop.
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(101), Payload = [9, 9, 9] });
        h.Recv(new Seg { Seq = h.Local(100), Ack = h.Remote(0) });
        Assert.Equal(100, h.Socket.BytesUnacknowledged);
        Assert.Equal(0, h.Socket.BytesAvailable); // its data was dropped too
    }

    [Fact]
    public void AnAckWithDataIsProcessedForBoth()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv();
        h.SendNoReset(new Seg { Flags = TcpFlags.Ack | TcpFlags.Psh, Seq = h.Remote(0), Ack = h.Local(100), Payload = [1, 2, 3] });
        Assert.Equal(0, h.Socket.BytesUnacknowledged);
        Assert.Equal(3, h.Socket.BytesAvailable);
    }
}
