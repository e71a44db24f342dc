using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

public class ActiveOpenRegressionTests
{
    [Fact]
    public void ASimultaneousOpenAnswersTheSynWithASynAckOnly()
    {
        // RFC 9293 §3.10.7.3 fourth check (SYN without ACK in SYN-SENT): "form a SYN,ACK segment
        // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and send it" - one segment, the SYN-ACK.
        TcpHarness h = TcpHarness.SynSent();
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn, Seq = TcpHarness.RemoteIss, Options = TcpHarness.PlainSynOptions });
        h.Recv(new Seg { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = h.LocalIss, Ack = h.Remote(0), Options = new TcpOptions { MaximumSegmentSize = 1460 } });
        h.ExpectNothing();
    }

    [Fact]
    public void ASimultaneousOpenIsEstablishedByThePeersSynAck()
    {
        // RFC 9293 §3.5 Figure 7 line 6: in SYN-RECEIVED, the peer's <SEQ=300><ACK=101><CTL=SYN,ACK>
        // takes the connection to ESTABLISHED (Linux: tcp_validate_incoming "simultaneous open SYN-ACK").
        TcpHarness h = TcpHarness.SynSent();
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn, Seq = TcpHarness.RemoteIss, Options = TcpHarness.PlainSynOptions });
        h.RecvAll();
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = TcpHarness.RemoteIss, Ack = h.Local(0), Options = TcpHarness.PlainSynOptions });
        Assert.Equal(TcpState.Established, h.Socket.State);
    }

    [Theory]
    [InlineData(2_000_000_000u)]
    [InlineData(3_000_000_000u)]
    [InlineData(100u)]
    public void TheFirstAckAdvertisesTheReceiveBufferWhateverThePeersIss(uint remoteIss)
    {
        // RFC 9293 §3.8.6: the window is the buffer space we have; with a 4096-byte buffer the ACK
        // completing the handshake must not offer more than 4096.
        TcpHarness h = TcpHarness.SynSent(new TcpSocketOptions { ReceiveBufferSize = 4096 });
        TcpSeqNumber irs = new(remoteIss);
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = irs, Ack = h.Local(0), Options = TcpHarness.PlainSynOptions });
        h.Recv(new Seg { Seq = h.Local(0), Ack = irs + 1, Window = 4096 });
    }
}
