using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

public class SackRecoveryRegressionTests
{
    private const int Mss = 1460;

    private static Seg Data(TcpHarness h, int offset, int length, TcpFlags flags = TcpFlags.Ack) =>
        new() { Flags = flags, Seq = h.Local(offset), Ack = h.Remote(0), Payload = TcpHarness.Pattern(offset, length) };

    private static Seg Sack(TcpHarness h, int fromSegment, int toSegment) => new()
    {
        Seq = h.Remote(0),
        Ack = h.Local(0),
        Options = new TcpOptions { SackBlocks = [new TcpSackBlock(h.Local(fromSegment * Mss), h.Local(toSegment * Mss))] },
    };

    private static TcpHarness TenSegmentsWithSack()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: new TcpOptions { MaximumSegmentSize = 1460, SackPermitted = true });
        h.Write(0, 10 * Mss);
        Assert.Equal(10, h.RecvAll().Count);
        return h;
    }

    [Fact]
    public void SacksForSegmentsSentBeforeARetransmissionDoNotDeclareItLost()
    {
        // Segment 0 is lost; SACKs for 1-3 start recovery and resend it (RFC 6675 §5). SACKs for 4-9
        // then arrive in the same round trip: those segments were sent before the retransmission, so
        // they say nothing about it (RFC 8985 §6.2 judges a retransmission lost only by segments sent
        // after it). Actual: ProcessAck's "lost retransmission" rule (SackedBytes −
        // _sackedAtFirstHoleResend > DupThresh·SMSS, added in f8b9199) rewinds HighRxt and segment 0 is
        // sent again every three or four SACKs - ~30 copies of one segment in one RTT in a 160-segment window.
        TcpHarness h = TenSegmentsWithSack();
        h.SendNoReset(Sack(h, 1, 2));
        h.SendNoReset(Sack(h, 1, 3));
        h.SendNoReset(Sack(h, 1, 4));
        h.Recv(Data(h, 0, Mss, TcpFlags.Ack | TcpFlags.Psh));
        for (int i = 5; i <= 10; i++)
        {
            h.SendNoReset(Sack(h, 1, i));
            h.ExpectNothing();
        }
        Assert.Equal(1, h.Stats.Retransmissions);
    }

    [Fact]
    public void WhileASackOptionShortensSegmentsNagleStillSendsAFullOneAndTheSocketGoesQuiet()
    {
        // We hold out-of-order data, so every segment carries a SACK block and one full segment holds
        // 1460 − 12 bytes. Actual (found by fuzzing the interface): the send check counted a full segment
        // as 1460 and the dispatch as 1448, so with data in flight PollAt said "now" for ever while
        // Nagle held the segment back: a busy loop.
        TcpHarness h = TcpHarness.Established(peerSynOptions: new TcpOptions { MaximumSegmentSize = Mss, SackPermitted = true });
        h.SendNoReset(new Seg { Seq = h.Remote(100), Ack = h.Local(0), Payload = TcpHarness.Pattern(100, 10) });
        h.RecvAll(); // the duplicate ACK with its SACK block
        h.Write(0, 1000);
        Assert.Single(h.RecvAll());

        h.Write(1000, Mss);

        SentSegment full = Assert.Single(h.RecvAll());
        Assert.Equal(Mss - 12, full.Payload.Length);
        Assert.True(h.PollAt > h.Now, $"PollAt {h.PollAt} at {h.Now}: the socket has nothing to send yet says it has");
    }
}
