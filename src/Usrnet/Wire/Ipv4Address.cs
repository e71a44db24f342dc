using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Usrnet.Wire;

/// <summary>An IPv4 address held as a 32-bit number in host order (no allocation, unlike <see cref="IPAddress"/>).</summary>
/// <param name="Value">The address as a number: 10.0.0.1 is 0x0A000001.</param>
public readonly record struct Ipv4Address(uint Value)
{
    /// <summary>Length of an address on the wire, in bytes.</summary>
    public const int Length = 4;

    /// <summary>0.0.0.0, the unspecified address.</summary>
    public static Ipv4Address Any => default;

    /// <summary>255.255.255.255, the limited broadcast address (RFC 919).</summary>
    public static Ipv4Address Broadcast { get; } = new(0xFFFF_FFFF);

    /// <summary>Creates an address from its four octets.</summary>
    public Ipv4Address(byte a, byte b, byte c, byte d) : this(((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d)
    {
    }

    /// <summary>Reads an address in network order from the first four bytes of <paramref name="bytes"/>.</summary>
    public static Ipv4Address Read(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt32BigEndian(bytes));

    /// <summary>Writes the address in network order to the first four bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Value);

    /// <summary>True for 0.0.0.0.</summary>
    public bool IsUnspecified => Value == 0;

    /// <summary>True for 255.255.255.255.</summary>
    public bool IsBroadcast => Value == 0xFFFF_FFFF;

    /// <summary>True for 224.0.0.0/4 (RFC 5771).</summary>
    public bool IsMulticast => (Value & 0xF000_0000) == 0xE000_0000;

    /// <summary>True for 127.0.0.0/8.</summary>
    public bool IsLoopback => (Value >> 24) == 127;

    /// <summary>True for 0.0.0.0/8, "this host on this network" (RFC 1122 §3.2.1.3 (a) and (b), RFC 6890 §2.2.2).</summary>
    public bool IsThisNetwork => (Value >> 24) == 0;

    /// <summary>True for 240.0.0.0/4 but 255.255.255.255: the former class E, "reserved" (RFC 1112 §4, RFC 6890 §2.2.2).</summary>
    public bool IsReserved => (Value & 0xF000_0000) == 0xF000_0000 && !IsBroadcast;

    /// <summary>True for an address that can name one host: not unspecified, broadcast, multicast or class E.</summary>
    public bool IsUnicast => Value != 0 && !IsBroadcast && !IsMulticast && !IsReserved;

    /// <summary>Converts from a BCL address.</summary>
    /// <exception cref="ArgumentException">The address is not IPv4.</exception>
    public static Ipv4Address FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"'{address}' is not an IPv4 address; this stack speaks IPv4 only.", nameof(address));
        }
        Span<byte> bytes = stackalloc byte[Length];
        address.TryWriteBytes(bytes, out _);
        return Read(bytes);
    }

    /// <summary>Converts to a BCL address.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        return new IPAddress(bytes);
    }

    /// <summary>
    /// Parses dotted-quad notation strictly, as <c>inet_pton</c> does: four decimal parts of 0 to 255
    /// without leading zeros (so "010.0.0.1" is refused, not read as octal 8.0.0.1).
    /// </summary>
    public static bool TryParse(string? text, out Ipv4Address address)
    {
        address = default;
        if (text is null)
        {
            return false;
        }
        uint value = 0;
        int parts = 0;
        int i = 0;
        while (parts < 4)
        {
            int start = i;
            uint part = 0;
            while (i < text.Length && i - start < 3 && char.IsAsciiDigit(text[i]))
            {
                part = part * 10 + (uint)(text[i] - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || part > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }
            value = (value << 8) | part;
            parts++;
            if (parts < 4)
            {
                if (i >= text.Length || text[i] != '.')
                {
                    return false;
                }
                i++;
            }
        }
        if (i != text.Length)
        {
            return false;
        }
        address = new Ipv4Address(value);
        return true;
    }

    /// <summary>Parses dotted-quad notation.</summary>
    /// <exception cref="FormatException">The text is not an IPv4 address.</exception>
    public static Ipv4Address Parse(string text) =>
        TryParse(text, out Ipv4Address address) ? address : throw new FormatException($"'{text}' is not an IPv4 address.");

    /// <inheritdoc/>
    public override string ToString() => $"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}";
}
