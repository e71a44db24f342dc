using System.Net.Sockets;
using Usrnet.Storage;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// A TCP connection (RFC 9293): the state machine of §3.3.2 and §3.10, retransmission (RFC 6298),
/// congestion control (RFC 5681, RFC 6582, RFC 9438), window scaling and timestamps (RFC 7323),
/// selective acknowledgments (RFC 2018), flow control with silly-window avoidance (§3.8.6), Nagle,
/// delayed acknowledgments, keep-alive and TIME-WAIT.
/// </summary>
/// <remarks>
/// Ownership: the socket owns its send and receive rings; <see cref="Send"/> copies into one and
/// <see cref="Receive"/> out of the other, and the interface copies segments straight from and to
/// them. Urgent data (RFC 9293 §3.8.5, MUST-30 to MUST-33) is delivered inline: a segment's urgent bytes
/// are received in sequence with the rest (as RFC 6093 §6 recommends), and the socket never sends URG. Not thread-safe: use it on the thread that polls its interface. Disposing a socket closes it
/// gracefully; it stays in its set until the close completes (or is aborted), then leaves.
/// </remarks>
public sealed partial class TcpSocket : IDisposable
{
    private readonly TcpSocketTable _table;
    private readonly TcpSocketOptions _options;
    private readonly RingBuffer _tx;
    private readonly RingBuffer _rx;
    private readonly Assembler _assembler = new();
    private SocketError _error;
    private SocketError _softError;
    private bool _disposed;

    internal TcpSocket(TcpSocketTable table, TcpSocketOptions options)
    {
        options.Validate();
        _table = table;
        _options = options;
        _tx = new RingBuffer(options.SendBufferSize) { GivesBackWhenEmpty = false }; // given back when idle: see BufferIdleTime
        _rx = new RingBuffer(InitialReceiveBufferFor(options), options.ReceiveBufferSize) { GivesBackWhenEmpty = false };
        _rtt = new RttEstimator(options.InitialRetransmissionTimeout, options.MinRetransmissionTimeout, options.MaxRetransmissionTimeout);
        _cc = CongestionController.Create(options.CongestionControl, DefaultMss, options.InitialWindowSegments);
    }

    /// <summary>The connection state.</summary>
    public TcpState State { get; private set; } = TcpState.Closed;

    /// <summary>The local endpoint; port 0 until connected or accepted.</summary>
    public Ipv4Endpoint LocalEndpoint { get; private set; }

    /// <summary>The peer's endpoint.</summary>
    public Ipv4Endpoint RemoteEndpoint { get; private set; }

    /// <summary>The options the socket was created with.</summary>
    public TcpSocketOptions Options => _options;

    /// <summary>True in the states where data may be sent (ESTABLISHED and CLOSE-WAIT) and <see cref="Shutdown"/> was not called.</summary>
    public bool IsSendOpen => State is TcpState.Established or TcpState.CloseWait && !_finQueued;

    /// <summary>True when <see cref="Send"/> would take at least one byte.</summary>
    public bool CanSend => IsSendOpen && _tx.Free > 0;

    /// <summary>Bytes waiting in the receive buffer.</summary>
    public int BytesAvailable => _rx.Length;

    /// <summary>True when <see cref="Receive"/> would return data now.</summary>
    public bool CanReceive => _rx.Length > 0;

    /// <summary>
    /// True once the peer has closed its side (its FIN arrived) and every byte before it has been read:
    /// <see cref="Receive"/> returns 0 from now on. Also true after a reset or abort.
    /// </summary>
    public bool IsReceiveComplete => _rx.Length == 0 && (_finReceived || State is TcpState.Closed or TcpState.TimeWait);

    /// <summary>Bytes the socket has not yet had acknowledged (queued or in flight).</summary>
    public int BytesUnacknowledged => _tx.Length;

    /// <summary>True once the socket was disposed by its user.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>The listener that accepted this connection, while it waits in the accept queue.</summary>
    internal TcpListenSocket? Listener { get; set; }

    /// <summary>
    /// An object of the owner's choosing, queued in <see cref="SocketSet.TryTakeReady"/>'s ready queue
    /// whenever a segment arrives for this socket or its state changes: when a read, a write, a connect
    /// waiting on it may complete. Null (the default) queues nothing.
    /// </summary>
    public object? Token { get; set; }

    /// <summary>Position in the table's socket list; -1 once the socket has left the table.</summary>
    internal int TableIndex { get; set; }

    /// <summary>True while the socket is on the table's active list (it has work for the next dispatch).</summary>
    internal bool IsActive { get; set; }

