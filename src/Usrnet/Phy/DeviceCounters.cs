namespace Usrnet.Phy;

/// <summary>A snapshot of what a device has carried and lost.</summary>
/// <remarks>
/// Each counter is written by one thread (the one driving that direction); a snapshot taken on another
/// thread may be a little old but is never torn on the 64-bit platforms the stack runs on.
/// </remarks>
public readonly record struct DeviceCounters
{
    /// <summary>Frames handed to the caller of <see cref="IDevice.Receive"/>.</summary>
    public long FramesReceived { get; init; }

    /// <summary>Bytes of the frames counted in <see cref="FramesReceived"/>.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Frames the link accepted from <see cref="IDevice.Transmit"/>.</summary>
    public long FramesTransmitted { get; init; }

    /// <summary>Bytes of the frames counted in <see cref="FramesTransmitted"/>.</summary>
    public long BytesTransmitted { get; init; }

    /// <summary>Frames dropped on transmit because the link was full (<see cref="IDevice.Transmit"/> returned false).</summary>
    public long TransmitDropped { get; init; }

    /// <summary>Transmits that failed for another reason (the kernel rejected the frame).</summary>
    public long TransmitErrors { get; init; }

    /// <summary>Receives that failed with an error other than "nothing waiting".</summary>
    public long ReceiveErrors { get; init; }

    /// <summary>Received frames dropped because they were longer than the receive buffer.</summary>
    public long ReceiveTruncated { get; init; }
}
