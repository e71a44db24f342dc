using System.Net.Sockets;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// The sender's side of an acknowledgment, and loss recovery: what an ACK delivered (cumulatively and by
/// SACK), RTT samples, RACK-TLP loss detection (RFC 8985), fast recovery with proportional rate
/// reduction (RFC 6675, RFC 6937) or NewReno (RFC 6582) for a peer without SACK, the retransmission
/// timeout (RFC 6298), and undoing a reduction that D-SACK shows was needless (RFC 2883, RFC 3708).
/// </summary>
public sealed partial class TcpSocket
{
    /// <summary>DupThresh: duplicate ACKs that signal a loss (RFC 5681 §3.2, RFC 6675 §2).</summary>
    private const int DuplicateAckThreshold = 3;

    /// <summary>RFC 5827 §3.1: early retransmit applies while fewer than this many segments are outstanding.</summary>
    private const int EarlyRetransmitSegments = 4;

    /// <summary>RFC 8985 §7.2: the probe timeout without an RTT sample (1 s).</summary>
    private static readonly TimeSpan s_probeTimeoutWithoutRtt = TimeSpan.FromSeconds(1);

    /// <summary>The smallest probe timeout, so a tiny SRTT does not probe ahead of the ACK clock (Linux: 10 ms).</summary>
    private static readonly TimeSpan s_minProbeTimeout = TimeSpan.FromMilliseconds(10);

    /// <summary>RFC 8985 §7.2 WCDelAckT: the peer's worst-case delayed-ACK time (200 ms).</summary>
    private static readonly TimeSpan s_worstCaseDelayedAck = TimeSpan.FromMilliseconds(200);

    private readonly RttEstimator _rtt;
    private readonly CongestionController _cc;
    private readonly Scoreboard _scoreboard = new();
    private readonly Rack _rack = new();
    private readonly ProportionalRateReduction _prr = new();

    // Retransmission timer (RFC 6298).
    private Instant? _rtoDeadline;
    private int _retries;
    private Instant _firstUnackedSentAt;
    private uint _timeoutTimestamp;           // our timestamp at the last timeout: older echoes give no RTT sample
    private bool _timeoutTimestampValid;
    private TcpSeqNumber? _timedSeq;          // Karn: the segment being timed, when timestamps are off
    private Instant _timedAt;

    // Recovery.
    private bool _inRecovery;                 // fast recovery (RFC 6675 §5, RFC 6582 §3.2)
    private bool _inTimeoutRecovery;          // after a timeout, until the ACK passes _recover (RFC 6675 §5.1)
    private TcpSeqNumber _recover;            // RFC 6582 "recover", RFC 6675 RecoveryPoint
    private bool _retransmitNow;              // NewReno: resend the first lost segment at once, whatever cwnd says
    private int _dupAcks;
    private Instant? _reorderDeadline;        // RACK's reordering timer (RFC 8985 §6.2 step 5)

    // Tail loss probe (RFC 8985 §7).
    private Instant? _tlpDeadline;
    private bool _tlpProbeNow;
    private TcpSeqNumber? _tlpEndSeq;         // TLP.end_seq: a probe is outstanding until this is acknowledged
    private bool _tlpIsRetransmission;

    // Undo of a needless reduction (RFC 3708 with D-SACK, RFC 2883 §5).
    private bool _undoPossible;
    private TcpSeqNumber _undoMarker;         // SND.UNA when the episode began
    private int _undoRetransmissions;         // retransmitted segments of the episode not yet shown needless
    private int _priorWindow;
    private int _priorSlowStartThreshold;

    private long _retransmissions;
    private long _timeouts;
    private long _fastRetransmits;
    private long _tailLossProbes;
    private long _rackLosses;
    private long _duplicateSacks;
    private long _recoveriesUndone;

    /// <summary>Sequence-space bytes sent and not yet acknowledged (RFC 5681 FlightSize).</summary>
    private int FlightSize => _sndNxt - _sndUna;

