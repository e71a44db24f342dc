namespace Usrnet.Wire;

/// <summary>
/// Walks the options of one area of a DHCP message (RFC 2132 §2): code, length, data. PAD is skipped,
/// END stops the walk, and an option whose length runs past the area stops it too and sets
/// <see cref="IsMalformed"/>. Never throws, never allocates.
/// <code>
/// DhcpOptionReader reader = new(packet.Options);
/// while (reader.TryReadNext(out DhcpOptionCode code, out ReadOnlySpan&lt;byte&gt; data)) { ... }
/// </code>
/// </summary>
internal ref struct DhcpOptionReader
{
    private readonly ReadOnlySpan<byte> _area;
    private int _offset;

    /// <summary>Starts at the first byte of <paramref name="area"/>.</summary>
    public DhcpOptionReader(ReadOnlySpan<byte> area)
    {
        _area = area;
        _offset = 0;
        IsMalformed = false;
        EndFound = false;
    }

    /// <summary>True when the walk stopped at an option that does not fit in the area (a missing length octet, or data past the end).</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>True when the walk stopped at END; false while walking, or when the area ran out without one.</summary>
    public bool EndFound { get; private set; }

    /// <summary>
    /// Reads the next option other than PAD and END. False at END, at the end of the area (RFC 2131 §4.1
    /// requires END, but what came before it is still read), or at a malformed option.
    /// </summary>
    public bool TryReadNext(out DhcpOptionCode code, out ReadOnlySpan<byte> data)
    {
        code = DhcpOptionCode.Pad;
        data = default;
        while (!EndFound && !IsMalformed && _offset < _area.Length)
        {
            byte kind = _area[_offset];
            if (kind == (byte)DhcpOptionCode.Pad)
            {
                _offset++; // RFC 2132 §3.1: one octet, no length
                continue;
            }
            if (kind == (byte)DhcpOptionCode.End)
            {
                EndFound = true; // RFC 2132 §3.2: what follows is padding
                return false;
            }
            if (_offset + 1 >= _area.Length || _offset + 2 + _area[_offset + 1] > _area.Length)
            {
                IsMalformed = true;
                return false;
            }
            int length = _area[_offset + 1];
            code = (DhcpOptionCode)kind;
            data = _area.Slice(_offset + 2, length);
            _offset += 2 + length;
            return true;
        }
        return false;
    }
}
