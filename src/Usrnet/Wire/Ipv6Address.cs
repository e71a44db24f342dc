using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Usrnet.Wire;

/// <summary>
/// An IPv6 address as a 128-bit number (no allocation, unlike <see cref="IPAddress"/>): the address type of
/// the IPv6 layer (RFC 4291 §2) and of AAAA records (RFC 3596 §2.2).
/// </summary>
/// <param name="Value">The address as a number, first octet most significant.</param>
public readonly record struct Ipv6Address(UInt128 Value)
{
    /// <summary>Length of an address on the wire, in bytes.</summary>
    public const int Length = 16;

    /// <summary>Length of an interface identifier in bits: unicast addresses other than 000/3 have 64 (RFC 4291 §2.5.1).</summary>
    public const int InterfaceIdentifierLength = 64;

    /// <summary>The link-local prefix fe80::/64 (RFC 4291 §2.5.6).</summary>
    private static readonly UInt128 LinkLocalPrefix = new(0xFE80_0000_0000_0000, 0);

    /// <summary>The solicited-node prefix ff02::1:ff00:0/104 (RFC 4291 §2.7.1).</summary>
    private static readonly UInt128 SolicitedNodePrefix = new(0xFF02_0000_0000_0000, 0x0000_0001_FF00_0000);

    /// <summary>The low 24 bits of an address, which its solicited-node group keeps (RFC 4291 §2.7.1).</summary>
    private const uint SolicitedNodeMask = 0x00FF_FFFF;

    /// <summary>The universal/local bit of an EUI-64, inverted in a modified EUI-64 (RFC 4291 Appendix A).</summary>
    private const ulong UniversalLocalBit = 0x0200_0000_0000_0000;

    /// <summary>::, the unspecified address (RFC 4291 §2.5.2): the source of DAD probes before an address is assigned.</summary>
    public static Ipv6Address Unspecified => default;

    /// <summary>::1, the loopback address (RFC 4291 §2.5.3).</summary>
    public static Ipv6Address Loopback { get; } = new(1);

    /// <summary>ff02::1, the link-local all-nodes group (RFC 4291 §2.7.1): unsolicited router advertisements go there.</summary>
    public static Ipv6Address AllNodes { get; } = new(new UInt128(0xFF02_0000_0000_0000, 1));

    /// <summary>ff02::2, the link-local all-routers group (RFC 4291 §2.7.1): router solicitations go there.</summary>
    public static Ipv6Address AllRouters { get; } = new(new UInt128(0xFF02_0000_0000_0000, 2));

    /// <summary>ff02::16, the all-MLDv2-capable-routers group (RFC 3810 §5.2.14): MLDv2 reports go there.</summary>
    public static Ipv6Address AllMldv2Routers { get; } = new(new UInt128(0xFF02_0000_0000_0000, 0x16));

    /// <summary>Creates an address from its eight 16-bit groups, as written: <c>new(0xfd00, 0, 0, 1, 0, 0, 0, 2)</c> is fd00:0:0:1::2.</summary>
    public Ipv6Address(ushort a, ushort b, ushort c, ushort d, ushort e, ushort f, ushort g, ushort h)
        : this(new UInt128(((ulong)a << 48) | ((ulong)b << 32) | ((ulong)c << 16) | d, ((ulong)e << 48) | ((ulong)f << 32) | ((ulong)g << 16) | h))
    {
    }

    /// <summary>True for ::.</summary>
    public bool IsUnspecified => Value == UInt128.Zero;

    /// <summary>True for ::1.</summary>
    public bool IsLoopback => Value == UInt128.One;

    /// <summary>True for ff00::/8 (RFC 4291 §2.7).</summary>
    public bool IsMulticast => (byte)(Value >> 120) == 0xFF;

    /// <summary>True for the link-local unicast prefix fe80::/10 (RFC 4291 §2.5.6).</summary>
    public bool IsLinkLocal => (ushort)(Value >> 112) >> 6 == 0xFE80 >> 6;

    /// <summary>True for an IPv4-mapped address ::ffff:0:0/96 (RFC 4291 §2.5.5.2), which never appears on the wire.</summary>
    public bool IsIpv4Mapped => (Value >> 32) == 0xFFFF;

    /// <summary>
    /// The scope of a multicast address, the low four bits of its second octet (RFC 4291 §2.7): 1 interface-local,
    /// 2 link-local, 4 admin-local, 5 site-local, 8 organization-local, 14 global; 0 for a unicast address.
    /// </summary>
    public int MulticastScope => IsMulticast ? (int)(Value >> 112) & 0x0F : 0;

    /// <summary>The low 64 bits: the interface identifier of a unicast address with a 64-bit prefix (RFC 4291 §2.5.1).</summary>
    public ulong InterfaceIdentifier => (ulong)Value;

    /// <summary>
    /// The solicited-node multicast group of <paramref name="address"/>, ff02::1:ffXX:XXXX with its low 24
    /// bits (RFC 4291 §2.7.1): neighbor solicitations for the address go there (RFC 4861 §7.2.2).
    /// </summary>
    public static Ipv6Address SolicitedNode(Ipv6Address address) => new(SolicitedNodePrefix | (address.Value & SolicitedNodeMask));

    /// <summary>
    /// The modified EUI-64 interface identifier of a MAC (RFC 4291 Appendix A; RFC 2464 §4): ff:fe inserted
    /// between the third and fourth octets, and the universal/local bit inverted.
    /// </summary>
    public static ulong ModifiedEui64(EthernetAddress mac)
    {
        Span<byte> b = stackalloc byte[EthernetAddress.Length];
        mac.WriteTo(b);
        ulong eui64 = ((ulong)b[0] << 56) | ((ulong)b[1] << 48) | ((ulong)b[2] << 40) | (0xFFFEUL << 24)
                    | ((ulong)b[3] << 16) | ((ulong)b[4] << 8) | b[5];
        return eui64 ^ UniversalLocalBit;
    }

    /// <summary>The address of a 64-bit <paramref name="prefix"/> (its low 64 bits are ignored) and an interface identifier (RFC 4291 §2.5.1).</summary>
    public static Ipv6Address FromInterfaceIdentifier(Ipv6Address prefix, ulong interfaceIdentifier) =>
        new(new UInt128((ulong)(prefix.Value >> 64), interfaceIdentifier));

    /// <summary>The link-local address fe80::/64 with the MAC's modified EUI-64 identifier (RFC 4862 §5.3; RFC 2464 §5).</summary>
    public static Ipv6Address LinkLocalFromMac(EthernetAddress mac) => FromInterfaceIdentifier(new Ipv6Address(LinkLocalPrefix), ModifiedEui64(mac));

    /// <summary>A mask of <paramref name="prefixLength"/> leading one bits, 0 to 128.</summary>
    internal static UInt128 PrefixMask(int prefixLength) => prefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefixLength);

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
