using System.Buffers;

namespace Usrnet.Storage;

/// <summary>
/// A fixed-capacity ring of bytes: the send and receive buffer of a TCP socket (smoltcp's
/// <c>RingBuffer&lt;u8&gt;</c>). Readable bytes run from the read position for <see cref="Length"/>
/// bytes; the rest is free. Nothing is allocated after the first write.
/// </summary>
/// <remarks>
/// Besides plain <see cref="Enqueue"/> and <see cref="Dequeue"/>, TCP needs to work inside the ring:
/// <list type="bullet">
/// <item>Send side: data stays readable until acknowledged. <see cref="Peek"/> and
/// <see cref="GetReadableSpan"/> read it at an offset (from SND.UNA) to send or retransmit, and
/// <see cref="DequeueAllocated"/> drops what the peer acknowledged.</item>
/// <item>Receive side: a segment beyond RCV.NXT is stored in free space with
/// <see cref="WriteUnallocated"/> without becoming readable (RFC 9293 §3.10.7.4); once the gap before
/// it is filled, <see cref="EnqueueUnallocated"/> makes it readable. <see cref="Storage.Assembler"/>
/// remembers which free bytes hold data.</item>
/// </list>
/// The read position is never moved back to the start when the ring empties: bytes written past the
/// end of the data would then be in the wrong place. Any capacity works, not only powers of two.
/// The array is rented from <see cref="ArrayPool{T}.Shared"/> when the first byte is written, not
/// before (a half-open TCP connection, of which a SYN flood makes hundreds, costs no buffer memory until
/// data flows), and returned, cleared, by <see cref="Release"/>: a connection no longer costs the
/// garbage collector two large-object allocations.
/// Ownership: the ring owns its array from the first write until <see cref="Release"/>; spans it hands
/// out are valid until the next call that changes it. Not thread-safe: owned by one socket, which is owned by the interface's poll thread.
/// </remarks>
public sealed class RingBuffer
{
    private byte[] _storage = [];
    private int _capacity;
    private int _readAt;  // index of the first readable byte, always below the capacity (or 0)
    private int _length;  // readable bytes

    /// <summary>Creates an empty ring of <paramref name="capacity"/> bytes.</summary>
    public RingBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    /// <summary>
    /// Drops the ring's contents and returns its array to the pool: the capacity becomes 0. For an owner
    /// that will never use the ring again: a TCP socket that is closed and gone, or one that lingers for
    /// 2 MSL in TIME-WAIT.
    /// </summary>
    public void Release()
    {
        if (_storage.Length > 0)
        {
            // Cleared: the next renter must never see this connection's bytes.
            ArrayPool<byte>.Shared.Return(_storage, clearArray: true);
        }
        _storage = [];
        _capacity = 0;
        _readAt = 0;
        _length = 0;
    }

    /// <summary>Size of the ring.</summary>
    public int Capacity => _capacity;

    /// <summary>Readable bytes.</summary>
    public int Length => _length;

    /// <summary>Free bytes: <see cref="Capacity"/> − <see cref="Length"/>.</summary>
    public int Free => _capacity - _length;

    /// <summary>True when nothing is readable.</summary>
    public bool IsEmpty => _length == 0;

    /// <summary>True when there is no free space.</summary>
    public bool IsFull => _length == _capacity;

    /// <summary>Copies as much of <paramref name="data"/> as fits to the end; returns the bytes copied.</summary>
    public int Enqueue(ReadOnlySpan<byte> data)
    {
        int written = WriteUnallocated(0, data);
        _length += written;
        return written;
    }

    /// <summary>Moves up to <paramref name="destination"/>'s length of readable bytes out; returns the bytes moved.</summary>
    public int Dequeue(Span<byte> destination)
    {
        int read = Peek(0, destination);
        DequeueAllocated(read);
        return read;
    }

