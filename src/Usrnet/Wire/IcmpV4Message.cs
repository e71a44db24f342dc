using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// The fixed 8-byte header of an ICMPv4 message (RFC 792): type, code, checksum and four bytes whose
/// meaning depends on the type. What follows (echo data, or the invoking IP header plus at least 8
/// bytes for an error) is the message's data, kept by the caller.
/// </summary>
/// <remarks>
/// <code>
/// +-------+-------+---------------+
/// | type  | code  |   checksum    |
/// +-------+-------+---------------+
/// |   rest of header (4 bytes)    |   echo: identifier, sequence; unreachable code 4: unused, next-hop MTU
/// +-------------------------------+
/// |   data ...
/// </code>
/// </remarks>
/// <param name="Type">Message type.</param>
/// <param name="Code">Code within the type.</param>
/// <param name="RestOfHeader">Bytes 4..7 as a big-endian number.</param>
internal readonly record struct IcmpV4Message(IcmpV4Type Type, byte Code, uint RestOfHeader)
{
    /// <summary>Length of the fixed header.</summary>
    public const int HeaderLength = 8;

    /// <summary>Echo identifier (echo request and reply).</summary>
    public ushort Identifier => (ushort)(RestOfHeader >> 16);

    /// <summary>Echo sequence number (echo request and reply).</summary>
    public ushort SequenceNumber => (ushort)RestOfHeader;

    /// <summary>Next-hop MTU of a fragmentation-needed message (RFC 1191 §4); 0 from old routers.</summary>
    public ushort NextHopMtu => (ushort)RestOfHeader;

    /// <summary>True for the error types of RFC 1122 §3.2.2 (not echo, not redirect).</summary>
    public bool IsError => Type is IcmpV4Type.DestinationUnreachable or IcmpV4Type.TimeExceeded or IcmpV4Type.ParameterProblem;

    /// <summary>An echo request.</summary>
    public static IcmpV4Message EchoRequest(ushort identifier, ushort sequence) => new(IcmpV4Type.EchoRequest, 0, ((uint)identifier << 16) | sequence);

    /// <summary>An echo reply.</summary>
    public static IcmpV4Message EchoReply(ushort identifier, ushort sequence) => new(IcmpV4Type.EchoReply, 0, ((uint)identifier << 16) | sequence);

    /// <summary>A destination unreachable message; <paramref name="nextHopMtu"/> only for fragmentation needed.</summary>
    public static IcmpV4Message DestinationUnreachable(IcmpV4Unreachable code, ushort nextHopMtu = 0) => new(IcmpV4Type.DestinationUnreachable, (byte)code, nextHopMtu);

    /// <summary>A time exceeded message: code 0 TTL exceeded in transit, 1 reassembly time exceeded.</summary>
    public static IcmpV4Message TimeExceeded(byte code) => new(IcmpV4Type.TimeExceeded, code, 0);

    /// <summary>
    /// Parses a message and verifies its checksum over all of <paramref name="message"/>; false when
    /// it is shorter than the header or the checksum is wrong.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out IcmpV4Message header)
    {
        header = default;
        if (message.Length < HeaderLength || Checksum.Compute(message) != 0)
        {
            return false;
        }
        header = new IcmpV4Message((IcmpV4Type)message[0], message[1], BinaryPrimitives.ReadUInt32BigEndian(message[4..]));
        return true;
    }

    /// <summary>
    /// Writes the header into the first 8 bytes of <paramref name="message"/> and the checksum over the
    /// whole span, so the data must already be in place after the header.
    /// </summary>
    public void WriteTo(Span<byte> message)
    {
        if (message.Length < HeaderLength)
        {
            throw new ArgumentException("buffer shorter than an ICMP header", nameof(message));
        }
        message[0] = (byte)Type;
        message[1] = Code;
        message[2] = 0;
        message[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], RestOfHeader);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], Checksum.Compute(message));
    }
}
