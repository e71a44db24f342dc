using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// A view over an Ethernet II frame (no preamble, no frame check sequence). <see cref="TryCreate"/>
/// checks the length once, so no accessor can read outside the buffer.
/// </summary>
/// <remarks>
/// <code>
///  0                   1
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 ...
/// +-----------------------+-----------------------+-----------+--------
/// | destination (6)       | source (6)            | type (2)  | payload
/// +-----------------------+-----------------------+-----------+--------
/// </code>
/// </remarks>
internal ref struct EthernetFrame
{
    /// <summary>Length of the header.</summary>
    public const int HeaderLength = 14;

    /// <summary>Smallest frame on the wire without FCS (IEEE 802.3 §3.2.8: 64 bytes with FCS).</summary>
    public const int MinimumLength = 60;

    private const int DestinationOffset = 0;
    private const int SourceOffset = 6;
    private const int EtherTypeOffset = 12;

    private readonly Span<byte> _buffer;

    private EthernetFrame(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Creates a view when <paramref name="buffer"/> holds at least a header.</summary>
    public static bool TryCreate(Span<byte> buffer, out EthernetFrame frame)
    {
        frame = buffer.Length >= HeaderLength ? new EthernetFrame(buffer) : default;
        return buffer.Length >= HeaderLength;
    }

    /// <summary>The destination address.</summary>
    public EthernetAddress Destination
    {
        readonly get => EthernetAddress.Read(_buffer[DestinationOffset..]);
        set => value.WriteTo(_buffer[DestinationOffset..]);
    }

    /// <summary>The source address.</summary>
    public EthernetAddress Source
    {
        readonly get => EthernetAddress.Read(_buffer[SourceOffset..]);
        set => value.WriteTo(_buffer[SourceOffset..]);
    }

    /// <summary>The EtherType of the payload.</summary>
    public EtherType EtherType
    {
        readonly get => (EtherType)BinaryPrimitives.ReadUInt16BigEndian(_buffer[EtherTypeOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[EtherTypeOffset..], (ushort)value);
    }

    /// <summary>The bytes after the header (including any padding the sender added).</summary>
    public readonly Span<byte> Payload => _buffer[HeaderLength..];

    /// <summary>The whole frame.</summary>
    public readonly Span<byte> Buffer => _buffer;
}