    /// <summary>
    /// RFC 6675 §4 SetPipe, with RACK's losses: bytes believed in the network — outstanding, less SACKed,
    /// less deemed lost, plus retransmissions in flight.
    /// </summary>
    private int Pipe() => Math.Max(0, FlightSize - _scoreboard.SackedBytes - _scoreboard.LostBytes + _scoreboard.RetransmittedBytes);

    /// <summary>True in fast recovery or in the recovery that follows a timeout.</summary>
    private bool InAnyRecovery => _inRecovery || _inTimeoutRecovery;

    private void ResetRecoveryState()
    {
        _scoreboard.Clear();
        _rack.Reset();
        _rtt.Reset();
        _retries = 0;
        _dupAcks = 0;
        _inRecovery = _inTimeoutRecovery = _retransmitNow = false;
        _reorderDeadline = null;
        _tlpDeadline = null;
        _tlpProbeNow = false;
        _tlpEndSeq = null;
        _undoPossible = false;
        _timedSeq = null;
        _timeoutTimestampValid = false;
    }

    /// <summary>
    /// §3.10.7.4 fifth check, the sender's part, for an acceptable ACK: what it delivered, RTT, loss
    /// detection, recovery and the probe timer.
    /// </summary>
    private void OnAcknowledgment(Instant now, in TcpHeader segment, int payloadLength, bool windowChanged)
    {
        TcpSeqNumber ack = segment.AcknowledgmentNumber;
        int acked = ack - _sndUna;
        uint? echo = _tsEnabled && segment.Options.Timestamps is { } ts ? ts.EchoReply : null;
        int delivered = acked > 0 ? DeliverCumulative(now, ack, echo) : 0;
        int sackedBefore = _scoreboard.SackedBytes;
        bool duplicateSack = false;
        if (_sackEnabled)
        {
            delivered += DeliverSelective(now, segment.Options.SackBlocks, ack, echo, out duplicateSack);
        }
        bool newSack = _scoreboard.SackedBytes > sackedBefore;
        if (acked > 0)
        {
            OnNewDataAcknowledged(now, segment, ack, acked);
        }
        else if (acked == 0 && payloadLength == 0 && _sndNxt != _sndUna && (segment.Flags & (TcpFlags.Syn | TcpFlags.Fin)) == 0 && (!windowChanged || newSack))
        {
            // RFC 5681 §2: a duplicate ACK (RFC 6675 also counts one that brings new SACK information).
            _dupAcks++;
            if (_inRecovery && !_sackEnabled && _dupAcks > DuplicateAckThreshold)
            {
                _cc.SetWindow(_cc.Window + _sndMss); // RFC 6582 step 3: inflate for each segment that left the network
            }
        }
        ProcessProbeAcknowledgment(now, ack, acked, duplicateSack, newSack);
        int lost = _sackEnabled ? DetectLosses(now) : 0;
        if (!InAnyRecovery && _sndNxt != _sndUna && ShouldEnterRecovery(ack, lost))
        {
            EnterRecovery(now);
        }
        if (_inRecovery && _sackEnabled)
        {
            // RFC 6937 §3: cwnd = pipe + sndcnt, so the sending rule cwnd − pipe yields exactly sndcnt.
            int pipe = Pipe();
            _cc.SetWindow(pipe + _prr.OnAck(delivered, pipe, _cc.SlowStartThreshold, _sndMss));
        }
        if (acked > 0 || newSack)
        {
            ArmTailLossProbe(now); // RFC 8985 §7.2: restarted by an ACK that delivers something
        }
    }

