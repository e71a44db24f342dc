using System.Collections.Concurrent;

namespace Usrnet.Phy;

/// <summary>
/// A bounded, thread-safe queue of frames with a wake-up signal for its consumer: the wire of the
/// in-memory devices. One producer thread and one consumer thread may use it at the same time.
/// </summary>
/// <remarks>
/// Ownership: <see cref="TryEnqueue"/> takes the frame (it is disposed when the queue is full or closed);
/// <see cref="TryDequeue"/> hands it to the caller. <see cref="Close"/> disposes whatever is still queued.
/// </remarks>
internal sealed class FrameQueue
{
    private readonly ConcurrentQueue<PacketBuffer> _frames = new();

    // Spinning briefly before blocking pays off when the peer end runs on another core and answers at
    // once, but a long spin just burns that core: keep it short.
    private readonly ManualResetEventSlim _signal = new(initialState: false, spinCount: 10);
    private readonly int _capacity;
    private int _count;
    private volatile bool _closed;

    // Producer-side counters are written only by the producer thread, consumer-side only by the consumer.
    private long _enqueuedFrames;
    private long _enqueuedBytes;
    private long _dropped;
    private long _dequeuedFrames;
    private long _dequeuedBytes;

    public FrameQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public long EnqueuedFrames => _enqueuedFrames;

    public long EnqueuedBytes => _enqueuedBytes;

    public long Dropped => _dropped;

    public long DequeuedFrames => _dequeuedFrames;

    public long DequeuedBytes => _dequeuedBytes;

    /// <summary>Queues a frame for the consumer and wakes it; false (frame disposed) when full or closed.</summary>
    public bool TryEnqueue(PacketBuffer frame)
    {
        int length = frame.Length;
        if (_closed)
        {
            return Drop(frame);
        }
        if (Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            return Drop(frame);
        }
        _frames.Enqueue(frame);
        if (_closed)
        {
            // The consumer closed the queue while we were adding: nobody will take the frame, so return
            // it (and any other late one) to the pool ourselves.
            DisposeQueued();
            _dropped++;
            return false;
        }
        _enqueuedFrames++;
        _enqueuedBytes += length;
        _signal.Set();
        return true;
    }

    /// <summary>Takes the oldest frame, or returns null when the queue is empty.</summary>
    public PacketBuffer? TryDequeue()
    {
        if (!_frames.TryDequeue(out PacketBuffer? frame))
        {
            return null;
        }
        Interlocked.Decrement(ref _count);
        _dequeuedFrames++;
        _dequeuedBytes += frame.Length;
        return frame;
    }

    /// <summary>
    /// Blocks the consumer until a frame is queued, <see cref="Wake"/> is called, or the timeout passes.
    /// </summary>
    public void Wait(TimeSpan? timeout)
    {
        // Check the queue before sleeping: a frame queued before this call must not wait for the next one.
        if (_frames.IsEmpty)
        {
            _signal.Wait(DeviceTimeout.ToMilliseconds(timeout));
        }
        // Resetting after the wait can swallow a Set that races with our return, which is harmless: a
        // frame it announced is in the queue for the caller's next Receive, and a Wake it carried found
        // this Wait returning.
        _signal.Reset();
    }

    /// <summary>Makes the consumer's current or next <see cref="Wait"/> return at once. Any thread.</summary>
    public void Wake() => _signal.Set();

    /// <summary>Refuses further frames and disposes the queued ones. Safe to call more than once.</summary>
    public void Close()
    {
        _closed = true;
        DisposeQueued();
        // The signal is deliberately not disposed: a producer on another thread may still Set it, and a
        // ManualResetEventSlim whose WaitHandle was never read holds nothing that needs disposing.
    }

    private bool Drop(PacketBuffer frame)
    {
        frame.Dispose();
        _dropped++;
        return false;
    }

    private void DisposeQueued()
    {
        while (_frames.TryDequeue(out PacketBuffer? frame))
        {
            Interlocked.Decrement(ref _count);
            frame.Dispose();
        }
    }
}
