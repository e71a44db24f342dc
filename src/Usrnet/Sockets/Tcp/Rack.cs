using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// RACK, time-based loss detection (RFC 8985 §6): a segment is lost when a segment sent after it has
/// been delivered and more than one round trip plus a reordering window has passed since it was sent.
/// Counting duplicate ACKs needs three segments after a hole; RACK needs one, and it sees a lost
/// retransmission the same way it sees a lost original.
/// </summary>
/// <remarks>
/// The state is RFC 8985 §6.1's: RACK.xmit_ts, RACK.rtt, RACK.fack, RACK.reordering_seen, and the
/// reordering window's multiplier with its D-SACK round and persistence. RACK.end_seq, which breaks ties
/// between transmissions in the same clock tick, is replaced by the scoreboard's exact send order.
/// </remarks>
internal sealed class Rack
{
    /// <summary>RFC 8985 §6.2 step 4: recoveries a grown reordering window persists for (RACK.reo_wnd_persist).</summary>
    private const int ReorderWindowPersistence = 16;

    /// <summary>RFC 8985 §6.2 step 4 and RFC 6675's DupThresh: SACKed segments that end the zero reordering window.</summary>
    private const int DuplicateThreshold = 3;

    /// <summary>Largest multiplier of min_RTT / 4 the reordering window grows to before SRTT bounds it anyway.</summary>
    private const int MaxReorderWindowMultiplier = 16;

    private long _sendOrder;
    private bool _haveDelivery;
    private TcpSeqNumber _fack;
    private TcpSeqNumber? _dsackRound;
    private int _reorderWindowMultiplier = 1;
    private int _reorderWindowPersist;

    /// <summary>RACK.rtt: the round-trip time of the most recently delivered segment.</summary>
    public TimeSpan Rtt { get; private set; }

    /// <summary>RACK.reordering_seen: the peer delivered a segment after one sent later.</summary>
    public bool ReorderingSeen { get; private set; }

    /// <summary>Forgets the connection's history (a new connection).</summary>
    public void Reset()
    {
        _haveDelivery = false;
        _dsackRound = null;
        _reorderWindowMultiplier = 1;
        _reorderWindowPersist = 0;
        ReorderingSeen = false;
        Rtt = TimeSpan.Zero;
    }

    /// <summary>
    /// RFC 8985 §6.2 steps 2 and 3 for one newly delivered (cumulatively or selectively acknowledged)
    /// segment: RACK.rtt, RACK.xmit_ts/end_seq and reordering. <paramref name="echo"/> is the ACK's
    /// timestamp echo, when timestamps are on.
    /// </summary>
    public void OnDelivered(in SentSegment segment, Instant now, uint? echo, TimeSpan minRtt)
    {
        if (segment.End > _fack || !_haveDelivery)
        {
            _fack = segment.End;
        }
        else if (segment.End < _fack && !segment.Has(SentSegmentFlags.EverRetransmitted))
        {
            ReorderingSeen = true;
        }
        TimeSpan rtt = now - segment.SentAt;
        if (segment.Has(SentSegmentFlags.EverRetransmitted))
        {
            // Step 2: the ACK may be for an earlier transmission; with timestamps the echo says which,
            // without them an RTT below the minimum gives it away.
            if (echo is uint e && unchecked((int)(e - segment.SentTimestamp)) < 0)
            {
                return;
            }
            if (rtt < minRtt)
            {
                return;
            }
        }
        Rtt = rtt;
        if (!_haveDelivery || segment.SendOrder > _sendOrder)
        {
            _sendOrder = segment.SendOrder;
            _haveDelivery = true;
        }
    }

    /// <summary>
    /// RFC 8985 §6.2 step 4: an ACK carried a D-SACK (RFC 2883): the sender resent something needlessly,
    /// so the reordering window grows, once per round trip.
    /// </summary>
    public void OnDuplicateSack(TcpSeqNumber sndUna, TcpSeqNumber sndNxt)
    {
        if (_dsackRound is { } round && sndUna >= round)
        {
            _dsackRound = null;
        }
        if (_dsackRound is null)
        {
            _dsackRound = sndNxt;
            _reorderWindowMultiplier = Math.Min(_reorderWindowMultiplier + 1, MaxReorderWindowMultiplier);
            _reorderWindowPersist = ReorderWindowPersistence;
        }
    }

    /// <summary>RFC 8985 §6.2 step 4: a fast or RTO recovery ended; a grown window shrinks back after enough of them.</summary>
    public void OnRecoveryEnded()
    {
        if (--_reorderWindowPersist <= 0)
        {
            _reorderWindowMultiplier = 1;
        }
    }

    /// <summary>
    /// RACK.reo_wnd (RFC 8985 §6.2 step 4): zero while no reordering was seen and either recovery is
    /// under way or DupThresh segments were SACKed; else min_RTT / 4 times the multiplier, at most SRTT.
    /// Null when that needs an RTT and there is no sample yet: RACK cannot judge by time.
    /// </summary>
    public TimeSpan? ReorderWindow(bool inRecovery, int sackedSegments, TimeSpan minRtt, TimeSpan srtt)
    {
        if (!ReorderingSeen && (inRecovery || sackedSegments >= DuplicateThreshold))
        {
            return TimeSpan.Zero;
        }
        if (minRtt == TimeSpan.MaxValue)
        {
            return null;
        }
        TimeSpan window = minRtt / 4 * _reorderWindowMultiplier;
        return window < srtt ? window : srtt;
    }

    /// <summary>
    /// RFC 8985 §6.2 step 5: marks lost every outstanding segment sent before the most recently delivered
    /// one whose time is up. Returns the bytes newly marked; <paramref name="timeout"/> is how long until
    /// the next segment's time is up (the reordering timer), zero when none waits.
    /// </summary>
    public int DetectLoss(Scoreboard scoreboard, Instant now, TimeSpan reorderWindow, out TimeSpan timeout)
    {
        timeout = TimeSpan.Zero;
        if (!_haveDelivery)
        {
            return 0;
        }
        int marked = 0;
        for (int i = 0; i < scoreboard.Count; i++)
        {
            ref SentSegment segment = ref scoreboard[i];
            if (segment.Has(SentSegmentFlags.Sacked) || (segment.Has(SentSegmentFlags.Lost) && !segment.Has(SentSegmentFlags.Retransmitted)))
            {
                continue; // delivered, or already waiting to be resent (RFC 8985: xmit_ts = INFINITE_TS)
            }
            if (segment.SendOrder >= _sendOrder)
            {
                continue; // RACK_sent_after(RACK.xmit_ts, RACK.end_seq, ...) is false: sent no earlier than the last delivered
            }
            TimeSpan remaining = segment.SentAt + Rtt + reorderWindow - now;
            if (remaining <= TimeSpan.Zero)
            {
                int length = segment.Length;
                if (scoreboard.MarkLost(i))
                {
                    marked += length;
                }
            }
            else if (remaining > timeout)
            {
                timeout = remaining;
            }
        }
        return marked;
    }

    /// <summary>
    /// RFC 8985 §6.3: on a retransmission timeout, the segment at SND.UNA and every segment whose RACK
    /// time is up are lost; the others may still be on their way and are left to RACK.
    /// </summary>
    public void MarkLossesOnTimeout(Scoreboard scoreboard, Instant now, TimeSpan reorderWindow)
    {
        for (int i = 0; i < scoreboard.Count; i++)
        {
            ref SentSegment segment = ref scoreboard[i];
            if (i == 0 || segment.SentAt + Rtt + reorderWindow - now <= TimeSpan.Zero)
            {
                scoreboard.MarkLost(i);
            }
        }
    }
}
