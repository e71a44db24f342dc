using System.Net.Sockets;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

public sealed partial class TcpSocket
{
    /// <summary>
    /// Starts a passive open from a listener's SYN (RFC 9293 §3.10.7.2): SYN-RECEIVED, with our SYN-ACK queued.
    /// </summary>
    internal void AcceptSyn(Instant now, Ipv4Endpoint local, Ipv4Endpoint remote, in TcpHeader syn)
    {
        LocalEndpoint = local;
        RemoteEndpoint = remote;
        ResetConnectionState();
        _irs = syn.SequenceNumber;
        _rcvNxt = syn.SequenceNumber + 1;
        _routeMss = _table.RouteMss;
        _iss = _table.InitialSequenceNumbers.Next(now, local, remote);
        _sndUna = _iss;
        _sndNxt = _iss;
        _recover = _iss;
        _tsOffset = (uint)_iss.Value;
        NegotiateOptions(syn);
        // RFC 7323 §2.2: the window of a SYN is never scaled.
        _sndWnd = syn.WindowSize;
        _maxSndWnd = _sndWnd;
        _sndWl1 = syn.SequenceNumber;
        _sndWl2 = _iss;
        _lastActivity = now;
        SetState(TcpState.SynReceived);
    }

    /// <summary>
    /// Opens a connection from a returned SYN cookie (RFC 4987 §3.6): ESTABLISHED at once, with the MSS the
    /// cookie encoded and, when the ACK carries timestamps, the window scale and SACK that our SYN-ACK's
    /// TSval kept (see <see cref="TcpSynCookies"/>); without timestamps, none of them.
    /// </summary>
    internal void AcceptCookie(Instant now, Ipv4Endpoint local, Ipv4Endpoint remote, in TcpHeader ack, int mss, byte? peerWindowScale, bool sackPermitted)
    {
        LocalEndpoint = local;
        RemoteEndpoint = remote;
        ResetConnectionState();
        _routeMss = _table.RouteMss;
        _synToSend = false;
        _iss = ack.AcknowledgmentNumber - 1;
        _irs = ack.SequenceNumber - 1;
        _rcvNxt = ack.SequenceNumber;
        _sndUna = ack.AcknowledgmentNumber;
        _sndNxt = _sndUna;
        _recover = _sndUna;
        _tsOffset = (uint)_iss.Value; // the clock the SYN-ACK's TSval was taken from
        bool timestamps = ack.Options.Timestamps is not null;
        NegotiateOptions(new TcpOptions
        {
            MaximumSegmentSize = (ushort)Math.Min(mss, ushort.MaxValue),
            WindowScale = timestamps ? peerWindowScale : null,
            SackPermitted = timestamps && sackPermitted,
            Timestamps = ack.Options.Timestamps,
        });
        _sndWnd = (long)ack.WindowSize << _sndWndShift; // not a SYN: scaled (RFC 7323 §2.2)
        _maxSndWnd = _sndWnd;
        _sndWl1 = ack.SequenceNumber;
        _sndWl2 = ack.AcknowledgmentNumber;
        _rcvAdvertisedRight = _rcvNxt + Math.Min(_rx.Free, ushort.MaxValue); // what the SYN-ACK offered (unscaled)
        _lastAckSent = _rcvNxt;
        _lastActivity = now;
        SetState(TcpState.Established);
    }

