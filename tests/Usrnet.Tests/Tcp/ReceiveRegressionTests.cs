using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

public class ReceiveRegressionTests
{
    private static Seg Data(TcpHarness h, int offset, int length) =>
        new() { Seq = h.Remote(offset), Ack = h.Local(0), Payload = TcpHarness.Pattern(offset, length) };

    [Fact]
    public void TheFirstSackBlockReportsTheMostRecentlyReceivedSegment()
    {
        // RFC 2018 §4: "The first SACK block (i.e., the one immediately following the kind and length
        // fields in the option) MUST specify the contiguous block of data containing the segment which
        // triggered this ACK". TcpSocket.Output.cs SackBlocks() lists the assembler's ranges in sequence order.
        TcpHarness h = TcpHarness.Established(peerSynOptions: new TcpOptions { MaximumSegmentSize = 1460, SackPermitted = true });
        h.SendNoReset(Data(h, 100, 100));
        h.Recv();
        h.SendNoReset(Data(h, 300, 100));
        h.Recv(new Seg
        {
            Seq = h.Local(0),
            Ack = h.Remote(0),
            Options = new TcpOptions { SackBlocks = [new TcpSackBlock(h.Remote(300), h.Remote(400)), new TcpSackBlock(h.Remote(100), h.Remote(200))] },
        });
    }

    [Fact]
    public void TheAckOfASegmentRefusedByAZeroWindowIsStillProcessed()
    {
        // RFC 9293 §3.10.7.4 first check: "If the RCV.WND is zero, no segments will be acceptable, but
        // special allowance should be made to accept valid ACKs, URGs, and RSTs." A one-byte zero-window
        // probe that acknowledges our data must still advance SND.UNA.
        TcpHarness h = TcpHarness.Established(new TcpSocketOptions { ReceiveBufferSize = 2920 });
        h.Write(0, 100);
        h.Recv();
        h.SendNoReset(Data(h, 0, 1460));
        h.SendNoReset(Data(h, 1460, 1460));
        h.Recv(new Seg { Seq = h.Local(100), Ack = h.Remote(2920), Window = 0 });
        h.SendNoReset(new Seg { Seq = h.Remote(2920), Ack = h.Local(100), Payload = [0x55] });
        h.Recv(new Seg { Seq = h.Local(100), Ack = h.Remote(2920), Window = 0 });
        Assert.Equal(0, h.Socket.BytesUnacknowledged);
    }

    [Fact]
    public void DataExactlyHalfTheSequenceSpaceAwayIsDroppedWithoutAThrow()
    {
        // Found by fuzzing the interface: a segment 2^31 before RCV.NXT is both before and after it in
        // sequence arithmetic (RFC 9293 §3.4), passed the acceptability test with its last byte, and its
        // offset, int.MinValue, was negated back to itself: ProcessData sliced the payload at a negative
        // index and threw. It is old data: acknowledged and dropped.
        TcpHarness h = TcpHarness.Established();
        Seg halfway = new() { Seq = h.Remote(0) + int.MinValue, Ack = h.Local(0), Payload = TcpHarness.Pattern(0, 100) };

        h.Send(halfway);

        Assert.Equal(TcpState.Established, h.Socket.State);
        h.SendNoReset(Data(h, 0, 10));
        Assert.Contains(h.RecvAll(), s => s.Header.AcknowledgmentNumber == h.Remote(10));
    }
}
