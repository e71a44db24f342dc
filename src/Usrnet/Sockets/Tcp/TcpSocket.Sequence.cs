using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

public sealed partial class TcpSocket
{
    /// <summary>RFC 9293 §3.7.1: the MSS assumed when the peer sends none.</summary>
    internal const int DefaultMss = 536;

    /// <summary>
    /// The least payload a segment we send may be cut to (48 bytes, Linux's tcp_min_snd_mss): a peer
    /// announcing an MSS of 1 (RFC 9293 §3.7.1 sets no floor), or a forged ICMP fragmentation needed,
    /// would otherwise make us send a byte per segment, 40 bytes of headers each (CVE-2019-11479).
    /// Linux clamps the same way; a path that really cannot carry 88-byte datagrams fragments them.
    /// </summary>
    internal const int MinSendMss = 48;

    /// <summary>Most duplicate ACKs queued in one poll; more would only repeat the same news.</summary>
    private const int MaxDuplicateAcksOwed = 64;

    /// <summary>In-order segments acknowledged at once after out-of-order data (Linux's quick-ACK mode allows 16).</summary>
    private const int QuickAckSegments = 16;

    /// <summary>Length of the timestamps option as sent on every segment (RFC 7323 appendix A: 10 + 2 NOPs).</summary>
    private const int TimestampOptionLength = 12;

    // Send sequence space (RFC 9293 §3.3.1).
    private TcpSeqNumber _iss;
    private TcpSeqNumber _sndUna;
    private TcpSeqNumber _sndNxt;    // never moved back: retransmissions are chosen from the scoreboard
    private TcpSeqNumber _sndWl1;
    private TcpSeqNumber _sndWl2;
    private long _sndWnd;            // the peer's window in bytes, scaled
    private long _maxSndWnd;
    private int _sndMss = DefaultMss;
    private int _sndWndShift;        // the peer's window scale (RFC 7323 §2.3)

    // Receive sequence space.
    private TcpSeqNumber _irs;
    private TcpSeqNumber _rcvNxt;
    private TcpSeqNumber _rcvAdvertisedRight; // RCV.NXT + RCV.WND as last advertised: never moved left (§3.8.6)
    private int _rcvWndShift;
    private TcpSeqNumber? _pendingFin;        // a FIN that arrived ahead of missing data
    private TcpSeqNumber _lastOutOfOrderSeq;  // where the latest out-of-order segment started
    private TcpSackBlock? _duplicateToReport; // a D-SACK for the next segment (RFC 2883)

    // Negotiated options.
    private bool _wsEnabled;
    private bool _tsEnabled;
    private bool _sackEnabled;
    private uint _tsRecent;
    private uint _tsOffset;
    private TcpSeqNumber _lastAckSent;

    // Closing.
    private bool _finQueued;      // the user closed the send side
    private bool _finSent;        // our FIN was sent, at _finSeq
    private bool _finSeqValid;
    private TcpSeqNumber _finSeq;
    private bool _finReceived;
    private bool _resetPending;   // Abort() asked for a RST
    private bool _resetAtUnaSent; // of the abort's two resets, the one at SND.UNA went
    private bool _synToSend;      // SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) to (re)send

    // Acknowledgments.
    private bool _ackNow;
    private int _duplicateAcksOwed;           // immediate duplicate ACKs for out-of-order segments not yet sent
    private Instant? _ackDeadline;
    private int _fullSegmentsUnacked;
    private int _quickAcksLeft;               // in-order segments still to acknowledge at once after a loss

    // A waiting reader's buffer (PostReceive) and how much of it in-order data has filled.
    private Memory<byte> _receiveTarget;
    private int _receivedIntoTarget;

    // Statistics.
    private long _segmentsSent;
    private long _segmentsReceived;
    private long _bytesAcknowledged;
    private long _bytesReceived;
    private long _segmentsRejected;
    private long _resetsForDataAfterClose;
    private long _finWait2Timeouts;
    private long _mssClamps;

    /// <summary>RFC 5961 §7: the least time between two challenge ACKs of one connection (Linux's tcp_invalid_ratelimit, 500 ms).</summary>
    private static readonly TimeSpan s_challengeAckInterval = TimeSpan.FromMilliseconds(500);

