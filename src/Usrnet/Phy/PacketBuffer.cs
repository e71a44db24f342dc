using System.Buffers;
using System.Collections.Concurrent;

namespace Usrnet.Phy;

/// <summary>
/// A pooled byte buffer holding one frame or packet: the unit of ownership between devices and the stack.
/// </summary>
/// <remarks>
/// Ownership: exactly one party owns a buffer at a time. <see cref="Rent"/> makes the caller the owner;
/// <see cref="IDevice.Transmit"/> takes ownership from its caller; <see cref="IDevice.Receive"/> hands it
/// to its caller. The owner either passes it on or calls <see cref="Dispose"/>, which returns the array
/// and the object to their pools. Using a buffer after disposing it throws <see cref="ObjectDisposedException"/>.
/// Renting and returning are thread-safe, so a buffer may cross from one thread to another with its owner.
/// </remarks>
public sealed class PacketBuffer : IDisposable
{
    private const int MaxPooledObjects = 4096;

    /// <summary>
    /// Size of the array a pooled buffer keeps for itself: enough for any Ethernet frame with a 1500-byte
    /// MTU plus a virtio-net header. Buffers of this size never touch <see cref="ArrayPool{T}"/>, whose
    /// shared pool other code may drain or trim, so steady-state traffic allocates nothing.
    /// </summary>
    public const int StandardCapacity = 2048;
    private static readonly ConcurrentQueue<PacketBuffer> s_pool = new();
    private static int s_pooledCount;

    private byte[]? _array;
    private byte[]? _ownArray; // kept across uses: standard-size frames reuse it
    private int _length;

    private PacketBuffer()
    {
    }

    /// <summary>
    /// Drops pooled buffers beyond <paramref name="keep"/>, for the garbage collector to reclaim: the pool
    /// keeps up to 4,096 (8 MiB) after a burst, which a process that has gone quiet can give back. Traffic
    /// that comes back refills it.
    /// </summary>
    internal static void TrimPool(int keep)
    {
        while (Volatile.Read(ref s_pooledCount) > keep && s_pool.TryDequeue(out _))
        {
            Interlocked.Decrement(ref s_pooledCount);
        }
    }

    /// <summary>Rents a buffer whose <see cref="Length"/> is <paramref name="length"/>; its contents are not cleared.</summary>
    public static PacketBuffer Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (!s_pool.TryDequeue(out PacketBuffer? buffer))
        {
            buffer = new PacketBuffer();
        }
        else
        {
            Interlocked.Decrement(ref s_pooledCount);
        }
        if (length <= StandardCapacity)
        {
            buffer._array = buffer._ownArray ??= new byte[StandardCapacity];
        }
        else
        {
            buffer._array = ArrayPool<byte>.Shared.Rent(length);
        }
        buffer._length = length;
        buffer.Offload = default;
        return buffer;
    }

    /// <summary>Rents a buffer holding a copy of this one's bytes and <see cref="Offload"/>.</summary>
    public PacketBuffer Clone()
    {
        PacketBuffer copy = Copy(Span);
        copy.Offload = Offload;
        return copy;
    }

    /// <summary>Rents a buffer holding a copy of <paramref name="data"/>.</summary>
    public static PacketBuffer Copy(ReadOnlySpan<byte> data)
    {
        PacketBuffer buffer = Rent(data.Length);
        data.CopyTo(buffer.Span);
        return buffer;
    }

    /// <summary>Number of valid bytes.</summary>
    public int Length => _array is null ? ThrowDisposed<int>() : _length;

    /// <summary>Largest <see cref="Length"/> the underlying array allows.</summary>
    public int Capacity => (_array ?? ThrowDisposed<byte[]>()).Length;

    /// <summary>The valid bytes.</summary>
    public Span<byte> Span => (_array ?? ThrowDisposed<byte[]>()).AsSpan(0, _length);

    /// <summary>The valid bytes as memory (valid only while this buffer is owned and not disposed).</summary>
    public Memory<byte> Memory => (_array ?? ThrowDisposed<byte[]>()).AsMemory(0, _length);

    /// <summary>
    /// What the device is to do for this frame on transmit (fill its checksum, split it into segments), or
    /// did on receive. Cleared by <see cref="Rent"/>.
    /// </summary>
    public PacketOffload Offload { get; set; }

    /// <summary>Changes <see cref="Length"/> within <see cref="Capacity"/>.</summary>
    public void SetLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Capacity);
        _length = length;
    }

    /// <summary>Returns the array and this object to their pools.</summary>
    public void Dispose()
    {
        byte[]? array = _array;
        if (array is null)
        {
            return;
        }
        _array = null;
        _length = 0;
        if (array != _ownArray)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
        if (Interlocked.Increment(ref s_pooledCount) <= MaxPooledObjects)
        {
            s_pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooledCount);
        }
    }

    private static T ThrowDisposed<T>() => throw new ObjectDisposedException(nameof(PacketBuffer));
}
