using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>RFC 2883 §4: data received twice is reported in the first SACK block of the next ACK.</summary>
public class Rfc2883DuplicateSackTests
{
    private static readonly TcpOptions s_sackPeer = new() { MaximumSegmentSize = 1460, SackPermitted = true };

    private static Seg Data(TcpHarness h, int offset, int length) =>
        new() { Flags = TcpFlags.Ack, Seq = h.Remote(offset), Ack = h.Local(0), Payload = TcpHarness.Pattern(offset, length) };

    [Fact]
    public void ASegmentReceivedAgainIsReportedOnceAsADuplicateSack()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackPeer);
        h.SendNoReset(Data(h, 0, 1000));
        h.AdvanceToPoll();
        h.RecvAll();
        h.SendNoReset(Data(h, 0, 1000)); // a needless retransmission
        SentSegment ack = Assert.Single(h.RecvAll());
        Assert.Equal(h.Remote(1000), ack.Header.AcknowledgmentNumber);
        Assert.Equal([new TcpSackBlock(h.Remote(0), h.Remote(1000))], ack.Header.Options.SackBlocks);
        h.SendNoReset(Data(h, 1000, 10));
        h.AdvanceToPoll();
        Assert.All(h.RecvAll(), s => Assert.True(s.Header.Options.SackBlocks.IsEmpty)); // reported once
    }

    [Fact]
    public void APartlyOldSegmentReportsItsOldPartFirstThenTheOutOfOrderBlocks()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackPeer);
        h.SendNoReset(Data(h, 0, 1000));
        h.SendNoReset(Data(h, 3000, 500)); // out of order
        h.RecvAll();
        h.SendNoReset(Data(h, 500, 1000)); // 500..1000 again, 1000..1500 new
        SentSegment ack = h.RecvAll()[^1];
        Assert.Equal(
            [new TcpSackBlock(h.Remote(500), h.Remote(1000)), new TcpSackBlock(h.Remote(3000), h.Remote(3500))],
            ack.Header.Options.SackBlocks);
    }

    [Fact]
    public void WithoutSackNoBlockIsSent()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 0, 1000));
        h.AdvanceToPoll();
        h.RecvAll();
        h.SendNoReset(Data(h, 0, 1000));
        Assert.True(Assert.Single(h.RecvAll()).Header.Options.SackBlocks.IsEmpty);
    }
}
