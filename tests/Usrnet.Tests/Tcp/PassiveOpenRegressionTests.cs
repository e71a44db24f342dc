using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

public class PassiveOpenRegressionTests
{
    [Fact]
    public void ARepeatedSynInSynReceivedIsAnsweredWithTheSynAckAgain()
    {
        // Our SYN-ACK was lost and the peer repeats its SYN: the answer must be the SYN-ACK (what the
        // peer in SYN-SENT can use: a bare ACK is dropped there, RFC 9293 §3.10.7.3 fifth check).
        // TcpSocket.Input.cs intends this (`State == SynReceived && seq == _irs` → _synToSend), but the
        // sequence check runs first and rejects the SYN (SEG.SEQ = IRS < RCV.NXT), so a bare ACK goes out.
        TcpHarness h = TcpHarness.SynReceived();
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn, Seq = TcpHarness.RemoteIss, Options = TcpHarness.PlainSynOptions });
        h.Recv(new Seg
        {
            Flags = TcpFlags.Syn | TcpFlags.Ack,
            Seq = h.LocalIss,
            Ack = h.Remote(0),
            Options = new TcpOptions { MaximumSegmentSize = 1460 },
        });
        h.ExpectNothing();
        Assert.Equal(TcpState.SynReceived, h.Socket.State);
    }
}
