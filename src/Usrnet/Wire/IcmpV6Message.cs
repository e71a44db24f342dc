using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// The fixed 8-byte header of an ICMPv6 message (RFC 4443 §2.1): type, code, checksum and four bytes whose
/// meaning depends on the type. What follows (echo data, the invoking packet of an error, or an NDP or MLD
/// body) is the message's body, kept by the caller. Unlike ICMPv4, the checksum covers the IPv6
/// pseudo-header (RFC 4443 §2.3), so parsing and writing need the addresses.
/// </summary>
/// <remarks>
/// <code>
/// +-------+-------+---------------+
/// | type  | code  |   checksum    |
/// +-------+-------+---------------+
/// |   rest of header (4 bytes)    |   echo: identifier, sequence; packet too big: MTU; parameter problem: pointer
/// +-------------------------------+
/// |   body ...
/// </code>
/// </remarks>
/// <param name="Type">Message type.</param>
/// <param name="Code">Code within the type.</param>
/// <param name="RestOfHeader">Bytes 4..7 as a big-endian number.</param>
internal readonly record struct IcmpV6Message(IcmpV6Type Type, byte Code, uint RestOfHeader)
{
    /// <summary>Length of the fixed header.</summary>
    public const int HeaderLength = 8;

    /// <summary>Offset of the checksum field.</summary>
    public const int ChecksumOffset = 2;

    /// <summary>Most bytes of an error packet: the minimum IPv6 MTU (RFC 4443 §2.4 (c)).</summary>
    public const int MaxErrorPacketLength = Ipv6Packet.MinimumMtu;

    /// <summary>Time exceeded code 0: hop limit exceeded in transit (RFC 4443 §3.3).</summary>
    public const byte HopLimitExceeded = 0;

    /// <summary>Time exceeded code 1: fragment reassembly time exceeded (RFC 4443 §3.3).</summary>
    public const byte ReassemblyTimeExceeded = 1;

    /// <summary>Echo identifier (RFC 4443 §4.1).</summary>
    public ushort Identifier => (ushort)(RestOfHeader >> 16);

    /// <summary>Echo sequence number (RFC 4443 §4.1).</summary>
    public ushort SequenceNumber => (ushort)RestOfHeader;

    /// <summary>The MTU of the next-hop link of a packet too big message (RFC 4443 §3.2).</summary>
    public uint Mtu => RestOfHeader;

    /// <summary>The offset in the invoking packet where a parameter problem was found (RFC 4443 §3.4).</summary>
    public uint Pointer => RestOfHeader;

    /// <summary>True for an error message: types 0 to 127 (RFC 4443 §2.1).</summary>
    public bool IsError => (byte)Type < 128;

    /// <summary>An echo request (RFC 4443 §4.1).</summary>
    public static IcmpV6Message EchoRequest(ushort identifier, ushort sequence) => new(IcmpV6Type.EchoRequest, 0, ((uint)identifier << 16) | sequence);

    /// <summary>An echo reply, which carries the request's identifier, sequence and data (RFC 4443 §4.2).</summary>
    public static IcmpV6Message EchoReply(ushort identifier, ushort sequence) => new(IcmpV6Type.EchoReply, 0, ((uint)identifier << 16) | sequence);

    /// <summary>A destination unreachable message; the rest of the header is unused (RFC 4443 §3.1).</summary>
    public static IcmpV6Message DestinationUnreachable(IcmpV6Unreachable code) => new(IcmpV6Type.DestinationUnreachable, (byte)code, 0);

    /// <summary>A packet too big message with the next-hop MTU (RFC 4443 §3.2).</summary>
    public static IcmpV6Message PacketTooBig(uint mtu) => new(IcmpV6Type.PacketTooBig, 0, mtu);

    /// <summary>A time exceeded message: <see cref="HopLimitExceeded"/> or <see cref="ReassemblyTimeExceeded"/> (RFC 4443 §3.3).</summary>
    public static IcmpV6Message TimeExceeded(byte code) => new(IcmpV6Type.TimeExceeded, code, 0);

    /// <summary>A parameter problem message pointing into the invoking packet (RFC 4443 §3.4).</summary>
    public static IcmpV6Message ParameterProblem(IcmpV6ParameterProblemCode code, uint pointer) => new(IcmpV6Type.ParameterProblem, (byte)code, pointer);

    /// <summary>
    /// Parses a message and verifies its checksum over the IPv6 pseudo-header and all of
    /// <paramref name="message"/> (RFC 4443 §2.3); false when it is shorter than the header or the checksum
    /// is wrong. <paramref name="destination"/> is the final destination (RFC 8200 §8.1).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> message, Ipv6Address source, Ipv6Address destination, out IcmpV6Message header)
    {
        header = default;
        if (message.Length < HeaderLength || Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(source, destination, IpProtocol.IcmpV6, message.Length), message)) != 0)
        {
            return false;
        }
        header = new IcmpV6Message((IcmpV6Type)message[0], message[1], BinaryPrimitives.ReadUInt32BigEndian(message[4..]));
        return true;
    }

    /// <summary>
    /// Writes the header into the first 8 bytes of <paramref name="message"/> and the checksum over the
    /// pseudo-header and the whole span (RFC 4443 §2.3), so the body must already be in place.
    /// </summary>
    public void WriteTo(Span<byte> message, Ipv6Address source, Ipv6Address destination)
    {
        if (message.Length < HeaderLength)
        {
            throw new ArgumentException("buffer shorter than an ICMPv6 header", nameof(message));
        }
        message[0] = (byte)Type;
        message[1] = Code;
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], RestOfHeader);
        FillChecksum(message, source, destination);
    }

    /// <summary>Computes the checksum of a message whose other bytes are in place (RFC 4443 §2.3).</summary>
    public static void FillChecksum(Span<byte> message, Ipv6Address source, Ipv6Address destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message[ChecksumOffset..], 0);
        ushort checksum = Checksum.Finish(Checksum.Accumulate(Checksum.PseudoHeader(source, destination, IpProtocol.IcmpV6, message.Length), message));
        BinaryPrimitives.WriteUInt16BigEndian(message[ChecksumOffset..], checksum);
    }

    /// <summary>
    /// Writes a whole error packet into <paramref name="packet"/>: the IPv6 header from
    /// <paramref name="source"/> to <paramref name="destination"/>, this header, and as much of
    /// <paramref name="invoking"/> as keeps the packet within the minimum MTU of 1280 bytes (RFC 4443 §2.4 (c)).
    /// Returns the packet's length.
    /// </summary>
    /// <exception cref="InvalidOperationException">This is not an error message.</exception>
    public int WriteErrorPacket(Span<byte> packet, Ipv6Address source, Ipv6Address destination, ReadOnlySpan<byte> invoking, byte hopLimit = Ipv6Header.DefaultHopLimit)
    {
        if (!IsError)
        {
            throw new InvalidOperationException("only error messages quote the invoking packet");
        }
        int quoted = Math.Min(invoking.Length, MaxErrorPacketLength - Ipv6Header.Length - HeaderLength);
        int length = Ipv6Header.Length + HeaderLength + quoted;
        if (packet.Length < length)
        {
            throw new ArgumentException("buffer shorter than the error packet", nameof(packet));
        }
        new Ipv6Header(source, destination, IpProtocol.IcmpV6, HeaderLength + quoted, hopLimit).WriteTo(packet);
        Span<byte> message = packet[Ipv6Header.Length..length];
        invoking[..quoted].CopyTo(message[HeaderLength..]);
        WriteTo(message, source, destination);
        return length;
    }
}