    /// <summary>
    /// Removes what the cumulative ACK covers from the scoreboard; each segment not SACKed before is
    /// delivered now (RACK learns from it). Returns the bytes newly delivered.
    /// </summary>
    private int DeliverCumulative(Instant now, TcpSeqNumber ack, uint? echo)
    {
        int delivered = 0;
        while (!_scoreboard.IsEmpty && _scoreboard.First.Start < ack)
        {
            ref SentSegment first = ref _scoreboard.First;
            if (!first.Has(SentSegmentFlags.Sacked))
            {
                delivered += TcpSeqNumber.Min(first.End, ack) - first.Start;
                _rack.OnDelivered(in first, now, echo, _rtt.Minimum);
            }
            if (first.End <= ack)
            {
                _scoreboard.RemoveFirst();
            }
            else
            {
                _scoreboard.TrimFirst(ack);
            }
        }
        return delivered;
    }

    /// <summary>
    /// Marks what the SACK blocks cover (RFC 2018 §4: ranges above the cumulative ACK) and returns the
    /// bytes newly delivered. A first block below the ACK or inside the second is a D-SACK (RFC 2883 §4):
    /// it reports a segment that arrived twice.
    /// </summary>
    private int DeliverSelective(Instant now, in TcpSackBlocks blocks, TcpSeqNumber ack, uint? echo, out bool duplicateSack)
    {
        duplicateSack = false;
        int delivered = 0;
        for (int i = 0; i < blocks.Count; i++)
        {
            TcpSackBlock block = blocks[i];
            if (i == 0 && IsDuplicateSack(blocks, ack))
            {
                duplicateSack = true;
                OnDuplicateSack(block);
                continue;
            }
            if (block.Right > ack && block.Right <= _sndNxt && block.Left < block.Right)
            {
                delivered += MarkSacked(now, TcpSeqNumber.Max(block.Left, ack), block.Right, echo);
            }
        }
        return delivered;
    }

    /// <summary>RFC 2883 §4: the first block reports a duplicate when it lies below the cumulative ACK or within the second block.</summary>
    private static bool IsDuplicateSack(in TcpSackBlocks blocks, TcpSeqNumber ack)
    {
        TcpSackBlock first = blocks[0];
        if (first.Left < ack || first.Right <= ack)
        {
            return true;
        }
        return blocks.Count > 1 && blocks[1].Left <= first.Left && first.Right <= blocks[1].Right;
    }

    /// <summary>Marks [<paramref name="left"/>, <paramref name="right"/>) SACKed, splitting segments at the edges; returns the bytes newly SACKed.</summary>
    private int MarkSacked(Instant now, TcpSeqNumber left, TcpSeqNumber right, uint? echo)
    {
        int index = _scoreboard.IndexOf(left);
        if (index < 0)
        {
            return 0;
        }
        if (_scoreboard[index].Start < left)
        {
            _scoreboard.SplitAt(index, left);
            index++;
        }
        int marked = 0;
        for (; index < _scoreboard.Count && _scoreboard[index].Start < right; index++)
        {
            if (_scoreboard[index].End > right)
            {
                _scoreboard.SplitAt(index, right);
            }
            if (_scoreboard.MarkSacked(index))
            {
                ref SentSegment segment = ref _scoreboard[index];
                marked += segment.Length;
                _rack.OnDelivered(in segment, now, echo, _rtt.Minimum);
            }
        }
        return marked;
    }

    /// <summary>
    /// A D-SACK: something was received twice, so a retransmission (or the network) duplicated it. RACK
    /// widens its reordering window (RFC 8985 §6.2 step 4); a retransmission of this episode shown needless
    /// brings the undo of its reduction closer.
    /// </summary>
    private void OnDuplicateSack(TcpSackBlock block)
    {
        _duplicateSacks++;
        _rack.OnDuplicateSack(_sndUna, _sndNxt);
        if (_undoPossible && block.Left >= _undoMarker && _undoRetransmissions > 0)
        {
            _undoRetransmissions -= Math.Max(1, (block.Length + _sndMss - 1) / Math.Max(1, _sndMss));
            if (_undoRetransmissions <= 0)
            {
                UndoReduction();
            }
        }
    }

