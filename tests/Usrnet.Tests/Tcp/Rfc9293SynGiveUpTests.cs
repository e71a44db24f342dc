using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>RFC 9293 §3.8.3 MUST-23: by default a SYN is retransmitted for at least 3 minutes before connect gives up.</summary>
public class Rfc9293SynGiveUpTests
{
    [Fact]
    public void AnUnansweredConnectGivesUpNoEarlierThanThreeMinutes()
    {
        TcpHarness h = TcpHarness.SynSent(new TcpSocketOptions());
        Instant first = h.Now;
        List<double> synAt = [0];
        while (h.Socket.State == TcpState.SynSent)
        {
            h.AdvanceToPoll();
            foreach (SentSegment s in h.RecvAll())
            {
                Assert.Equal(TcpFlags.Syn, s.Flags);
                synAt.Add((h.Now - first).TotalSeconds);
            }
        }
        Assert.Equal([0, 1, 3, 7, 15, 31, 63, 123], synAt);
        Assert.Equal(183, (h.Now - first).TotalSeconds);
        Assert.True(h.Now - first >= TimeSpan.FromMinutes(3));
        Assert.Equal(SocketError.TimedOut, h.Error);
    }

    [Fact]
    public void AHalfOpenConnectionGivesUpAfterSixSynAcks()
    {
        // The 3 minutes are for a connect; a listener's half-open connection keeps its 123 s.
        TcpHarness h = TcpHarness.SynReceived(new TcpSocketOptions());
        Instant first = h.Now;
        int synAcks = 1;
        while (h.Socket.State == TcpState.SynReceived)
        {
            h.AdvanceToPoll();
            synAcks += h.RecvAll().Count;
        }
        Assert.Equal(7, synAcks);
        Assert.Equal(123, (h.Now - first).TotalSeconds);
    }
}
