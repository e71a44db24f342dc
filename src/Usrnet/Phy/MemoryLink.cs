namespace Usrnet.Phy;

/// <summary>
/// An in-memory Ethernet link between two devices: what one end transmits the other receives, in order.
/// </summary>
/// <remarks>
/// Each direction is a bounded queue: a transmit into a full queue drops the frame and returns false,
/// like a full NIC ring. Each end may be driven by its own thread; a transmit wakes the peer's
/// <see cref="IDevice.Wait"/>. Frames are passed by ownership, never copied.
/// </remarks>
public sealed class MemoryLink
{
    /// <summary>Default number of frames a direction holds before it drops (a NIC ring's order of size).</summary>
    public const int DefaultQueueCapacity = 1024;

    private readonly MemoryLinkEnd _a;
    private readonly MemoryLinkEnd _b;

    /// <summary>Creates a link whose two ends are <see cref="A"/> and <see cref="B"/>.</summary>
    /// <param name="queueCapacity">Frames each direction holds; transmits beyond it are dropped.</param>
    /// <param name="capabilities">What both ends report (default: Ethernet, MTU 1500).</param>
    public MemoryLink(int queueCapacity = DefaultQueueCapacity, DeviceCapabilities? capabilities = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        capabilities ??= new DeviceCapabilities();
        FrameQueue toA = new(queueCapacity);
        FrameQueue toB = new(queueCapacity);
        _a = new MemoryLinkEnd(inbound: toA, outbound: toB, capabilities);
        _b = new MemoryLinkEnd(inbound: toB, outbound: toA, capabilities);
    }

    /// <summary>One end of the link. The caller owns it and disposes it.</summary>
    public IDevice A => _a;

    /// <summary>The other end of the link. The caller owns it and disposes it.</summary>
    public IDevice B => _b;

    /// <summary>What end <see cref="A"/> has received, transmitted and dropped.</summary>
    public DeviceCounters CountersA => _a.Counters;

    /// <summary>What end <see cref="B"/> has received, transmitted and dropped.</summary>
    public DeviceCounters CountersB => _b.Counters;

    /// <summary>Creates a link and hands out its two ends; keep the returned link to read its counters.</summary>
    /// <param name="a">One end; the caller owns it and disposes it.</param>
    /// <param name="b">The other end; the caller owns it and disposes it.</param>
    /// <param name="queueCapacity">Frames each direction holds; transmits beyond it are dropped.</param>
    /// <param name="capabilities">What both ends report (default: Ethernet, MTU 1500).</param>
    public static MemoryLink CreatePair(out IDevice a, out IDevice b, int queueCapacity = DefaultQueueCapacity, DeviceCapabilities? capabilities = null)
    {
        MemoryLink link = new(queueCapacity, capabilities);
        a = link.A;
        b = link.B;
        return link;
    }
}
