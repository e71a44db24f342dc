namespace Usrnet.Wire;

/// <summary>
/// Walks the options of a neighbor discovery message (RFC 4861 §4.6). An option of length 0 or one that
/// runs past the message stops the walk and sets <see cref="IsMalformed"/>: RFC 4861 §4.6 says the whole
/// packet is then silently discarded. Never throws, never allocates.
/// <code>
/// NdpOptionReader reader = new(message.Options);
/// while (reader.TryReadNext(out NdpOption option)) { ... }
/// </code>
/// </summary>
internal ref struct NdpOptionReader
{
    private readonly ReadOnlySpan<byte> _area;
    private int _offset;

    /// <summary>Starts at the first byte of <paramref name="area"/>, the bytes after a message's fixed part.</summary>
    public NdpOptionReader(ReadOnlySpan<byte> area)
    {
        _area = area;
        _offset = 0;
        IsMalformed = false;
    }

    /// <summary>True when the walk stopped at an option of length 0, or one that does not fit.</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Reads the next option; false at the end of the area or at a malformed option.</summary>
    public bool TryReadNext(out NdpOption option)
    {
        option = default;
        if (IsMalformed || _offset >= _area.Length)
        {
            return false;
        }
        int length = _area.Length - _offset >= 2 ? _area[_offset + 1] * 8 : 0;
        if (length == 0 || length > _area.Length - _offset)
        {
            IsMalformed = true;
            return false;
        }
        option = new NdpOption(_area.Slice(_offset, length));
        _offset += length;
        return true;
    }

    /// <summary>True when every option of <paramref name="area"/> has a length that fits and is not 0 (RFC 4861 §4.6).</summary>
    public static bool AreWellFormed(ReadOnlySpan<byte> area)
    {
        NdpOptionReader reader = new(area);
        while (reader.TryReadNext(out _))
        {
        }
        return !reader.IsMalformed;
    }

    /// <summary>True when <paramref name="area"/> holds an option of <paramref name="type"/>.</summary>
    public static bool Contains(ReadOnlySpan<byte> area, NdpOptionType type)
    {
        NdpOptionReader reader = new(area);
        while (reader.TryReadNext(out NdpOption option))
        {
            if (option.Type == type)
            {
                return true;
            }
        }
        return false;
    }
}
