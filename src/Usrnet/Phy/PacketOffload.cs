using System.Buffers.Binary;

namespace Usrnet.Phy;

/// <summary>What is known of a frame's transport checksum.</summary>
public enum ChecksumState : byte
{
    /// <summary>Nothing: the checksum in the frame is final and nobody has verified it.</summary>
    None = 0,

    /// <summary>
    /// The checksum field holds only the folded pseudo-header sum; whoever finishes the frame sums from
    /// <see cref="PacketOffload.ChecksumStart"/> to the end and stores the complement at
    /// <see cref="PacketOffload.ChecksumStart"/> + <see cref="PacketOffload.ChecksumOffset"/>
    /// (virtio 1.2 §5.1.6.2, VIRTIO_NET_HDR_F_NEEDS_CSUM; Linux's CHECKSUM_PARTIAL). A received frame in
    /// this state never crossed a wire: its data is as the local sender wrote it.
    /// </summary>
    Partial = 1,

    /// <summary>The device has verified the transport checksum (VIRTIO_NET_HDR_F_DATA_VALID).</summary>
    Verified = 2,
}

/// <summary>
/// The offload facts of one frame: the meaning of a virtio-net header (virtio 1.2 §5.1.6, struct
/// virtio_net_hdr), carried beside the frame rather than in it. The stack sets them on transmit only as
/// far as <see cref="DeviceCapabilities"/> allows; a device sets them on receive.
/// </summary>
public readonly record struct PacketOffload
{
    /// <summary>Offset of the checksum field from <see cref="ChecksumStart"/> in a TCP header (RFC 9293 §3.1).</summary>
    public const int TcpChecksumOffset = 16;

    /// <summary>Offset of the checksum field from <see cref="ChecksumStart"/> in a UDP header (RFC 768).</summary>
    public const int UdpChecksumOffset = 6;

    /// <summary>The transport checksum's state.</summary>
    public ChecksumState Checksum { get; init; }

    /// <summary>With <see cref="ChecksumState.Partial"/>: where summing starts, from the start of the frame (the transport header).</summary>
    public int ChecksumStart { get; init; }

    /// <summary>With <see cref="ChecksumState.Partial"/>: where the checksum field is, from <see cref="ChecksumStart"/>.</summary>
    public int ChecksumOffset { get; init; }

    /// <summary>
    /// Segmentation offload (TSO): the payload bytes of each TCP segment the device cuts this frame into
    /// on the wire (virtio's gso_size, the MSS); 0 when the frame goes out as it is. A received frame may
    /// carry it too: the kernel coalesced segments of this size into it.
    /// </summary>
    public int SegmentSize { get; init; }

    /// <summary>With <see cref="SegmentSize"/>: the length of the headers every segment repeats (Ethernet, IP and TCP; virtio's hdr_len).</summary>
    public int HeaderLength { get; init; }

    /// <summary>True when the frame is one large TCP segment that the device splits (see <see cref="SegmentSize"/>).</summary>
    public bool IsSegmented => SegmentSize != 0;

    /// <summary>
    /// An offload for a TCP segment whose checksum the device fills: the transport header starts at
    /// <paramref name="transportStart"/>; <paramref name="segmentSize"/> is nonzero for a segment the device
    /// splits into pieces of that many payload bytes after <paramref name="headerLength"/> bytes of headers.
    /// </summary>
    public static PacketOffload PartialTcp(int transportStart, int segmentSize = 0, int headerLength = 0) => new()
    {
        Checksum = ChecksumState.Partial,
        ChecksumStart = transportStart,
        ChecksumOffset = TcpChecksumOffset,
        SegmentSize = segmentSize,
        HeaderLength = segmentSize == 0 ? 0 : headerLength,
    };

    /// <summary>
    /// Finishes a <see cref="ChecksumState.Partial"/> checksum in software, as the device would: sums the
    /// frame from <see cref="ChecksumStart"/> on (the field's pseudo-header sum included) and stores the
    /// complement. Returns the offload with <see cref="ChecksumState.None"/>; false (and the frame untouched)
    /// when the offsets do not fit the frame.
    /// </summary>
    public bool TryCompleteChecksum(Span<byte> frame, out PacketOffload completed)
    {
        completed = this;
        if (Checksum != ChecksumState.Partial)
        {
            return true;
        }
        int field = ChecksumStart + ChecksumOffset;
        if (ChecksumStart < 0 || ChecksumOffset < 0 || field + sizeof(ushort) > frame.Length)
        {
            return false;
        }
        ushort sum = Usrnet.Wire.Checksum.Finish(Usrnet.Wire.Checksum.Accumulate(0, frame[ChecksumStart..]));
        BinaryPrimitives.WriteUInt16BigEndian(frame[field..], sum);
        completed = this with { Checksum = ChecksumState.None };
        return true;
    }
}
