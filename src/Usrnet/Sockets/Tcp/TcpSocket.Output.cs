using System.Net.Sockets;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

public sealed partial class TcpSocket
{
    /// <summary>Longest wait between zero-window probes (RFC 9293 §3.8.6.1 leaves it open; Linux caps at 120 s).</summary>
    private static readonly TimeSpan s_maxPersistInterval = TimeSpan.FromSeconds(60);

    /// <summary>RFC 8985 §7.2: the smallest probe timeout (10 ms).</summary>
    private static readonly TimeSpan s_minProbeTimeout = TimeSpan.FromMilliseconds(10);

    /// <summary>RFC 8985 §7.2 WCDelAckT: the peer's worst-case delayed-ACK time (200 ms).</summary>
    private static readonly TimeSpan s_worstCaseDelayedAck = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Decides the next segment to send, if any, and commits to it: sequence numbers advance and timers
    /// start as if it was sent. The payload is <paramref name="dataLength"/> bytes of the send buffer
    /// from <paramref name="dataOffset"/> (see <see cref="CopyPayload"/>). New data may fill up to
    /// <paramref name="segmentationLimit"/> bytes (a whole number of <see cref="SegmentPayloadLimit"/>) when
    /// the device cuts large segments itself; 0 keeps every segment within the MSS.
    /// </summary>
    internal bool TryDispatch(Instant now, out TcpHeader header, out int dataOffset, out int dataLength, int segmentationLimit = 0)
    {
        RunTimers(now);
        header = default;
        dataOffset = 0;
        dataLength = 0;
        if (_resetPending)
        {
            header = NextAbortReset();
            _segmentsSent++;
            return true;
        }
        switch (State)
        {
            case TcpState.Closed or TcpState.Listen:
                return false;
            case TcpState.SynSent or TcpState.SynReceived:
                if (!_synToSend)
                {
                    break; // in SYN-RECEIVED an ACK may still be due (e.g. a challenge ACK)
                }
                header = BuildSyn(now);
                _synToSend = false;
                if (_sndNxt == _iss)
                {
                    _sndNxt = _iss + 1;
                }
                _sndMax = TcpSeqNumber.Max(_sndMax, _sndNxt);
                _rtoDeadline ??= now + _rto;
                if (_retries == 0)
                {
                    _timedSeq = _iss + 1;
                    _timedAt = now;
                }
                else
                {
                    _retransmissions++;
                }
                _segmentsSent++;
                return true;
        }
        if (State is TcpState.SynSent)
        {
            return false;
        }

        if (_duplicateAcksOwed > 0)
        {
            // Pure ACKs: one carrying data would not count as a duplicate at the sender (RFC 5681 §2).
            _duplicateAcksOwed--;
            header = Finish(now, _sndMax, TcpFlags.Ack, 0); // SND.MAX: after a timeout rewound SND.NXT, the peer may already hold more
            return true;
        }
        TcpFlags flags = TcpFlags.Ack;
        TcpSeqNumber seq = _sndNxt;
        if (_retransmitNow && _tx.Length > 0 && State is not TcpState.SynReceived)
        {
            // Fast retransmit / partial ACK: the first unacknowledged segment, SND.NXT untouched.
            _retransmitNow = false;
            seq = _sndUna;
            dataOffset = 0;
            dataLength = Math.Min(SegmentDataLimit(), _tx.Length);
            if (_sndUna + dataLength > _highRxt)
            {
                _highRxt = _sndUna + dataLength;
            }
            _sndMaxAtFirstHoleResend = _sndMax;
            _retransmissions++;
            if (_timedSeq is { } t && t > _sndUna)
            {
                _timedSeq = null; // Karn: never time a retransmitted segment
            }
            header = Finish(now, seq, flags | TcpFlags.Psh, dataLength);
            return true;
        }
        _retransmitNow = false;

        if (SackRecovery && CanCarryData() && TryNextSackRetransmission(out int holeOffset, out int holeLength))
        {
            // RFC 6675 §4 NextSeg rule 1: the first lost, unSACKed, not yet retransmitted segment.
            seq = _sndUna + holeOffset;
            dataOffset = holeOffset;
            dataLength = holeLength;
            _highRxt = seq + holeLength;
            if (holeOffset == 0)
            {
                _sndMaxAtFirstHoleResend = _sndMax;
            }
            _retransmissions++;
            header = Finish(now, seq, flags, dataLength);
            return true;
        }

        if (_tlpProbeNow && CanCarryData() && TryTailLossProbe(now, out header, out dataOffset, out dataLength))
        {
            return true;
        }
        _tlpProbeNow = false;

        if (CanCarryData())
        {
            SkipSackedData();
            seq = _sndNxt;
            int unsentOffset = Math.Max(0, _sndNxt - _sndUna);
            int unsent = Math.Max(0, _tx.Length - unsentOffset);
            int usable = UsableWindow();
            int length = Math.Min(Math.Min(unsent, usable), BurstDataLimit(segmentationLimit));
            if (_sndNxt < _sndMax)
            {
                length = Math.Min(length, _scoreboard.NextSackedStart(unsentOffset, int.MaxValue) - unsentOffset);
            }
            bool finNow = _finQueued && !_finSent && length == unsent && State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.LastAck or TcpState.Closing;
            if (length > 0 && !ShouldSendData(length, unsent) && !finNow)
            {
                length = 0;
            }
            if (length > 0 || finNow)
            {
                bool retransmission = _sndNxt < _sndMax;
                dataOffset = unsentOffset;
                dataLength = length;
                if (length > 0 && length == unsent)
                {
                    flags |= TcpFlags.Psh;
                }
                if (finNow)
                {
                    flags |= TcpFlags.Fin;
                }
                header = Finish(now, seq, flags, length);
                _sndNxt = seq + length + (finNow ? 1 : 0);
                if (finNow)
                {
                    _finSent = true;
                    _finSeqValid = true;
                    _finSeq = seq + length;
                    if (State == TcpState.Established)
                    {
                        SetState(TcpState.FinWait1);
                    }
                    else if (State == TcpState.CloseWait)
                    {
                        SetState(TcpState.LastAck);
                    }
                }
                if (retransmission)
                {
                    _retransmissions++;
                }
                else if (_timedSeq is null && !_tsEnabled && length > 0)
                {
                    _timedSeq = _sndNxt;
                    _timedAt = now;
                }
                if (_sndNxt > _sndMax)
                {
                    _sndMax = _sndNxt;
                }
                if (_rtoDeadline is null)
                {
                    _rtoDeadline = now + _rto;
                    _firstUnackedSentAt = now;
                }
                ArmTailLossProbe(now);
                return true;
            }
            ArmPersistTimer(now, unsent);
        }

        if (_probeNow)
        {
            // Zero-window probe or keep-alive: an old sequence number draws an ACK with the current window.
            _probeNow = false;
            header = Finish(now, _sndUna - 1, TcpFlags.Ack, 0);
            return true;
        }
        if (_ackNow || WindowUpdateDue())
        {
            header = Finish(now, _sndMax, TcpFlags.Ack, 0); // SND.MAX: after a timeout rewound SND.NXT, the peer may already hold more
            return true;
        }
        return false;
    }

