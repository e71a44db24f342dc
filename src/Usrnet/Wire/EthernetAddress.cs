using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Usrnet.Wire;

/// <summary>A 48-bit IEEE 802 MAC address.</summary>
public readonly record struct EthernetAddress
{
    /// <summary>Length of an address on the wire, in bytes.</summary>
    public const int Length = 6;

    private readonly ulong _value; // the 48 bits in network order, in the low bits

    private EthernetAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFF;

    /// <summary>ff:ff:ff:ff:ff:ff.</summary>
    public static EthernetAddress Broadcast { get; } = new(0xFFFF_FFFF_FFFF);

    /// <summary>00:00:00:00:00:00.</summary>
    public static EthernetAddress Zero => default;

    /// <summary>
    /// The Ethernet group address of an IPv6 multicast address: 33:33 and its low 32 bits (RFC 2464 §7).
    /// </summary>
    public static EthernetAddress FromIpv6Multicast(Ipv6Address group) => new(0x3333_0000_0000UL | (uint)group.Value);

    /// <summary>Reads an address from the first six bytes of <paramref name="bytes"/>.</summary>
    public static EthernetAddress Read(ReadOnlySpan<byte> bytes) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]));

    /// <summary>Writes the address to the first six bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <summary>True for ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => _value == 0xFFFF_FFFF_FFFF;

    /// <summary>True when the I/G bit is set (multicast, including broadcast).</summary>
    public bool IsMulticast => (_value & 0x0100_0000_0000) != 0;

    /// <summary>True for an individual (unicast) address that is not all zeros.</summary>
    public bool IsUnicast => !IsMulticast && _value != 0;

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (or with dashes).</summary>
    public static bool TryParse(string? text, out EthernetAddress address)
    {
        address = default;
        if (text is null)
        {
            return false;
        }
        string[] parts = text.Split(':', '-');
        if (parts.Length != Length)
        {
            return false;
        }
        ulong value = 0;
        foreach (string part in parts)
        {
            if (part.Length is < 1 or > 2 || !byte.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }
            value = (value << 8) | b;
        }
        address = new EthernetAddress(value);
        return true;
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c>.</summary>
    /// <exception cref="FormatException">The text is not a MAC address.</exception>
    public static EthernetAddress Parse(string text) =>
        TryParse(text, out EthernetAddress address) ? address : throw new FormatException($"'{text}' is not a MAC address (expected aa:bb:cc:dd:ee:ff).");

    /// <inheritdoc/>
    public override string ToString()
    {
        Span<byte> b = stackalloc byte[Length];
        WriteTo(b);
        return string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
    }
}
