namespace Usrnet.Phy;

/// <summary>
/// A link that carries raw Ethernet II frames (no preamble, no frame check sequence).
/// </summary>
/// <remarks>
/// Devices are driven by one owner thread (the interface's poll loop) for <see cref="Receive"/>,
/// <see cref="Transmit"/> and <see cref="Wait"/>; only <see cref="Wake"/> may be called from any thread.
/// Decorators (pcap, fault injection) wrap any device and forward to it.
/// </remarks>
public interface IDevice : IDisposable
{
    /// <summary>What the device carries.</summary>
    DeviceCapabilities Capabilities { get; }

    /// <summary>
    /// Takes the next received frame, or returns null when none is waiting. The caller owns the
    /// returned buffer and must dispose it.
    /// </summary>
    PacketBuffer? Receive(Instant now);

    /// <summary>
    /// Sends one frame. The device takes ownership of <paramref name="frame"/> whether or not it is sent.
    /// Returns false when the frame was dropped because the link could not take it now.
    /// </summary>
    bool Transmit(Instant now, PacketBuffer frame);

    /// <summary>
    /// The next instant the device itself needs <see cref="Receive"/> to be called even if no frame
    /// arrives (a decorator holding delayed frames), or null.
    /// </summary>
    Instant? PollAt(Instant now);

    /// <summary>
    /// Blocks until a frame may be waiting, <see cref="Wake"/> is called, or <paramref name="timeout"/>
    /// passes (null waits without limit). Returning is a hint, not a promise that a frame is there.
    /// </summary>
    void Wait(TimeSpan? timeout);

    /// <summary>Makes a current or the next <see cref="Wait"/> return at once. Safe from any thread.</summary>
    void Wake();
}
