using System.Buffers;
using System.Numerics;

namespace Usrnet.Storage;

/// <summary>
/// A ring of bytes whose storage grows with use: the send and receive buffer of a TCP socket (smoltcp's
/// <c>RingBuffer&lt;u8&gt;</c>, with Linux's memory-by-use). Readable bytes run from the read position for
/// <see cref="Length"/> bytes; the rest, up to <see cref="Capacity"/>, is free. The ring holds an array
/// only while it holds data: an idle TCP connection costs no buffer memory.
/// </summary>
/// <remarks>
/// <para>Besides plain <see cref="Enqueue"/> and <see cref="Dequeue"/>, TCP needs to work inside the ring:</para>
/// <list type="bullet">
/// <item>Send side: data stays readable until acknowledged. <see cref="Peek"/> and
/// <see cref="GetReadableSpan"/> read it at an offset (from SND.UNA) to send or retransmit, and
/// <see cref="DequeueAllocated"/> drops what the peer acknowledged.</item>
/// <item>Receive side: a segment beyond RCV.NXT is stored in free space with
/// <see cref="WriteUnallocated"/> without becoming readable (RFC 9293 §3.10.7.4); once the gap before
/// it is filled, <see cref="EnqueueUnallocated"/> makes it readable. <see cref="Storage.Assembler"/>
/// remembers which free bytes hold data.</item>
/// </list>
/// <para><b>Capacity and storage are two things.</b> <see cref="Capacity"/> is how many bytes the ring
/// accepts (<see cref="Length"/> + <see cref="Free"/>): a TCP receiver advertises its window from it, so
/// every byte of <see cref="Free"/> is a promise the ring keeps: a write inside it always succeeds, growing
/// the storage if it must. <see cref="GrowCapacity"/> raises it towards <see cref="MaxCapacity"/> (TCP's
/// receive-buffer autotuning); it is never lowered while data is held, so free space never shrinks under
/// a window already advertised. <see cref="StorageLength"/> is how many bytes of array the ring uses now.</para>
/// <para><b>Growth.</b> The first write takes an array of <see cref="MinStorageLength"/> bytes, or what the
/// write needs, or what the last fill used (see below), whichever is most, never more than
/// <see cref="Capacity"/>. A write past the array's end takes one twice as large (or as large as the write
/// needs), copies the held bytes, readable and written-ahead alike, to its start in order, and returns
/// the old one: contents and their offsets from the read position are preserved, so growth is invisible
/// to the caller, amortised O(1) per byte, and happens only while a fill is larger than any before it.</para>
/// <para><b>Give-back.</b> When the ring holds no byte any more (nothing readable, nothing written ahead)
/// its array goes back to the pool and <see cref="StorageLength"/> is 0: at once by default, or when the
/// owner calls <see cref="Trim"/> if it set <see cref="GivesBackWhenEmpty"/> false (a TCP socket gives
/// its rings back after a short idle time: renting, clearing and returning a 1 MiB array for every fill
/// of a bulk transfer cost the in-process benchmark 13 % with offloads on, BENCHMARKS.md). The size the fill reached
/// is remembered, so a ring that fills again takes one array of the right size, not the whole ladder of
/// growth.</para>
/// <para><b>The pool.</b> Arrays come from <see cref="ArrayPool{T}.Shared"/>, not a pool of our own: it
/// keeps power-of-two buckets (what doubling growth asks for), per-core caches that make a rent and a
/// return a few tens of nanoseconds and allocation-free in steady state, and bounded retention it trims
/// itself on memory pressure, so memory of closed connections really goes back to the runtime; a pool
/// of our own would need the same trimming to give memory back. Because that pool is shared with the
/// rest of the process, every byte the ring wrote into an array is cleared before the array goes back:
/// the next renter must never see a connection's data.</para>
/// <para>The read position moves back to the start only when the ring holds nothing: bytes written past
/// the end of the data must stay where their offsets say. Any capacity works, not only powers of two.</para>
/// <para>Ownership: the ring owns its array from the write that rents it until it is given back (empty,
/// <see cref="Clear"/> or <see cref="Release"/>); spans it hands out are valid only until the next call
/// that changes it, growth and give-back included. Not thread-safe: owned by one socket, which is owned
/// by its interface's poll thread.</para>
/// </remarks>
internal sealed class RingBuffer
{
    /// <summary>
    /// The smallest array the ring takes: 2 KiB, which holds one full-sized Ethernet segment (MSS 1460),
    /// so a connection exchanging small messages never grows, and a bulk fill starts a few doublings
    /// below 64 KiB rather than a dozen.
    /// </summary>
    public const int MinStorageLength = 2048;

    /// <summary>Above this an array is sized to the capacity rather than to a power of two.</summary>
    private const long MaxPowerOfTwoStorage = 1L << 30;

