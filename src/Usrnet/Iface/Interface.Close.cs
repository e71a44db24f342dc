using Usrnet.Sockets.Tcp;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    /// <summary>
    /// How long <see cref="CloseAll"/> lets connections finish before resetting them: 2 s. Long enough for
    /// the data already queued to drain, our FIN to be acknowledged and the peer's FIN to come back over any
    /// LAN path, with room for one retransmission after RFC 6298's 1 s initial RTO; short enough that an
    /// exiting process does not hang (a service manager's or System.CommandLine's patience after SIGTERM is
    /// a few seconds). The kernel can keep a closed socket's FIN-WAIT-2 for 60 s after the process is gone
    /// (tcp_fin_timeout); a user-space stack cannot outlive its process, so it resets what is left instead,
    /// and the peer is never left waiting.
    /// </summary>
    public static readonly TimeSpan DefaultLinger = TimeSpan.FromSeconds(2);

    private Instant? _lingerDeadline;

    /// <summary>
    /// True after <see cref="CloseAll"/> once every TCP connection has finished: closed, or in TIME-WAIT
    /// (our FIN acknowledged and the peer's answered), or reset after the linger. The owner may then
    /// release the device.
    /// </summary>
    public bool AreConnectionsClosed
    {
        get
        {
            foreach (TcpSocket socket in Sockets.Tcp)
            {
                if (socket.State is not (TcpState.Closed or TcpState.TimeWait))
                {
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>
    /// Closes every TCP connection the way the kernel closes a process's sockets when it exits: listeners
    /// stop and reset the connections nobody accepted; every connection is disposed, so a FIN follows the
    /// data already queued (RFC 9293 §3.10.4 CLOSE), or a reset goes at once when received data was left
    /// unread (RFC 2525 §2.17). Connections not finished (see <see cref="AreConnectionsClosed"/>) by
    /// <paramref name="now"/> + <paramref name="linger"/> are aborted with a reset (§3.10.5 ABORT) by the
    /// <see cref="Poll"/> at that instant, which <see cref="PollAt"/> asks for. The owner polls until
    /// <see cref="AreConnectionsClosed"/>, then disposes the interface.
    /// </summary>
    public void CloseAll(Instant now, TimeSpan linger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(linger, TimeSpan.Zero);
        foreach (TcpListenSocket listener in Sockets.TcpListeners.ToArray())
        {
            listener.Dispose();
        }
        foreach (TcpSocket socket in Sockets.Tcp.ToArray())
        {
            socket.Dispose();
        }
        _lingerDeadline = now + linger;
    }

    /// <summary>At the end of the linger, resets every connection that has not finished closing.</summary>
    private void AbortLingering(Instant now)
    {
        if (_lingerDeadline is not { } deadline || now < deadline)
        {
            return;
        }
        foreach (TcpSocket socket in Sockets.Tcp)
        {
            if (socket.State is not (TcpState.Closed or TcpState.TimeWait))
            {
                socket.Abort();
                Counters.TcpLingerResets++;
            }
        }
    }

    /// <summary>The linger's end while connections are still closing, else null.</summary>
    private Instant? LingerPollAt() => _lingerDeadline is { } deadline && !AreConnectionsClosed ? deadline : null;
}
