using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Usrnet.Wire;

/// <summary>
/// An IPv6 address as a 128-bit number (no allocation, unlike <see cref="IPAddress"/>). The stack speaks
/// IPv4 only; this type carries the addresses of AAAA records (RFC 3596 §2.2).
/// </summary>
/// <param name="Value">The address as a number, first octet most significant.</param>
public readonly record struct Ipv6Address(UInt128 Value)
{
    /// <summary>Length of an address on the wire, in bytes.</summary>
    public const int Length = 16;

    /// <summary>Reads an address in network order from the first sixteen bytes of <paramref name="bytes"/>.</summary>
    public static Ipv6Address Read(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    /// <summary>Writes the address in network order to the first sixteen bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    /// <summary>Converts to a BCL address.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        return new IPAddress(bytes);
    }

    /// <summary>Converts from a BCL address.</summary>
    /// <exception cref="ArgumentException">The address is not IPv6.</exception>
    public static Ipv6Address FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"'{address}' is not an IPv6 address.", nameof(address));
        }
        Span<byte> bytes = stackalloc byte[Length];
        address.TryWriteBytes(bytes, out _);
        return Read(bytes);
    }

    /// <summary>Parses any text form <see cref="IPAddress"/> accepts for IPv6 (without a scope).</summary>
    public static bool TryParse(string? text, out Ipv6Address address)
    {
        address = default;
        if (text is null || !IPAddress.TryParse(text, out IPAddress? parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6 || parsed.ScopeId != 0)
        {
            return false;
        }
        address = FromIPAddress(parsed);
        return true;
    }

    /// <summary>The RFC 5952 text form ("fd00::3").</summary>
    public override string ToString() => ToIPAddress().ToString();
}
