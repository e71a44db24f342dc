namespace Usrnet.Phy;

/// <summary>What a device can carry and what it does for the stack.</summary>
public sealed record DeviceCapabilities
{
    /// <summary>Length of an Ethernet II header without VLAN tag.</summary>
    public const int EthernetHeaderLength = 14;

    /// <summary>
    /// The IP MTU: the largest IP packet one frame carries (1500 on Ethernet, RFC 894). Frames may be
    /// up to <see cref="MaxFrameLength"/> bytes.
    /// </summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>The largest Ethernet frame, header included and frame check sequence excluded.</summary>
    public int MaxFrameLength => Mtu + EthernetHeaderLength;

    /// <summary>
    /// The largest TCP segment the device accepts in one transmit (segmentation offload). Equal to
    /// <see cref="Mtu"/> for devices without offload.
    /// </summary>
    public int MaxSegmentLength { get; init; } = 1500;

    /// <summary>True when the device verifies checksums of received packets, so the stack may skip it.</summary>
    public bool ChecksumVerifiedOnReceive { get; init; }

    /// <summary>True when the device fills in transport checksums on transmit.</summary>
    public bool ChecksumOffloadOnTransmit { get; init; }
}
