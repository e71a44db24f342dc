using System.Buffers.Binary;

namespace Usrnet.Wire;

/// <summary>
/// Appends options (RFC 2132 §2: code, length, data) to the options area of a DHCP message, then END.
/// Options longer than 255 bytes would need RFC 3396's splitting, which this stack never sends.
/// </summary>
internal ref struct DhcpOptionWriter
{
    private readonly Span<byte> _area;

    /// <summary>Writes from the first byte of <paramref name="area"/>.</summary>
    public DhcpOptionWriter(Span<byte> area)
    {
        _area = area;
        Length = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>Bytes an option with <paramref name="dataLength"/> bytes of data takes.</summary>
    public static int SizeOf(int dataLength) => 2 + dataLength;

    /// <summary>Appends an option.</summary>
    /// <exception cref="ArgumentException">The data is longer than 255 bytes, or the area is full.</exception>
    public void Write(DhcpOptionCode code, scoped ReadOnlySpan<byte> data)
    {
        if (code is DhcpOptionCode.Pad or DhcpOptionCode.End)
        {
            throw new ArgumentException("PAD and END carry no length", nameof(code));
        }
        if (data.Length > byte.MaxValue)
        {
            throw new ArgumentException($"option {(byte)code} data longer than 255 bytes", nameof(data));
        }
        Span<byte> slot = Reserve(SizeOf(data.Length));
        slot[0] = (byte)code;
        slot[1] = (byte)data.Length;
        data.CopyTo(slot[2..]);
    }

    /// <summary>Appends an option of one byte.</summary>
    public void Write(DhcpOptionCode code, byte value) => Write(code, [value]);

    /// <summary>Appends a 16-bit option in network order.</summary>
    public void Write(DhcpOptionCode code, ushort value)
    {
        Span<byte> data = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(data, value);
        Write(code, data);
    }

    /// <summary>Appends a 32-bit option in network order.</summary>
    public void Write(DhcpOptionCode code, uint value)
    {
        Span<byte> data = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(data, value);
        Write(code, data);
    }

    /// <summary>Appends an option holding one address.</summary>
    public void Write(DhcpOptionCode code, Ipv4Address address)
    {
        Span<byte> data = stackalloc byte[Ipv4Address.Length];
        address.WriteTo(data);
        Write(code, data);
    }

    /// <summary>Appends an option holding a list of addresses.</summary>
    public void Write(DhcpOptionCode code, scoped ReadOnlySpan<Ipv4Address> addresses)
    {
        Span<byte> data = stackalloc byte[byte.MaxValue];
        if (addresses.Length * Ipv4Address.Length > data.Length)
        {
            throw new ArgumentException($"option {(byte)code}: too many addresses for one option", nameof(addresses));
        }
        for (int i = 0; i < addresses.Length; i++)
        {
            addresses[i].WriteTo(data[(i * Ipv4Address.Length)..]);
        }
        Write(code, data[..(addresses.Length * Ipv4Address.Length)]);
    }

    /// <summary>Appends END (RFC 2132 §3.2).</summary>
    public void WriteEnd() => Reserve(1)[0] = (byte)DhcpOptionCode.End;

    private Span<byte> Reserve(int length)
    {
        if (_area.Length - Length < length)
        {
            throw new ArgumentException("the options area is full");
        }
        Span<byte> slot = _area.Slice(Length, length);
        Length += length;
        return slot;
    }
}