    /// <summary>
    /// ABORT (RFC 9293 §3.10.5): &lt;SEQ=SND.NXT&gt;&lt;CTL=RST&gt;. The peer takes a reset only at exactly its
    /// RCV.NXT (RFC 5961 §3.2), which lies somewhere in [SND.UNA, SND.MAX] while data is unacknowledged:
    /// a reset at SND.UNA goes first (the peer lost or has not acknowledged what followed; if it holds
    /// more, this one is below its window and silently dropped), then one at SND.MAX (it holds all we
    /// sent; SND.MAX rather than SND.NXT, which a timeout may have rewound). In between, the peer's
    /// challenge ACK names its RCV.NXT and the interface answers it as a segment for no connection
    /// (§3.10.7.1, &lt;SEQ=SEG.ACK&gt;), exactly.
    /// </summary>
    private TcpHeader NextAbortReset()
    {
        TcpSeqNumber seq = _sndMax;
        if (_sndUna != _sndMax && !_resetAtUnaSent && State != TcpState.SynReceived) // there only our SYN is unacknowledged
        {
            seq = _sndUna;
            _resetAtUnaSent = true;
        }
        else
        {
            _resetPending = false;
            SetState(TcpState.Closed);
        }
        return new TcpHeader(LocalEndpoint.Port, RemoteEndpoint.Port, seq, default, TcpFlags.Rst, 0);
    }

