using System.Net.Sockets;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

public sealed partial class TcpSocket
{
    /// <summary>
    /// Decides the next segment to send, if any, and commits to it: sequence numbers advance and timers
    /// start as if it was sent. The payload is <paramref name="dataLength"/> bytes of the send buffer
    /// from <paramref name="dataOffset"/> (see <see cref="CopyPayload"/>). New data may fill up to
    /// <paramref name="segmentationLimit"/> bytes (a whole number of <see cref="SegmentPayloadLimit"/>) when
    /// the device cuts large segments itself; 0 keeps every segment within the MSS.
    /// </summary>
    /// <remarks>
    /// In order of precedence: a reset, a SYN, duplicate ACKs owed, a lost segment to resend, a tail
    /// loss probe, new data (and our FIN), a window probe or keep-alive, a bare ACK.
    /// </remarks>
    internal bool TryDispatch(Instant now, out TcpHeader header, out int dataOffset, out int dataLength, int segmentationLimit = 0)
    {
        RunTimers(now);
        header = default;
        dataOffset = 0;
        dataLength = 0;
        if (_resetPending)
        {
            header = NextAbortReset(now);
            _segmentsSent++;
            return true;
        }
        switch (State)
        {
            case TcpState.Closed or TcpState.Listen:
                return false;
            case TcpState.SynSent or TcpState.SynReceived when _synToSend:
                header = SendSyn(now);
                return true;
            case TcpState.SynSent:
                return false;
        }
        if (_duplicateAcksOwed > 0)
        {
            // Pure ACKs: one carrying data would not count as a duplicate at the sender (RFC 5681 §2).
            _duplicateAcksOwed--;
            header = Finish(now, _sndNxt, TcpFlags.Ack, 0);
            return true;
        }
        if (CanCarryData())
        {
            if (TryRetransmitLost(now, out header, out dataOffset, out dataLength))
            {
                return true;
            }
            if (_tlpProbeNow && TryTailLossProbe(now, out header, out dataOffset, out dataLength))
            {
                return true;
            }
            _tlpProbeNow = false;
            if (TrySendNewData(now, segmentationLimit, out header, out dataOffset, out dataLength))
            {
                return true;
            }
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
            header = Finish(now, _sndNxt, TcpFlags.Ack, 0);
            return true;
        }
        return false;
    }

    /// <summary>
    /// ABORT (RFC 9293 §3.10.5): &lt;SEQ=SND.NXT&gt;&lt;CTL=RST&gt;. The peer takes a reset only at exactly its
    /// RCV.NXT (RFC 5961 §3.2), which lies somewhere in [SND.UNA, SND.NXT] while data is unacknowledged:
    /// a reset at SND.UNA goes first (the peer lost or has not acknowledged what followed; if it holds
    /// more, this one is below its window and silently dropped), then one at SND.NXT (it holds all we
    /// sent). In between, the peer's challenge ACK names its RCV.NXT and the interface answers it as a
    /// segment for no connection (§3.10.7.1, &lt;SEQ=SEG.ACK&gt;), exactly.
    /// </summary>
    private TcpHeader NextAbortReset(Instant now)
    {
        TcpSeqNumber seq = _sndNxt;
        if (_sndUna != _sndNxt && !_resetAtUnaSent && State != TcpState.SynReceived) // there only our SYN is unacknowledged
        {
            seq = _sndUna;
            _resetAtUnaSent = true;
        }
        else
        {
            _resetPending = false;
            SetState(TcpState.Closed);
        }
        return Reset(now, seq);
    }

    /// <summary>Our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), first or again after a timeout.</summary>
    private TcpHeader SendSyn(Instant now)
    {
        TcpHeader header = BuildSyn(now);
        _synToSend = false;
        if (_sndNxt == _iss)
        {
            _sndNxt = _iss + 1;
        }
        _rtoDeadline ??= now + _rtt.Rto;
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
        return header;
    }

    /// <summary>
    /// New data the windows, Nagle and silly-window avoidance allow, with our FIN when it closes the
    /// queue; recorded on the scoreboard one wire segment per entry.
    /// </summary>
    private bool TrySendNewData(Instant now, int segmentationLimit, out TcpHeader header, out int dataOffset, out int dataLength)
    {
        header = default;
        dataOffset = Math.Max(0, _sndNxt - _sndUna);
        dataLength = 0;
        int unsent = Math.Max(0, _tx.Length - dataOffset);
        int length = Math.Min(Math.Min(unsent, UsableWindow()), BurstDataLimit(segmentationLimit));
        bool finNow = _finQueued && !_finSent && length == unsent && State is TcpState.Established or TcpState.CloseWait;
        if (length > 0 && !ShouldSendData(length, unsent) && !finNow)
        {
            length = 0;
        }
        if (length == 0 && !finNow)
        {
            ArmPersistTimer(now, unsent);
            return false;
        }
        TcpSeqNumber seq = _sndNxt;
        TcpFlags flags = TcpFlags.Ack | (length > 0 && length == unsent ? TcpFlags.Psh : 0) | (finNow ? TcpFlags.Fin : 0);
        dataLength = length;
        header = Finish(now, seq, flags, length);
        RecordSent(now, seq, length, finNow);
        _sndNxt = seq + length + (finNow ? 1 : 0);
        if (finNow)
        {
            _finSent = true;
            _finSeqValid = true;
            _finSeq = seq + length;
            SetState(State == TcpState.Established ? TcpState.FinWait1 : TcpState.LastAck);
        }
        if (_timedSeq is null && !_tsEnabled && length > 0)
        {
            _timedSeq = _sndNxt;
            _timedAt = now;
        }
        CountRecoverySend(length + (finNow ? 1 : 0));
        if (_rtoDeadline is null)
        {
            _rtoDeadline = now + _rtt.Rto;
            _firstUnackedSentAt = now;
        }
        ArmTailLossProbe(now);
        return true;
    }