    private byte[] _storage = [];
    private int _size;       // the part of _storage in use, the ring's modulus: 0 without storage, else at most the capacity
    private int _capacity;
    private int _maxCapacity;
    private int _readAt;     // index of the first readable byte, always below _size (or 0)
    private int _length;     // readable bytes
    private int _extent;     // bytes from the read position that may hold data: readable and written ahead (≥ _length)
    private int _touched;    // indexes of _storage below this may hold written bytes: what is cleared on return
    private int _lastFill;   // the most _extent reached while the last array was held

    /// <summary>Creates an empty ring that accepts <paramref name="capacity"/> bytes, and no more ever.</summary>
    public RingBuffer(int capacity)
        : this(capacity, capacity)
    {
    }

    /// <summary>
    /// Creates an empty ring that accepts <paramref name="capacity"/> bytes now and may be raised to
    /// <paramref name="maxCapacity"/> with <see cref="GrowCapacity"/>. It holds no array until the first write.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, or <paramref name="capacity"/> is more than <paramref name="maxCapacity"/>.</exception>
    public RingBuffer(int capacity, int maxCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, maxCapacity);
        _capacity = capacity;
        _maxCapacity = maxCapacity;
    }

    /// <summary>Bytes the ring accepts now: <see cref="Length"/> + <see cref="Free"/>.</summary>
    public int Capacity => _capacity;

    /// <summary>The most <see cref="Capacity"/> may be raised to.</summary>
    public int MaxCapacity => _maxCapacity;

    /// <summary>Bytes of array the ring holds now: 0 while it holds no data.</summary>
    public int StorageLength => _size;

    /// <summary>Readable bytes.</summary>
    public int Length => _length;

    /// <summary>Free bytes: <see cref="Capacity"/> − <see cref="Length"/>; a write of that many always succeeds.</summary>
    public int Free => _capacity - _length;

    /// <summary>True when nothing is readable.</summary>
    public bool IsEmpty => _length == 0;

    /// <summary>True when there is no free space.</summary>
    public bool IsFull => _length == _capacity;

    /// <summary>
    /// Raises <see cref="Capacity"/> to <paramref name="capacity"/> (at most <see cref="MaxCapacity"/>);
    /// a smaller value changes nothing, so free space never shrinks. Takes no memory: the storage grows
    /// when bytes arrive.
    /// </summary>
    public void GrowCapacity(int capacity)
    {
        _capacity = Math.Max(_capacity, Math.Min(capacity, _maxCapacity));
    }

    /// <summary>
    /// Discards everything and sets <see cref="Capacity"/> to <paramref name="capacity"/>, lower or
    /// higher: for an owner starting over (a TCP socket opening a new connection).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative or more than <see cref="MaxCapacity"/>.</exception>
    public void Reset(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, _maxCapacity);
        Clear();
        _capacity = capacity;
    }

    /// <summary>
    /// Drops the ring's contents and gives its array back: the capacity becomes 0 (until a
    /// <see cref="Reset"/>). For an owner
    /// that will never use the ring again: a TCP socket that is closed and gone, or one that lingers for
    /// 2 MSL in TIME-WAIT.
    /// </summary>
    public void Release()
    {
        Clear();
        _capacity = 0;
    }

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
    /// 0 when <paramref name="offset"/> is at or past <see cref="Free"/>). The ring keeps them, growing
    /// its storage if needed, until they are made readable or the ring is cleared.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    public int WriteUnallocated(int offset, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        int free = Free;
        if (offset >= free || data.IsEmpty)
        {
            return 0;
        }
        int count = Math.Min(data.Length, free - offset);
        int end = _length + offset + count;
        EnsureStorage(end);
        CopyIn(Wrap(_readAt, _length + offset), data[..count]);
        _extent = Math.Max(_extent, end);
        return count;
    }

    /// <summary>
    /// Makes the first <paramref name="count"/> free bytes readable, e.g. after <see cref="WriteUnallocated"/>
    /// or after filling a <see cref="GetWritableSpan"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than <see cref="Free"/>.</exception>
    public void EnqueueUnallocated(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Free);
        if (count == 0)
        {
            return;
        }
        EnsureStorage(_length + count);
        _length += count;
        _extent = Math.Max(_extent, _length);
    }

    /// <summary>
    /// Discards the first <paramref name="count"/> readable bytes, e.g. data the peer acknowledged; when
    /// nothing is left the array goes back to the pool.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than <see cref="Length"/>.</exception>
    public void DequeueAllocated(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _length);
        if (count == 0)
        {
            return;
        }
        _readAt = Wrap(_readAt, count);
        _length -= count;
        _extent -= count;
        if (_extent == 0)
        {
            if (GivesBackWhenEmpty)
            {
                GiveBack();
            }
            else
            {
                _readAt = 0; // nothing held: the next fill starts at the array's start, in one run
            }
        }
    }

    /// <summary>
    /// True (the default) when the array goes back to the pool the moment the ring holds nothing. An owner
    /// that refills at once, over and over, sets it false and calls <see cref="Trim"/> once the ring has
    /// stayed empty a while (a TCP socket does, after <c>TcpSocket.BufferIdleTime</c>): a bulk transfer
    /// then keeps one array instead of renting, clearing and returning it for every fill.
    /// </summary>
    public bool GivesBackWhenEmpty { get; init; } = true;

    /// <summary>True while the ring holds bytes: readable, or written ahead of the readable ones.</summary>
    public bool HoldsData => _extent > 0;

    /// <summary>Gives the array back if the ring holds no byte; otherwise does nothing.</summary>
    public void Trim()
    {
        if (_extent == 0)
        {
            GiveBack();
        }
    }

    /// <summary>Discards everything, including bytes written to free space, and gives the array back.</summary>
    public void Clear()
    {
        GiveBack();
        _length = 0;
        _extent = 0;
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
        return _storage.AsSpan(start, Math.Min(_length - offset, _size - start));
    }

    /// <summary>
    /// The free bytes from <paramref name="offset"/> bytes past the end of the readable bytes up to the
    /// end of the array, to fill in place and then make readable with <see cref="EnqueueUnallocated"/>.
    /// May be shorter than the free space when it wraps or when the storage has not grown that far (ask
    /// again after enqueuing). Empty when <paramref name="offset"/> is at or past <see cref="Free"/>.
    /// Bytes written here are kept only if the next call that changes the ring is
    /// <see cref="EnqueueUnallocated"/> taking them: to hold bytes past the readable ones, use
    /// <see cref="WriteUnallocated"/>.
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
        EnsureStorage(_length + offset + 1);
        int start = Wrap(_readAt, _length + offset);
        int count = Math.Min(Math.Min(free - offset, _size - _length - offset), _size - start);
        _touched = Math.Max(_touched, start + count);
        return _storage.AsSpan(start, count);
    }

    /// <summary>(<paramref name="index"/> + <paramref name="count"/>) mod the storage size, for an index below it and a count at most it.</summary>
    private int Wrap(int index, int count)
    {
        // Unsigned so that a size near int.MaxValue cannot overflow.
        uint sum = (uint)index + (uint)count;
        uint size = (uint)_size;
        return (int)(sum >= size ? sum - size : sum);
    }

    /// <summary>
    /// Makes the storage hold at least <paramref name="extent"/> bytes from the read position (at most the
    /// capacity), taking a larger array and moving the held bytes to its start when it must.
    /// </summary>
    private void EnsureStorage(int extent)
    {
        if (extent <= _size)
        {
            return;
        }
        long wanted = Math.Max(Math.Max(extent, MinStorageLength), Math.Max(2L * _size, _lastFill));
        // Whole pool buckets (powers of two), so the array rented is all used; the capacity caps it.
        long rounded = wanted > MaxPowerOfTwoStorage ? long.MaxValue : (long)BitOperations.RoundUpToPowerOf2((ulong)wanted);
        int size = (int)Math.Min(rounded, _capacity);
        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        if (_extent > 0)
        {
            CopyOut(_readAt, larger.AsSpan(0, _extent));
        }
        byte[] old = _storage;
        int oldTouched = _touched;
        _storage = larger;
        _size = size;
        _readAt = 0;
        _touched = _extent;
        ReturnToPool(old, oldTouched);
    }

    /// <summary>Gives the array back (cleared where written) and forgets the read position; remembers how far the fill went.</summary>
    private void GiveBack()
    {
        if (_size > 0)
        {
            // Every index written since the array was taken (all of it once the data wrapped): what
            // this fill needed, so the next starts at that size rather than climbing the doublings again.
            _lastFill = Math.Max(_touched, _extent);
        }
        ReturnToPool(_storage, _touched);
        _storage = [];
        _size = 0;
        _readAt = 0;
        _touched = 0;
    }

    private static void ReturnToPool(byte[] array, int touched)
    {
        if (array.Length == 0)
        {
            return;
        }
        // The pool is the process's: the next renter must never see this connection's bytes.
        array.AsSpan(0, touched).Clear();
        ArrayPool<byte>.Shared.Return(array);
    }

    private void CopyOut(int start, Span<byte> destination)
    {
        int first = Math.Min(destination.Length, _size - start);
        _storage.AsSpan(start, first).CopyTo(destination);
        _storage.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }

    private void CopyIn(int start, ReadOnlySpan<byte> data)
    {
        int first = Math.Min(data.Length, _size - start);
        data[..first].CopyTo(_storage.AsSpan(start));
        data[first..].CopyTo(_storage);
        _touched = Math.Max(_touched, first < data.Length ? _size : start + first);
    }
}
