using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// Closing (RFC 9293 §3.6, §3.10.4-§3.10.5, §3.10.7.4 eighth check): FIN-WAIT-1/2, TIME-WAIT,
/// CLOSE-WAIT, LAST-ACK, CLOSING, and ABORT.
/// </summary>
public class CloseTests
{
    private static readonly TimeSpan TwoMsl = TimeSpan.FromSeconds(60);

    private static Seg Fin(TcpHarness h, int remoteOffset, int ackOffset) =>
        new() { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Remote(remoteOffset), Ack = h.Local(ackOffset) };

    [Fact]
    public void ShutdownSendsAFinAfterTheQueuedData()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Socket.Shutdown();
        h.Recv(new Seg { Flags = TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, Seq = h.Local(0), Ack = h.Remote(0), Payload = TcpHarness.Pattern(0, 100) });
        Assert.Equal(TcpState.FinWait1, h.Socket.State);
        h.ExpectNothing();
        SocketException e = Assert.Throws<SocketException>(() => h.Socket.Send([1]));
        Assert.Equal(SocketError.Shutdown, e.SocketErrorCode);
    }

    [Fact]
    public void TheFinWaitsBehindDataTheWindowHoldsBack()
    {
        TcpHarness h = TcpHarness.Established(peerWindow: 1460);
        h.Write(0, 2000);
        h.Socket.Shutdown();
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0), Payload = TcpHarness.Pattern(0, 1460) });
        h.ExpectNothing();
        Assert.Equal(TcpState.Established, h.Socket.State);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(1460), Window = 1460 });
        h.Recv(new Seg { Flags = TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, Seq = h.Local(1460), Ack = h.Remote(0), Payload = TcpHarness.Pattern(1460, 540) });
        Assert.Equal(TcpState.FinWait1, h.Socket.State);
    }

    [Fact]
    public void TheAckOfOurFinMovesToFinWait2()
    {
        TcpHarness h = TcpHarness.FinWait1();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(1) });
        Assert.Equal(TcpState.FinWait2, h.Socket.State);
        h.ExpectNothing();
        Assert.Null(h.PollAt);
    }

    [Fact]
    public void AnAckShortOfOurFinStaysInFinWait1()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 10);
        h.Socket.Shutdown();
        h.Recv();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(10) });
        Assert.Equal(TcpState.FinWait1, h.Socket.State);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(11) });
        Assert.Equal(TcpState.FinWait2, h.Socket.State);
    }

    [Fact]
    public void DataStillArrivesInFinWait2()
    {
        TcpHarness h = TcpHarness.FinWait2();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(1), Payload = [1, 2, 3] });
        h.AdvanceMs(40);
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(3), Window = 65532 });
        Assert.Equal(new byte[] { 1, 2, 3 }, h.Read(10));
    }

    [Fact]
    public void ThePeersFinInFinWait2IsAcknowledgedAndTimeWaitLastsTwoMsl()
    {
        TcpHarness h = TcpHarness.FinWait2();
        h.SendNoReset(Fin(h, 0, 1));
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
        Assert.True(h.Socket.IsReceiveComplete);
        Instant entered = h.Now;
        Assert.Equal(entered + TwoMsl, h.PollAt);
        h.Now = entered + TwoMsl - TimeSpan.FromMilliseconds(1);
        h.ExpectNothing();
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
        h.Now = entered + TwoMsl;
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.Success, h.Error);
    }

    [Fact]
    public void TimeWaitLastsTwiceTheConfiguredMsl()
    {
        TcpHarness h = TcpHarness.TimeWait(TcpHarness.DefaultOptions with { MaximumSegmentLifetime = TimeSpan.FromSeconds(1) });
        Assert.Equal(h.Now + TimeSpan.FromSeconds(2), h.PollAt);
    }

    [Fact]
    public void AFinThatAlsoAcknowledgesOursGoesFromFinWait1StraightToTimeWait()
    {
        TcpHarness h = TcpHarness.FinWait1();
        h.SendNoReset(Fin(h, 0, 1));
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
    }

    [Fact]
    public void AFinCrossingOursGoesToClosingThenTimeWait()
    {
        TcpHarness h = TcpHarness.Closing();
        h.SendNoReset(new Seg { Seq = h.Remote(1), Ack = h.Local(1) });
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
        h.ExpectNothing();
        Assert.Equal(h.Now + TwoMsl, h.PollAt);
    }

    [Fact]
    public void ThePeersFinInEstablishedIsAcknowledgedAtOnceAndLeadsToCloseWait()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Fin(h, 0, 0));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.CloseWait, h.Socket.State);
        Assert.True(h.Socket.IsReceiveComplete);
        Assert.Empty(h.Read(10));
        // The half-closed connection still sends.
        Assert.True(h.Socket.IsSendOpen);
        h.Write("bye"u8);
        h.Recv(new Seg { Flags = TcpFlags.Ack | TcpFlags.Psh, Seq = h.Local(0), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin, Payload = "bye"u8.ToArray() });
    }

    [Fact]
    public void CloseInCloseWaitSendsAFinAndTheAckOfItCloses()
    {
        TcpHarness h = TcpHarness.LastAck();
        h.SendNoReset(new Seg { Seq = h.Remote(1), Ack = h.Local(1) });
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.Success, h.Error);
        h.ExpectNothing();
        Assert.Null(h.PollAt);
    }

    [Fact]
    public void ARetransmittedFinInCloseWaitIsAcknowledgedAgain()
    {
        TcpHarness h = TcpHarness.CloseWait();
        h.SendNoReset(Fin(h, 0, 0));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.CloseWait, h.Socket.State);
    }

    [Fact]
    public void OurFinIsRetransmittedOnTimeoutWithBackOff()
    {
        TcpHarness h = TcpHarness.FinWait1();
        Seg fin = new() { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Local(0), Ack = h.Remote(0) };
        Instant start = h.Now;
        h.Now = start + TimeSpan.FromMilliseconds(199);
        h.ExpectNothing();
        h.Now = start + TimeSpan.FromMilliseconds(200);
        h.Recv(fin);
        h.Now = start + TimeSpan.FromMilliseconds(599);
        h.ExpectNothing();
        h.Now = start + TimeSpan.FromMilliseconds(600);
        h.Recv(fin);
        Assert.Equal(TcpState.FinWait1, h.Socket.State);
        Assert.Equal(2, h.Stats.Retransmissions);
    }

    [Fact]
    public void TheFinInLastAckIsRetransmittedOnTimeout()
    {
        TcpHarness h = TcpHarness.LastAck();
        h.AdvanceMs(200);
        h.Recv(new Seg { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Local(0), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.LastAck, h.Socket.State);
    }

    [Fact]
    public void ARetransmittedFinInTimeWaitIsAcknowledgedAndRestartsTheTimer()
    {
        // RFC 9293 §3.10.7.4 eighth check, TIME-WAIT: acknowledge it and restart the 2 MSL timeout.
        TcpHarness h = TcpHarness.TimeWait();
        h.Advance(TimeSpan.FromSeconds(30));
        h.SendNoReset(Fin(h, 0, 1));
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Instant restarted = h.Now;
        Assert.Equal(restarted + TwoMsl, h.PollAt);
        h.Now = restarted + TwoMsl - TimeSpan.FromMilliseconds(1);
        h.ExpectNothing();
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
        h.Now = restarted + TwoMsl;
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Socket.State);
    }

    [Fact]
    public void ADisposedSocketInTimeWaitGivesBackItsBuffersAndStillAcknowledgesARetransmittedFin()
    {
        TcpHarness h = TcpHarness.TimeWait();
        Assert.Equal(TcpHarness.DefaultOptions.SendBufferSize + TcpHarness.DefaultReceiveBuffer, h.Socket.BufferLimit); // its user may still read
        h.Socket.Dispose();
        Assert.Equal(0, h.Socket.BufferLimit);
        Assert.Equal(0, h.Socket.BufferCapacity);
        h.Advance(TimeSpan.FromSeconds(1));
        h.SendNoReset(Fin(h, 0, 1));
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin }); // the same window: the right edge never moves left
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
    }

    [Fact]
    public void ASocketDisposedInFinWait2GivesBackItsBuffersWhenTheFinTakesItToTimeWait()
    {
        TcpHarness h = TcpHarness.FinWait2();
        h.Socket.Dispose();
        Assert.NotEqual(0, h.Socket.BufferLimit);
        h.SendNoReset(Fin(h, 0, 1));
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
        Assert.Equal(0, h.Socket.BufferLimit);
        Assert.Equal(0, h.Socket.BufferCapacity);
    }

    [Fact]
    public void AResetInTimeWaitCloses()
    {
        TcpHarness h = TcpHarness.TimeWait();
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = h.Remote(1) });
        Assert.Equal(TcpState.Closed, h.Socket.State);
        h.ExpectNothing();
    }

    [Fact]
    public void AResetInLastAckClosesWithoutAnError()
    {
        TcpHarness h = TcpHarness.LastAck();
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = h.Remote(1) });
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.Success, h.Error);
    }

    [Fact]
    public void AbortSendsAResetAtSndNxtAndDiscardsBothBuffers()
    {
        // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>, after one at SND.UNA while data is unacknowledged (see ResetAcceptanceTests).
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Payload = [1, 2] });
        h.Socket.Abort();
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(0), Ack = default, Window = 0 });
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(100), Ack = default, Window = 0 });
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.ConnectionAborted, h.Error);
        Assert.Equal(0, h.Socket.BytesAvailable);
        Assert.Equal(0, h.Socket.BytesUnacknowledged);
        SocketException e = Assert.Throws<SocketException>(() => h.Socket.Receive(new byte[10]));
        Assert.Equal(SocketError.ConnectionAborted, e.SocketErrorCode);
    }

    [Fact]
    public void AbortInCloseWaitSendsAReset()
    {
        TcpHarness h = TcpHarness.CloseWait();
        h.Socket.Abort();
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(0), Window = 0 });
    }

    [Fact]
    public void AbortInSynReceivedSendsAReset()
    {
        TcpHarness h = TcpHarness.SynReceived();
        h.Socket.Abort();
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(0), Window = 0 });
        Assert.Equal(0, h.Listener!.HalfOpenCount);
    }

    [Fact]
    public void AbortInTimeWaitClosesWithoutAReset()
    {
        // RFC 9293 §3.10.5: CLOSING, LAST-ACK, TIME-WAIT: delete the TCB, nothing sent.
        TcpHarness h = TcpHarness.TimeWait();
        h.Socket.Abort();
        Assert.Equal(TcpState.Closed, h.Socket.State);
        h.ExpectNothing();
    }

    [Fact]
    public void DisposingWithUnreadDataResets()
    {
        // RFC 2525 §2.17: closing with data the application never read sends a reset.
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Payload = [1] });
        h.Socket.Dispose();
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(0), Window = 0 });
        Assert.Equal(TcpState.Closed, h.Socket.State);
    }

    [Fact]
    public void DisposingAfterReadingEverythingClosesGracefully()
    {
        TcpHarness h = TcpHarness.Established();
        h.Socket.Dispose();
        h.Recv(new Seg { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Local(0), Ack = h.Remote(0) });
        Assert.Equal(TcpState.FinWait1, h.Socket.State);
    }
}