    /// <summary>Copies a dispatched segment's payload from the send buffer.</summary>
    internal void CopyPayload(int dataOffset, Span<byte> destination) => _tx.Peek(dataOffset, destination);

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
        next = Instant.Min(next, _timeWaitDeadline);
        next = Instant.Min(next, _keepAliveDeadline);
        next = Instant.Min(next, _persistDeadline);
        if (_options.KeepAliveIdle is { } idle && State == TcpState.Established && _keepAliveDeadline is null && _sndUna == _sndMax && _tx.Length == 0)
        {
            next = Instant.Min(next, _lastActivity + idle); // as RunTimers: no probe while data is outstanding
        }
        return next;
    }

    /// <summary>
    /// Bytes of new data the windows allow now: the peer's window, and cwnd less what is in flight —
    /// RFC 6675's pipe during SACK recovery, plus up to two segments of limited transmit on the first
    /// duplicate ACKs (RFC 3042).
    /// </summary>
    private int UsableWindow()
    {
        long inFlight = _sndNxt - _sndUna;
        long byPeer = _sndWnd - inFlight;
        long byCongestion;
        if (SackRecovery)
        {
            byCongestion = _cc.Window - Pipe();
        }
        else
        {
            int limitedTransmit = !_inRecovery && _dupAcks is 1 or 2 ? _dupAcks * _sndMss : 0;
            byCongestion = _cc.Window + limitedTransmit - inFlight;
        }
        return (int)Math.Clamp(Math.Min(byPeer, byCongestion), 0, int.MaxValue);
    }

    /// <summary>
    /// Schedules a tail loss probe (RFC 8985 §7.2): PTO = 2·SRTT, plus the peer's worst-case delayed
    /// ACK when one segment is in flight, no later than the retransmission timer. Only outside
    /// recovery, with an RTT sample, and once per episode.
    /// </summary>
    private void ArmTailLossProbe(Instant now)
    {
        if (_inRecovery || _tlpSent || !_haveRtt || _retries > 0 || _sndNxt < _sndMax)
        {
            return; // RFC 8985 §7.2: no probe during fast recovery or RTO recovery
        }
        TimeSpan pto = TimeSpan.FromTicks(Math.Max(2 * _srtt.Ticks, s_minProbeTimeout.Ticks));
        if (FlightSize <= _sndMss)
        {
            pto += s_worstCaseDelayedAck;
        }
        Instant at = now + pto;
        _tlpDeadline = _rtoDeadline is { } rto && at >= rto ? null : at;
    }

    /// <summary>
    /// The probe itself (RFC 8985 §7.3): one new segment if the peer's window allows, else the last
    /// segment sent again, so the ACK or SACK it draws reveals a lost tail without a timeout.
    /// </summary>
    private bool TryTailLossProbe(Instant now, out TcpHeader header, out int dataOffset, out int dataLength)
    {
        _tlpProbeNow = false;
        header = default;
        dataOffset = 0;
        dataLength = 0;
        int inFlightData = Math.Min(_sndMax - _sndUna, _tx.Length);
        if (inFlightData <= 0)
        {
            return false;
        }
        int unsentOffset = Math.Max(0, _sndNxt - _sndUna);
        int unsent = Math.Max(0, _tx.Length - unsentOffset);
        long peerRoom = _sndWnd - (_sndNxt - _sndUna);
        TcpSeqNumber seq;
        if (unsent > 0 && peerRoom > 0 && _sndNxt == _sndMax)
        {
            dataOffset = unsentOffset;
            dataLength = (int)Math.Min(Math.Min(unsent, peerRoom), SegmentDataLimit());
            seq = _sndNxt;
            _sndNxt += dataLength;
            _sndMax = TcpSeqNumber.Max(_sndMax, _sndNxt);
        }
        else
        {
            dataLength = Math.Min(SegmentDataLimit(), inFlightData);
            dataOffset = inFlightData - dataLength;
            seq = _sndUna + dataOffset;
            _retransmissions++;
        }
        _tlpSent = true;
        _rtoDeadline = now + _rto; // RFC 8985 §7.3: rearm the RTO after the probe
        header = Finish(now, seq, TcpFlags.Ack | TcpFlags.Psh, dataLength);
        return true;
    }

    /// <summary>
    /// Most payload one segment may carry: the MSS, less the SACK option it will carry while we hold
    /// out-of-order data (the MSS already allows for timestamps), so segments stay within the MTU
    /// (RFC 9293 §3.7.1: the MSS bounds data, the IP datagram must still fit).
    /// </summary>
    private int SegmentDataLimit()
    {
        if (!_sackEnabled || _assembler.IsEmpty)
        {
            return _sndMss;
        }
        int blocks = Math.Min(_assembler.RangeCount, TcpOptions.MaxSackBlocks(_tsEnabled));
        int sackOption = 4 + 8 * blocks; // kind, length, the blocks, two NOPs to align (RFC 2018 §3)
        return Math.Max(1, _sndMss - sackOption);
    }

    /// <summary>
    /// Payload of each segment on the wire: what a dispatched segment larger than this is cut into by
    /// the device (its TSO segment size).
    /// </summary>
    internal int SegmentPayloadLimit => SegmentDataLimit();

    /// <summary>
    /// Most new data one dispatched segment may carry: <paramref name="segmentationLimit"/> rounded down
    /// to whole wire segments when the device segments, else one wire segment. Retransmissions and probes
    /// stay one wire segment, so a repair resends no more than was lost.
    /// </summary>
    private int BurstDataLimit(int segmentationLimit)
    {
        int mss = SegmentDataLimit();
        return segmentationLimit > mss ? segmentationLimit / mss * mss : mss;
    }

    /// <summary>
    /// After a timeout rewound SND.NXT, what the peer has SACKed is not sent again (RFC 6675 §5.1:
    /// retransmit only what the scoreboard does not show as received).
    /// </summary>
    private void SkipSackedData()
    {
        if (_sndNxt >= _sndMax || _scoreboard.IsEmpty)
        {
            return;
        }
        int offset = _sndNxt - _sndUna;
        int end;
        while ((end = _scoreboard.SackedRangeEnd(offset)) >= 0)
        {
            offset = end;
        }
        _sndNxt = TcpSeqNumber.Min(_sndUna + offset, _sndMax);
    }

    /// <summary>RFC 6675 NextSeg rule 1, when cwnd − pipe leaves room for a segment.</summary>
    private bool TryNextSackRetransmission(out int offset, out int length)
    {
        offset = 0;
        length = 0;
        if (_cc.Window - Pipe() < _sndMss)
        {
            return false;
        }
        int boundary = Math.Min(_scoreboard.LossBoundary(_sndMss, DuplicateAckThreshold), _tx.Length);
        int position = Math.Max(0, _highRxt - _sndUna);
        while (position < boundary && _scoreboard.SackedRangeEnd(position) is int end && end >= 0)
        {
            position = end;
        }
        if (position >= boundary)
        {
            return false;
        }
        offset = position;
        length = Math.Min(SegmentDataLimit(), _scoreboard.NextSackedStart(position, boundary) - position);
        return length > 0;
    }

    private bool CanCarryData() => State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck;

    private bool HasDataToSend()
    {
        if (!CanCarryData())
        {
            return false;
        }
        int unsentOffset = Math.Max(0, _sndNxt - _sndUna);
        int unsent = Math.Max(0, _tx.Length - unsentOffset);
        if (_finQueued && !_finSent && unsent == 0)
        {
            return true;
        }
        int usable = UsableWindow();
        int length = Math.Min(Math.Min(unsent, usable), SegmentDataLimit()); // as TryDispatch, or it waits forever for a segment that never goes
        return (SackRecovery && TryNextSackRetransmission(out _, out _)) || length > 0 && (ShouldSendData(length, unsent) || (_finQueued && !_finSent && length == unsent));
    }

    /// <summary>
    /// Nagle (RFC 9293 §3.7.4) and sender silly-window avoidance (§3.8.6.2.1): send a full segment, or
    /// everything queued when nothing is in flight (or Nagle is off), or whatever fits when nothing is in flight.
    /// A full segment is the most data one segment carries now: the MSS less a SACK option it carries.
    /// </summary>
    private bool ShouldSendData(int length, int unsent)
    {
        bool nothingInFlight = _sndNxt == _sndUna;
        return length >= SegmentDataLimit()
            || nothingInFlight
            || (length == unsent && _options.NoDelay);
    }

    /// <summary>Starts the persist timer when data waits on a zero window (RFC 9293 §3.8.6.1).</summary>
    private void ArmPersistTimer(Instant now, int unsent)
    {
        if (unsent > 0 && _sndWnd == 0 && _sndNxt == _sndUna && _persistDeadline is null)
        {
            _persistBackoff = _persistBackoff == TimeSpan.Zero ? _rto : _persistBackoff;
            _persistDeadline = now + _persistBackoff;
        }
    }

    /// <summary>
    /// Receiver silly-window avoidance (RFC 9293 §3.8.6.2.2): announce a larger window only once it grew
    /// by min(half the buffer, one MSS).
    /// </summary>
    private bool WindowUpdateDue()
    {
        if (State is not (TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2))
        {
            return false;
        }
        long advertised = Math.Max(0, _rcvAdvertisedRight - _rcvNxt);
        long possible = _rx.Free;
        long threshold = Math.Min(_rx.Capacity / 2, _sndMss);
        return possible - advertised >= threshold && advertised < threshold * 2;
    }

    /// <summary>The window to advertise, in bytes: the free buffer, without moving the right edge left (§3.8.6).</summary>
    private long WindowToAdvertise()
    {
        long free = _rx.Free;
        long current = Math.Max(0, _rcvAdvertisedRight - _rcvNxt);
        long threshold = Math.Min(_rx.Capacity / 2, _sndMss);
        long window = free - current >= threshold ? free : current;
        window = Math.Max(window, current);
        return Math.Min(window, (long)ushort.MaxValue << _rcvWndShift);
    }

    private TcpHeader BuildSyn(Instant now)
    {
        bool synAck = State == TcpState.SynReceived;
        TcpOptions options = new()
        {
            MaximumSegmentSize = (ushort)Math.Min(RouteMss, ushort.MaxValue),
            // RFC 7323 §1.3: a SYN-ACK carries window scale only when the SYN did.
            WindowScale = _options.WindowScaling && (!synAck || _wsEnabled) ? (byte)OurWindowShift() : null,
            SackPermitted = _options.SelectiveAcknowledgments && (!synAck || _sackEnabled),
            Timestamps = _options.Timestamps && (!synAck || _tsEnabled) ? (TimestampNow(now), synAck ? _tsRecent : 0u) : null,
        };
        // RFC 7323 §2.2: the window field of a SYN is never scaled.
        ushort window = (ushort)Math.Min(_rx.Free, ushort.MaxValue);
        _rcvAdvertisedRight = synAck ? _rcvNxt + window : _rcvAdvertisedRight;
        TcpFlags flags = synAck ? TcpFlags.Syn | TcpFlags.Ack : TcpFlags.Syn;
        if (synAck)
        {
            _lastAckSent = _rcvNxt;
        }
        return new TcpHeader(LocalEndpoint.Port, RemoteEndpoint.Port, _iss, synAck ? _rcvNxt : default, flags, window) { Options = options };
    }

    /// <summary>Fills in acknowledgment, window and options of a segment, and clears what it satisfies.</summary>
    private TcpHeader Finish(Instant now, TcpSeqNumber seq, TcpFlags flags, int dataLength)
    {
        long window = WindowToAdvertise();
        _rcvAdvertisedRight = _rcvNxt + (int)Math.Min(window, int.MaxValue);
        _lastAckSent = _rcvNxt;
        _ackNow = false;
        _ackDeadline = null;
        _fullSegmentsUnacked = 0;
        _segmentsSent++;
        TcpOptions options = default;
        if (_tsEnabled)
        {
            options = options with { Timestamps = (TimestampNow(now), _tsRecent) };
        }
        if (_sackEnabled && !_assembler.IsEmpty)
        {
            options = options with { SackBlocks = SackBlocks(TcpOptions.MaxSackBlocks(_tsEnabled)) };
        }
        return new TcpHeader(LocalEndpoint.Port, RemoteEndpoint.Port, seq, _rcvNxt, flags, (ushort)(window >> _rcvWndShift)) { Options = options };
    }

    /// <summary>
    /// SACK blocks for the out-of-order data we hold (RFC 2018 §3–4): first the block holding the
    /// segment that arrived last (§4 MUST), then the others in sequence order.
    /// </summary>
    private TcpSackBlocks SackBlocks(int max)
    {
        Span<TcpSackBlock> blocks = stackalloc TcpSackBlock[TcpSackBlocks.MaxCount];
        int count = 0;
        int latest = _lastOutOfOrderSeq - _rcvNxt;
        foreach ((int offset, int length) in _assembler)
        {
            if (offset <= latest && latest < offset + length)
            {
                blocks[count++] = new TcpSackBlock(_rcvNxt + offset, _rcvNxt + offset + length);
                break;
            }
        }
        foreach ((int offset, int length) in _assembler)
        {
            if (count == max || count == blocks.Length)
            {
                break;
            }
            TcpSackBlock block = new(_rcvNxt + offset, _rcvNxt + offset + length);
            if (count == 0 || block != blocks[0])
            {
                blocks[count++] = block;
            }
        }
        return TcpSackBlocks.Create(blocks[..Math.Min(count, max)]);
    }

    /// <summary>Fires the timers whose time has come (RFC 6298 §5.4–5.7, TIME-WAIT, delayed ACK, persist, keep-alive).</summary>
    private void RunTimers(Instant now)
    {
        if (_timeWaitDeadline is { } tw && now >= tw)
        {
            _timeWaitDeadline = null;
            SetState(TcpState.Closed);
            return;
        }
        if (_ackDeadline is { } ad && now >= ad)
        {
            _ackDeadline = null;
            _ackNow = true;
        }
        if (_rtoDeadline is { } rto && now >= rto)
        {
            _tlpDeadline = null;
            OnRetransmissionTimeout(now);
        }
        else if (_tlpDeadline is { } tlp && now >= tlp)
        {
            _tlpDeadline = null;
            _tlpProbeNow = true;
        }
        if (_persistDeadline is { } pd && now >= pd)
        {
            _persistDeadline = null;
            _probeNow = true;
            _persistBackoff = TimeSpan.FromTicks(Math.Min(_persistBackoff.Ticks * 2, s_maxPersistInterval.Ticks));
        }
        if (_options.KeepAliveIdle is { } idle && State == TcpState.Established && _sndUna == _sndMax && _tx.Length == 0)
        {
            Instant due = _keepAliveDeadline ?? _lastActivity + idle;
            if (now >= due)
            {
                if (_keepAliveProbesSent >= _options.KeepAliveProbes)
                {
                    Fail(SocketError.TimedOut); // RFC 1122 §4.2.3.6: the peer is gone
                    return;
                }
                _keepAliveProbesSent++;
                _probeNow = true;
                _keepAliveDeadline = now + _options.KeepAliveInterval;
            }
        }
        else
        {
            _keepAliveDeadline = null;
        }
    }

    private void OnRetransmissionTimeout(Instant now)
    {
        _timeouts++;
        _retries++;
        bool synchronizing = State is TcpState.SynSent or TcpState.SynReceived;
        int limit = synchronizing ? _options.MaxSynRetransmissions : _options.MaxRetransmissions;
        bool userTimeoutPassed = _options.UserTimeout is { } ut && now - _firstUnackedSentAt >= ut;
        if (_retries > limit || userTimeoutPassed)
        {
            if (State == TcpState.SynReceived && Listener is not null)
            {
                SetState(TcpState.Closed);
            }
            else
            {
                Fail(SocketError.TimedOut);
            }
            return;
        }
        // RFC 6298 §5.5: back off the timer; §5.4: retransmit the earliest unacknowledged segment.
        _rto = TimeSpan.FromTicks(Math.Min(_rto.Ticks * 2, _options.MaxRetransmissionTimeout.Ticks));
        _rtoDeadline = now + _rto;
        _timedSeq = null;
        _timeoutTimestamp = TimestampNow(now);
        _timeoutTimestampValid = true;
        if (synchronizing)
        {
            _synToSend = true;
            return;
        }
        _cc.OnRetransmissionTimeout(now, FlightSize);
        _sndNxt = _sndUna; // go back: everything after SND.UNA is sent again as the window allows
        if (_finSent && !(_sndUna > _finSeq))
        {
            _finSent = false;
        }
        _inRecovery = false;
        _dupAcks = 0;
        _recover = _sndMax; // RFC 6582 §4
        if (_retries > 1)
        {
            // RFC 2018 §8: the receiver may have reneged on what it SACKed. Trust the scoreboard for the
            // first timeout (skipping SACKed data then saves most of the resend, as Linux does); clear
            // it if that did not help.
            _scoreboard.Clear();
        }
        if (_sndWnd == 0)
        {
            _probeNow = true;
        }
    }
}
