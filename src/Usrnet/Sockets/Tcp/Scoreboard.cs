using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// The sender's scoreboard (RFC 6675 §3, RFC 8985 §5.2): every segment sent and not yet cumulatively
/// acknowledged, in sequence order and contiguous (each starts where the one before ends), with when it
/// was sent and whether it was SACKed, deemed lost or resent. It keeps the byte counts RFC 6675's
/// pipe needs, so reading them costs nothing.
/// </summary>
/// <remarks>
/// A growable array used as a deque: new segments are appended, acknowledged ones leave from the front,
/// and a split (a SACK block or an MSS smaller than a segment) inserts in place. An entry is what one
/// dispatch sent (up to 64 KiB when the device segments); at most about 180 for a 256 KiB send buffer
/// at a 1448-byte MSS once SACKs and retransmissions have cut them to wire segments.
/// </remarks>
internal sealed class Scoreboard
{
    private const int InitialCapacity = 16;

    private SentSegment[] _items = [];
    private int _head;
    private long _sendOrder;

    /// <summary>Segments held.</summary>
    public int Count { get; private set; }

    /// <summary>True when nothing is outstanding.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>Sequence-space bytes SACKed.</summary>
    public int SackedBytes { get; private set; }

    /// <summary>Sequence-space bytes deemed lost (resent or not).</summary>
    public int LostBytes { get; private set; }

    /// <summary>Sequence-space bytes whose retransmission is in flight.</summary>
    public int RetransmittedBytes { get; private set; }

    /// <summary>The segment at <paramref name="index"/> (0 is the one at SND.UNA).</summary>
    public ref SentSegment this[int index] => ref _items[_head + index];

    /// <summary>The segment at SND.UNA.</summary>
    public ref SentSegment First => ref _items[_head];

    /// <summary>The segment sent last in sequence order.</summary>
    public ref SentSegment Last => ref _items[_head + Count - 1];

    /// <summary>Records a segment of new data (and/or our FIN) just sent.</summary>
    public void Append(TcpSeqNumber start, int length, bool fin, Instant sentAt, uint sentTimestamp)
    {
        if (_head + Count == _items.Length)
        {
            MakeRoom();
        }
        _items[_head + Count] = new SentSegment
        {
            Start = start,
            Length = length,
            SentAt = sentAt,
            SendOrder = ++_sendOrder,
            SentTimestamp = sentTimestamp,
            Flags = fin ? SentSegmentFlags.Fin : SentSegmentFlags.None,
        };
        Count++;
    }

    /// <summary>Removes the first segment (the cumulative ACK passed it).</summary>
    public void RemoveFirst()
    {
        Uncount(in First, First.Length);
        _items[_head] = default;
        _head++;
        Count--;
        if (Count == 0)
        {
            _head = 0;
        }
    }

    /// <summary>The cumulative ACK <paramref name="ack"/> lies inside the first segment: drop its acknowledged part.</summary>
    public void TrimFirst(TcpSeqNumber ack)
    {
        ref SentSegment first = ref First;
        int acked = ack - first.Start;
        Uncount(in first, acked);
        first.Start = ack;
        first.Length -= acked;
    }