    /// <summary>
    /// Processes one segment for this connection (RFC 9293 §3.10.7.3 and §3.10.7.4). Acknowledgments it
    /// calls for are sent by the next dispatch; a reset to send at once is returned.
    /// </summary>
    internal TcpHeader? Process(Instant now, in TcpHeader segment, ReadOnlySpan<byte> payload)
    {
        _segmentsReceived++;
        _table.Activate(this); // whatever the segment says, an answer or a timer may change
        _table.Signal(this);   // and a reader, writer or connect waiting on the socket may complete
        _lastActivity = now;
        _keepAliveProbesSent = 0;
        _keepAliveDeadline = null; // RFC 1122 §4.2.3.6: the next probe waits a full idle time from here
        if (State == TcpState.SynSent)
        {
            return ProcessSynSent(now, segment);
        }
        if (State is TcpState.Closed or TcpState.Listen)
        {
            return null;
        }
        TcpFlags flags = segment.Flags;
        bool rst = (flags & TcpFlags.Rst) != 0;
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        TcpSeqNumber seq = segment.SequenceNumber;
        int segmentLength = payload.Length + (syn ? 1 : 0) + (fin ? 1 : 0);

        // RFC 7323 §5.3 PAWS: a segment whose timestamp is older than TS.Recent is a duplicate from an old wrap.
        if (_tsEnabled && !rst && segment.Options.Timestamps is { } stamp && unchecked((int)(stamp.Value - _tsRecent)) < 0)
        {
            _segmentsRejected++;
            _ackNow = true;
            return null;
        }
        if (syn && !rst && State == TcpState.SynReceived && seq == _irs)
        {
            ProcessRepeatedSyn(segment);
            return null;
        }
        if (!IsAcceptable(seq, segmentLength))
        {
            ProcessUnacceptable(now, segment, payload.Length);
            return null;
        }
        if (rst)
        {
            ProcessReset(now, seq);
            return null;
        }
        if (syn)
        {
            // RFC 5961 §4.2: a SYN on a synchronized connection draws a challenge ACK, never a reset.
            ChallengeAck(now);
            return null;
        }
        if ((flags & TcpFlags.Ack) == 0)
        {
            return null;
        }
        if (_tsEnabled && segment.Options.Timestamps is { } ts && seq <= _lastAckSent)
        {
            _tsRecent = ts.Value; // RFC 7323 §4.3 (3)
        }
        TcpSeqNumber ack = segment.AcknowledgmentNumber;
        if (State == TcpState.SynReceived)
        {
            if (!(_sndUna < ack && ack <= _sndNxt))
            {
                return Reset(now, ack); // §3.10.7.4 fifth check, SYN-RECEIVED
            }
            CompleteHandshake(seq, ack, (long)segment.WindowSize << _sndWndShift);
        }
        // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA − MAX.SND.WND, SND.NXT]; others draw an ACK and are dropped.
        if (ack > _sndNxt || ack < _sndUna - (int)Math.Min(Math.Max(_maxSndWnd, 1), int.MaxValue))
        {
            _segmentsRejected++;
            _ackNow = true;
            return null;
        }
        ProcessAck(now, segment, payload.Length);
        if (State != TcpState.Closed && AdvanceOnFinAcknowledged(now))
        {
            if (payload.Length > 0 && _disposed && State is TcpState.FinWait1 or TcpState.FinWait2 && seq + payload.Length > _rcvNxt)
            {
                return ResetForDataAfterClose(now, segment.AcknowledgmentNumber);
            }
            ProcessText(now, seq, payload, fin);
        }
        return null;
    }

    /// <summary>
    /// RFC 1122 §4.2.2.13: new data after CLOSE SHOULD draw a reset, to show it was lost — the user
    /// disposed the socket and will never read it (Linux: TCPAbortOnData). A segment all old, a
    /// retransmission of what was read, still gets the ordinary duplicate ACK. The reset answers the
    /// segment: &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt;.
    /// </summary>
    private TcpHeader ResetForDataAfterClose(Instant now, TcpSeqNumber ack)
    {
        _resetsForDataAfterClose++;
        Fail(SocketError.ConnectionReset);
        return Reset(now, ack);
    }

    /// <summary>
    /// The peer's SYN again in SYN-RECEIVED: with an ACK of ours, a simultaneous open's SYN-ACK that
    /// completes the handshake (RFC 9293 §3.5 figure 7); without, our SYN-ACK was lost and is resent
    /// (checked before the window, which the repeated SYN lies before).
    /// </summary>
    private void ProcessRepeatedSyn(in TcpHeader segment)
    {
        TcpSeqNumber synAck = segment.AcknowledgmentNumber;
        if ((segment.Flags & TcpFlags.Ack) != 0 && _sndUna < synAck && synAck <= _sndNxt)
        {
            _sndUna = synAck;
            CompleteHandshake(segment.SequenceNumber, synAck, segment.WindowSize); // a SYN's window is never scaled (RFC 7323 §2.2)
            _ackNow = true;
        }
        else
        {
            _synToSend = true;
        }
    }