    /// <summary>
    /// Every retransmission of the last episode reached the peer twice: the losses were not real (RFC 3708
    /// §2, with D-SACK as the detection), so cwnd and ssthresh go back to what they were.
    /// </summary>
    private void UndoReduction()
    {
        _undoPossible = false;
        _recoveriesUndone++;
        _cc.Restore(_priorWindow, _priorSlowStartThreshold);
        if (_inRecovery)
        {
            _inRecovery = false;
            _rack.OnRecoveryEnded();
        }
    }

    /// <summary>Bookkeeping for an ACK of new data: the send buffer, RTT, the timer, congestion and NewReno's partial ACK.</summary>
    private void OnNewDataAcknowledged(Instant now, in TcpHeader segment, TcpSeqNumber ack, int acked)
    {
        int flight = FlightSize;
        int dataAcked = acked;
        if (_sndUna == _iss)
        {
            dataAcked--; // our SYN
        }
        if (_finSeqValid && ack == _finSeq + 1)
        {
            dataAcked--; // our FIN
        }
        dataAcked = Math.Clamp(dataAcked, 0, _tx.Length);
        _tx.DequeueAllocated(dataAcked);
        _bytesAcknowledged += dataAcked;
        SampleRtt(now, segment, ack);
        _sndUna = ack;
        _retries = 0;
        _dupAcks = 0;
        _rtt.EndBackOff();
        // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it.
        _rtoDeadline = _sndUna == _sndNxt ? null : now + _rtt.Rto;
        _firstUnackedSentAt = now;
        if (InAnyRecovery && ack >= _recover)
        {
            ExitRecovery();
        }
        else if (_inRecovery && !_sackEnabled)
        {
            // RFC 6582 §3.2 step 4: a partial acknowledgment: resend the next hole, deflate by what was acknowledged.
            if (!_scoreboard.IsEmpty)
            {
                _scoreboard.MarkLost(0);
            }
            _retransmitNow = true;
            _cc.SetWindow(_cc.Window - acked + (acked >= _sndMss ? _sndMss : 0));
        }
        else if (!_inRecovery)
        {
            _cc.OnAck(now, acked, flight); // after a timeout too: slow start from one segment (RFC 5681 §3.1)
        }
    }

    /// <summary>RFC 6582 §3.2 step 3 / RFC 6675 §5 / RFC 6937: a full acknowledgment ends recovery.</summary>
    private void ExitRecovery()
    {
        if (_inRecovery)
        {
            _cc.SetWindow(_sackEnabled ? _cc.SlowStartThreshold : Math.Min(_cc.SlowStartThreshold, Math.Max(FlightSize, _sndMss) + _sndMss));
        }
        _inRecovery = false;
        _inTimeoutRecovery = false;
        _rack.OnRecoveryEnded();
    }

    /// <summary>
    /// With SACK, RACK's verdict alone starts recovery: a segment deemed lost (RFC 8985 §6.2, which
    /// replaces counting duplicate ACKs; with DupThresh segments SACKed its reordering window is zero
    /// anyway, and under reordering it is not, where duplicate ACKs would cut cwnd for nothing). Without
    /// SACK, NewReno's duplicate ACKs, once the ACK passed the last recovery point (RFC 6582 §3.2 step 1).
    /// </summary>
    private bool ShouldEnterRecovery(TcpSeqNumber ack, int lost) =>
        _sackEnabled ? lost > 0 : _dupAcks >= DuplicateAckThresholdNow() && ack > _recover;

    /// <summary>
    /// DupThresh, lowered by early retransmit (RFC 5827 §3.1) when fewer than four segments are
    /// outstanding and no new data can be sent, so a small window can still recover without a timeout.
    /// </summary>
    private int DuplicateAckThresholdNow()
    {
        int outstandingSegments = (FlightSize + _sndMss - 1) / Math.Max(1, _sndMss);
        bool newDataPossible = _tx.Length > _sndNxt - _sndUna && UsableWindow() > 0;
        return outstandingSegments < EarlyRetransmitSegments && !newDataPossible ? Math.Max(1, outstandingSegments - 1) : DuplicateAckThreshold;
    }

