using System.Globalization;
using System.Numerics;

namespace Usrnet.Wire;

/// <summary>An IPv4 address with a prefix length, as in <c>10.0.0.102/24</c>.</summary>
/// <param name="Address">The address.</param>
/// <param name="PrefixLength">The prefix length, 0 to 32.</param>
public readonly record struct Ipv4Cidr(Ipv4Address Address, int PrefixLength)
{
    /// <summary>The network mask, e.g. 255.255.255.0 for /24.</summary>
    public Ipv4Address Netmask => new(PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength));

    /// <summary>The network address (host bits cleared).</summary>
    public Ipv4Address Network => new(Address.Value & Netmask.Value);

    /// <summary>The directed broadcast address of the subnet (RFC 919), or null for /31 and /32 (RFC 3021).</summary>
    public Ipv4Address? DirectedBroadcast => PrefixLength >= 31 ? null : new Ipv4Address(Address.Value | ~Netmask.Value);

    /// <summary>True when <paramref name="other"/> lies in this subnet.</summary>
    public bool Contains(Ipv4Address other) => (other.Value & Netmask.Value) == Network.Value;

    /// <summary>
    /// Makes a CIDR of <paramref name="address"/> and a subnet mask as DHCP option 1 carries it (RFC 950);
    /// false when the mask's ones do not run contiguously from the top bit (CIDR prefixes, RFC 4632 §3.1).
    /// </summary>
    public static bool TryFromNetmask(Ipv4Address address, Ipv4Address netmask, out Ipv4Cidr cidr)
    {
        int prefix = BitOperations.LeadingZeroCount(~netmask.Value);
        Ipv4Cidr candidate = new(address, prefix);
        bool contiguous = candidate.Netmask == netmask;
        cidr = contiguous ? candidate : default;
        return contiguous;
    }

    /// <summary>Parses <c>a.b.c.d/n</c>.</summary>
    public static bool TryParse(string? text, out Ipv4Cidr cidr)
    {
        cidr = default;
        int slash = text?.IndexOf('/') ?? -1;
        if (slash < 0
            || !Ipv4Address.TryParse(text![..slash], out Ipv4Address address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
            || prefix > 32)
        {
            return false;
        }
        cidr = new Ipv4Cidr(address, prefix);
        return true;
    }

    /// <summary>Parses <c>a.b.c.d/n</c>.</summary>
    /// <exception cref="FormatException">The text is not in that form.</exception>
    public static Ipv4Cidr Parse(string text) =>
        TryParse(text, out Ipv4Cidr cidr) ? cidr : throw new FormatException($"'{text}' is not an IPv4 address with prefix (expected a.b.c.d/n).");

    /// <inheritdoc/>
    public override string ToString() => $"{Address}/{PrefixLength}";
}
