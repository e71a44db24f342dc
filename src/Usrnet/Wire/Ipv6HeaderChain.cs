using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// The result of walking an IPv6 packet's extension headers (RFC 8200 §4): the upper-layer protocol and
/// where it starts, the fragment header's fields, and on refusal the reason with the ICMPv6 parameter
/// problem the RFCs say to send (RFC 4443 §3.4: the pointer is an offset into the invoking packet).
/// </summary>
internal readonly record struct Ipv6HeaderChain
{
    /// <summary>
    /// Most extension headers walked. RFC 8200 §4.1's order holds at most six before the upper layer
    /// (destination options twice); more is a chain built to make the receiver work.
    /// </summary>
    public const int MaxHeaders = 8;

    /// <summary>
    /// Most extension header bytes walked. The whole chain must fit in the first fragment (RFC 8200 §4.5),
    /// which a sender sizes for the 1280-byte minimum MTU; 1024 leaves room for the upper-layer header.
    /// </summary>
    public const int MaxHeaderBytes = 1024;

    /// <summary>Most options other than padding in one options header (RFC 8504 §5.3 suggests 8).</summary>
    public const int MaxOptions = 8;

    /// <summary>Most consecutive padding bytes: 7 aligns anything to 8 (RFC 8504 §5.3).</summary>
    public const int MaxPaddingRun = 7;

    /// <summary>Length of the hop-by-hop header <see cref="WriteRouterAlertHeader"/> writes.</summary>
    public const int RouterAlertHeaderLength = 8;

    /// <summary>Router Alert value of MLD messages (RFC 2711 §2.1).</summary>
    public const ushort RouterAlertMld = 0;

    private const int FragmentHeaderLength = 8;
    private const int MinOptionsHeaderLength = 8;
    private const ushort MoreFragmentsFlag = 0x0001;
    private const ushort FragmentOffsetMask = 0xFFF8;

    /// <summary>None when the chain was walked; otherwise why the packet is to be dropped.</summary>
    public Ipv6ChainError Error { get; init; }

    /// <summary>The Next Header value after the last extension header: the upper-layer protocol, or 59 (no next header).</summary>
    public IpProtocol UpperLayer { get; init; }

    /// <summary>Offset of the upper-layer header from the start of the packet (of the fragmentable part, for a non-first fragment).</summary>
    public int UpperLayerOffset { get; init; }

    /// <summary>Offset of the Next Header field that names <see cref="UpperLayer"/>: the pointer of a code 1 parameter problem (RFC 4443 §3.4).</summary>
    public int NextHeaderFieldOffset { get; init; }

    /// <summary>Extension headers walked.</summary>
    public int HeaderCount { get; init; }

    /// <summary>True when the hop-by-hop header carries a Router Alert option (RFC 2711), as MLD messages do.</summary>
    public bool HasRouterAlert { get; init; }

    /// <summary>True when a fragment header was walked (RFC 8200 §4.5).</summary>
    public bool HasFragmentHeader { get; init; }

    /// <summary>Offset of the fragment header from the start of the packet.</summary>
    public int FragmentHeaderOffset { get; init; }

    /// <summary>
    /// Offset of the Next Header field that names the fragment header: the last field of the unfragmentable
    /// part, which reassembly sets to the fragment header's Next Header (RFC 8200 §4.5).
    /// </summary>
    public int FragmentNextHeaderFieldOffset { get; init; }

    /// <summary>Fragment offset in bytes (the field counts 8-byte units).</summary>
    public int FragmentOffset { get; init; }

    /// <summary>The M flag: more fragments follow.</summary>
    public bool MoreFragments { get; init; }

    /// <summary>Identification of the fragmented packet.</summary>
    public uint FragmentIdentification { get; init; }

    /// <summary>
    /// True for an atomic fragment, a fragment header with offset 0 and M clear (RFC 6946 §4): processed as
    /// a whole packet, never mixed with the fragments of a reassembly.
    /// </summary>
    public bool IsAtomicFragment => HasFragmentHeader && FragmentOffset == 0 && !MoreFragments;

    /// <summary>True for a fragment that needs reassembly (not atomic).</summary>
    public bool IsFragment => HasFragmentHeader && !IsAtomicFragment;

    /// <summary>Segments left of the routing header: the reason a routing header is refused (RFC 8200 §4.4).</summary>
    public byte SegmentsLeft { get; init; }

    /// <summary>True when the RFCs say a parameter problem goes back to the source (RFC 8200 §4.2, §4.4, §4.5).</summary>
    public bool SendParameterProblem { get; init; }

    /// <summary>The parameter problem's code when <see cref="SendParameterProblem"/>.</summary>
    public IcmpV6ParameterProblemCode ParameterProblemCode { get; init; }

    /// <summary>The parameter problem's pointer, an offset into the packet (RFC 4443 §3.4).</summary>
    public int ParameterProblemPointer { get; init; }

    /// <summary>
    /// Walks the extension headers of <paramref name="packet"/> (RFC 8200 §4) up to the upper layer, bounded
    /// by <see cref="MaxHeaders"/> and <see cref="MaxHeaderBytes"/>. A non-first fragment stops the walk at
    /// its fragment header, since what follows is the middle of the fragmentable part; an atomic or first
    /// fragment is walked through. Never throws: malformed input is an <see cref="Error"/>.
    /// </summary>
    public static Ipv6HeaderChain Walk(in Ipv6Packet packet)
    {
        ReadOnlySpan<byte> buffer = packet.Buffer;
        bool toMulticast = packet.Destination.IsMulticast;
        int offset = Ipv6Packet.HeaderLength;
        int nextHeaderField = Ipv6Packet.NextHeaderOffset;
        int count = 0;
        bool routerAlert = false;
        bool hasFragment = false, moreFragments = false;
        int fragmentHeaderOffset = 0, fragmentNextHeaderField = 0, fragmentOffset = 0;
        uint identification = 0;
        while (true)
        {
            var type = (Ipv6ExtensionHeaderType)buffer[nextHeaderField];
            int length;
            switch (type)
            {
                case Ipv6ExtensionHeaderType.HopByHopOptions:
                case Ipv6ExtensionHeaderType.DestinationOptions:
                    if (type == Ipv6ExtensionHeaderType.HopByHopOptions && count != 0)
                    {
                        // RFC 8200 §4.1: a hop-by-hop header elsewhere is an unrecognised Next Header.
                        return Fail(Ipv6ChainError.HopByHopNotFirst, IcmpV6ParameterProblemCode.UnrecognizedNextHeader, nextHeaderField);
                    }
                    if (buffer.Length - offset < MinOptionsHeaderLength)
                    {
                        return Truncated(hasFragment && moreFragments);
                    }
                    length = (buffer[offset + 1] + 1) * 8;
                    break;
                case Ipv6ExtensionHeaderType.Routing:
                    if (buffer.Length - offset < MinOptionsHeaderLength)
                    {
                        return Truncated(hasFragment && moreFragments);
                    }
                    length = (buffer[offset + 1] + 1) * 8;
                    break;
                case Ipv6ExtensionHeaderType.Fragment:
                    if (buffer.Length - offset < FragmentHeaderLength)
                    {
                        return Truncated(hasFragment && moreFragments);
                    }
                    length = FragmentHeaderLength;
                    break;
                default:
                    // The upper layer, or No Next Header (RFC 8200 §4.7): the walk ends.
                    return new Ipv6HeaderChain
                    {
                        UpperLayer = (IpProtocol)type,
                        UpperLayerOffset = offset,
                        NextHeaderFieldOffset = nextHeaderField,
                        HeaderCount = count,
                        HasRouterAlert = routerAlert,
                        HasFragmentHeader = hasFragment,
                        FragmentHeaderOffset = fragmentHeaderOffset,
                        FragmentNextHeaderFieldOffset = fragmentNextHeaderField,
                        FragmentOffset = fragmentOffset,
                        MoreFragments = moreFragments,
                        FragmentIdentification = identification,
                    };
            }
            if (length > buffer.Length - offset)
            {
                return Truncated(hasFragment && moreFragments);
            }
            if (++count > MaxHeaders)
            {
                return Fail(Ipv6ChainError.TooManyHeaders);
            }
            if (offset + length - Ipv6Packet.HeaderLength > MaxHeaderBytes)
            {
                return Fail(Ipv6ChainError.HeadersTooLong);
            }
            ReadOnlySpan<byte> header = buffer.Slice(offset, length);
            switch (type)
            {
                case Ipv6ExtensionHeaderType.HopByHopOptions:
                case Ipv6ExtensionHeaderType.DestinationOptions:
                    Ipv6HeaderChain optionError = WalkOptions(header, offset, type == Ipv6ExtensionHeaderType.HopByHopOptions, toMulticast, ref routerAlert);
                    if (optionError.Error != Ipv6ChainError.None)
                    {
                        return optionError;
                    }
                    break;
                case Ipv6ExtensionHeaderType.Routing:
                    byte routingType = header[2], segmentsLeft = header[3];
                    // RFC 8200 §4.4: with no segments left the header is ignored whatever its type; with
                    // some, a host implements no type (RFC 5095 §3: type 0 is processed as unrecognised).
                    if (segmentsLeft != 0)
                    {
                        return Fail(routingType == 0 ? Ipv6ChainError.RoutingHeaderType0 : Ipv6ChainError.UnrecognizedRoutingType,
                            IcmpV6ParameterProblemCode.ErroneousHeaderField, offset + 2) with { SegmentsLeft = segmentsLeft };
                    }
                    break;
                case Ipv6ExtensionHeaderType.Fragment:
                    ushort field = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
                    hasFragment = true;
                    fragmentHeaderOffset = offset;
                    fragmentNextHeaderField = nextHeaderField;
                    fragmentOffset = field & FragmentOffsetMask;
                    moreFragments = (field & MoreFragmentsFlag) != 0;
                    identification = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
                    int fragmentLength = buffer.Length - offset - FragmentHeaderLength;
                    if (moreFragments && fragmentLength % 8 != 0)
                    {
                        return Fail(Ipv6ChainError.FragmentLengthNotMultipleOf8, IcmpV6ParameterProblemCode.ErroneousHeaderField, Ipv6Packet.PayloadLengthOffset);
                    }
                    // The unfragmentable part, the offset and this fragment's data: the reassembled payload.
                    if (offset - Ipv6Packet.HeaderLength + fragmentOffset + fragmentLength > Ipv6Packet.MaxPayloadLength)
                    {
                        return Fail(Ipv6ChainError.FragmentBeyondMaxLength, IcmpV6ParameterProblemCode.ErroneousHeaderField, offset + 2);
                    }
                    if (fragmentOffset != 0)
                    {
                        return new Ipv6HeaderChain
                        {
                            UpperLayer = (IpProtocol)header[0],
                            UpperLayerOffset = offset + FragmentHeaderLength,
                            NextHeaderFieldOffset = offset,
                            HeaderCount = count,
                            HasRouterAlert = routerAlert,
                            HasFragmentHeader = true,
                            FragmentHeaderOffset = offset,
                            FragmentNextHeaderFieldOffset = nextHeaderField,
                            FragmentOffset = fragmentOffset,
                            MoreFragments = moreFragments,
                            FragmentIdentification = identification,
                        };
                    }
                    break;
            }
            nextHeaderField = offset;
            offset += length;
        }
    }

    /// <summary>
    /// Walks the TLV options of a hop-by-hop or destination options header (RFC 8200 §4.2). An unrecognised
    /// option's top two type bits choose: 00 skip, 01 discard, 10 discard and send a parameter problem
    /// code 2, 11 the same unless the destination is multicast. The pointer is the option's type octet.
    /// </summary>
    private static Ipv6HeaderChain WalkOptions(ReadOnlySpan<byte> header, int headerOffset, bool hopByHop, bool toMulticast, ref bool routerAlert)
    {
        int nonPadding = 0, paddingRun = 0;
        for (int i = 2; i < header.Length;)
        {
            var type = (Ipv6OptionType)header[i];
            if (type == Ipv6OptionType.Pad1)
            {
                i++;
                if (++paddingRun > MaxPaddingRun)
                {
                    return Fail(Ipv6ChainError.ExcessivePadding);
                }
                continue;
            }
            if (header.Length - i < 2 || header[i + 1] > header.Length - i - 2)
            {
                return Fail(Ipv6ChainError.MalformedOption);
            }
            int dataLength = header[i + 1];
            if (type == Ipv6OptionType.PadN)
            {
                paddingRun += 2 + dataLength;
                if (paddingRun > MaxPaddingRun)
                {
                    return Fail(Ipv6ChainError.ExcessivePadding);
                }
                i += 2 + dataLength;
                continue;
            }
            paddingRun = 0;
            if (++nonPadding > MaxOptions)
            {
                return Fail(Ipv6ChainError.TooManyOptions);
            }
            if (hopByHop && type == Ipv6OptionType.RouterAlert && dataLength == 2)
            {
                routerAlert = true;
            }
            else
            {
                switch ((byte)type >> 6)
                {
                    case 0:
                        break;
                    case 1:
                        return Fail(Ipv6ChainError.UnrecognizedOption);
                    case 2:
                        return Fail(Ipv6ChainError.UnrecognizedOption, IcmpV6ParameterProblemCode.UnrecognizedOption, headerOffset + i);
                    default:
                        return toMulticast
                            ? Fail(Ipv6ChainError.UnrecognizedOption)
                            : Fail(Ipv6ChainError.UnrecognizedOption, IcmpV6ParameterProblemCode.UnrecognizedOption, headerOffset + i);
                }
            }
            i += 2 + dataLength;
        }
        return default;
    }

    /// <summary>
    /// Writes a hop-by-hop options header holding a Router Alert option (RFC 2711 §2) and a PadN of two
    /// bytes to the 8-byte boundary (RFC 8200 §4.3), as MLD messages carry (RFC 3810 §5). Returns its length.
    /// </summary>
    public static int WriteRouterAlertHeader(Span<byte> header, IpProtocol nextHeader, ushort value)
    {
        if (header.Length < RouterAlertHeaderLength)
        {
            throw new ArgumentException("buffer shorter than the hop-by-hop header", nameof(header));
        }
        header[0] = (byte)nextHeader;
        header[1] = 0; // (0 + 1) × 8 bytes
        header[2] = (byte)Ipv6OptionType.RouterAlert;
        header[3] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], value);
        header[6] = (byte)Ipv6OptionType.PadN;
        header[7] = 0;
        return RouterAlertHeaderLength;
    }

    /// <summary>A chain that ends early; in a first fragment that is RFC 8200 §4.5's incomplete chain, answered with code 3 and pointer 0.</summary>
    private static Ipv6HeaderChain Truncated(bool firstFragment) => firstFragment
        ? Fail(Ipv6ChainError.IncompleteHeaderChain, IcmpV6ParameterProblemCode.IncompleteHeaderChain, 0)
        : Fail(Ipv6ChainError.Truncated);

    private static Ipv6HeaderChain Fail(Ipv6ChainError error) => new() { Error = error };

    private static Ipv6HeaderChain Fail(Ipv6ChainError error, IcmpV6ParameterProblemCode code, int pointer) =>
        new() { Error = error, SendParameterProblem = true, ParameterProblemCode = code, ParameterProblemPointer = pointer };
}