    /// <summary>
    /// Enters fast recovery (RFC 6675 §5, RFC 6582 §3.2 step 2): ssthresh from the controller. With SACK,
    /// PRR paces what follows from the current pipe; without, NewReno resends the first segment at once
    /// and inflates cwnd by the three duplicates.
    /// </summary>
    private void EnterRecovery(Instant now)
    {
        StartUndoEpisode();
        int ssthresh = _cc.OnFastRetransmit(now, FlightSize);
        _recover = _sndNxt;
        _inRecovery = true;
        _fastRetransmits++;
        _timedSeq = null;
        _tlpDeadline = null;
        if (_sackEnabled)
        {
            _prr.Start(FlightSize);
            return;
        }
        if (!_scoreboard.IsEmpty)
        {
            _scoreboard.MarkLost(0);
        }
        _retransmitNow = true;
        _cc.SetWindow(ssthresh + DuplicateAckThreshold * _sndMss);
    }

    /// <summary>Remembers cwnd and ssthresh before a reduction, in case D-SACK shows it was needless.</summary>
    private void StartUndoEpisode()
    {
        _undoPossible = _sackEnabled;
        _undoMarker = _sndUna;
        _undoRetransmissions = 0;
        _priorWindow = _cc.Window;
        _priorSlowStartThreshold = _cc.SlowStartThreshold;
    }

    /// <summary>
    /// RACK (RFC 8985 §6.2 step 5): marks the segments whose time is up lost and arms the reordering timer
    /// for the next one. Returns the bytes newly marked.
    /// </summary>
    private int DetectLosses(Instant now)
    {
        _reorderDeadline = null;
        if (_scoreboard.SackedBytes == 0 && _scoreboard.RetransmittedBytes == 0)
        {
            return 0; // nothing was delivered out of order, and no resent segment can have overtaken an older one
        }
        int sackedSegments = _scoreboard.SackedBytes / Math.Max(1, _sndMss);
        TimeSpan? window = _rack.ReorderWindow(InAnyRecovery, sackedSegments, _rtt.Minimum, _rtt.Smoothed);
        if (window is null)
        {
            return 0; // no RTT sample yet: time says nothing, DupThresh decides
        }
        int lost = _rack.DetectLoss(_scoreboard, now, window.Value, out TimeSpan timeout);
        if (timeout > TimeSpan.Zero)
        {
            _reorderDeadline = now + timeout;
        }
        _rackLosses += lost > 0 ? 1 : 0;
        return lost;
    }

    /// <summary>RACK's reordering timer fired (RFC 8985 §6.2 step 5): detect again, and recover if something is lost.</summary>
    private void OnReorderTimeout(Instant now)
    {
        int lost = DetectLosses(now);
        if (lost > 0 && !InAnyRecovery && _sndNxt != _sndUna)
        {
            EnterRecovery(now);
            if (_inRecovery && _sackEnabled)
            {
                int pipe = Pipe();
                _cc.SetWindow(pipe + _prr.OnAck(0, pipe, _cc.SlowStartThreshold, _sndMss));
            }
        }
    }

    /// <summary>
    /// RFC 6298 §5.4–5.7 with RFC 8985 §6.3: the timer expired. Back off; mark lost the segment at SND.UNA
    /// and every segment whose RACK time is up (all of them without SACK: NewReno goes back to SND.UNA);
    /// cwnd restarts from one segment and the recovery that follows lasts until the ACK passes SND.NXT.
    /// </summary>