    /// <summary>SYN-RECEIVED to ESTABLISHED: the send window from the ACK, the SYN's back-off ended.</summary>
    private void CompleteHandshake(TcpSeqNumber seq, TcpSeqNumber ack, long window)
    {
        _sndWnd = window;
        _maxSndWnd = Math.Max(_maxSndWnd, _sndWnd);
        _sndWl1 = seq;
        _sndWl2 = ack;
        _retries = 0;
        ApplyRtoAfterSynTimeout();
        _rtt.EndBackOff();
        _rtoDeadline = null;
        SetState(TcpState.Established);
    }

    /// <summary>§3.10.7.4 first check failed: nothing of the segment is in the window.</summary>
    private void ProcessUnacceptable(Instant now, in TcpHeader segment, int payloadLength)
    {
        TcpFlags flags = segment.Flags;
        bool rst = (flags & TcpFlags.Rst) != 0;
        _segmentsRejected++;
        if (!rst)
        {
            _ackNow = true; // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
            ReportDuplicate(segment.SequenceNumber, payloadLength);
        }
        if (State == TcpState.TimeWait && (flags & TcpFlags.Fin) != 0)
        {
            _timeWaitDeadline = now + 2 * _options.MaximumSegmentLifetime; // a retransmitted FIN restarts 2 MSL
        }
        // RFC 9293 §3.10.7.4: with a zero window no segment is acceptable, "but special allowance
        // should be made to accept valid ACKs": a zero-window probe may acknowledge our data.
        if (!rst && (flags & TcpFlags.Syn) == 0 && segment.SequenceNumber == _rcvNxt && (flags & TcpFlags.Ack) != 0 && _rcvAdvertisedRight - _rcvNxt <= 0
            && State is not (TcpState.SynReceived or TcpState.TimeWait)
            && segment.AcknowledgmentNumber <= _sndNxt && segment.AcknowledgmentNumber >= _sndUna)
        {
            ProcessAck(now, segment, payloadLength: 0);
        }
    }

    /// <summary>
    /// RFC 5961 §7: challenge ACKs are rate-limited, so a flood of in-window resets or SYNs does not
    /// turn the connection into an ACK reflector: at most one per <see cref="s_challengeAckInterval"/>,
    /// the others counted and dropped. One is enough for a peer that lost its state to learn RCV.NXT.
    /// </summary>
    private void ChallengeAck(Instant now)
    {
        if (_lastChallengeAckAt is { } last && now - last < s_challengeAckInterval)
        {
            _challengeAcksSuppressed++;
            return;
        }
        _lastChallengeAckAt = now;
        _challengeAcksSent++;
        _ackNow = true;
    }

    /// <summary>§3.10.7.4 second check: a reset in the window.</summary>
    private void ProcessReset(Instant now, TcpSeqNumber seq)
    {
        // RFC 5961 §3.2: only a reset at exactly RCV.NXT resets; one elsewhere in the window draws a challenge ACK.
        if (seq != _rcvNxt)
        {
            ChallengeAck(now);
            return;
        }
        switch (State)
        {
            case TcpState.SynReceived when Listener is not null:
                SetState(TcpState.Closed); // passive open: back to the listener, silently (§3.10.7.4)
                break;
            case TcpState.SynReceived:
                Fail(SocketError.ConnectionRefused);
                break;
            case TcpState.Closing or TcpState.LastAck or TcpState.TimeWait:
                SetState(TcpState.Closed);
                break;
            default:
                Fail(SocketError.ConnectionReset);
                break;
        }
    }

    /// <summary>
    /// §3.10.7.4 fifth check, the closing states: our FIN acknowledged moves FIN-WAIT-1, CLOSING and
    /// LAST-ACK on. False when the connection is now closed and the rest of the segment is moot.
    /// </summary>
    private bool AdvanceOnFinAcknowledged(Instant now)
    {
        bool finAcked = _finSeqValid && _sndUna == _finSeq + 1;
        switch (State)
        {
            case TcpState.FinWait1 when finAcked:
                SetState(TcpState.FinWait2);
                break;
            case TcpState.Closing when finAcked:
                EnterTimeWait(now);
                break;
            case TcpState.LastAck when finAcked:
                SetState(TcpState.Closed);
                return false;
        }
        return true;
    }