    private Instant? _lastChallengeAckAt;
    private long _challengeAcksSent;
    private long _challengeAcksSuppressed;

    /// <summary>MSS the route allows (interface MTU − 40), taken from the table when the connection opens.</summary>
    private int _routeMss = DefaultMss;

    private void ResetConnectionState()
    {
        _tx.Clear();
        ResetReceiveBuffer();
        _assembler.Clear();
        _finQueued = _finSent = _finSeqValid = _finReceived = _resetPending = _resetAtUnaSent = false;
        _pendingFin = null;
        _duplicateToReport = null;
        _ackNow = false;
        _duplicateAcksOwed = 0;
        _quickAcksLeft = 0;
        _ackDeadline = null;
        ResetRecoveryState();
        _sndWndShift = 0;
        _rcvWndShift = 0;
        _tsEnabled = false;
        _sackEnabled = false;
        _synToSend = true;
    }

    /// <summary>The window scale we offer: the smallest shift that fits the receive buffer in 16 bits (RFC 7323 §2.2).</summary>
    private int OurWindowShift() => WindowShiftFor(_options.ReceiveBufferSize);

    /// <summary>The smallest window shift that fits <paramref name="receiveBufferSize"/> in 16 bits (RFC 7323 §2.2).</summary>
    internal static int WindowShiftFor(int receiveBufferSize)
    {
        int shift = 0;
        while (shift < TcpOptions.MaxWindowScale && (receiveBufferSize >> shift) > ushort.MaxValue)
        {
            shift++;
        }
        return shift;
    }

    /// <summary>Applies the options of the peer's SYN (RFC 9293 §3.7.1, RFC 7323 §1.3, RFC 2018 §2).</summary>
    private void NegotiateOptions(in TcpHeader syn) => NegotiateOptions(syn.Options);

    /// <summary>Applies the options the peer's SYN asked for (for a cookie connection, as its cookie kept them).</summary>
    private void NegotiateOptions(in TcpOptions peer)
    {
        if (_options.WindowScaling && peer.WindowScale is byte scale)
        {
            _wsEnabled = true;
            _sndWndShift = Math.Min(scale, (byte)TcpOptions.MaxWindowScale);
            _rcvWndShift = OurWindowShift();
        }
        else
        {
            _wsEnabled = false;
            _sndWndShift = 0;
            _rcvWndShift = 0;
        }
        _tsEnabled = _options.Timestamps && peer.Timestamps is not null;
        if (peer.Timestamps is { } ts)
        {
            _tsRecent = ts.Value;
        }
        _sackEnabled = _options.SelectiveAcknowledgments && peer.SackPermitted;
        int peerMss = peer.MaximumSegmentSize is ushort m && m > 0 ? m : DefaultMss;
        _sndMss = ClampToMinSendMss(Math.Min(peerMss, _routeMss) - (_tsEnabled ? TimestampOptionLength : 0));
        _cc.SetMss(_sndMss);
        _cc.SetWindow(CongestionController.InitialWindow(_sndMss, _options.InitialWindowSegments));
    }

    /// <summary>The send MSS, raised to <see cref="MinSendMss"/> (and counted) when the peer or the path asked for less.</summary>
    private int ClampToMinSendMss(int mss)
    {
        if (mss >= MinSendMss)
        {
            return mss;
        }
        _mssClamps++;
        return MinSendMss;
    }

    /// <summary>
    /// Lowers the MSS after ICMP fragmentation needed (RFC 1191 §6.2); never below <see cref="MinSendMss"/>. Segments in
    /// flight now too large are deemed lost: they are resent cut to the new size (RFC 1191 §6.5).
    /// </summary>
    internal void ReducePathMtu(int mtu)
    {
        _table.Activate(this); // segments now too large are resent smaller
        int mss = ClampToMinSendMss(mtu - 40 - (_tsEnabled ? TimestampOptionLength : 0));
        if (mss >= _sndMss)
        {
            return;
        }
        _sndMss = mss;
        _cc.SetMss(mss);
        for (int i = 0; i < _scoreboard.Count; i++)
        {
            if (_scoreboard[i].DataLength > mss && !_scoreboard[i].Has(SentSegmentFlags.Sacked))
            {
                _scoreboard.MarkLost(i);
            }
        }
    }
}