    private void OnRetransmissionTimeout(Instant now)
    {
        _timeouts++;
        _retries++;
        bool synchronizing = State is TcpState.SynSent or TcpState.SynReceived;
        int limit = synchronizing ? SynRetransmissionLimit : _options.MaxRetransmissions;
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
        _rtt.BackOff();
        _rtoDeadline = now + _rtt.Rto;
        _timedSeq = null;
        _timeoutTimestamp = TimestampNow(now);
        _timeoutTimestampValid = true;
        if (synchronizing)
        {
            _synToSend = true;
            return;
        }
        if (!InAnyRecovery)
        {
            StartUndoEpisode();
        }
        _cc.OnRetransmissionTimeout(now, FlightSize);
        if (_retries > 1)
        {
            // RFC 2018 §8: the receiver may have reneged on what it SACKed. Trust the scoreboard for the
            // first timeout (skipping SACKed data then saves most of the resend, as Linux does); forget
            // it if that did not help.
            _scoreboard.ForgetSacks(markLost: true);
        }
        if (_sackEnabled)
        {
            _rack.MarkLossesOnTimeout(_scoreboard, now, _rack.ReorderWindow(inRecovery: true, 0, _rtt.Minimum, _rtt.Smoothed) ?? TimeSpan.Zero);
        }
        else
        {
            for (int i = 0; i < _scoreboard.Count; i++)
            {
                _scoreboard.MarkLost(i);
            }
        }
        _inRecovery = false;
        _inTimeoutRecovery = true;
        _retransmitNow = false;
        _dupAcks = 0;
        _recover = _sndNxt; // RFC 6582 §4, RFC 6675 §5.1
        _tlpEndSeq = null;
        _reorderDeadline = null;
        if (_sndWnd == 0)
        {
            _probeNow = true;
        }
    }

    /// <summary>Takes an RTT sample (RFC 6298 §3; RFC 7323 §4.1 with timestamps) and updates the RTO (§2).</summary>
    private void SampleRtt(Instant now, in TcpHeader segment, TcpSeqNumber ack)
    {
        TimeSpan? sample = null;
        if (_tsEnabled && segment.Options.Timestamps is { EchoReply: not 0 } ts)
        {
            // Karn's rule in timestamp terms: an echo from before our last timeout may belong to a
            // segment whose ACK was lost, and would measure the timeout instead of the path.
            if (_timeoutTimestampValid && unchecked((int)(ts.EchoReply - _timeoutTimestamp)) < 0)
            {
                return;
            }
            uint elapsed = unchecked(TimestampNow(now) - ts.EchoReply);
            if (elapsed < int.MaxValue)
            {
                sample = TimeSpan.FromMilliseconds(elapsed);
            }
        }
        else if (_timedSeq is { } timed && ack >= timed)
        {
            sample = now - _timedAt;
            _timedSeq = null;
        }
        if (sample is { } r)
        {
            _rtt.AddSample(r);
        }
    }

    /// <summary>
    /// The index of the first segment deemed lost and not yet resent, if the windows allow it now: cwnd −
    /// pipe must hold it (RFC 6675 §5 step 4, with PRR setting cwnd), and, like Linux, it must start
    /// inside the peer's window unless it is at SND.UNA. NewReno's fast retransmit goes regardless of
    /// cwnd. -1 when nothing is to be resent now.
    /// </summary>
    private int NextRetransmission()
    {
        int index = _scoreboard.NextToRetransmit(0);
        if (index < 0 || _retransmitNow)
        {
            return index;
        }
        ref SentSegment segment = ref _scoreboard[index];
        int length = Math.Min(segment.Length, SegmentDataLimit());
        bool cwndAllows = _cc.Window - Pipe() >= length;
        bool peerAllows = segment.Start == _sndUna || segment.Start - _sndUna < _sndWnd;
        return cwndAllows && peerAllows ? index : -1;
    }

