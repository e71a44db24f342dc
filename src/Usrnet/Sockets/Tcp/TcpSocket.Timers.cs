using System.Net.Sockets;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// The connection's timers: retransmission (RFC 6298) and tail loss probe (RFC 8985 §7), RACK's
/// reordering timer (§6.2), delayed ACK (RFC 9293 §3.8.6.3), persist (§3.8.6.1), keep-alive
/// (RFC 1122 §4.2.3.6), TIME-WAIT (§3.6.1) and the give-back of idle buffers. Each is a deadline; <see cref="PollAt"/> reports the
/// earliest, and <see cref="RunTimers"/> fires those due at the start of each dispatch.
/// </summary>
public sealed partial class TcpSocket
{
    /// <summary>Longest wait between zero-window probes (RFC 9293 §3.8.6.1 leaves it open; Linux caps at 120 s).</summary>
    private static readonly TimeSpan s_maxPersistInterval = TimeSpan.FromSeconds(60);

    private Instant? _timeWaitDeadline;
    private Instant? _finWait2Deadline;         // a disposed socket's limit in FIN-WAIT-2, once armed
    private Instant? _keepAliveDeadline;
    private int _keepAliveProbesSent;
    private Instant? _persistDeadline;
    private TimeSpan _persistBackoff;
    private bool _probeNow;
    private Instant _lastActivity;

    /// <summary>
    /// The next instant this socket needs to be dispatched: now when it has something to send, else its
    /// earliest timer; null when idle.
    /// </summary>
    internal Instant? PollAt(Instant now)
    {
        if (State is TcpState.Closed or TcpState.Listen)
        {
            return null;
        }
        if (_resetPending || _synToSend || _ackNow || _duplicateAcksOwed > 0 || _retransmitNow || _tlpProbeNow || _probeNow || WindowUpdateDue() || HasDataToSend())
        {
            return now;
        }
        Instant? next = _rtoDeadline;
        next = Instant.Min(next, _ackDeadline);
        next = Instant.Min(next, _tlpDeadline);
        next = Instant.Min(next, _reorderDeadline);
        next = Instant.Min(next, _timeWaitDeadline);
        if (OrphanInFinWait2)
        {
            next = Instant.Min(next, _finWait2Deadline ?? now); // unarmed: the next dispatch arms it
        }
        next = Instant.Min(next, _keepAliveDeadline);
        next = Instant.Min(next, _persistDeadline);
        next = Instant.Min(next, IdleBufferDeadline);
        if (_options.KeepAliveIdle is { } idle && KeepAliveApplies)
        {
            next = Instant.Min(next, _lastActivity + idle); // as RunTimers: no probe while data is outstanding
        }
        return next;
    }

    /// <summary>
    /// Most SYN-ACK retransmissions of a passive open (6: given up 123 s after the first). RFC 9293
    /// §3.8.3 MUST-23's 3 minutes are for a SYN, the connect a user waits on; a half-open connection a
    /// listener holds for a SYN that may be forged stays no longer than before (Linux's
    /// tcp_synack_retries is 5).
    /// </summary>
    private const int MaxSynAckRetransmissions = 6;

    /// <summary>Retransmissions of our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) before the attempt fails.</summary>
    private int SynRetransmissionLimit => State == TcpState.SynReceived
        ? Math.Min(_options.MaxSynRetransmissions, MaxSynAckRetransmissions)
        : _options.MaxSynRetransmissions;

    /// <summary>A socket its user disposed, in FIN-WAIT-2 with <see cref="TcpSocketOptions.FinWait2Timeout"/> set.</summary>
    private bool OrphanInFinWait2 => State == TcpState.FinWait2 && _disposed && _options.FinWait2Timeout is not null;

    /// <summary>
    /// The FIN-WAIT-2 timeout of a disposed socket (Linux's tcp_fin_timeout for orphans): armed at the
    /// first dispatch once disposed in FIN-WAIT-2; when it fires the socket closes silently, as Linux's
    /// FIN-WAIT-2 time-wait bucket expires, and a later segment from the peer draws a reset from the
    /// interface as one for no connection. Returns true when it closed the socket.
    /// </summary>
    private bool RunFinWait2Timer(Instant now)
    {
        if (!OrphanInFinWait2)
        {
            _finWait2Deadline = null;
            return false;
        }
        _finWait2Deadline ??= now + _options.FinWait2Timeout!.Value;
        if (now < _finWait2Deadline)
        {
            return false;
        }
        _finWait2Deadline = null;
        _finWait2Timeouts++;
        SetState(TcpState.Closed);
        return true;
    }

    /// <summary>Keep-alive probes only an established connection with nothing outstanding or queued.</summary>
    private bool KeepAliveApplies => State == TcpState.Established && _sndUna == _sndNxt && _tx.Length == 0 && _keepAliveDeadline is null;

    /// <summary>Fires the timers whose time has come.</summary>
    private void RunTimers(Instant now)
    {
        if (_timeWaitDeadline is { } tw && now >= tw)
        {
            _timeWaitDeadline = null;
            SetState(TcpState.Closed);
            return;
        }
        if (RunFinWait2Timer(now))
        {
            return;
        }
        if (_ackDeadline is { } ad && now >= ad)
        {
            _ackDeadline = null;
            _ackNow = true;
        }
        if (_reorderDeadline is { } reorder && now >= reorder)
        {
            OnReorderTimeout(now);
        }
        if (_tlpDeadline is { } tlp && now >= tlp)
        {
            // The probe timer runs no later than the retransmission timer and stands in for it (RFC 8985 §7.2).
            _tlpDeadline = null;
            _tlpProbeNow = true;
            _rtoDeadline = now + _rtt.Rto;
        }
        else if (_rtoDeadline is { } rto && now >= rto)
        {
            OnRetransmissionTimeout(now);
        }
        if (_persistDeadline is { } pd && now >= pd)
        {
            _persistDeadline = null;
            _probeNow = true;
            _persistBackoff = TimeSpan.FromTicks(Math.Min(_persistBackoff.Ticks * 2, s_maxPersistInterval.Ticks));
        }
        RunKeepAlive(now);
        GiveBackIdleBuffers(now);
    }

    /// <summary>RFC 1122 §4.2.3.6: after the idle time, probe; after the configured probes unanswered, the peer is gone.</summary>
    private void RunKeepAlive(Instant now)
    {
        if (_options.KeepAliveIdle is not { } idle || State != TcpState.Established || _sndUna != _sndNxt || _tx.Length != 0)
        {
            _keepAliveDeadline = null;
            return;
        }
        Instant due = _keepAliveDeadline ?? _lastActivity + idle;
        if (now < due)
        {
            return;
        }
        if (_keepAliveProbesSent >= _options.KeepAliveProbes)
        {
            Fail(SocketError.TimedOut);
            return;
        }
        _keepAliveProbesSent++;
        _probeNow = true;
        _keepAliveDeadline = now + _options.KeepAliveInterval;
    }

    /// <summary>Starts the persist timer when data waits on a zero window (RFC 9293 §3.8.6.1).</summary>
    private void ArmPersistTimer(Instant now, int unsent)
    {
        if (unsent > 0 && _sndWnd == 0 && _sndNxt == _sndUna && _persistDeadline is null)
        {
            _persistBackoff = _persistBackoff == TimeSpan.Zero ? _rtt.Rto : _persistBackoff;
            _persistDeadline = now + _persistBackoff;
        }
    }
}