    /// <summary>The deadline of the socket's current entry on the table's heap, or null.</summary>
    internal Instant? ScheduledAt { get; set; }

    /// <summary>
    /// True while the socket waits for the interface's next dispatch. A caller on another thread that
    /// finds it false before a call and true after must wake the interface's loop; otherwise the loop
    /// knows already.
    /// </summary>
    internal bool NeedsDispatch => IsActive;

    /// <summary>Closed, and disposed by its user or never accepted: nobody will use it again and it leaves the table.</summary>
    internal bool IsFinished => State == TcpState.Closed && (_disposed || Listener is not null);

    /// <summary>What the connection did so far.</summary>
    public TcpStatistics Statistics => new()
    {
        SegmentsSent = _segmentsSent,
        SegmentsReceived = _segmentsReceived,
        BytesAcknowledged = _bytesAcknowledged,
        BytesReceived = _bytesReceived,
        Retransmissions = _retransmissions,
        Timeouts = _timeouts,
        FastRetransmits = _fastRetransmits,
        TailLossProbes = _tailLossProbes,
        RackLossDetections = _rackLosses,
        DuplicateSacksReceived = _duplicateSacks,
        RecoveriesUndone = _recoveriesUndone,
        SmoothedRtt = _rtt.HasSample ? _rtt.Smoothed : null,
        RetransmissionTimeout = _rtt.Rto,
        CongestionWindow = _cc.Window,
        SlowStartThreshold = _cc.SlowStartThreshold,
        SendWindow = _sndWnd,
        MaximumSegmentSize = _sndMss,
        SegmentsRejected = _segmentsRejected,
        ResetsForDataAfterClose = _resetsForDataAfterClose,
        FinWait2Timeouts = _finWait2Timeouts,
        MssClamps = _mssClamps,
        ChallengeAcksSent = _challengeAcksSent,
        ChallengeAcksSuppressed = _challengeAcksSuppressed,
        ReceiveBufferSize = _rx.Capacity,
        BufferMemory = BufferCapacity,
    };

