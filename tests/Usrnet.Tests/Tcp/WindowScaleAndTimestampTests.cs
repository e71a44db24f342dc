using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>Window scaling and timestamps (RFC 7323 §2-§5).</summary>
public class WindowScaleAndTimestampTests
{
    private const uint PeerTsVal = 1000;

    private static TcpHarness EstablishedWithTimestamps(int rttMs = 0) =>
        TcpHarness.Established(peerSynOptions: new TcpOptions { MaximumSegmentSize = 1460, Timestamps = (PeerTsVal, 0) }, rttMs: rttMs);

    [Fact]
    public void ThePeersScaleAppliesOnlyAfterTheHandshake()
    {
        TcpHarness h = TcpHarness.SynSent();
        h.SendNoReset(new Seg
        {
            Flags = TcpFlags.Syn | TcpFlags.Ack,
            Seq = TcpHarness.RemoteIss,
            Ack = h.Local(0),
            Window = 1000,
            Options = new TcpOptions { MaximumSegmentSize = 1460, WindowScale = 7 },
        });
        // RFC 7323 §2.2: the window in a SYN is never scaled.
        Assert.Equal(1000, h.Stats.SendWindow);
        h.Recv();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Window = 1000 });
        Assert.Equal(1000 << 7, h.Stats.SendWindow);
    }

    [Fact]
    public void ThePeersScaleAppliesToTheFinalAckOfAPassiveOpen()
    {
        TcpHarness h = TcpHarness.Listening();
        h.PeerSyn(new TcpOptions { MaximumSegmentSize = 1460, WindowScale = 7 }, window: 1000);
        SentSegment synAck = h.Recv();
        Assert.Equal(1000, h.Stats.SendWindow);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = synAck.Seq + 1, Window = 1000 });
        Assert.Equal(1000 << 7, h.Stats.SendWindow);
    }

    [Fact]
    public void OurWindowIsScaledFromTheAckThatCompletesTheHandshake()
    {
        TcpHarness h = TcpHarness.SynSent(TcpSocketOptions.Default);
        h.SendNoReset(new Seg
        {
            Flags = TcpFlags.Syn | TcpFlags.Ack,
            Seq = TcpHarness.RemoteIss,
            Ack = h.Local(0),
            Options = new TcpOptions { MaximumSegmentSize = 1460, WindowScale = 2 },
        });
        // The SYN offered shift 3 (from the 256 KiB maximum) and an unscaled 65535; the ACK offers the
        // initial 64 KiB receive buffer scaled, 65535 >> 3: one byte more is no window update (§3.8.6.2.2).
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0), Window = ushort.MaxValue >> 3 });
    }

    [Fact]
    public void OurScaledWindowIsRoundedDown()
    {
        TcpHarness h = TcpHarness.Established(TcpSocketOptions.Default, new TcpOptions { MaximumSegmentSize = 1460, WindowScale = 2 });
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Payload = new byte[100] });
        h.AdvanceMs(40);
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(100), Window = (ushort.MaxValue - 100) >> 3 });
    }

    [Fact]
    public void WithoutThePeersWindowScaleNeitherSideScales()
    {
        TcpHarness h = TcpHarness.SynSent(TcpSocketOptions.Default);
        h.SendNoReset(new Seg
        {
            Flags = TcpFlags.Syn | TcpFlags.Ack,
            Seq = TcpHarness.RemoteIss,
            Ack = h.Local(0),
            Window = 1000,
            Options = TcpHarness.PlainSynOptions,
        });
        // Our 256 KiB is offered as the most 16 bits hold.
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0), Window = 65535 });
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Window = 1000 });
        Assert.Equal(1000, h.Stats.SendWindow);
    }

    [Fact]
    public void EverySegmentCarriesOurClockAsTsvalAndEchoesTsRecent()
    {
        TcpHarness h = EstablishedWithTimestamps();
        h.AdvanceMs(25);
        h.Write(0, 10);
        h.Recv(new Seg
        {
            Flags = TcpFlags.Ack | TcpFlags.Psh,
            Seq = h.Local(0),
            Ack = h.Remote(0),
            Options = new TcpOptions { Timestamps = (h.TsVal, PeerTsVal) },
            Payload = TcpHarness.Pattern(0, 10),
        });
        h.AdvanceMs(1000);
        h.Write(10, 10);
        SentSegment later = h.Recv();
        Assert.Equal((h.TsVal, PeerTsVal), later.Header.Options.Timestamps);
    }

    [Fact]
    public void AnInOrderSegmentsTsvalBecomesTheEcho()
    {
        // RFC 7323 §4.3: TS.Recent takes TSval when SEG.SEQ <= Last.ACK.sent.
        TcpHarness h = EstablishedWithTimestamps();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Options = new TcpOptions { Timestamps = (1500, h.TsVal) }, Payload = [1] });
        h.AdvanceMs(40);
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(1), Window = 65534, Options = new TcpOptions { Timestamps = (h.TsVal, 1500) } });
    }

    [Fact]
    public void AnOutOfOrderSegmentsTsvalIsNotEchoed()
    {
        // RFC 7323 §4.3: a segment beyond Last.ACK.sent does not update TS.Recent.
        TcpHarness h = EstablishedWithTimestamps();
        h.SendNoReset(new Seg { Seq = h.Remote(100), Ack = h.Local(0), Options = new TcpOptions { Timestamps = (2000, h.TsVal) }, Payload = [1] });
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0), Options = new TcpOptions { Timestamps = (h.TsVal, PeerTsVal) } });
    }

    [Fact]
    public void PawsDropsASegmentWithAnOlderTimestampAndAcknowledges()
    {
        // RFC 7323 §5.3 R1: SEG.TSval < TS.Recent → not acceptable: ACK and drop.
        TcpHarness h = EstablishedWithTimestamps();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Options = new TcpOptions { Timestamps = (PeerTsVal - 1, h.TsVal) }, Payload = [1, 2, 3] });
        h.Recv(new Seg { Seq = h.Local(0), Ack = h.Remote(0), Options = new TcpOptions { Timestamps = (h.TsVal, PeerTsVal) } });
        h.ExpectNothing();
        Assert.Equal(0, h.Socket.BytesAvailable);
        Assert.Equal(1, h.Stats.SegmentsRejected);
    }

    [Fact]
    public void PawsComparesTimestampsModuloTwoToThe32()
    {
        // A TSval that wrapped past 2^32 is newer, not older (RFC 7323 §5.2: sequence-space arithmetic).
        TcpHarness h = TcpHarness.Established(peerSynOptions: new TcpOptions { MaximumSegmentSize = 1460, Timestamps = (0xFFFF_FFF0, 0) });
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(0), Options = new TcpOptions { Timestamps = (5, h.TsVal) }, Payload = [1] });
        Assert.Equal(1, h.Socket.BytesAvailable);
    }

    [Fact]
    public void PawsDoesNotApplyToAReset()
    {
        TcpHarness h = EstablishedWithTimestamps();
        h.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = h.Remote(0), Options = new TcpOptions { Timestamps = (PeerTsVal - 100, 0) } });
        Assert.Equal(TcpState.Closed, h.Socket.State);
    }

    [Fact]
    public void TheEchoedTimestampMeasuresTheRoundTrip()
    {
        // RFC 7323 §4.1 / RFC 6298 §2.3: RTT = now − TSecr.
        TcpHarness h = EstablishedWithTimestamps(rttMs: 100);
        Assert.Equal(TimeSpan.FromMilliseconds(100), h.Stats.SmoothedRtt);
        h.Write(0, 10);
        uint sentTsVal = h.TsVal;
        h.Recv();
        h.AdvanceMs(180);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(10), Options = new TcpOptions { Timestamps = (PeerTsVal + 180, sentTsVal) } });
        Assert.Equal(TimeSpan.FromMilliseconds(110), h.Stats.SmoothedRtt);
    }

    [Fact]
    public void WithoutTimestampsInTheSynAckNoSegmentCarriesThem()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 10);
        Assert.True(h.Recv().Header.Options.IsEmpty);
    }
}