    /// <summary>§3.10.7.4 seventh and eighth checks: the segment's text, then its FIN.</summary>
    private void ProcessText(Instant now, TcpSeqNumber seq, ReadOnlySpan<byte> payload, bool fin)
    {
        if (payload.Length > 0 && State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            ProcessData(now, seq, payload);
            AdjustReceiveBuffer(now);
        }
        if (fin)
        {
            TcpSeqNumber finSeq = seq + payload.Length;
            if (finSeq == _rcvNxt)
            {
                ConsumeFin(now);
            }
            else if (finSeq > _rcvNxt)
            {
                _pendingFin = finSeq;
            }
        }
    }

    /// <summary>RFC 9293 §3.10.7.3: the answer to our SYN.</summary>
    private TcpHeader? ProcessSynSent(Instant now, in TcpHeader segment)
    {
        TcpFlags flags = segment.Flags;
        bool ackFlag = (flags & TcpFlags.Ack) != 0;
        TcpSeqNumber ack = segment.AcknowledgmentNumber;
        if (ackFlag && (ack <= _iss || ack > _sndNxt))
        {
            return (flags & TcpFlags.Rst) != 0 ? null : Reset(now, ack);
        }
        if ((flags & TcpFlags.Rst) != 0)
        {
            if (ackFlag)
            {
                Fail(SocketError.ConnectionRefused);
            }
            return null;
        }
        if ((flags & TcpFlags.Syn) == 0)
        {
            return null;
        }
        _irs = segment.SequenceNumber;
        _rcvNxt = _irs + 1;
        NegotiateOptions(segment);
        if (_tsEnabled && segment.Options.Timestamps is { } ts)
        {
            _tsRecent = ts.Value;
        }
        _sndWnd = segment.WindowSize; // unscaled in a SYN
        _maxSndWnd = _sndWnd;
        _sndWl1 = segment.SequenceNumber;
        _sndWl2 = ack;
        // The window our SYN offered (unscaled, RFC 7323 §2.2) is the right edge the peer now knows.
        _rcvAdvertisedRight = _rcvNxt + Math.Min(_rx.Free, ushort.MaxValue);
        if (ackFlag)
        {
            _ackNow = true;
            SampleRtt(now, segment, ack);
            if (_timeouts > 0)
            {
                _rtt.ApplySynTimeoutRule(); // RFC 6298 §5.7: after a SYN timed out, with no RTT sample, data starts with a 3 s RTO
            }
            _sndUna = ack;
            _sndNxt = TcpSeqNumber.Max(_sndNxt, ack);
            _retries = 0;
            _rtt.EndBackOff(); // the SYN's back-off ends with the handshake
            _rtoDeadline = null;
            _synToSend = false;
            SetState(TcpState.Established);
        }
        else
        {
            // Simultaneous open (§3.10.7.3 fourth check): answer with SYN-ACK.
            _synToSend = true;
            _sndNxt = _iss;
            SetState(TcpState.SynReceived);
        }
        return null;
    }

    /// <summary>RFC 9293 §3.10.7.4 first check: is any of the segment inside the receive window?</summary>
    private bool IsAcceptable(TcpSeqNumber seq, int segmentLength)
    {
        long window = Math.Max(0, _rcvAdvertisedRight - _rcvNxt);
        if (segmentLength == 0)
        {
            // RFC 9293 wants RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND; like Linux, also take a bare ACK at
            // the window's right edge: a peer whose data we lost sends its ACKs from beyond it, and
            // refusing them would hide every acknowledgment it sends (a deadlock under loss).
            return window == 0 ? seq == _rcvNxt : _rcvNxt <= seq && seq - _rcvNxt <= window;
        }
        if (window == 0)
        {
            return false;
        }
        TcpSeqNumber last = seq + (segmentLength - 1);
        return (_rcvNxt <= seq && seq - _rcvNxt < window) || (_rcvNxt <= last && last - _rcvNxt < window);
    }