    /// <summary>
    /// Starts an active open (RFC 9293 §3.10.1): sends a SYN to <paramref name="remote"/> from the
    /// interface's address and <paramref name="localPort"/> (0 picks an ephemeral port, RFC 6056), offering
    /// the MSS of the interface's route. The state becomes SYN-SENT; poll the interface and watch
    /// <see cref="State"/> or <see cref="TryTakeError"/>.
    /// </summary>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.NetworkUnreachable"/> while the interface has no address,
    /// <see cref="SocketError.IsConnected"/> when not closed, <see cref="SocketError.AddressAlreadyInUse"/> for a taken four-tuple.
    /// </exception>
    /// <exception cref="ArgumentException">The remote endpoint is not a unicast address and a port.</exception>
    public void Connect(Instant now, Ipv4Endpoint remote, ushort localPort = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (State != TcpState.Closed)
        {
            throw new SocketException((int)SocketError.IsConnected);
        }
        if (!remote.Address.IsUnicast || remote.Port == 0)
        {
            throw new ArgumentException($"{remote} is not a unicast address and port", nameof(remote));
        }
        if (_table.LocalAddress is not { } localAddress)
        {
            throw new SocketException((int)SocketError.NetworkUnreachable);
        }
        if (localPort == 0)
        {
            localPort = _table.AllocatePort(localAddress, remote);
        }
        else if (_table.IsTupleTaken(localPort, remote, this))
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }
        LocalEndpoint = new Ipv4Endpoint(localAddress, localPort);
        RemoteEndpoint = remote;
        ResetConnectionState();
        _routeMss = _table.RouteMss;
        _iss = _table.InitialSequenceNumbers.Next(now, LocalEndpoint, remote);
        _sndUna = _iss;
        _sndNxt = _iss;
        _recover = _iss;
        _tsOffset = (uint)_iss.Value; // RFC 7323 §5.4: a per-connection random offset
        _error = SocketError.Success;
        _lastActivity = now;
        SetState(TcpState.SynSent);
    }

    /// <summary>
    /// Queues as much of <paramref name="data"/> as the send buffer takes and returns the count (0 when
    /// full). Data is segmented and sent when the interface is polled.
    /// </summary>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.NotConnected"/> before the connection is open, <see cref="SocketError.Shutdown"/>
    /// after <see cref="Shutdown"/>, or the error that closed the connection (e.g. <see cref="SocketError.ConnectionReset"/>).
    /// </exception>
    public int Send(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsSendOpen)
        {
            ThrowSendError();
        }
        // With a segment's worth unsent already, the socket waits for a window, not for data: the ACK
        // that opens it makes the socket active, and nobody need wake the interface for this call.
        bool segmentWaiting = _tx.Length - (_sndNxt - _sndUna) >= _sndMss;
        int queued = _tx.Enqueue(data);
        if (queued > 0 && !segmentWaiting)
        {
            _table.Activate(this);
        }
        return queued;
    }

    /// <summary>
    /// Reads up to <paramref name="buffer"/>'s length of received data and returns the count; 0 when
    /// nothing is waiting (check <see cref="IsReceiveComplete"/> to tell end of stream from "not yet").
    /// Reading opens the receive window; a window update is sent when it opened enough (RFC 9293 §3.8.6.2.2).
    /// </summary>
    /// <exception cref="SocketException">The error that closed the connection (reset, timed out) once the buffer is drained.</exception>
    public int Receive(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int read = _rx.Dequeue(buffer);
        if (read == 0 && _error != SocketError.Success && !_finReceived)
        {
            throw new SocketException((int)_error);
        }
        if (read > 0 && WindowUpdateDue())
        {
            _table.Activate(this); // reading opened the window enough to tell the peer (§3.8.6.2.2)
        }
        return read; // the window update, if reading opened enough, goes out at the next dispatch
    }

    /// <summary>
    /// Lends the socket a waiting reader's buffer: in-order data that arrives while the receive buffer is
    /// empty is copied straight into it (up to its length) instead of through the receive buffer.
    /// <see cref="EndReceive"/> takes the buffer back and says how many bytes it holds; until then the
    /// caller must not touch it. The receive window is unaffected: it stays what the receive buffer can hold.
    /// </summary>
    internal void PostReceive(Memory<byte> buffer)
    {
        _receiveTarget = buffer;
        _receivedIntoTarget = 0;
    }

    /// <summary>Takes back the buffer of <see cref="PostReceive"/>: the number of bytes the socket placed at its start.</summary>
    internal int EndReceive()
    {
        int received = _receivedIntoTarget;
        _receiveTarget = default;
        _receivedIntoTarget = 0;
        return received;
    }

    /// <summary>Bytes placed in the buffer of <see cref="PostReceive"/> so far.</summary>
    internal int ReceivedIntoPostedBuffer => _receivedIntoTarget;

    /// <summary>
    /// Closes the sending side (RFC 9293 §3.10.4 CLOSE): a FIN follows the data already queued. The
    /// socket can still receive until the peer closes too.
    /// </summary>
    public void Shutdown()
    {
        _table.Activate(this);
        switch (State)
        {
            case TcpState.SynSent:
            case TcpState.Listen:
                SetState(TcpState.Closed);
                break;
            case TcpState.SynReceived:
            case TcpState.Established:
            case TcpState.CloseWait:
                _finQueued = true;
                break;
        }
    }

    /// <summary>Aborts the connection (RFC 9293 §3.10.5 ABORT): sends a reset and discards both buffers.</summary>
    public void Abort()
    {
        _table.Activate(this);
        if (State is TcpState.SynReceived or TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.CloseWait)
        {
            _resetPending = true;
        }
        _tx.Clear();
        _scoreboard.Clear();
        _rx.Clear();
        _error = SocketError.ConnectionAborted;
        if (!_resetPending)
        {
            SetState(TcpState.Closed);
        }
    }

    /// <summary>
    /// Takes the error that ended the connection, once: <see cref="SocketError.ConnectionRefused"/>,
    /// <see cref="SocketError.ConnectionReset"/>, <see cref="SocketError.TimedOut"/>...
    /// </summary>
    public bool TryTakeError(out SocketError error)
    {
        error = _error;
        _error = SocketError.Success;
        return error != SocketError.Success;
    }

    /// <summary>The error that ended the connection, without taking it; Success while none.</summary>
    public SocketError Error => _error;

    /// <summary>Closes gracefully (as <see cref="Shutdown"/>); the socket leaves its set once the close completes.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _table.Activate(this); // to send its FIN or reset, or to leave the table
        if (_rx.Length > 0 && State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.FinWait2)
        {
            // RFC 2525 §2.17: closing with unread data sends a reset, so the peer learns it was lost.
            Abort();
            return;
        }
        Shutdown();
        ReleaseBuffersInTimeWait();
    }

    /// <summary>Bytes of send and receive ring storage the socket holds now: 0 once both have been empty for <see cref="BufferIdleTime"/> (an idle connection) and once a disposed socket is in TIME-WAIT.</summary>
    internal int BufferCapacity => _tx.StorageLength + _rx.StorageLength;

    /// <summary>Bytes the send and receive rings accept (their capacities): 0 once they were given back for good.</summary>
    internal int BufferLimit => _tx.Capacity + _rx.Capacity;

    /// <summary>
    /// A disposed socket in TIME-WAIT has sent and received everything (RFC 9293 §3.10.7.4: text is
    /// ignored there) and nobody reads it any more, but it stays 2 MSL to answer a retransmitted FIN:
    /// it gives its rings back instead of holding them all that time — at one connection closed
    /// actively every 100 ms, 600 idle sockets with 512 KiB each by default.
    /// </summary>
    private void ReleaseBuffersInTimeWait()
    {
        if (_disposed && State == TcpState.TimeWait)
        {
            ReleaseBuffers();
        }
    }

    /// <summary>Returns both rings to the pool; for a socket nobody will read or send on again (it left its set).</summary>
    internal void ReleaseBuffers()
    {
        _tx.Release();
        _rx.Release();
        _scoreboard.Release();
    }

    /// <summary>State, endpoints and sequence variables, for logs and debugging.</summary>
    public override string ToString() =>
        $"{LocalEndpoint} -> {RemoteEndpoint} {State} una={_sndUna} nxt={_sndNxt} wnd={_sndWnd} cwnd={_cc.Window} pipe={Pipe()} " +
        $"rcv.nxt={_rcvNxt} rcv.right={_rcvAdvertisedRight} tx={_tx.Length} rx={_rx.Length} holes={_assembler.RangeCount} rto={_rtt.Rto.TotalMilliseconds}ms " +
        $"rto.at={_rtoDeadline} retries={_retries} recovery={_inRecovery} timeout.recovery={_inTimeoutRecovery} dupacks={_dupAcks} " +
        $"sacked={_scoreboard.SackedBytes} lost={_scoreboard.LostBytes} resent={_scoreboard.RetransmittedBytes} ts.recent={_tsRecent}";

    private void ThrowSendError()
    {
        SocketError error = _error != SocketError.Success ? _error
            : _finQueued || State is TcpState.FinWait1 or TcpState.FinWait2 or TcpState.Closing or TcpState.LastAck or TcpState.TimeWait ? SocketError.Shutdown
            : SocketError.NotConnected;
        throw new SocketException((int)error);
    }

    private void SetState(TcpState state)
    {
        TcpState old = State;
        State = state;
        if (old == TcpState.Closed && state != TcpState.Closed)
        {
            _table.Bind(this);
        }
        else if (state == TcpState.Closed && old != TcpState.Closed)
        {
            _table.Unbind(this);
        }
        _table.Activate(this); // a new state has its own segments to send and timers to arm
        _table.Signal(this);
        if (state == TcpState.Established && old == TcpState.SynReceived && Listener is { } listener)
        {
            listener.OnEstablished(this);
        }
        if (state == TcpState.Closed)
        {
            _rtoDeadline = null;
            _ackDeadline = null;
            _tlpDeadline = null;
            _reorderDeadline = null;
            _timeWaitDeadline = null;
            _keepAliveDeadline = null;
            _persistDeadline = null;
            Listener?.OnClosed(this);
        }
    }

    /// <summary>
    /// An ICMP error other than fragmentation needed (RFC 1122 §4.2.3.9): a soft error, remembered and
    /// reported only if the connection then fails (it is what a timeout will say). In SYN-SENT it ends the
    /// attempt at once (RFC 5461 §4.1, as Linux does): a connect to a host that does not answer ARP, or
    /// that a router reports unreachable, fails in seconds rather than after every SYN retransmission.
    /// </summary>
    internal void ReportSoftError(SocketError error)
    {
        _softError = error;
        _table.Activate(this);
        if (State == TcpState.SynSent)
        {
            Fail(error);
        }
    }

    /// <summary>True when <paramref name="sequence"/> is data or a SYN/FIN this connection has sent and not yet had acknowledged (SND.UNA ≤ SEQ &lt; SND.NXT).</summary>
    internal bool IsOutstanding(TcpSeqNumber sequence) => sequence >= _sndUna && sequence < _sndNxt;

    /// <summary>Ends the connection with an error (reset received, retransmissions exhausted...).</summary>
    private void Fail(SocketError error)
    {
        // A timeout after ICMP said host/network unreachable reports that, as Linux does (RFC 1122 §4.2.3.9).
        _error = error == SocketError.TimedOut && _softError != SocketError.Success ? _softError : error;
        _tx.Clear();
        _scoreboard.Clear();
        SetState(TcpState.Closed);
    }
}
