using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>RFC 5961: blind reset, SYN and data injection; only an exact reset resets.</summary>
public class BlindAttackTests
{
    [Fact]
    public void AResetInTheWindowButNotAtRcvNxtDrawsAChallengeAck()
    {
        // RFC 5961 §3.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, and the connection stays.
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = h.Remote(1) });
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0) });
        h.ExpectNothing();
        Assert.Equal(TcpState.Established, h.Socket.State);
    }

    [Fact]
    public void AResetAtTheRightEdgeOfTheWindowDrawsAChallengeAck()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst | TcpFlags.Ack, Seq = h.Remote(65534), Ack = h.Local(0) });
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0) });
        Assert.Equal(TcpState.Established, h.Socket.State);
    }

    [Theory]
    [InlineData(65536)]  // past the right edge of the window
    [InlineData(-1)]     // just before RCV.NXT
    [InlineData(1_000_000)]
    public void AResetOutsideTheWindowIsSilentlyDropped(int offset)
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = h.Remote(offset) });
        h.ExpectNothing();
        Assert.Equal(TcpState.Established, h.Socket.State);
    }

    [Fact]
    public void AResetExactlyAtRcvNxtResetsTheConnection()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv();
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = h.Remote(0) });
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.ConnectionReset, h.Error);
        h.ExpectNothing();
        Assert.Null(h.PollAt);
        SocketException e = Assert.Throws<SocketException>(() => h.Socket.Receive(new byte[10]));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Fact]
    public void AResetAtRcvNxtAfterDataResetsButLeavesTheDataToRead()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Payload = [7, 8] });
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = h.Remote(2) });
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(new byte[] { 7, 8 }, h.Read(10));
        Assert.Throws<SocketException>(() => h.Socket.Receive(new byte[10]));
    }

    [Fact]
    public void AResetAtRcvNxtInCloseWaitResets()
    {
        TcpHarness h = TcpHarness.CloseWait();
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = h.Remote(1) });
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.ConnectionReset, h.Error);
    }

    [Fact]
    public void AResetAtRcvNxtInFinWait2Resets()
    {
        TcpHarness h = TcpHarness.FinWait2();
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = h.Remote(0) });
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.ConnectionReset, h.Error);
    }

    [Theory]
    [InlineData(0)]       // at RCV.NXT
    [InlineData(500)]     // inside the window
    [InlineData(-100)]    // old
    [InlineData(100_000)] // beyond the window
    public void ASynInEstablishedDrawsAChallengeAckNeverAReset(int offset)
    {
        // RFC 5961 §4.2: whatever its sequence number.
        TcpHarness h = TcpHarness.Established();
        Assert.Null(h.Send(new Seg { Flags = TcpFlags.Syn, Seq = h.Remote(offset), Options = TcpHarness.PlainSynOptions }));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0) });
        h.ExpectNothing();
        Assert.Equal(TcpState.Established, h.Socket.State);
    }

    [Fact]
    public void ASynAckInEstablishedDrawsAChallengeAck()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = h.Remote(10), Ack = h.Local(0) });
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0) });
        Assert.Equal(TcpState.Established, h.Socket.State);
    }

    [Fact]
    public void ASynInTimeWaitDrawsAnAck()
    {
        TcpHarness h = TcpHarness.TimeWait();
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn, Seq = h.Remote(100_000) });
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(1), Window = TcpHarness.WindowAfterFin });
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
    }

    [Fact]
    public void AnAckTooFarBelowSndUnaIsAnsweredWithAnAckAndItsDataDropped()
    {
        // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA − MAX.SND.WND, SND.NXT]; others: ACK, drop.
        TcpHarness h = TcpHarness.Established(peerWindow: 1000);
        h.Write(0, 3000);
        for (int i = 0; i < 3; i++)
        {
            h.Recv();
            h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local((i + 1) * 1000), Window = 1000 });
        }
        Assert.Equal(0, h.Socket.BytesUnacknowledged);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(1999), Window = 1000, Payload = [1] });
        h.Recv(new Seg { Seq = h.Local(3000), Ack = h.Remote(0) });
        Assert.Equal(0, h.Socket.BytesAvailable);
        Assert.Equal(1, h.Stats.SegmentsRejected);
    }

    [Fact]
    public void AnOldAckWithinTheWindowOfAcceptanceStillDeliversData()
    {
        TcpHarness h = TcpHarness.Established(peerWindow: 1000);
        h.Write(0, 3000);
        for (int i = 0; i < 3; i++)
        {
            h.Recv();
            h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local((i + 1) * 1000), Window = 1000 });
        }
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(2000), Window = 1000, Payload = [1] });
        Assert.Equal(1, h.Socket.BytesAvailable);
    }

    [Fact]
    public void DataOutsideTheWindowIsNeverDelivered()
    {
        // RFC 5961 §6 relies on the §3.10.7.4 acceptability test.
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(new Seg { Seq = h.Remote(-10), Ack = h.Local(0), Payload = new byte[5] });
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0) });
        Assert.Equal(0, h.Socket.BytesAvailable);
    }
}