    /// <summary>The fifth check of §3.10.7.4 for synchronized states: acknowledgment, RTT, congestion and window.</summary>
    private void ProcessAck(Instant now, in TcpHeader segment, int payloadLength)
    {
        TcpSeqNumber ack = segment.AcknowledgmentNumber;
        TcpSeqNumber seq = segment.SequenceNumber;
        long window = (long)segment.WindowSize << _sndWndShift;
        bool windowChanged = false;
        if (_sndWl1 < seq || (_sndWl1 == seq && _sndWl2 <= ack))
        {
            windowChanged = window != _sndWnd;
            _sndWnd = window;
            _maxSndWnd = Math.Max(_maxSndWnd, window);
            _sndWl1 = seq;
            _sndWl2 = ack;
            if (window > 0)
            {
                _persistDeadline = null;
                _persistBackoff = TimeSpan.Zero;
            }
        }
        OnAcknowledgment(now, segment, payloadLength, windowChanged);
    }

    /// <summary>
    /// Copies in-order data straight into the buffer of a reader waiting for it (see
    /// <see cref="PostReceive"/>) while the receive buffer is empty, so those bytes are copied once rather
    /// than into the ring and out again. Returns how many bytes it took.
    /// </summary>
    private int DeliverToReader(ReadOnlySpan<byte> data)
    {
        int room = _receiveTarget.Length - _receivedIntoTarget;
        if (room == 0 || _rx.Length != 0)
        {
            return 0;
        }
        int taken = Math.Min(room, data.Length);
        data[..taken].CopyTo(_receiveTarget.Span[_receivedIntoTarget..]);
        _receivedIntoTarget += taken;
        _rcvNxt += taken;
        _bytesReceived += taken;
        return taken;
    }

    /// <summary>
    /// RFC 2883 §4: data that arrived again below RCV.NXT is reported in the first SACK block of the next
    /// ACK (a D-SACK), so the sender can tell a needless retransmission from a loss. Only for data
    /// within one receive buffer of RCV.NXT: anything older is not a retransmission of this window.
    /// </summary>
    private void ReportDuplicate(TcpSeqNumber seq, int length)
    {
        if (!_sackEnabled || length <= 0 || seq >= _rcvNxt || _rcvNxt - seq > _rx.Capacity)
        {
            return;
        }
        TcpSeqNumber end = TcpSeqNumber.Min(seq + length, _rcvNxt);
        _duplicateToReport = new TcpSackBlock(seq, end);
    }

    /// <summary>§3.10.7.4 seventh check: place the segment's data, in order or not, and decide when to acknowledge.</summary>
    private void ProcessData(Instant now, TcpSeqNumber seq, ReadOnlySpan<byte> payload)
    {
        int offset = seq - _rcvNxt;
        if (offset < 0)
        {
            // As a long: 2^31 behind is int.MinValue, whose negation is itself.
            if (-(long)offset >= payload.Length)
            {
                _ackNow = true; // all old: a duplicate; tell the sender where we are
                ReportDuplicate(seq, payload.Length);
                return;
            }
            ReportDuplicate(seq, -offset);
            payload = payload[(-offset)..];
            offset = 0;
        }
        bool hadHoles = !_assembler.IsEmpty;
        // Only what fits the buffer is kept; the rest is beyond the window we advertised.
        int fits = Math.Max(0, Math.Min(payload.Length, _rx.Free - offset));
        if (fits == 0)
        {
            _ackNow = true;
            return;
        }
        int delivered = offset == 0 && !hadHoles ? DeliverToReader(payload[..fits]) : 0;
        if (delivered < fits)
        {
            // At offset 0 this always succeeds (it only removes ranges); beyond, too many holes drop the segment.
            if (!_assembler.AddThenRemoveFront(offset, fits - delivered, out int contiguous))
            {
                _ackNow = true;
                return;
            }
            _rx.WriteUnallocated(offset, payload[delivered..fits]);
            if (contiguous > 0)
            {
                _rx.EnqueueUnallocated(contiguous);
                _rcvNxt += contiguous;
                _bytesReceived += contiguous;
            }
        }
        if (_pendingFin is { } pendingFin && pendingFin == _rcvNxt)
        {
            _pendingFin = null;
            ConsumeFin(now);
            return;
        }
        if (offset > 0)
        {
            _lastOutOfOrderSeq = _rcvNxt + offset; // RFC 2018 §4: its block is reported first
            // RFC 5681 §4.2: an out-of-order segment draws an immediate duplicate ACK, one per segment,
            // even when several arrive in one poll: the sender counts them to detect the loss.
            _duplicateAcksOwed = Math.Min(_duplicateAcksOwed + 1, MaxDuplicateAcksOwed);
            _quickAcksLeft = QuickAckSegments;
            return;
        }
        if (hadHoles)
        {
            _ackNow = true; // data that fills a hole is acknowledged at once, too
            _quickAcksLeft = QuickAckSegments;
            return;
        }
        if (_quickAcksLeft > 0)
        {
            // After a loss the sender's window is small and its recovery runs on our ACKs: a delayed
            // ACK would stall it for the ACK delay each round, and one lost ACK of two would cost a
            // timeout. Acknowledge every segment for a while, as Linux's quick-ACK mode does.
            _quickAcksLeft--;
            _ackNow = true;
            return;
        }
        // A segment the peer's device coalesced (receive offload) counts as the full segments it holds.
        _fullSegmentsUnacked += fits / Math.Max(1, _sndMss);
        // RFC 9293 §3.8.6.3: acknowledge at least every second full-sized segment, and within the ACK delay.
        if (_fullSegmentsUnacked >= 2 || _options.AckDelay <= TimeSpan.Zero)
        {
            _ackNow = true;
        }
        else
        {
            _ackDeadline ??= now + _options.AckDelay;
        }
    }

