using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>RFC 5961 §7: challenge ACKs are rate-limited, one per 500 ms per connection, as Linux's tcp_invalid_ratelimit.</summary>
public class Rfc5961ChallengeAckLimitTests
{
    private static Seg InWindowReset(TcpHarness h) => new() { Flags = TcpFlags.Rst, Seq = h.Remote(100), Ack = default };

    [Fact]
    public void ThirtyInWindowResetsFiveMillisecondsApartDrawOneChallengeAck()
    {
        TcpHarness h = TcpHarness.Established();
        int acks = 0;
        for (int i = 0; i < 30; i++)
        {
            h.SendNoReset(InWindowReset(h));
            acks += h.RecvAll().Count;
            h.AdvanceMs(5);
        }
        Assert.Equal(1, acks);
        Assert.Equal((1L, 29L), (h.Stats.ChallengeAcksSent, h.Stats.ChallengeAcksSuppressed));
        Assert.Equal(Usrnet.Sockets.Tcp.TcpState.Established, h.Socket.State);
    }

    [Fact]
    public void AfterHalfASecondTheNextResetOrSynDrawsAChallengeAckAgain()
    {
        TcpHarness h = TcpHarness.Established();
        h.SendNoReset(InWindowReset(h));
        Assert.Single(h.RecvAll());
        h.AdvanceMs(499);
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn, Seq = h.Remote(5) });
        h.ExpectNothing();
        h.AdvanceMs(1);
        h.SendNoReset(new Seg { Flags = TcpFlags.Syn, Seq = h.Remote(5) });
        h.Recv(new Seg { Flags = TcpFlags.Ack, Seq = h.Local(0), Ack = h.Remote(0) });
    }
}
