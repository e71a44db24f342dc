namespace Usrnet.Phy;

/// <summary>
/// One end of a <see cref="MemoryLink"/>, or a loopback device when both queues are the same.
/// </summary>
/// <remarks>
/// Transmit puts the frame on <c>outbound</c> (the peer's inbound queue); Receive takes from
/// <c>inbound</c>. Disposing closes the inbound queue, so frames the peer sends afterwards are dropped
/// and returned to the pool rather than piling up.
/// </remarks>
internal sealed class MemoryLinkEnd : IDevice
{
    private readonly FrameQueue _inbound;
    private readonly FrameQueue _outbound;
    private bool _disposed;

    public MemoryLinkEnd(FrameQueue inbound, FrameQueue outbound, DeviceCapabilities capabilities)
    {
        _inbound = inbound;
        _outbound = outbound;
        Capabilities = capabilities;
    }

    public DeviceCapabilities Capabilities { get; }

    public DeviceCounters Counters => new()
    {
        FramesReceived = _inbound.DequeuedFrames,
        BytesReceived = _inbound.DequeuedBytes,
        FramesTransmitted = _outbound.EnqueuedFrames,
        BytesTransmitted = _outbound.EnqueuedBytes,
        TransmitDropped = _outbound.Dropped,
    };

    public PacketBuffer? Receive(Instant now)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _inbound.TryDequeue();
    }

    public bool Transmit(Instant now, PacketBuffer frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_disposed)
        {
            frame.Dispose();
            ObjectDisposedException.ThrowIf(true, this);
        }
        return _outbound.TryEnqueue(frame);
    }

    public Instant? PollAt(Instant now) => null;

    public void Wait(TimeSpan? timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _inbound.Wait(timeout);
    }

    public void Wake() => _inbound.Wake();

    public void Dispose()
    {
        _disposed = true;
        _inbound.Close();
    }
}