    /// <summary>§3.10.7.4 eighth check: the peer's FIN, in sequence.</summary>
    private void ConsumeFin(Instant now)
    {
        _rcvNxt += 1;
        _finReceived = true;
        _ackNow = true;
        bool ourFinAcked = _finSeqValid && _sndUna == _finSeq + 1;
        switch (State)
        {
            case TcpState.SynReceived:
            case TcpState.Established:
                SetState(TcpState.CloseWait);
                break;
            case TcpState.FinWait1:
                if (ourFinAcked)
                {
                    EnterTimeWait(now);
                }
                else
                {
                    SetState(TcpState.Closing);
                }
                break;
            case TcpState.FinWait2:
                EnterTimeWait(now);
                break;
        }
    }

    private void EnterTimeWait(Instant now)
    {
        SetState(TcpState.TimeWait);
        _rtoDeadline = null;
        _keepAliveDeadline = null;
        _persistDeadline = null;
        _timeWaitDeadline = now + 2 * _options.MaximumSegmentLifetime;
        ReleaseBuffersInTimeWait();
    }

    /// <summary>
    /// A reset from this connection: &lt;SEQ=<paramref name="sequence"/>&gt;&lt;CTL=RST&gt; (§3.10.7.4, §3.10.5).
    /// With timestamps negotiated it carries TSval and TSecr: RFC 7323 §3.2 says TSopt "SHOULD be sent
    /// in an &lt;RST&gt; segment", as Linux does for a connection's own resets.
    /// </summary>
    private TcpHeader Reset(Instant now, TcpSeqNumber sequence) =>
        new(LocalEndpoint.Port, RemoteEndpoint.Port, sequence, default, TcpFlags.Rst, 0)
        {
            Options = _tsEnabled ? new TcpOptions { Timestamps = (TimestampNow(now), _tsRecent) } : default,
        };

    /// <summary>
    /// RFC 6298 §5.7 on a passive open: when our SYN-ACK timed out and the handshake gave no RTT sample,
    /// data starts with an RTO of 3 s, as ProcessSynSent does for an active open.
    /// </summary>
    private void ApplyRtoAfterSynTimeout()
    {
        if (_timeouts > 0)
        {
            _rtt.ApplySynTimeoutRule();
        }
    }

    private uint TimestampNow(Instant now) => TimestampClock(now, _tsOffset);

    /// <summary>A connection's timestamp clock (RFC 7323 §5.4): milliseconds, plus its random offset.</summary>
    internal static uint TimestampClock(Instant now, uint offset) => unchecked((uint)now.TotalMilliseconds + offset);
}
