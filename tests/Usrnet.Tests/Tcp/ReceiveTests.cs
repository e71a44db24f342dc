using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// Receiving in ESTABLISHED: acceptance (RFC 9293 §3.10.7.4), delayed and immediate ACKs (§3.8.6.3,
/// RFC 5681 §4.2), SACK blocks (RFC 2018), flow control and receiver SWS avoidance (§3.8.6.2.2).
/// </summary>
public class ReceiveTests
{
    private static readonly TcpOptions s_sackSyn = new() { MaximumSegmentSize = 1460, SackPermitted = true };

    private static Seg Data(TcpHarness h, int offset, int length, TcpFlags flags = TcpFlags.Ack) =>
        new() { Flags = flags, Seq = h.Remote(offset), Ack = h.Local(0), Payload = TcpHarness.Pattern(offset, length) };

    [Fact]
    public void OneSegmentIsAcknowledgedAfterTheAckDelayAndNotBefore()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 0, 100));
        h.ExpectNothing();
        Assert.Equal(h.Now + TimeSpan.FromMilliseconds(40), h.PollAt);
        h.AdvanceMs(39);
        h.ExpectNothing();
        h.AdvanceMs(1);
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(100), Window = 65535 - 100 });
        h.ExpectNothing();
        Assert.Equal(TcpHarness.Pattern(0, 100), h.Read(1000));
    }

    [Fact]
    public void TheAckDelayRunsFromTheFirstUnacknowledgedSegment()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 0, 100));
        h.AdvanceMs(30);
        h.SendNoReset(Data(h, 100, 100));
        h.ExpectNothing();
        h.AdvanceMs(10);
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(200), Window = 65535 - 200 });
    }

    [Fact]
    public void TheSecondFullSizedSegmentIsAcknowledgedAtOnce()
    {
        // RFC 9293 §3.8.6.3: an ACK for at least every second full-sized segment.
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 0, 1460));
        h.ExpectNothing();
        h.SendNoReset(Data(h, 1460, 1460));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(2920), Window = 65535 - 2920 });
        h.ExpectNothing();
        h.SendNoReset(Data(h, 2920, 1460));
        h.ExpectNothing();
    }

    [Fact]
    public void AZeroAckDelayAcknowledgesEverySegment()
    {
        TcpHarness h = TcpHarness.Established(TcpHarness.DefaultOptions with { AckDelay = TimeSpan.Zero });
        h.SendNoReset(Data(h, 0, 10));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(10), Window = 65525 });
    }

    [Fact]
    public void DataRidesOnTheDelayedAck()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 0, 100));
        h.Write("reply"u8);
        h.Recv(new Seg { Flags = TcpFlags.Ack | TcpFlags.Psh, Seq = h.Local(0), Ack = h.Remote(100), Window = 65435, Payload = "reply"u8.ToArray() });
        h.AdvanceMs(40);
        h.ExpectNothing();
    }

    [Fact]
    public void AnOutOfOrderSegmentDrawsAnImmediateDuplicateAckWithASackBlock()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackSyn);
        h.SendNoReset(Data(h, 1000, 500));
        // RFC 5681 §4.2 and RFC 2018 §4: at once, RCV.NXT unchanged, the block received.
        h.Recv(new Seg
        {
            Seq = h.Local(0),
            Ack = h.Remote(0),
            Options = new TcpOptions { SackBlocks = [new TcpSackBlock(h.Remote(1000), h.Remote(1500))] },
        });
        h.ExpectNothing();
        Assert.Equal(0, h.Socket.BytesAvailable);
    }

    [Fact]
    public void WithoutSackTheDuplicateAckHasNoOptions()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 1000, 500));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0) });
    }

    [Fact]
    public void EachOutOfOrderSegmentDrawsItsOwnDuplicateAck()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackSyn);
        h.SendNoReset(Data(h, 1000, 100));
        h.SendNoReset(Data(h, 1100, 100));
        h.SendNoReset(Data(h, 1200, 100));
        Seg dup = new()
        {
            Seq = h.Local(0),
            Ack = h.Remote(0),
            Options = new TcpOptions { SackBlocks = [new TcpSackBlock(h.Remote(1000), h.Remote(1300))] },
        };
        h.Recv(dup);
        h.Recv(dup);
        h.Recv(dup);
        h.ExpectNothing();
    }

    [Fact]
    public void FillingTheHoleIsAcknowledgedAtOnceCoveringEverything()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackSyn);
        h.SendNoReset(Data(h, 100, 200));
        h.Recv();
        h.SendNoReset(Data(h, 0, 100));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(300), Window = 65535 - 300 });
        h.ExpectNothing();
        Assert.Equal(TcpHarness.Pattern(0, 300), h.Read(1000));
    }

    [Fact]
    public void FillingOneOfTwoHolesAcknowledgesUpToTheNextHoleAndSacksTheRest()
    {
        TcpHarness h = TcpHarness.Established(peerSynOptions: s_sackSyn);
        h.SendNoReset(Data(h, 100, 100));
        h.SendNoReset(Data(h, 300, 100));
        h.RecvAll();
        h.SendNoReset(Data(h, 0, 100));
        h.Recv(new Seg
        {
            Seq = h.Local(0),
            Ack = h.Remote(200),
            Window = 65535 - 200,
            Options = new TcpOptions { SackBlocks = [new TcpSackBlock(h.Remote(300), h.Remote(400))] },
        });
    }

    [Fact]
    public void AnOldDuplicateSegmentIsAnsweredWithAnAckAtOnce()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 0, 100));
        h.AdvanceMs(40);
        h.Recv();
        h.SendNoReset(Data(h, 0, 100));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(100), Window = 65435 });
        Assert.Equal(100, h.Socket.BytesAvailable);
    }

    [Fact]
    public void APartlyOldSegmentDeliversOnlyItsNewBytes()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 0, 100));
        h.SendNoReset(Data(h, 50, 100));
        Assert.Equal(TcpHarness.Pattern(0, 150), h.Read(1000));
    }

    [Fact]
    public void ASegmentBeyondTheWindowIsAnsweredWithAnAckAndDropped()
    {
        // RFC 9293 §3.10.7.4 first check: not acceptable → <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(new Seg { Seq = h.Remote(65535), Ack = h.Local(0), Payload = [1, 2, 3] });
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0) });
        Assert.Equal(1, h.Stats.SegmentsRejected);
        Assert.Equal(0, h.Socket.BytesAvailable);
    }

    [Fact]
    public void DataBeyondTheWindowIsTrimmed()
    {
        TcpHarness h = TcpHarness.Established(new TcpSocketOptions { ReceiveBufferSize = 1000 });
        h.SendNoReset(Data(h, 0, 1460));
        h.AdvanceMs(40);
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(1000), Window = 0 });
        Assert.Equal(TcpHarness.Pattern(0, 1000), h.Read(2000));
    }

    [Fact]
    public void AFullBufferAdvertisesAZeroWindow()
    {
        TcpHarness h = TcpHarness.Established(new TcpSocketOptions { ReceiveBufferSize = 2920 });
        h.SendNoReset(Data(h, 0, 1460));
        h.SendNoReset(Data(h, 1460, 1460));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(2920), Window = 0 });
    }

    [Fact]
    public void WithAZeroWindowOnlyASegmentAtRcvNxtWithoutDataIsAcceptable()
    {
        TcpHarness h = TcpHarness.Established(new TcpSocketOptions { ReceiveBufferSize = 2920 });
        h.SendNoReset(Data(h, 0, 1460));
        h.SendNoReset(Data(h, 1460, 1460));
        h.Recv();
        // A byte of data is not acceptable in a zero window: ACK, drop.
        h.SendNoReset(Data(h, 2920, 1));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(2920), Window = 0 });
        Assert.Equal(1, h.Stats.SegmentsRejected);
        // An empty probe below RCV.NXT is not acceptable either: ACK.
        h.SendNoReset(new Seg { Seq = h.Remote(2919), Ack = h.Local(0) });
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(2920), Window = 0 });
        Assert.Equal(2920, h.Socket.BytesAvailable);
    }

    [Fact]
    public void TheWindowReopensOnlyOnceTheAppReadsEnough()
    {
        TcpHarness h = TcpHarness.Established(new TcpSocketOptions { ReceiveBufferSize = 4096 });
        h.SendNoReset(Data(h, 0, 1460));
        h.SendNoReset(Data(h, 1460, 1460));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(2920), Window = 4096 - 2920 });
        h.SendNoReset(Data(h, 2920, 1176));
        h.AdvanceMs(40);
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(4096), Window = 0 });
        // RFC 9293 §3.8.6.2.2: no update until the window can grow by min(buffer / 2, MSS) = 1460.
        Assert.Equal(1000, h.Read(1000).Length);
        h.ExpectNothing();
        Assert.Null(h.PollAt);
        Assert.Equal(459, h.Read(459).Length);
        h.ExpectNothing();
        Assert.Single(h.Read(1));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(4096), Window = 1460 });
        h.ExpectNothing();
    }

    [Fact]
    public void TheRightEdgeOfTheWindowNeverMovesLeft()
    {
        // RFC 9293 §3.8.6: a receiver should not shrink the window; data the app has not read keeps
        // the advertised window at what is left of the last offer.
        TcpHarness h = TcpHarness.Established(new TcpSocketOptions { ReceiveBufferSize = 4096 });
        h.SendNoReset(Data(h, 0, 1000));
        h.AdvanceMs(40);
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(1000), Window = 3096 });
        h.SendNoReset(Data(h, 1000, 1000));
        h.AdvanceMs(40);
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(2000), Window = 2096 });
    }

    [Fact]
    public void ThePeersFinAfterDataIsAcknowledgedAtOnceAndEndsTheStream()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 0, 100, TcpFlags.Ack | TcpFlags.Fin));
        // The FIN takes a sequence number inside the window; the right edge stays where it was offered.
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(101), Window = 65434 });
        Assert.Equal(TcpState.CloseWait, h.Socket.State);
        Assert.False(h.Socket.IsReceiveComplete);
        Assert.Equal(100, h.Read(1000).Length);
        Assert.True(h.Socket.IsReceiveComplete);
        Assert.Empty(h.Read(1000));
    }

    [Fact]
    public void AFinAheadOfMissingDataWaitsForTheHoleToFill()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 100, 100, TcpFlags.Ack | TcpFlags.Fin));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0) });
        Assert.Equal(TcpState.Established, h.Socket.State);
        h.SendNoReset(Data(h, 0, 100));
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(201), Window = 65334 });
        Assert.Equal(TcpState.CloseWait, h.Socket.State);
    }

    [Fact]
    public void ASegmentWithoutAckIsDropped()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(new Seg { Flags = TcpFlags.Psh, Seq = h.Remote(0), Payload = [1] });
        h.AdvanceMs(100);
        h.ExpectNothing();
        Assert.Equal(0, h.Socket.BytesAvailable);
    }

    [Fact]
    public void StatisticsCountReceivedBytesAndSegments()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(Data(h, 0, 100));
        h.SendNoReset(Data(h, 100, 50));
        Assert.Equal(150, h.Stats.BytesReceived);
        Assert.Equal(3, h.Stats.SegmentsReceived); // SYN-ACK and two data segments
    }
}
