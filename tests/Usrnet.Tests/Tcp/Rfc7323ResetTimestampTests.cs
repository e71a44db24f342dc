using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>RFC 7323 §3.2: with timestamps negotiated, TSopt "SHOULD be sent in an &lt;RST&gt; segment" — our resets carry TSval and TSecr.</summary>
public class Rfc7323ResetTimestampTests
{
    private const uint PeerTsVal = 5000;

    private static TcpHarness WithTimestamps() =>
        TcpHarness.Established(peerSynOptions: new TcpOptions { MaximumSegmentSize = 1460, Timestamps = (PeerTsVal, 0) });

    [Fact]
    public void AnAbortResetCarriesTimestamps()
    {
        TcpHarness h = WithTimestamps();
        h.AdvanceMs(7);
        h.Socket.Abort();
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(0), Window = 0, Options = new TcpOptions { Timestamps = (h.TsVal, PeerTsVal) } });
    }

    [Fact]
    public void AResetForDataAfterCloseCarriesTimestamps()
    {
        TcpHarness h = WithTimestamps();
        h.Socket.Dispose();
        SentSegment fin = h.Recv();
        Assert.Equal(TcpFlags.Fin | TcpFlags.Ack, fin.Flags);
        TcpHeader? reset = h.Send(new Seg { Seq = h.Remote(0), Ack = h.Local(1), Options = new TcpOptions { Timestamps = (PeerTsVal + 1, h.TsVal) }, Payload = [1] });
        Assert.Equal(TcpFlags.Rst, reset?.Flags);
        Assert.Equal((h.TsVal, PeerTsVal + 1), reset?.Options.Timestamps);
    }

    [Fact]
    public void WithoutTimestampsAResetCarriesNoOptions()
    {
        TcpHarness h = TcpHarness.Established();
        h.Socket.Abort();
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(0), Window = 0 });
    }
}
