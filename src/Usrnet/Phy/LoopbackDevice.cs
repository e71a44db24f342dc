namespace Usrnet.Phy;

/// <summary>
/// A device that receives what it transmits, in order: a <see cref="MemoryLink"/> folded onto itself.
/// </summary>
/// <remarks>
/// Backed by one bounded queue: a transmit into a full queue drops the frame and returns false.
/// </remarks>
public sealed class LoopbackDevice : IDevice
{
    private readonly MemoryLinkEnd _end;

    /// <summary>Creates a loopback device.</summary>
    /// <param name="queueCapacity">Frames the device holds between transmit and receive; more are dropped.</param>
    /// <param name="capabilities">What the device reports (default: Ethernet, MTU 1500).</param>
    public LoopbackDevice(int queueCapacity = MemoryLink.DefaultQueueCapacity, DeviceCapabilities? capabilities = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        FrameQueue queue = new(queueCapacity);
        _end = new MemoryLinkEnd(inbound: queue, outbound: queue, capabilities ?? new DeviceCapabilities());
    }

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities => _end.Capabilities;

    /// <summary>What the device has received, transmitted and dropped.</summary>
    public DeviceCounters Counters => _end.Counters;

    /// <inheritdoc/>
    public PacketBuffer? Receive(Instant now) => _end.Receive(now);

    /// <inheritdoc/>
    public bool Transmit(Instant now, PacketBuffer frame) => _end.Transmit(now, frame);

    /// <inheritdoc/>
    public Instant? PollAt(Instant now) => null;

    /// <inheritdoc/>
    public void Wait(TimeSpan? timeout) => _end.Wait(timeout);

    /// <inheritdoc/>
    public void Wake() => _end.Wake();

    /// <summary>Drops and returns to the pool every frame still queued. Safe to call more than once.</summary>
    public void Dispose() => _end.Dispose();
}
