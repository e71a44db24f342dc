using Usrnet.Sockets.Tcp;
using Usrnet.Wire;

namespace Usrnet.Tests.Tcp;

/// <summary>
/// A disposed socket in FIN-WAIT-2 whose peer never closes leaves after
/// <see cref="TcpSocketOptions.FinWait2Timeout"/> (Linux's tcp_fin_timeout for orphans); one its user
/// still holds waits for the peer's FIN as long as it takes.
/// </summary>
public class FinWait2TimeoutTests
{
    [Fact]
    public void ADisposedSocketInFinWait2ClosesAfterTheTimeout()
    {
        TcpHarness h = TcpHarness.FinWait2(TcpHarness.DefaultOptions with { KeepAliveIdle = null });
        h.Socket.Dispose();
        h.ExpectNothing(); // arms the timer
        Instant disposed = h.Now;
        Assert.Equal(disposed + TimeSpan.FromSeconds(60), h.PollAt);
        h.AdvanceToPoll();
        h.ExpectNothing(); // silently, as Linux's FIN-WAIT-2 bucket expires
        Assert.Equal(TcpState.Closed, h.Socket.State);
        Assert.Equal(1, h.Stats.FinWait2Timeouts);
        Assert.Null(h.PollAt);
    }

    [Fact]
    public void TheTimeoutIsAnOption()
    {
        TcpHarness h = TcpHarness.FinWait2(TcpHarness.DefaultOptions with { FinWait2Timeout = TimeSpan.FromSeconds(5) });
        h.Socket.Dispose();
        h.ExpectNothing();
        h.Advance(TimeSpan.FromSeconds(5));
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Socket.State);
    }

    [Fact]
    public void ASocketStillHeldWaitsInFinWait2()
    {
        TcpHarness h = TcpHarness.FinWait2();
        Assert.Null(h.PollAt);
        h.Advance(TimeSpan.FromMinutes(10));
        h.ExpectNothing();
        Assert.Equal(TcpState.FinWait2, h.Socket.State);
        Assert.Equal(0, h.Stats.FinWait2Timeouts);
    }

    [Fact]
    public void ThePeersFinBeforeTheTimeoutEndsInTimeWait()
    {
        TcpHarness h = TcpHarness.FinWait2();
        h.Socket.Dispose();
        h.ExpectNothing();
        h.Advance(TimeSpan.FromSeconds(30));
        h.SendNoReset(new Seg { Flags = TcpFlags.Fin | TcpFlags.Ack, Seq = h.Remote(0), Ack = h.Local(1) });
        Assert.Equal(TcpState.TimeWait, h.Socket.State);
        Assert.Equal(0, h.Stats.FinWait2Timeouts);
    }

    [Fact]
    public void NullNeverTimesOut()
    {
        TcpHarness h = TcpHarness.FinWait2(TcpHarness.DefaultOptions with { FinWait2Timeout = null });
        h.Socket.Dispose();
        h.ExpectNothing();
        Assert.Null(h.PollAt);
    }
}