    /// <summary>Resends the segment <see cref="NextRetransmission"/> picks, cut to what one segment carries now.</summary>
    private bool TryRetransmitLost(Instant now, out TcpHeader header, out int dataOffset, out int dataLength)
    {
        header = default;
        dataOffset = 0;
        dataLength = 0;
        int index = NextRetransmission();
        bool fastRetransmit = _retransmitNow;
        _retransmitNow = false;
        if (index < 0)
        {
            return false;
        }
        int limit = SegmentDataLimit();
        if (_scoreboard[index].DataLength > limit)
        {
            _scoreboard.SplitAt(index, _scoreboard[index].Start + limit);
        }
        SentSegment segment = _scoreboard[index];
        dataOffset = segment.Start - _sndUna;
        dataLength = Math.Min(segment.DataLength, _tx.Length - dataOffset);
        _scoreboard.MarkRetransmitted(index, now, TimestampNow(now));
        OnRetransmitted(segment.Start);
        bool push = dataLength > 0 && (fastRetransmit || (_inRecovery && segment.Start == _sndUna) || dataOffset + dataLength == _tx.Length);
        TcpFlags flags = TcpFlags.Ack | (segment.Has(SentSegmentFlags.Fin) ? TcpFlags.Fin : 0) | (push ? TcpFlags.Psh : 0);
        header = Finish(now, segment.Start, flags, dataLength);
        CountRecoverySend(segment.Length);
        _rtoDeadline ??= now + _rtt.Rto;
        ArmTailLossProbe(now);
        return true;
    }

    /// <summary>Counts a retransmission starting at <paramref name="start"/>; Karn: a resent segment is never timed.</summary>
    private void OnRetransmitted(TcpSeqNumber start)
    {
        _retransmissions++;
        if (_undoPossible)
        {
            _undoRetransmissions++;
        }
        if (_timedSeq is { } t && t > start)
        {
            _timedSeq = null;
        }
    }

    /// <summary>Counts bytes sent during fast recovery for PRR (prr_out).</summary>
    private void CountRecoverySend(int bytes)
    {
        if (_inRecovery && _sackEnabled)
        {
            _prr.OnSent(bytes);
        }
    }