    /// <summary>The index of the segment holding <paramref name="sequence"/>, or -1 when none does.</summary>
    public int IndexOf(TcpSeqNumber sequence)
    {
        int low = 0;
        int high = Count - 1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            ref SentSegment segment = ref this[mid];
            if (sequence < segment.Start)
            {
                high = mid - 1;
            }
            else if (sequence >= segment.End)
            {
                low = mid + 1;
            }
            else
            {
                return mid;
            }
        }
        return -1;
    }

    /// <summary>
    /// Splits the segment at <paramref name="index"/> so that a segment starts at <paramref name="at"/>;
    /// both halves keep its flags and send time, and a FIN stays with the second.
    /// </summary>
    public void SplitAt(int index, TcpSeqNumber at)
    {
        SentSegment whole = this[index];
        int firstLength = at - whole.Start;
        if (firstLength <= 0 || firstLength >= whole.Length)
        {
            return;
        }
        if (_head + Count == _items.Length)
        {
            MakeRoom();
        }
        int position = _head + index;
        Array.Copy(_items, position + 1, _items, position + 2, Count - index - 1);
        Count++;
        ref SentSegment first = ref _items[position];
        first.Length = firstLength;
        first.Flags &= ~SentSegmentFlags.Fin;
        ref SentSegment second = ref _items[position + 1];
        second = whole;
        second.Start = at;
        second.Length = whole.Length - firstLength;
    }

    /// <summary>Marks the segment at <paramref name="index"/> SACKed; false when it already was.</summary>
    public bool MarkSacked(int index)
    {
        ref SentSegment segment = ref this[index];
        if (segment.Has(SentSegmentFlags.Sacked))
        {
            return false;
        }
        Uncount(in segment, segment.Length);
        segment.Flags = (segment.Flags & (SentSegmentFlags.Fin | SentSegmentFlags.EverRetransmitted)) | SentSegmentFlags.Sacked;
        SackedBytes += segment.Length;
        return true;
    }

    /// <summary>
    /// Marks the segment at <paramref name="index"/> lost: it has to be sent again. A retransmission of
    /// it that was in flight is lost too. False when it was SACKed or already waits to be resent.
    /// </summary>
    public bool MarkLost(int index)
    {
        ref SentSegment segment = ref this[index];
        if (segment.Has(SentSegmentFlags.Sacked) || (segment.Has(SentSegmentFlags.Lost) && !segment.Has(SentSegmentFlags.Retransmitted)))
        {
            return false;
        }
        if (segment.Has(SentSegmentFlags.Retransmitted))
        {
            segment.Flags &= ~SentSegmentFlags.Retransmitted;
            RetransmittedBytes -= segment.Length;
        }
        if (!segment.Has(SentSegmentFlags.Lost))
        {
            segment.Flags |= SentSegmentFlags.Lost;
            LostBytes += segment.Length;
        }
        return true;
    }

    /// <summary>Records that the segment at <paramref name="index"/> was sent again at <paramref name="now"/>.</summary>
    public void MarkRetransmitted(int index, Instant now, uint sentTimestamp)
    {
        ref SentSegment segment = ref this[index];
        segment.SentAt = now;
        segment.SendOrder = ++_sendOrder;
        segment.SentTimestamp = sentTimestamp;
        segment.Flags |= SentSegmentFlags.EverRetransmitted;
        if (!segment.Has(SentSegmentFlags.Retransmitted))
        {
            segment.Flags |= SentSegmentFlags.Retransmitted;
            RetransmittedBytes += segment.Length;
        }
    }

    /// <summary>
    /// Forgets what the peer SACKed (RFC 2018 §8: a receiver may renege): those segments count as
    /// outstanding again, and lost when <paramref name="markLost"/>.
    /// </summary>
    public void ForgetSacks(bool markLost)
    {
        for (int i = 0; i < Count; i++)
        {
            ref SentSegment segment = ref this[i];
            if (segment.Has(SentSegmentFlags.Sacked))
            {
                segment.Flags &= ~SentSegmentFlags.Sacked;
                SackedBytes -= segment.Length;
                if (markLost)
                {
                    MarkLost(i);
                }
            }
        }
    }

    /// <summary>The first segment at or after <paramref name="from"/> that is lost and not yet resent; -1 when none.</summary>
    public int NextToRetransmit(int from)
    {
        if (LostBytes == 0)
        {
            return -1;
        }
        for (int i = Math.Max(0, from); i < Count; i++)
        {
            SentSegmentFlags flags = this[i].Flags;
            if ((flags & (SentSegmentFlags.Lost | SentSegmentFlags.Retransmitted)) == SentSegmentFlags.Lost)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Forgets everything.</summary>
    public void Clear()
    {
        Array.Clear(_items, _head, Count);
        _head = 0;
        Count = 0;
        SackedBytes = 0;
        LostBytes = 0;
        RetransmittedBytes = 0;
    }

    /// <summary>Gives the array back: for a connection that will send no more.</summary>
    public void Release()
    {
        Clear();
        _items = [];
    }

    private void Uncount(in SentSegment segment, int bytes)
    {
        if (segment.Has(SentSegmentFlags.Sacked))
        {
            SackedBytes -= bytes;
        }
        if (segment.Has(SentSegmentFlags.Lost))
        {
            LostBytes -= bytes;
        }
        if (segment.Has(SentSegmentFlags.Retransmitted))
        {
            RetransmittedBytes -= bytes;
        }
    }

    private void MakeRoom()
    {
        if (_head > 0 && Count <= _items.Length / 2)
        {
            Array.Copy(_items, _head, _items, 0, Count);
            Array.Clear(_items, Count, _head);
            _head = 0;
            return;
        }
        SentSegment[] larger = new SentSegment[Math.Max(InitialCapacity, _items.Length * 2)];
        Array.Copy(_items, _head, larger, 0, Count);
        _items = larger;
        _head = 0;
    }
}