    /// <summary>
    /// Copies readable bytes starting <paramref name="offset"/> bytes after the read position, without
    /// consuming them; returns the bytes copied (0 when <paramref name="offset"/> is at or past <see cref="Length"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    public int Peek(int offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= _length)
        {
            return 0;
        }
        int count = Math.Min(destination.Length, _length - offset);
        CopyOut(Wrap(_readAt, offset), destination[..count]);
        return count;
    }

    /// <summary>
    /// Copies <paramref name="data"/> into free space starting <paramref name="offset"/> bytes past the
    /// end of the readable bytes, without making it readable; returns the bytes copied (as many as fit,
    /// 0 when <paramref name="offset"/> is at or past <see cref="Free"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    public int WriteUnallocated(int offset, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        int free = Free;
        if (offset >= free)
        {
            return 0;
        }
        int count = Math.Min(data.Length, free - offset);
        Allocate();
        CopyIn(Wrap(Wrap(_readAt, _length), offset), data[..count]);
        return count;
    }

    /// <summary>Makes the first <paramref name="count"/> free bytes readable, e.g. after <see cref="WriteUnallocated"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than <see cref="Free"/>.</exception>
    public void EnqueueUnallocated(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Free);
        if (count > 0)
        {
            Allocate();
        }
        _length += count;
    }

    /// <summary>Discards the first <paramref name="count"/> readable bytes, e.g. data the peer acknowledged.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than <see cref="Length"/>.</exception>
    public void DequeueAllocated(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _length);
        _readAt = Wrap(_readAt, count);
        _length -= count;
    }

    /// <summary>Discards everything, including bytes written to free space.</summary>
    public void Clear()
    {
        _readAt = 0;
        _length = 0;
    }

    /// <summary>
    /// The readable bytes from <paramref name="offset"/> bytes after the read position up to the end of
    /// the array: may be shorter than the rest of the data when it wraps (read again at the next
    /// offset). Empty when <paramref name="offset"/> is at or past <see cref="Length"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    public ReadOnlySpan<byte> GetReadableSpan(int offset = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= _length)
        {
            return default;
        }
        int start = Wrap(_readAt, offset);
        return _storage.AsSpan(start, Math.Min(_length - offset, _capacity - start));
    }

    /// <summary>
    /// The free bytes from <paramref name="offset"/> bytes past the end of the readable bytes up to the
    /// end of the array, to fill in place and then make readable with <see cref="EnqueueUnallocated"/>.
    /// May be shorter than the free space when it wraps. Empty when <paramref name="offset"/> is at or
    /// past <see cref="Free"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    public Span<byte> GetWritableSpan(int offset = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        int free = Free;
        if (offset >= free)
        {
            return default;
        }
        int start = Wrap(Wrap(_readAt, _length), offset);
        Allocate();
        return _storage.AsSpan(start, Math.Min(free - offset, _capacity - start));
    }

    /// <summary>(<paramref name="index"/> + <paramref name="count"/>) mod capacity, for an index below the capacity and a count at most the capacity.</summary>
    private int Wrap(int index, int count)
    {
        // Unsigned so that a capacity near int.MaxValue cannot overflow.
        uint sum = (uint)index + (uint)count;
        uint capacity = (uint)_capacity;
        return (int)(sum >= capacity ? sum - capacity : sum);
    }

    /// <summary>The array, on the first write (readable bytes exist only after one); it may be longer than the capacity.</summary>
    private void Allocate()
    {
        if (_storage.Length == 0 && _capacity > 0)
        {
            _storage = ArrayPool<byte>.Shared.Rent(_capacity);
        }
    }

    private void CopyOut(int start, Span<byte> destination)
    {
        int first = Math.Min(destination.Length, _capacity - start);
        _storage.AsSpan(start, first).CopyTo(destination);
        _storage.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }

    private void CopyIn(int start, ReadOnlySpan<byte> data)
    {
        int first = Math.Min(data.Length, _capacity - start);
        data[..first].CopyTo(_storage.AsSpan(start));
        data[first..].CopyTo(_storage);
    }
}