    /// <summary>
    /// Schedules a tail loss probe (RFC 8985 §7.2): PTO = 2·SRTT, plus the peer's worst-case delayed ACK
    /// when one segment is in flight, 1 s without an RTT sample, and no later than the retransmission
    /// timer, which the probe then replaces. One probe at a time. Without SACK (RFC 8985 §2 assumes it),
    /// only outside recovery: the probe's ACK, or the duplicate ACKs it draws, still reveal a lost tail
    /// before the timer, which on a LAN is hundreds of round trips.
    /// </summary>
    /// <remarks>
    /// Deviation: RFC 8985 §7.2 and Linux probe only outside recovery. Here a probe is also armed during
    /// fast recovery and after a timeout. When a small window's last ACK, or its last retransmission,
    /// is lost, nothing is left to reveal it, and RACK cannot help; the timer is at least 200 ms, a
    /// hundred round trips on a LAN, and after a timeout it doubles. A probe after two round trips
    /// costs one segment and finds the loss in most such cases (the netsim table and the lossy-gateway
    /// benchmark measure it). The probe repairs; the reduction already made stands.
    /// </remarks>
    private void ArmTailLossProbe(Instant now)
    {
        if ((!_sackEnabled && InAnyRecovery) || _tlpEndSeq is not null || _sndNxt == _sndUna || State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck))
        {
            _tlpDeadline = null;
            return;
        }
        TimeSpan pto;
        if (_rtt.HasSample)
        {
            pto = TimeSpan.FromTicks(Math.Max(2 * _rtt.Smoothed.Ticks, s_minProbeTimeout.Ticks));
            if (FlightSize <= _sndMss)
            {
                pto += s_worstCaseDelayedAck;
            }
        }
        else
        {
            pto = s_probeTimeoutWithoutRtt;
        }
        Instant at = now + pto;
        if (!_sackEnabled && (!_rtt.HasSample || (_rtoDeadline is { } timer && at >= timer)))
        {
            _tlpDeadline = null; // without SACK a probe only ahead of the timer, never in its place
            return;
        }
        _tlpDeadline = _rtoDeadline is { } rto && at > rto ? rto : at;
    }

    /// <summary>
    /// The probe itself (RFC 8985 §7.3): one new segment if the peer's window allows, else the last
    /// segment not SACKed sent again, so the ACK or SACK it draws reveals a lost tail without a timeout.
    /// </summary>
    private bool TryTailLossProbe(Instant now, out TcpHeader header, out int dataOffset, out int dataLength)
    {
        _tlpProbeNow = false;
        header = default;
        dataOffset = 0;
        dataLength = 0;
        if (_scoreboard.IsEmpty)
        {
            return false;
        }
        int unsentOffset = _sndNxt - _sndUna;
        int unsent = Math.Max(0, _tx.Length - unsentOffset);
        long peerRoom = _sndWnd - unsentOffset;
        TcpSeqNumber seq;
        TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh;
        if (unsent > 0 && peerRoom > 0 && !_finSent)
        {
            dataOffset = unsentOffset;
            dataLength = (int)Math.Min(Math.Min(unsent, peerRoom), SegmentDataLimit());
            seq = _sndNxt;
            _scoreboard.Append(seq, dataLength, fin: false, now, TimestampNow(now));
            _sndNxt += dataLength;
            _tlpIsRetransmission = false;
        }
        else
        {
            // The last segment not known to have arrived: in recovery the tail may be SACKed already,
            // and resending that would draw an ACK that says nothing new.
            int index = _scoreboard.Count - 1;
            while (index > 0 && _scoreboard[index].Has(SentSegmentFlags.Sacked))
            {
                index--;
            }
            int limit = SegmentDataLimit();
            if (_scoreboard[index].DataLength > limit)
            {
                _scoreboard.SplitAt(index, _scoreboard[index].End - (_scoreboard[index].Has(SentSegmentFlags.Fin) ? 1 : 0) - limit);
                index++;
            }
            SentSegment last = _scoreboard[index];
            seq = last.Start;
            dataOffset = last.Start - _sndUna;
            dataLength = Math.Min(last.DataLength, Math.Max(0, _tx.Length - dataOffset));
            flags |= last.Has(SentSegmentFlags.Fin) ? TcpFlags.Fin : 0;
            _scoreboard.MarkRetransmitted(index, now, TimestampNow(now));
            _retransmissions++;
            _tlpIsRetransmission = true;
        }
        _tailLossProbes++;
        _tlpEndSeq = _sndNxt;
        _rtoDeadline = now + _rtt.Rto; // RFC 8985 §7.3: rearm the RTO after the probe
        header = Finish(now, seq, flags, dataLength);
        return true;
    }

    /// <summary>
    /// RFC 8985 §7.4: what the ACK says of an outstanding probe, once it covers the probe. A probe of new
    /// data, or a resent segment the peer reports received twice (D-SACK), repaired nothing; an ACK beyond
    /// a resent probe means the probe filled a lost tail, and cwnd is reduced once, as entering fast
    /// recovery would (as Linux's tcp_process_tlp_ack).
    /// </summary>
    private void ProcessProbeAcknowledgment(Instant now, TcpSeqNumber ack, int acked, bool duplicateSack, bool newSack)
    {
        if (acked > 0 || newSack)
        {
            _tlpDeadline = null;
        }
        if (_tlpEndSeq is not { } end || ack < end)
        {
            return;
        }
        if (!_tlpIsRetransmission || duplicateSack)
        {
            _tlpEndSeq = null; // new data delivered, or the original and the probe both arrived
        }
        else if (ack > end)
        {
            _tlpEndSeq = null;
            if (!InAnyRecovery)
            {
                int ssthresh = _cc.OnFastRetransmit(now, FlightSize);
                _cc.SetWindow(ssthresh);
            }
        }
        else if (acked == 0 && !newSack)
        {
            _tlpEndSeq = null; // a duplicate ACK at the probe's end: the probe was not needed
        }
    }
}
