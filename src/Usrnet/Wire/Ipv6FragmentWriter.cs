using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// Splits an IPv6 packet too big for the path into fragments (RFC 8200 §4.5): each fragment is the
/// unfragmentable part (the IPv6 header and the extension headers that precede the fragment header),
/// a fragment header, and a piece of the fragmentable part whose length is a multiple of 8 bytes except
/// in the last; every fragment fits the MTU and carries the same identification.
/// </summary>
/// <remarks>
/// Writes into buffers the caller lends, one fragment per <see cref="TryWriteNext"/>; allocates nothing.
/// The identification comes from the caller's source, which RFC 7739 §5 asks to be unpredictable.
/// </remarks>
internal ref struct Ipv6FragmentWriter
{
    /// <summary>Length of the fragment header (RFC 8200 §4.5).</summary>
    public const int FragmentHeaderLength = 8;

    private const int OffsetUnit = 8;
    private const ushort MoreFragmentsFlag = 0x0001;

    private readonly ReadOnlySpan<byte> _unfragmentable;
    private readonly ReadOnlySpan<byte> _fragmentable;
    private readonly int _nextHeaderField;
    private readonly byte _fragmentableNextHeader;
    private readonly uint _identification;
    private readonly int _pieceLength;
    private int _offset;

    /// <summary>
    /// Prepares to fragment <paramref name="packet"/>, a whole IPv6 packet whose first
    /// <paramref name="unfragmentableLength"/> bytes are the unfragmentable part and whose Next Header field
    /// at <paramref name="nextHeaderField"/> names the first header of the fragmentable part.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The MTU is below IPv6's minimum (RFC 8200 §5) or leaves no room for data.</exception>
    public Ipv6FragmentWriter(ReadOnlySpan<byte> packet, int unfragmentableLength, int nextHeaderField, int mtu, uint identification)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, Ipv6Packet.MinimumMtu);
        ArgumentOutOfRangeException.ThrowIfLessThan(unfragmentableLength, Ipv6Header.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(unfragmentableLength, packet.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(nextHeaderField, unfragmentableLength);
        _pieceLength = (mtu - unfragmentableLength - FragmentHeaderLength) & ~(OffsetUnit - 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_pieceLength, OffsetUnit, nameof(mtu));
        _unfragmentable = packet[..unfragmentableLength];
        _fragmentable = packet[unfragmentableLength..];
        _nextHeaderField = nextHeaderField;
        _fragmentableNextHeader = packet[nextHeaderField];
        _identification = identification;
        _offset = 0;
    }

    /// <summary>Fragments the packet makes (at least one: a packet that fits still goes as one, an atomic fragment).</summary>
    public readonly int Count => Math.Max(1, (_fragmentable.Length + _pieceLength - 1) / _pieceLength);

    /// <summary>Length of the next fragment <see cref="TryWriteNext"/> writes; 0 when all were written.</summary>
    public readonly int NextLength => _offset >= _fragmentable.Length && (_offset > 0 || _fragmentable.Length > 0)
        ? 0
        : _unfragmentable.Length + FragmentHeaderLength + Math.Min(_pieceLength, _fragmentable.Length - _offset);

    /// <summary>
    /// Writes the next fragment into <paramref name="buffer"/> and returns its length, or returns false when
    /// every fragment was written. The buffer must hold <see cref="NextLength"/> bytes.
    /// </summary>
    /// <exception cref="ArgumentException">The buffer is shorter than <see cref="NextLength"/>.</exception>
    public bool TryWriteNext(Span<byte> buffer, out int length)
    {
        length = NextLength;
        if (length == 0)
        {
            return false;
        }
        if (buffer.Length < length)
        {
            throw new ArgumentException("buffer shorter than the fragment", nameof(buffer));
        }
        int pieceLength = length - _unfragmentable.Length - FragmentHeaderLength;
        bool more = _offset + pieceLength < _fragmentable.Length;
        _unfragmentable.CopyTo(buffer);
        buffer[_nextHeaderField] = (byte)Ipv6ExtensionHeaderType.Fragment;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv6Packet.PayloadLengthOffset..], (ushort)(length - Ipv6Header.Length));
        Span<byte> header = buffer.Slice(_unfragmentable.Length, FragmentHeaderLength);
        header[0] = _fragmentableNextHeader;
        header[1] = 0; // reserved
        // The offset counts 8-byte units in the top 13 bits; the M flag is the lowest bit.
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(_offset | (more ? MoreFragmentsFlag : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], _identification);
        _fragmentable.Slice(_offset, pieceLength).CopyTo(buffer[(_unfragmentable.Length + FragmentHeaderLength)..]);
        _offset += Math.Max(pieceLength, 1);
        return true;
    }
}
