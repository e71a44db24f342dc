namespace Usrnet.Phy;

/// <summary>
/// What a device can carry and what it does for the stack: the one place the layers above read offload
/// facts from. Without offloads (the default) the stack fills every checksum, verifies every checksum it
/// receives, and sends nothing larger than <see cref="Mtu"/>.
/// </summary>
public sealed record DeviceCapabilities
{
    /// <summary>Length of an Ethernet II header without VLAN tag.</summary>
    public const int EthernetHeaderLength = 14;

    /// <summary>Largest IPv4 packet: Total Length is 16 bits (RFC 791 §3.1).</summary>
    public const int MaxIpv4PacketLength = ushort.MaxValue;

    private readonly int? _maxSegmentLength;
    private readonly int? _maxReceivePacketLength;

    /// <summary>
    /// The IP MTU of the wire: the largest IP packet one frame carries there (1500 on Ethernet, RFC 894).
    /// The MSS TCP advertises and honours follows from it, whatever the offloads.
    /// </summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>The largest Ethernet frame on the wire, header included and frame check sequence excluded.</summary>
    public int MaxFrameLength => Mtu + EthernetHeaderLength;

    /// <summary>
    /// The largest IP packet holding one TCP segment that the device takes in one transmit and cuts into
    /// wire-sized segments itself (TCP segmentation offload; see <see cref="PacketOffload.SegmentSize"/>).
    /// Defaults to <see cref="Mtu"/>: no segmentation offload. Greater than <see cref="Mtu"/> only with
    /// <see cref="ChecksumOffloadOnTransmit"/>, since each segment needs its own checksum.
    /// </summary>
    public int MaxSegmentLength
    {
        get => _maxSegmentLength ?? Mtu;
        init => _maxSegmentLength = value;
    }

    /// <summary>
    /// The largest IP packet the device may hand over in one receive: more than <see cref="Mtu"/> when it
    /// coalesces TCP segments (receive offload). Defaults to <see cref="Mtu"/>.
    /// </summary>
    public int MaxReceivePacketLength
    {
        get => _maxReceivePacketLength ?? Mtu;
        init => _maxReceivePacketLength = value;
    }

    /// <summary>True when the device sends TCP segments larger than <see cref="Mtu"/> by cutting them itself.</summary>
    public bool SegmentationOffload => ChecksumOffloadOnTransmit && MaxSegmentLength > Mtu;

    /// <summary>
    /// True when the device has verified the transport checksum of every frame it hands over, so the stack
    /// skips it. (A device that knows it per frame says so in <see cref="PacketBuffer.Offload"/> instead.)
    /// </summary>
    public bool ChecksumVerifiedOnReceive { get; init; }

    /// <summary>
    /// True when the device fills TCP checksums on transmit for frames whose <see cref="PacketBuffer.Offload"/>
    /// says <see cref="ChecksumState.Partial"/>.
    /// </summary>
    public bool ChecksumOffloadOnTransmit { get; init; }

    /// <summary>
    /// Capabilities of a device with what a virtio-net device offers for TCP: it fills checksums and
    /// carries TCP segments up to 64 KiB each way. Which received checksums it vouches for it says per
    /// frame (<see cref="PacketBuffer.Offload"/>): a frame from a decorator that damaged it, or from a
    /// sender that filled its own checksum, is still verified by the stack.
    /// </summary>
    public static DeviceCapabilities WithOffloads(int mtu = 1500) => new()
    {
        Mtu = mtu,
        MaxSegmentLength = MaxIpv4PacketLength,
        MaxReceivePacketLength = MaxIpv4PacketLength,
        ChecksumOffloadOnTransmit = true,
    };

    /// <summary>These capabilities without any offload: what a decorator that changes frames presents.</summary>
    public DeviceCapabilities WithoutOffloads() => new() { Mtu = Mtu, MaxReceivePacketLength = MaxReceivePacketLength };
}
