using System.Buffers;

namespace Usrnet.Iface;

/// <summary>
/// The part of fragment reassembly that IPv4 (RFC 791 §3.2, RFC 815) and IPv6 (RFC 8200 §4.5) share: a
/// fixed table of partial datagrams keyed by <typeparamref name="TKey"/>, each a sorted list of the byte
/// ranges received, the rules on lengths, holes and overlaps, eviction of the oldest and the timeout.
/// </summary>
/// <remarks>
/// Bounds: at most <see cref="ReassemblyOptions.MaxDatagrams"/> datagrams, each of at most
/// <c>maxLength</c> bytes in at most <see cref="ReassemblyOptions.MaxFragmentsPerDatagram"/> fragments, so
/// the bytes held never pass <see cref="MaxBytes"/>.
/// Overlaps: an exact duplicate of a fragment already held is ignored (a retransmission or a duplicating
/// link); any other overlap drops the whole datagram. Overlapping fragments have no legitimate use and
/// are the tool of evasion attacks (RFC 1858; RFC 5722 §4 makes it a MUST for IPv6).
/// Ownership: the payload arrays are rented from <see cref="ArrayPool{T}"/> on a datagram's first fragment
/// and returned when it completes (by the caller, through <see cref="Release"/>), times out or is dropped.
/// </remarks>
internal sealed class ReassemblyTable<TKey>
    where TKey : struct, IEquatable<TKey>
{
    private readonly Slot[] _slots;
    private readonly TimeSpan _timeout;
    private readonly int _maxLength;

    /// <summary>Creates an empty table.</summary>
    /// <param name="options">Bounds on datagrams and fragments.</param>
    /// <param name="timeout">How long a datagram waits from its first-arriving fragment.</param>
    /// <param name="maxLength">Most bytes a reassembled payload may hold.</param>
    /// <param name="firstFragmentCapacity">Bytes kept of each datagram's first fragment as it came (its header, or more).</param>
    public ReassemblyTable(ReassemblyOptions options, TimeSpan timeout, int maxLength, int firstFragmentCapacity)
    {
        _timeout = timeout;
        _maxLength = maxLength;
        _slots = new Slot[options.MaxDatagrams];
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot(i, options.MaxFragmentsPerDatagram, firstFragmentCapacity);
        }
    }

    /// <summary>Result of <see cref="Add"/>.</summary>
    public enum Step
    {
        /// <summary>Held; the datagram is not complete yet.</summary>
        Pending,
        /// <summary>The datagram is complete: build it from the slot, then <see cref="Release"/> it.</summary>
        Complete,
        /// <summary>An exact duplicate of a held fragment; ignored.</summary>
        Duplicate,
        /// <summary>The fragment, and the datagram it belongs to, were dropped.</summary>
        Dropped,
    }

    /// <summary>Datagrams being reassembled now.</summary>
    public int InProgress => _slots.Count(s => s.InUse);

    /// <summary>The most payload bytes the table can hold at once: datagrams × the largest datagram.</summary>
    public long MaxBytes => (long)_slots.Length * _maxLength;

    /// <summary>
    /// Adds the fragment holding <paramref name="data"/> at byte <paramref name="start"/> of datagram
    /// <paramref name="key"/>. When <paramref name="start"/> is 0, <paramref name="firstFragment"/> is kept
    /// (cut to the capacity). <paramref name="evicted"/> counts fragments dropped, of this datagram or of
    /// older ones dropped to make room. On <see cref="Step.Complete"/>, <paramref name="slot"/> is the datagram.
    /// </summary>
    public Step Add(Instant now, TKey key, int start, ReadOnlySpan<byte> data, bool more, ReadOnlySpan<byte> firstFragment, out Slot? slot, out int evicted)
    {
        evicted = 0;
        int end = start + data.Length;
        slot = Find(key);
        // RFC 791 §3.2, RFC 8200 §4.5: every fragment but the last carries a non-zero multiple of 8 bytes.
        if ((more && (data.Length == 0 || (data.Length & 7) != 0)) || end > _maxLength)
        {
            return Drop(ref slot, ref evicted);
        }
        if (slot is null)
        {
            slot = FreeSlot(out evicted);
            slot.Take(key, now + _timeout, _maxLength);
        }
        if (!ExtentAgrees(slot, end, more))
        {
            return Drop(ref slot, ref evicted);
        }
        switch (slot.Insert(start, end))
        {
            case Slot.InsertResult.Duplicate:
                return Step.Duplicate;
            case Slot.InsertResult.Rejected:
                return Drop(ref slot, ref evicted);
        }
        data.CopyTo(slot.Data.AsSpan(start));
        if (start == 0)
        {
            slot.KeepFirstFragment(firstFragment);
        }
        return slot.IsComplete ? Step.Complete : Step.Pending;
    }

    /// <summary>The earliest timeout of a partial datagram.</summary>
    public Instant? PollAt()
    {
        Instant? next = null;
        foreach (Slot s in _slots)
        {
            if (s.InUse)
            {
                next = Instant.Min(next, s.Deadline);
            }
        }
        return next;
    }

    /// <summary>
    /// Finds a datagram whose time is up. The caller reads what it needs (the first fragment for an ICMP
    /// Time Exceeded) and then calls <see cref="Release"/>; call again until it returns false.
    /// </summary>
    public bool TryFindExpired(Instant now, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Slot? slot)
    {
        foreach (Slot s in _slots)
        {
            if (s.InUse && s.Deadline <= now)
            {
                slot = s;
                return true;
            }
        }
        slot = null;
        return false;
    }

    /// <summary>Frees a slot and returns its payload array to the pool; returns the fragments it held.</summary>
    public static int Release(Slot slot)
    {
        int count = slot.Count;
        slot.Release();
        return count;
    }

    /// <summary>
    /// The last fragment fixes the length; nothing may end past it, and it may not end before data
    /// already held (RFC 815's hole list has no room for either).
    /// </summary>
    private static bool ExtentAgrees(Slot slot, int end, bool more)
    {
        if (more)
        {
            return slot.TotalLength < 0 || end <= slot.TotalLength;
        }
        if ((slot.TotalLength >= 0 && slot.TotalLength != end) || slot.MaxEnd > end)
        {
            return false;
        }
        slot.TotalLength = end;
        return true;
    }

    private static Step Drop(ref Slot? slot, ref int evicted)
    {
        if (slot is not null)
        {
            evicted += Release(slot);
            slot = null;
        }
        return Step.Dropped;
    }

    private Slot? Find(TKey key)
    {
        foreach (Slot s in _slots)
        {
            if (s.InUse && s.Key.Equals(key))
            {
                return s;
            }
        }
        return null;
    }

    private Slot FreeSlot(out int evicted)
    {
        evicted = 0;
        Slot oldest = _slots[0];
        foreach (Slot s in _slots)
        {
            if (!s.InUse)
            {
                return s;
            }
            if (s.Deadline < oldest.Deadline)
            {
                oldest = s;
            }
        }
        evicted = Release(oldest);
        return oldest;
    }

    /// <summary>One datagram being reassembled: the ranges received, their bytes and its first fragment.</summary>
    internal sealed class Slot(int index, int maxFragments, int firstFragmentCapacity)
    {
        private readonly (int Start, int End)[] _fragments = new (int, int)[maxFragments];
        private readonly byte[] _firstFragment = new byte[firstFragmentCapacity];

        /// <summary>Outcome of <see cref="Insert"/>.</summary>
        internal enum InsertResult
        {
            /// <summary>A new range, placed in order.</summary>
            Inserted,
            /// <summary>The same range as one held.</summary>
            Duplicate,
            /// <summary>An overlap, or one fragment too many.</summary>
            Rejected,
        }

        /// <summary>Position in the table, for state a family keeps beside it.</summary>
        public int Index { get; } = index;

        /// <summary>True while a datagram is held.</summary>
        public bool InUse { get; private set; }

        /// <summary>The datagram's key.</summary>
        public TKey Key { get; private set; }

        /// <summary>When the datagram is given up: its first-arriving fragment's time plus the timeout.</summary>
        public Instant Deadline { get; private set; }

        /// <summary>Payload length, known once the last fragment came; -1 before.</summary>
        public int TotalLength { get; set; } = -1;

        /// <summary>Fragments held.</summary>
        public int Count { get; private set; }

        /// <summary>True once the fragment at offset 0 came.</summary>
        public bool HaveFirst { get; private set; }

        /// <summary>The payload bytes received, at their offsets; rented.</summary>
        public byte[] Data { get; private set; } = [];

        /// <summary>The start of the first fragment as it came (up to the capacity).</summary>
        public ReadOnlySpan<byte> FirstFragment => _firstFragment.AsSpan(0, FirstFragmentLength);

        private int FirstFragmentLength { get; set; }

        /// <summary>End of the furthest range held.</summary>
        public int MaxEnd => Count == 0 ? 0 : _fragments[Count - 1].End;

        /// <summary>True when the length is known and no hole is left.</summary>
        public bool IsComplete => TotalLength >= 0 && ContiguousFromZero == TotalLength;

        /// <summary>Bytes received without a hole from offset 0.</summary>
        public int ContiguousFromZero
        {
            get
            {
                int reached = 0;
                for (int i = 0; i < Count && _fragments[i].Start == reached; i++)
                {
                    reached = _fragments[i].End;
                }
                return reached;
            }
        }

        public void Take(TKey key, Instant deadline, int maxLength)
        {
            InUse = true;
            Key = key;
            Deadline = deadline;
            TotalLength = -1;
            Count = 0;
            HaveFirst = false;
            FirstFragmentLength = 0;
            Data = ArrayPool<byte>.Shared.Rent(maxLength);
        }

        public void Release()
        {
            if (InUse)
            {
                ArrayPool<byte>.Shared.Return(Data);
                Data = [];
                InUse = false;
                Count = 0;
            }
        }

        public void KeepFirstFragment(ReadOnlySpan<byte> fragment)
        {
            FirstFragmentLength = Math.Min(fragment.Length, _firstFragment.Length);
            fragment[..FirstFragmentLength].CopyTo(_firstFragment);
            HaveFirst = true;
        }

        /// <summary>Inserts [start, end) keeping the list sorted by start.</summary>
        public InsertResult Insert(int start, int end)
        {
            int i = 0;
            while (i < Count && _fragments[i].Start < start)
            {
                i++;
            }
            if (i < Count && _fragments[i].Start == start && _fragments[i].End == end)
            {
                return InsertResult.Duplicate;
            }
            bool overlapsPrevious = i > 0 && _fragments[i - 1].End > start;
            bool overlapsNext = i < Count && _fragments[i].Start < end;
            if (overlapsPrevious || overlapsNext || Count == _fragments.Length)
            {
                return InsertResult.Rejected;
            }
            Array.Copy(_fragments, i, _fragments, i + 1, Count - i);
            _fragments[i] = (start, end);
            Count++;
            return InsertResult.Inserted;
        }
    }
}
