using System.Net.Sockets;
using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// RFC 5961 §3.2 from the sending side: the peer takes our reset only at exactly its RCV.NXT, so an
/// abort with data in flight sends one at SND.UNA and one at SND.MAX, and whichever the peer holds
/// up to, one of them is exact.
/// </summary>
public class ResetAcceptanceTests
{
    [Fact]
    public void AnAbortWithNothingUnacknowledgedSendsOneResetAtSndNxt()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 100);
        h.Recv();
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(100) });
        h.Socket.Abort();
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(100), Window = 0 });
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Socket.State);
    }

    [Fact]
    public void AnAbortWithDataInFlightSendsResetsAtSndUnaThenSndMax()
    {
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 2920);
        Assert.Equal(2, h.RecvAll().Count);
        h.SendNoReset(new Seg { Seq = h.Remote(0), Ack = h.Local(1460) });
        h.Socket.Abort();
        Assert.Equal(TcpState.Established, h.Socket.State); // until the last reset is out
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(1460), Window = 0 });
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(2920), Window = 0 });
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(SocketError.ConnectionAborted, h.Error);
        Assert.Null(h.PollAt);
    }

    [Fact]
    public void AfterATimeoutRewoundSndNxtTheLastResetIsAtSndMax()
    {
        // The peer may hold everything sent before the timeout: SND.MAX, not the rewound SND.NXT.
        TcpHarness h = TcpHarness.Established();
        h.Write(0, 2920);
        h.RecvAll();
        bool rewound = false;
        for (int i = 0; i < 5 && !rewound; i++)
        {
            h.AdvanceToPoll(); // a tail loss probe, then the retransmission timeout
            rewound = h.RecvAll().Exists(s => s.Seq == h.Local(0));
        }
        Assert.True(rewound);
        h.Socket.Abort();
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(0), Window = 0 });
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(2920), Window = 0 });
        h.ExpectNothing();
    }

    [Fact]
    public void AnAbortInSynReceivedSendsOneReset()
    {
        // Only our SYN is unacknowledged: a peer that got it expects ISS+1; one that did not ignores a reset without ACK.
        TcpHarness h = TcpHarness.SynReceived();
        h.Socket.Abort();
        h.Recv(new Seg { Flags = TcpFlags.Rst, Seq = h.Local(0), Window = 0 });
        h.ExpectNothing();
    }

    [Theory]
    [InlineData(0)]    // the peer lost all it had not acknowledged
    [InlineData(2920)] // the peer holds all we sent
    public void OneOfTheTwoResetsIsExactForAPeerOfThisStack(int peerHolds)
    {
        // The receiving side of RFC 5961 §3.2: a peer built from this socket resets on exactly one of them.
        TcpHarness sender = TcpHarness.Established();
        sender.Write(0, 2920);
        List<SentSegment> sent = sender.RecvAll();
        TcpHarness peer = TcpHarness.Established();
        sender.Socket.Abort();
        List<SentSegment> resets = sender.RecvAll();
        Assert.Equal(2, resets.Count);
        int reset = 0;
        foreach (SentSegment r in resets)
        {
            int offset = r.Seq - sender.Local(0);
            peer.SendNoReset(new Seg { Flags = TcpFlags.Rst, Seq = peer.Remote(offset - peerHolds) });
            if (peer.Socket.State == TcpState.Closed)
            {
                reset++;
                break;
            }
        }
        Assert.Equal(1, reset);
        Assert.Equal(2, sent.Count);
    }
}
