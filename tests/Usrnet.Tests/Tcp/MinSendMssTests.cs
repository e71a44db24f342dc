using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// The send MSS never drops below 48 bytes of payload (Linux's tcp_min_snd_mss, CVE-2019-11479): a
/// peer announcing an MSS of 1 or 8, or an ICMP fragmentation needed with a tiny MTU, cannot make us
/// send a byte or a few per segment.
/// </summary>
public class MinSendMssTests
{
    private static readonly TcpSocketOptions s_noDelay = TcpHarness.DefaultOptions with { NoDelay = true };

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(47)]
    public void ATinyPeerMssIsRaisedTo48(int peerMss)
    {
        TcpHarness h = TcpHarness.Established(s_noDelay, new TcpOptions { MaximumSegmentSize = (ushort)peerMss });
        Assert.Equal(48, h.Stats.MaximumSegmentSize);
        Assert.Equal(1, h.Stats.MssClamps);
        h.Write(0, 200);
        List<SentSegment> sent = h.RecvAll();
        Assert.Equal([48, 48, 48, 48, 8], sent.Select(s => s.Payload.Length));
    }

    [Fact]
    public void APeerMssOf48IsTakenAsItIs()
    {
        TcpHarness h = TcpHarness.Established(s_noDelay, new TcpOptions { MaximumSegmentSize = 48 });
        Assert.Equal(48, h.Stats.MaximumSegmentSize);
        Assert.Equal(0, h.Stats.MssClamps);
    }

    [Fact]
    public void ATinyPathMtuIsRaisedTo48()
    {
        // RFC 1191 §6.2 allows an MTU of 68: 28 bytes of payload; the floor keeps 48.
        TcpHarness h = TcpHarness.Established(s_noDelay);
        h.Socket.ReducePathMtu(68);
        Assert.Equal(48, h.Stats.MaximumSegmentSize);
        Assert.Equal(1, h.Stats.MssClamps);
        h.Socket.ReducePathMtu(576);
        Assert.Equal(48, h.Stats.MaximumSegmentSize); // a larger MTU never raises the MSS back here
    }
}