    /// <summary>
    /// Puts new data just sent on the scoreboard as one entry, however many wire segments the device
    /// cuts it into: they all left at the same instant, so RACK judges them alike, and a SACK block or a
    /// retransmission splits the entry where it needs to (a 64 KiB burst costs one entry, not 45).
    /// </summary>
    private void RecordSent(Instant now, TcpSeqNumber seq, int length, bool fin) =>
        _scoreboard.Append(seq, length + (fin ? 1 : 0), fin, now, TimestampNow(now));

    /// <summary>Copies a dispatched segment's payload from the send buffer.</summary>
    internal void CopyPayload(int dataOffset, Span<byte> destination) => _tx.Peek(dataOffset, destination);

    /// <summary>
    /// Bytes of new data the windows allow now: the peer's window, and cwnd less the pipe (RFC 6675 §4;
    /// with nothing SACKed or lost, the pipe is the flight size). With SACK, each SACKed segment leaves
    /// the pipe, which is limited transmit (RFC 3042) already; without, the first two duplicate ACKs
    /// allow a segment each.
    /// </summary>
    private int UsableWindow()
    {
        long byPeer = _sndWnd - (_sndNxt - _sndUna);
        int limitedTransmit = !_sackEnabled && !InAnyRecovery && _dupAcks is 1 or 2 ? _dupAcks * _sndMss : 0;
        long byCongestion = (long)_cc.Window + limitedTransmit - Pipe();
        return (int)Math.Clamp(Math.Min(byPeer, byCongestion), 0, int.MaxValue);
    }

    /// <summary>
    /// Most payload one segment may carry: the MSS, less the SACK option it will carry while we hold
    /// out-of-order data (the MSS already allows for timestamps), so segments stay within the MTU
    /// (RFC 9293 §3.7.1: the MSS bounds data, the IP datagram must still fit).
    /// </summary>
    private int SegmentDataLimit()
    {
        if (!_sackEnabled || (_assembler.IsEmpty && _duplicateToReport is null))
        {
            return _sndMss;
        }
        int blocks = Math.Min(_assembler.RangeCount + (_duplicateToReport is null ? 0 : 1), TcpOptions.MaxSackBlocks(_tsEnabled));
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

    private bool CanCarryData() => State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck;

    private bool HasDataToSend()
    {
        if (!CanCarryData())
        {
            return false;
        }
        if (NextRetransmission() >= 0)
        {
            return true;
        }
        int unsent = Math.Max(0, _tx.Length - (_sndNxt - _sndUna));
        bool finDue = _finQueued && !_finSent;
        if (finDue && unsent == 0)
        {
            return true;
        }
        int length = Math.Min(Math.Min(unsent, UsableWindow()), SegmentDataLimit()); // as TrySendNewData, or it waits forever for a segment that never goes
        return length > 0 && (ShouldSendData(length, unsent) || (finDue && length == unsent));
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
            MaximumSegmentSize = (ushort)Math.Min(_routeMss, ushort.MaxValue),
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
        if (_sackEnabled && (!_assembler.IsEmpty || _duplicateToReport is not null))
        {
            options = options with { SackBlocks = SackBlocks(TcpOptions.MaxSackBlocks(_tsEnabled)) };
        }
        return new TcpHeader(LocalEndpoint.Port, RemoteEndpoint.Port, seq, _rcvNxt, flags, (ushort)(window >> _rcvWndShift)) { Options = options };
    }

    /// <summary>
    /// SACK blocks for the out-of-order data we hold (RFC 2018 §3–4): first a D-SACK for data that
    /// arrived twice, if any (RFC 2883 §4), then the block holding the segment that arrived last (§4
    /// MUST), then the others in sequence order.
    /// </summary>
    private TcpSackBlocks SackBlocks(int max)
    {
        Span<TcpSackBlock> blocks = stackalloc TcpSackBlock[TcpSackBlocks.MaxCount];
        int count = 0;
        if (_duplicateToReport is { } duplicate)
        {
            blocks[count++] = duplicate; // RFC 2883 §4: the D-SACK block comes first, once
            _duplicateToReport = null;
        }
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
            if (!blocks[..count].Contains(block))
            {
                blocks[count++] = block;
            }
        }
        return TcpSackBlocks.Create(blocks[..Math.Min(count, max)]);
    }
}
