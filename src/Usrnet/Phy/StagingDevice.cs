namespace Usrnet.Phy;

/// <summary>
/// A decorator that separates a device's system calls from the processing of its frames:
/// <see cref="Stage"/> takes a batch of frames from the inner device into memory, <see cref="Receive"/>
/// hands them out from there; <see cref="Transmit"/> only queues, and <see cref="Flush"/> sends what was
/// queued. An owner that processes frames under a lock calls <see cref="Stage"/> before taking it and
/// <see cref="Flush"/> after releasing it, so threads waiting for that lock never wait for a
/// <c>read(2)</c> or <c>write(2)</c> on the TAP.
/// </summary>
/// <remarks>
/// <para>What is staged is bounded by the batch asked for; what is queued for transmission is what one
/// round of processing produced, sent before the next. A frame the inner device refuses at
/// <see cref="Flush"/> is counted in <see cref="TransmitDropped"/> (it was counted as sent by the
/// caller of <see cref="Transmit"/>, which had already moved on).</para>
/// <para>Ownership: the decorator owns the inner device and every frame it holds, and disposes them.
/// <see cref="Stage"/>, <see cref="Flush"/> and <see cref="Receive"/> belong to the owner's loop thread;
/// <see cref="Transmit"/> may come from any one thread at a time, <see cref="Wake"/> from any.</para>
/// </remarks>
internal sealed class StagingDevice : IDevice
{
    private readonly IDevice _inner;
    private readonly Queue<PacketBuffer> _received = new();
    private readonly Queue<PacketBuffer> _toSend = new(); // guarded by itself: Transmit and Flush may be on two threads
    private long _transmitDropped;

    /// <summary>Wraps <paramref name="inner"/>; the decorator takes ownership of it.</summary>
    public StagingDevice(IDevice inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <summary>The wrapped device.</summary>
    public IDevice Inner => _inner;

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities => _inner.Capabilities;

    /// <summary>Frames queued by <see cref="Transmit"/> that the inner device then refused.</summary>
    public long TransmitDropped => Interlocked.Read(ref _transmitDropped);

    /// <summary>Frames staged and not yet received.</summary>
    public int StagedCount => _received.Count;

    /// <summary>
    /// Takes up to <paramref name="limit"/> frames from the inner device (fewer when it has no more now),
    /// counting those staged already. Returns the number staged now.
    /// </summary>
    public int Stage(Instant now, int limit)
    {
        while (_received.Count < limit && _inner.Receive(now) is { } frame)
        {
            _received.Enqueue(frame);
        }
        return _received.Count;
    }

    /// <summary>Sends everything <see cref="Transmit"/> queued, in order. Returns the number of frames sent.</summary>
    public int Flush(Instant now)
    {
        int sent = 0;
        while (TryTakeQueued(out PacketBuffer? frame))
        {
            if (_inner.Transmit(now, frame))
            {
                sent++;
            }
            else
            {
                Interlocked.Increment(ref _transmitDropped);
            }
        }
        return sent;
    }

    private bool TryTakeQueued([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PacketBuffer? frame)
    {
        lock (_toSend)
        {
            return _toSend.TryDequeue(out frame);
        }
    }

    /// <summary>The next staged frame, or null: the inner device is read only by <see cref="Stage"/>.</summary>
    public PacketBuffer? Receive(Instant now) => _received.TryDequeue(out PacketBuffer? frame) ? frame : null;

    /// <summary>Queues <paramref name="frame"/> for the next <see cref="Flush"/>; always true.</summary>
    public bool Transmit(Instant now, PacketBuffer frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_toSend)
        {
            _toSend.Enqueue(frame);
        }
        return true;
    }

    /// <inheritdoc/>
    public Instant? PollAt(Instant now) => _received.Count > 0 ? now : _inner.PollAt(now); // queued sends go at the next Flush, which needs no poll

    /// <inheritdoc/>
    public void Wait(TimeSpan? timeout) => _inner.Wait(timeout);

    /// <inheritdoc/>
    public void Wake() => _inner.Wake();

    /// <summary>Drops what is staged or queued and disposes the inner device.</summary>
    public void Dispose()
    {
        while (_received.TryDequeue(out PacketBuffer? frame))
        {
            frame.Dispose();
        }
        while (TryTakeQueued(out PacketBuffer? frame))
        {
            frame.Dispose();
        }
        _inner.Dispose();
    }
}
