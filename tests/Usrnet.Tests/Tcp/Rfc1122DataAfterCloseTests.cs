using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// RFC 1122 §4.2.2.13: data that arrives after the user closed the socket (disposed it, in FIN-WAIT-1
/// or FIN-WAIT-2) draws a reset, as Linux does, instead of being acknowledged and thrown away.
/// </summary>
public class Rfc1122DataAfterCloseTests
{
    [Fact]
    public void DataInFinWait2AfterDisposeDrawsAResetAtSegAck()
    {
        TcpHarness h = TcpHarness.FinWait2();
        h.Socket.Dispose();
        TcpHeader? reset = h.Send(new Seg { Seq = h.Remote(0), Ack = h.Local(1), Payload = [1, 2, 3] });
        Assert.NotNull(reset);
        Assert.Equal(TcpFlags.Rst, reset.Value.Flags);
        Assert.Equal(h.Local(1), reset.Value.SequenceNumber);
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(1, h.Stats.ResetsForDataAfterClose);
        h.ExpectNothing();
    }

    [Fact]
    public void DataInFinWait1AfterDisposeDrawsAReset()
    {
        TcpHarness h = TcpHarness.Established();
        h.Socket.Dispose();
        h.Recv(new Seg { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Local(0), Ack = h.Remote(0) });
        Assert.Equal(TcpState.FinWait1, h.Socket.State);
        TcpHeader? reset = h.Send(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Payload = [9] });
        Assert.Equal(TcpFlags.Rst, reset?.Flags);
        Assert.Equal(h.Local(0), reset?.SequenceNumber);
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(1, h.Stats.ResetsForDataAfterClose);
    }

    [Fact]
    public void AfterShutdownOnlyTheSocketStillReceives()
    {
        // Shutdown closes the sending side only: the user may still read.
        TcpHarness h = TcpHarness.FinWait2();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(1), Payload = [1, 2, 3] });
        Assert.Equal(TcpState.FinWait2, h.Socket.State);
        Assert.Equal(new byte[] { 1, 2, 3 }, h.Read(10));
        Assert.Equal(0, h.Stats.ResetsForDataAfterClose);
    }

    [Fact]
    public void AnOldDuplicateAfterDisposeDrawsAnAckNotAReset()
    {
        TcpHarness h = TcpHarness.FinWait2();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(1), Payload = [1, 2, 3] });
        h.AdvanceToPoll(); // the delayed ACK
        h.Recv();
        Assert.Equal(3, h.Read(10).Length);
        h.Socket.Dispose();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(1), Payload = [1, 2, 3] });
        h.Recv(new Seg { Seq = h.Local(1), Ack = h.Remote(3), Window = TcpHarness.DefaultWindow - 3 });
        Assert.Equal(TcpState.FinWait2, h.Socket.State);
        Assert.Equal(0, h.Stats.ResetsForDataAfterClose);
        Assert.Equal(SocketError.Success, h.Error);
    }
}
