using System.Text;

namespace Usrnet.Storage;

/// <summary>
/// Remembers which byte ranges past a contiguous front have arrived: the out-of-order data of a TCP
/// receive window, segments beyond RCV.NXT but within the window (RFC 9293 §3.10.7.4), whose bytes
/// the socket keeps in its <see cref="RingBuffer"/> with <see cref="RingBuffer.WriteUnallocated"/>.
/// Offsets are relative to the front (RCV.NXT). Nothing is allocated after construction.
/// </summary>
/// <remarks>
/// Ranges are kept sorted and apart: overlapping or touching ranges are merged, so there is always a
/// gap of at least one byte between two ranges. At most <see cref="MaxRanges"/> are kept; a range that
/// would need one more is refused (<see cref="Add"/> returns false) and the sender will retransmit it.
/// In-order data never needs room: <see cref="AddThenRemoveFront"/> at offset 0 always succeeds, so a
/// receiver whose ranges are exhausted still advances (smoltcp's <c>add_then_remove_front</c>).
/// Ranges are also what a receiver reports in SACK blocks (RFC 2018 §4); enumerate them in offset order.
/// Not thread-safe: owned by one socket, which is owned by the interface's poll thread.
/// </remarks>
internal sealed class Assembler
{
    /// <summary>Default bound on the number of ranges.</summary>
    public const int DefaultMaxRanges = 32;

    private readonly int[] _starts; // sorted; _starts[i] < _ends[i] < _starts[i + 1]
    private readonly int[] _ends;   // exclusive
    private int _count;

    /// <summary>Creates an empty assembler keeping at most <paramref name="maxRanges"/> ranges.</summary>
    public Assembler(int maxRanges = DefaultMaxRanges)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRanges, 1);
        _starts = new int[maxRanges];
        _ends = new int[maxRanges];
    }

    /// <summary>Most ranges kept at once.</summary>
    public int MaxRanges => _starts.Length;

    /// <summary>Ranges held now.</summary>
    public int RangeCount => _count;

    /// <summary>True when no data beyond the front has arrived.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>The range at <paramref name="index"/> in offset order.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="RangeCount"/>.</exception>
    public (int Offset, int Length) this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
            return (_starts[index], _ends[index] - _starts[index]);
        }
    }

    /// <summary>
    /// Records that <paramref name="length"/> bytes at <paramref name="offset"/> past the front have
    /// arrived, merging with every range it overlaps or touches. False, with nothing changed, when it
    /// touches no range and <see cref="MaxRanges"/> are already held. An empty range changes nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative offset or length, or an end past <see cref="int.MaxValue"/>.</exception>
    public bool Add(int offset, int length)
    {
        CheckRange(offset, length);
        if (length == 0)
        {
            return true;
        }
        int end = offset + length;
        int first = 0;
        while (first < _count && _ends[first] < offset)
        {
            first++;
        }
        // Ranges first .. last - 1 overlap or touch [offset, end).
        int last = first;
        while (last < _count && _starts[last] <= end)
        {
            last++;
        }
        if (first == last)
        {
            if (_count == _starts.Length)
            {
                return false;
            }
            _starts.AsSpan(first, _count - first).CopyTo(_starts.AsSpan(first + 1));
            _ends.AsSpan(first, _count - first).CopyTo(_ends.AsSpan(first + 1));
            _starts[first] = offset;
            _ends[first] = end;
            _count++;
            return true;
        }
        _starts[first] = Math.Min(_starts[first], offset);
        _ends[first] = Math.Max(_ends[last - 1], end);
        RemoveAt(first + 1, last - first - 1, shift: 0);
        return true;
    }

    /// <summary>
    /// When a range starts at offset 0, removes it and returns its length; every other offset then
    /// counts from the new front (it is reduced by that length). Otherwise returns 0.
    /// </summary>
    public int RemoveFront()
    {
        if (_count == 0 || _starts[0] != 0)
        {
            return 0;
        }
        int length = _ends[0];
        RemoveAt(0, 1, length);
        return length;
    }

    /// <summary>
    /// <see cref="Add"/> then <see cref="RemoveFront"/>: the usual step for a segment that arrives, with
    /// <paramref name="front"/> the bytes that became contiguous and can be made readable. At offset 0
    /// (in-order data) this never fails, even with every range in use, since no new range is kept.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative offset or length, or an end past <see cref="int.MaxValue"/>.</exception>
    public bool AddThenRemoveFront(int offset, int length, out int front)
    {
        CheckRange(offset, length);
        front = 0;
        if (offset != 0)
        {
            if (!Add(offset, length))
            {
                return false;
            }
            front = RemoveFront();
            return true;
        }
        int end = length;
        int merged = 0;
        while (merged < _count && _starts[merged] <= end)
        {
            end = Math.Max(end, _ends[merged]);
            merged++;
        }
        RemoveAt(0, merged, end);
        front = end;
        return true;
    }

    /// <summary>Forgets every range.</summary>
    public void Clear() => _count = 0;

    /// <summary>Enumerates the ranges in offset order without allocating; valid until the next change.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>The ranges as half-open intervals, e.g. <c>[3, 5) [9, 12)</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (int i = 0; i < _count; i++)
        {
            text.Append(i == 0 ? "" : " ").Append('[').Append(_starts[i]).Append(", ").Append(_ends[i]).Append(')');
        }
        return text.ToString();
    }

    private static void CheckRange(int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, int.MaxValue - offset);
    }

    /// <summary>Removes <paramref name="removed"/> ranges at <paramref name="index"/> and subtracts <paramref name="shift"/> from the ones after.</summary>
    private void RemoveAt(int index, int removed, int shift)
    {
        for (int i = index + removed; i < _count; i++)
        {
            _starts[i - removed] = _starts[i] - shift;
            _ends[i - removed] = _ends[i] - shift;
        }
        _count -= removed;
    }

    /// <summary>Enumerator over the ranges of an <see cref="Assembler"/>.</summary>
    public struct Enumerator
    {
        private readonly Assembler _assembler;
        private int _index;

        internal Enumerator(Assembler assembler)
        {
            _assembler = assembler;
            _index = -1;
        }

        /// <summary>The current range.</summary>
        public readonly (int Offset, int Length) Current => _assembler[_index];

        /// <summary>Moves to the next range; false after the last.</summary>
        public bool MoveNext() => ++_index < _assembler._count;
    }
}
