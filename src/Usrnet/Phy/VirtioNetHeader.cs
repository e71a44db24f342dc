using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Usrnet.Phy;

/// <summary>
/// The header a TAP opened with <c>IFF_VNET_HDR</c> puts before every frame, both ways: struct
/// virtio_net_hdr (virtio 1.2 §5.1.6; linux/virtio_net.h), the 10-byte legacy layout without
/// num_buffers. It says what <see cref="PacketOffload"/> says, on the wire of the tun driver.
/// </summary>
/// <remarks>
/// The 16-bit fields are in host byte order: the legacy tun driver uses the CPU's own unless told
/// otherwise (drivers/net/tun.c, tun_is_little_endian), so they are read and written natively.
/// </remarks>
internal readonly record struct VirtioNetHeader
{
    /// <summary>Length of the header as the TAP is told with <c>TUNSETVNETHDRSZ</c> (sizeof(struct virtio_net_hdr)).</summary>
    public const int Length = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum is to be filled from csum_start (virtio 1.2 §5.1.6.2).</summary>
    public const byte FlagNeedsChecksum = 1;

    /// <summary>VIRTIO_NET_HDR_F_DATA_VALID: the device verified the transport checksum (virtio 1.2 §5.1.6.4).</summary>
    public const byte FlagDataValid = 2;

    /// <summary>VIRTIO_NET_HDR_GSO_NONE: the frame goes out as it is.</summary>
    public const byte GsoNone = 0;

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV4: an IPv4 TCP segment to cut into gso_size pieces (TSO).</summary>
    public const byte GsoTcpV4 = 1;

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV6: an IPv6 TCP segment to cut into gso_size pieces.</summary>
    public const byte GsoTcpV6 = 4;

    /// <summary>VIRTIO_NET_HDR_GSO_ECN: the segment has CWR set (RFC 3168); a flag on top of the type.</summary>
    public const byte GsoEcn = 0x80;

    /// <summary>EtherType of IPv4 (RFC 894).</summary>
    private const ushort EtherTypeIpv4 = 0x0800;

    /// <summary>EtherType of IPv6 (RFC 2464).</summary>
    private const ushort EtherTypeIpv6 = 0x86DD;

    /// <summary>Offset of the EtherType in an Ethernet II header.</summary>
    private const int EtherTypeOffset = 12;

    /// <summary>flags: <see cref="FlagNeedsChecksum"/>, <see cref="FlagDataValid"/>.</summary>
    public byte Flags { get; init; }

    /// <summary>gso_type: <see cref="GsoNone"/>, <see cref="GsoTcpV4"/>, <see cref="GsoTcpV6"/>, maybe with <see cref="GsoEcn"/>.</summary>
    public byte GsoType { get; init; }

    /// <summary>hdr_len: the headers every segment repeats (Ethernet, IP, TCP); a hint on receive.</summary>
    public ushort HeaderLength { get; init; }

    /// <summary>gso_size: payload bytes per segment.</summary>
    public ushort GsoSize { get; init; }

    /// <summary>csum_start: where checksumming starts, from the start of the frame.</summary>
    public ushort ChecksumStart { get; init; }

    /// <summary>csum_offset: where the checksum goes, from <see cref="ChecksumStart"/>.</summary>
    public ushort ChecksumOffset { get; init; }

    /// <summary>Reads a header from the first <see cref="Length"/> bytes of <paramref name="source"/>.</summary>
    public static VirtioNetHeader Read(ReadOnlySpan<byte> source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(source.Length, Length, nameof(source));
        return new VirtioNetHeader
        {
            Flags = source[0],
            GsoType = source[1],
            HeaderLength = MemoryMarshal.Read<ushort>(source[2..]),
            GsoSize = MemoryMarshal.Read<ushort>(source[4..]),
            ChecksumStart = MemoryMarshal.Read<ushort>(source[6..]),
            ChecksumOffset = MemoryMarshal.Read<ushort>(source[8..]),
        };
    }

    /// <summary>Writes the header into the first <see cref="Length"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        destination[0] = Flags;
        destination[1] = GsoType;
        ushort value = HeaderLength;
        MemoryMarshal.Write(destination[2..], in value);
        value = GsoSize;
        MemoryMarshal.Write(destination[4..], in value);
        value = ChecksumStart;
        MemoryMarshal.Write(destination[6..], in value);
        value = ChecksumOffset;
        MemoryMarshal.Write(destination[8..], in value);
    }

    /// <summary>
    /// The header that asks the TAP to do what <paramref name="offload"/> says for <paramref name="frame"/>:
    /// all zeros for a frame that goes out as it is. False when the offload does not fit the frame (offsets
    /// past its end, a segmented frame whose checksum is not left to fill, or not IPv4 or IPv6), which
    /// the kernel would refuse or, worse, act on.
    /// </summary>
    public static bool TryFromOffload(in PacketOffload offload, ReadOnlySpan<byte> frame, out VirtioNetHeader header)
    {
        header = default;
        if (offload.Checksum != ChecksumState.Partial)
        {
            // A final (or verified) checksum needs nothing, and a segment cut by the device needs its checksums filled.
            return !offload.IsSegmented;
        }
        if (!FitsFrame(offload.ChecksumStart, offload.ChecksumOffset + sizeof(ushort), frame.Length))
        {
            return false;
        }
        header = new VirtioNetHeader
        {
            Flags = FlagNeedsChecksum,
            ChecksumStart = (ushort)offload.ChecksumStart,
            ChecksumOffset = (ushort)offload.ChecksumOffset,
        };
        if (!offload.IsSegmented)
        {
            return true;
        }
        byte gsoType = frame.Length < EtherTypeOffset + sizeof(ushort) ? GsoNone
            : BinaryPrimitives.ReadUInt16BigEndian(frame[EtherTypeOffset..]) switch
            {
                EtherTypeIpv4 => GsoTcpV4,
                EtherTypeIpv6 => GsoTcpV6,
                _ => GsoNone,
            };
        if (gsoType == GsoNone || offload.SegmentSize is <= 0 or > ushort.MaxValue || !FitsFrame(0, offload.HeaderLength, frame.Length))
        {
            return false;
        }
        header = header with { GsoType = gsoType, GsoSize = (ushort)offload.SegmentSize, HeaderLength = (ushort)offload.HeaderLength };
        return true;
    }

    /// <summary>
    /// What the TAP says of a received frame of <paramref name="frameLength"/> bytes. False for a header
    /// that does not fit the frame (a checksum field past its end, a segment size of 0) or asks for a
    /// segmentation type never negotiated: the frame is malformed.
    /// </summary>
    public bool TryToOffload(int frameLength, out PacketOffload offload)
    {
        offload = default;
        PacketOffload result = default;
        if ((Flags & FlagNeedsChecksum) != 0)
        {
            if (!FitsFrame(ChecksumStart, ChecksumOffset + sizeof(ushort), frameLength))
            {
                return false;
            }
            result = result with { Checksum = ChecksumState.Partial, ChecksumStart = ChecksumStart, ChecksumOffset = ChecksumOffset };
        }
        else if ((Flags & FlagDataValid) != 0)
        {
            result = result with { Checksum = ChecksumState.Verified };
        }
        switch (GsoType & ~GsoEcn)
        {
            case GsoNone:
                break;
            case GsoTcpV4 or GsoTcpV6:
                // hdr_len is only a hint here (Linux puts skb_headlen, which may cover some payload), but it is never past the end.
                if (GsoSize == 0 || HeaderLength > frameLength)
                {
                    return false;
                }
                result = result with { SegmentSize = GsoSize, HeaderLength = HeaderLength };
                break;
            default:
                // UDP fragmentation or segmentation offload: never asked for (TUNSETOFFLOAD without TUN_F_UFO/USO).
                return false;
        }
        offload = result;
        return true;
    }

    private static bool FitsFrame(int start, int length, int frameLength) =>
        start is >= 0 and <= ushort.MaxValue && length is >= 0 and <= ushort.MaxValue && start + length <= frameLength;
}
